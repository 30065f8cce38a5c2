//! Nothing lost, nothing false, under attack: the workflow on real databases when rows are in
//! the tables, when two runs race, when a lock is held or lost, when files go missing or are
//! tampered with. Every test puts rows in first and counts them after.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Bundle, Project, text};
use sealift_ir::Dialect;
use sealift_testkit::{TestDb, e2e_env};
use sqlx::Connection as _;

/// A parent with three children, one per referential action a SQLite rebuild of the parent
/// must not fire: CASCADE (deletes the child), SET NULL (empties its key), RESTRICT (fails).
const AUTHOR_UNIQUE: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "author")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

fn child(table: &str, nullable: bool, action: &str) -> String {
    let key = if nullable { "Option<i32>" } else { "i32" };
    format!(
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "{table}")]
pub struct Model {{
    #[sea_orm(primary_key)]
    pub id: i32,
    pub author_id: {key},
}}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {{
    #[sea_orm(
        belongs_to = "super::author::Entity",
        from = "Column::AuthorId",
        to = "super::author::Column::Id",
        on_delete = "{action}"
    )]
    Author,
}}

impl ActiveModelBehavior for ActiveModel {{}}
"#
    )
}

/// Rows of the three children, and how many still point at an author: what a rebuild of
/// `author` must leave as it was.
async fn children(url: &str) -> (i64, i64, i64, i64) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let book = count("SELECT count(*) FROM book")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let reviewed = count("SELECT count(*) FROM review WHERE author_id IS NOT NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let award = count("SELECT count(*) FROM award")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let broken = count("SELECT count(*) FROM pragma_foreign_key_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    // The view over author reads again once the table is back.
    count("SELECT count(*) FROM author_names")
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("the view over author is broken: {e}"));
    let _ = conn.close().await;
    (book, reviewed, award, broken)
}

const KEPT: (i64, i64, i64, i64) = (3, 2, 2, 0);

/// Runs an offline script the way a DBA would: `sqlite3 -bail DB < script`.
fn sqlite3(db: &std::path::Path, script: &str) -> std::process::Output {
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sqlite3 command line (Debian package sqlite3)");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_rebuild_keeps_child_rows_every_way_it_runs() {
    let db = TestDb::create("safe_rebuild", Dialect::Sqlite).await;
    let TestDb::Lite(file) = &db else {
        unreachable!()
    };
    let p = Project::new("safe_rebuild", &db.url());
    p.entity("book.rs", &child("book", false, "Cascade"));
    p.entity("review.rs", &child("review", true, "SetNull"));
    p.entity("award.rs", &child("award", false, "Restrict"));
    p.ok(&["autogen", "Create"]);
    p.ok(&["upgrade"]);
    let created = p.migrations().pop().unwrap();
    db.run(&[
        "INSERT INTO author (id, name) VALUES (1, 'ada'), (2, 'grace')".to_owned(),
        "INSERT INTO book (author_id) VALUES (1), (1), (2)".to_owned(),
        "INSERT INTO review (author_id) VALUES (1), (2)".to_owned(),
        "INSERT INTO award (author_id) VALUES (1), (2)".to_owned(),
        "CREATE VIEW author_names AS SELECT name FROM author".to_owned(),
    ])
    .await;
    assert_eq!(children(&db.url()).await, KEPT);

    // A unique key on the parent: SQLite rebuilds author.
    p.entity("author.rs", AUTHOR_UNIQUE);
    p.ok(&["autogen", "UniqueName"]);
    let unique = p.migrations().pop().unwrap();

    // 1. sealift upgrade and downgrade.
    let up = p.ok(&["upgrade"]);
    assert!(up.contains(&format!("{unique} ... done")), "{up}");
    assert_eq!(children(&db.url()).await, KEPT, "after sealift upgrade");
    p.ok(&["check"]);
    p.ok(&["downgrade", "--yes"]);
    assert_eq!(children(&db.url()).await, KEPT, "after sealift downgrade");

    // 2. The migration crate's own command line, which runs SQLite migrations outside a
    // transaction: the file follows SQLite's procedure itself.
    for (args, when) in [(["up"], "cargo run -- up"), (["down"], "cargo run -- down")] {
        let out = p.seaorm(&args);
        assert!(
            out.status.success(),
            "{when}\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(children(&db.url()).await, KEPT, "after {when}");
    }

    // 3. The offline script, piped into sqlite3.
    let up_sql = p.ok(&["upgrade", "--sql", &format!("{created}:head")]);
    assert!(
        up_sql.find("PRAGMA foreign_keys = OFF;") < up_sql.find("BEGIN;"),
        "{up_sql}"
    );
    let out = sqlite3(file.path(), &up_sql);
    assert!(out.status.success(), "{}\n{up_sql}", text(&out.stderr));
    assert_eq!(children(&db.url()).await, KEPT, "after the up script");
    let _ = p.at(Some(&unique));
    let down_sql = p.ok(&["downgrade", "--sql", &format!("head:{created}")]);
    let out = sqlite3(file.path(), &down_sql);
    assert!(out.status.success(), "{}\n{down_sql}", text(&out.stderr));
    assert_eq!(children(&db.url()).await, KEPT, "after the down script");
    let _ = p.at(Some(&created));

    // 4. The bundle `sealift bundle` writes, run with no cargo and no sources.
    let bundle = Bundle::make(&p);
    for (args, when) in [
        (&["upgrade"][..], "the bundle's upgrade"),
        (&["downgrade", "--yes"], "the bundle's downgrade"),
    ] {
        let out = bundle.run(&db.url(), args);
        assert!(
            out.status.success(),
            "{when}\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(children(&db.url()).await, KEPT, "after {when}");
    }
    let _ = p.at(Some(&created));

    // 5. Run inside a transaction where foreign keys cannot be turned off, the rebuild stops
    // before it drops anything, instead of running every child's ON DELETE.
    let path = p.migration.join(format!("src/{unique}.rs"));
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        source.replacen(
            "impl MigrationTrait for Migration {",
            "impl MigrationTrait for Migration {\n    fn use_transaction(&self) -> Option<bool> {\n        Some(true)\n    }\n",
            1,
        ),
    )
    .unwrap();
    let out = p.seaorm(&["up"]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !out.status.success() && said.contains("foreign keys are on inside a transaction"),
        "{said}"
    );
    assert_eq!(children(&db.url()).await, KEPT, "after the refused rebuild");
}

/// The same parent and children on PostgreSQL and MariaDB, rows in, and a migration over both
/// (a unique key on the parent, a column on a child) run up and down every way users run one:
/// `sealift upgrade` and `downgrade`, the migration crate's own binary, the offline scripts
/// piped into `psql` and `mariadb`, the bundle from `sealift bundle`. Every row stays, and the
/// history says where the schema is.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_rows_survive_every_way_a_migration_runs() {
    rows_survive_every_way_a_migration_runs(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_rows_survive_every_way_a_migration_runs() {
    rows_survive_every_way_a_migration_runs(Dialect::Mysql).await;
}

async fn rows_survive_every_way_a_migration_runs(dialect: Dialect) {
    let db = TestDb::create("rows_survive", dialect).await;
    let url = db.url();
    let p = Project::new(&format!("rows_survive_{}", common::label(dialect)), &url);
    p.entity("book.rs", &child("book", false, "Cascade"));
    p.entity("review.rs", &child("review", true, "SetNull"));
    p.entity("award.rs", &child("award", false, "Restrict"));
    p.ok(&["autogen", "Create"]);
    p.ok(&["upgrade"]);
    let created = p.migrations().pop().unwrap();
    db.run(&[
        "INSERT INTO author (id, name) VALUES (1, 'ada'), (2, 'grace')".to_owned(),
        "INSERT INTO book (author_id) VALUES (1), (1), (2)".to_owned(),
        "INSERT INTO review (author_id) VALUES (1), (2)".to_owned(),
        "INSERT INTO award (author_id) VALUES (1), (2)".to_owned(),
    ])
    .await;
    let rows = || async {
        (
            count(&url, "author").await,
            count(&url, "book").await,
            count(&url, "review WHERE author_id IS NOT NULL").await,
            count(&url, "award").await,
        )
    };
    const ROWS: (i64, i64, i64, i64) = (2, 3, 2, 2);
    assert_eq!(rows().await, ROWS);

    p.entity("author.rs", AUTHOR_UNIQUE);
    p.entity(
        "book.rs",
        &child("book", false, "Cascade").replace(
            "    pub author_id: i32,\n",
            "    pub author_id: i32,\n    pub note: Option<String>,\n",
        ),
    );
    let planned = p.ok(&["autogen", "UniqueNameBookNote"]);
    assert!(planned.contains("note"), "{planned}");
    let changed = p.migrations().pop().unwrap();

    // 1. sealift upgrade and downgrade.
    p.ok(&["upgrade"]);
    assert_eq!(rows().await, ROWS, "after sealift upgrade");
    p.ok(&["check"]);
    p.ok(&["downgrade", "--yes"]);
    assert_eq!(rows().await, ROWS, "after sealift downgrade");
    let _ = p.at(Some(&created));

    // 2. The migration crate's own command line.
    for (args, when) in [(["up"], "cargo run -- up"), (["down"], "cargo run -- down")] {
        let out = p.seaorm(&args);
        assert!(
            out.status.success(),
            "{when}\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(rows().await, ROWS, "after {when}");
    }
    let _ = p.at(Some(&created));

    // 3. The offline scripts, run by the database's own client.
    let up_sql = p.ok(&["upgrade", "--sql", &format!("{created}:head")]);
    common::apply_sql(dialect, &db, &up_sql);
    assert_eq!(rows().await, ROWS, "after the up script");
    let _ = p.at(Some(&changed));
    p.ok(&["check"]);
    let down_sql = p.ok(&["downgrade", "--sql", &format!("head:{created}")]);
    common::apply_sql(dialect, &db, &down_sql);
    assert_eq!(rows().await, ROWS, "after the down script");
    let _ = p.at(Some(&created));

    // 4. The bundle `sealift bundle` writes, run with no cargo and no sources.
    let bundle = Bundle::make(&p);
    for (args, when, at) in [
        (&["upgrade"][..], "the bundle's upgrade", &changed),
        (&["downgrade", "--yes"], "the bundle's downgrade", &created),
    ] {
        let out = bundle.run(&url, args);
        assert!(
            out.status.success(),
            "{when}\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(rows().await, ROWS, "after {when}");
        let _ = p.at(Some(at));
    }
}

/// A migration made with `sealift create`: `up` and `down` bodies, and where its file is.
fn create_table(table: &str) -> (String, String) {
    let (up, down) = common::table_code(table);
    (
        format!(
            "{up}\n        manager.get_connection().execute_unprepared(\"INSERT INTO {table} (id) VALUES (1), (2), (3)\").await?;"
        ),
        down,
    )
}

/// The rows of `table`, whichever backend `url` names.
async fn count(url: &str, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}"));
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else if url.starts_with("mysql") {
        let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// What the history says is applied, oldest first.
fn applied(p: &Project) -> Vec<String> {
    let out = p.ok(&["history"]);
    out.lines()
        .filter(|l| l.starts_with("[applied"))
        .filter_map(|l| l.split("] ").nth(1))
        .map(|l| l.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

/// Downs that lose rows, or cannot be read with certainty, need --yes; an applied migration
/// whose file is gone stops a downgrade; a run holding SQLite's lock keeps `stamp` and
/// `downgrade` out, and a race leaves no hole in the history.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_downs_locks_and_missing_files() {
    let db = TestDb::create("safe_downs", Dialect::Sqlite).await;
    let TestDb::Lite(file) = &db else {
        unreachable!()
    };
    let url = format!("{}?mode=rwc", db.url());
    let p = Project::new("safe_downs", &db.url());
    let (up, down) = create_table("precious");
    let precious = p.hand_written("Precious", &up, &down);
    let emptied = p.hand_written(
        "Emptied",
        "",
        r#"        manager.get_connection().execute_unprepared("DELETE FROM precious").await?;"#,
    );
    // A down that calls a helper of another file: it cannot be read, so it is not trusted.
    let helped = p.hand_written(
        "Helped",
        "",
        "        crate::undo::everything(manager).await?;",
    );
    std::fs::write(
        p.migration.join("src/undo.rs"),
        "use sea_orm_migration::prelude::*;\n\npub async fn everything(manager: &SchemaManager<'_>) -> Result<(), DbErr> {\n    manager.get_connection().execute_unprepared(\"DELETE FROM precious\").await?;\n    Ok(())\n}\n",
    )
    .unwrap();
    let lib = p.migration.join("src/lib.rs");
    let text_of_lib = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("pub mod undo;\n{text_of_lib}")).unwrap();
    p.ok(&["upgrade"]);
    assert_eq!(count(&url, "precious").await, 3);

    let refused = p.fails(&["downgrade"], 1);
    assert!(
        refused.contains("calls crate::undo::everything (not defined in this file)"),
        "{refused}"
    );
    let refused = p.fails(&["downgrade", "-2"], 1);
    assert!(
        refused.contains(&format!("{emptied} deletes rows")) && refused.contains("--yes"),
        "{refused}"
    );
    assert_eq!(count(&url, "precious").await, 3);
    assert_eq!(
        applied(&p),
        [precious.clone(), emptied.clone(), helped.clone()]
    );

    // Bad durations are refused before anything runs.
    let bad = p.fails(&["upgrade", "--lock-timeout", "9999999s"], 2);
    assert!(bad.contains("longer than a lock timeout can be"), "{bad}");

    // Another run holds the lock: stamp and downgrade wait, name it, and give up.
    let lock_path = format!("{}.sealift-lock", file.path().display());
    let mut holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.lock().unwrap();
    use std::io::Write as _;
    holder.set_len(0).unwrap();
    holder
        .write_all(b"process 4242 (a test holding the lock)\n")
        .unwrap();
    for args in [
        &["stamp", "base", "--lock-wait", "1s"][..],
        &["downgrade", "--yes", "--lock-wait", "1s"][..],
    ] {
        let waited = p.fails(args, 2);
        assert!(
            waited.contains("gave up waiting for the migration lock after 1s")
                && waited.contains("process 4242 (a test holding the lock)"),
            "{args:?}\n{waited}"
        );
    }
    holder.unlock().unwrap();
    assert_eq!(
        applied(&p),
        [precious.clone(), emptied.clone(), helped.clone()]
    );

    // The newest applied migration's file is gone: downgrade refuses to roll back the one
    // beneath it.
    std::fs::remove_file(p.migration.join(format!("src/{helped}.rs"))).unwrap();
    let lib_text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        lib_text
            .replace(&format!("mod {helped};\n"), "")
            .replace(&format!("Box::new({helped}::Migration),"), ""),
    )
    .unwrap();
    let refused = p.fails(&["downgrade", "--yes"], 2);
    assert!(
        refused.contains(&format!(
            "{helped} is applied, newer than {emptied}, but its file is missing"
        )),
        "{refused}"
    );
    assert_eq!(count(&url, "precious").await, 3);
    p.ok(&["stamp", &emptied]);

    // Races: an upgrade of slow steps, each making a table with a row, against a downgrade;
    // then against a stamp. Each waits for the other's lock, so the history never has a hole,
    // and (stamp aside, which records without running by design) a migration is applied
    // exactly when its table is there.
    for i in 0..4 {
        p.hand_written(
            &format!("Slow{i}"),
            &format!(
                r#"        std::thread::sleep(std::time::Duration::from_millis(400));
        manager.get_connection().execute_unprepared("CREATE TABLE slow{i} (id integer PRIMARY KEY); INSERT INTO slow{i} VALUES (1)").await?;"#
            ),
            &format!(r#"        manager.get_connection().execute_unprepared("DROP TABLE slow{i}").await?;"#),
        );
    }
    p.ok(&["upgrade", "--sql", &format!("{emptied}:head")]);
    let finished = |run: std::process::Child, may_refuse: bool| {
        let out = run.wait_with_output().unwrap();
        let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
        // A downgrade lists the migration at head when it starts; under the lock the head
        // has moved, so it runs nothing rather than something it did not show.
        let refused = may_refuse
            && out.status.code() == Some(1)
            && said.contains("nothing was run: the history changed while this command waited");
        assert!(out.status.success() || refused, "{said}");
    };
    let all = p.migrations();
    let upgrade = spawn(&p, &["upgrade"]);
    // The downgrade starts once the upgrade holds the lock (not after a guessed delay: on a
    // busy machine the upgrade may take longer to get there, and a downgrade of `emptied`,
    // asked for with --yes, would then rightly delete its rows).
    wait_until_locked(&lock_path);
    let downgrade = spawn(&p, &["downgrade", "--yes"]);
    finished(upgrade, false);
    finished(downgrade, true);
    let now = applied(&p);
    assert_eq!(now, all[..now.len()], "a hole in the history");
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for (i, m) in all[all.len() - 4..].iter().enumerate() {
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        )
        .bind(format!("slow{i}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            tables == 1,
            now.contains(m),
            "{m}: history and schema disagree"
        );
        if tables == 1 {
            assert_eq!(count(&url, &format!("slow{i}")).await, 1);
        }
    }
    let _ = conn.close().await;
    let upgrade = spawn(&p, &["upgrade"]);
    std::thread::sleep(Duration::from_millis(200));
    let stamp = spawn(&p, &["stamp", "head"]);
    finished(upgrade, false);
    finished(stamp, false);
    let now = applied(&p);
    assert_eq!(now, all, "a hole in the history");
    assert_eq!(count(&url, "precious").await, 3);
}

/// Returns once another process holds the SQLite lock file at `path` (sealift's whole-run
/// lock), polling without keeping it.
fn wait_until_locked(path: &str) {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) => return,
            Err(e) => panic!("cannot try the lock at {path}: {e}"),
            Ok(()) => file.unlock().unwrap(),
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no run took the lock at {path} within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The key of sealift's advisory lock for the history table of a PostgreSQL database's
/// current schema, as `history/postgres.rs` computes it.
const PG_LOCK_KEY: &str = "hashtextextended(current_database() || '.' || coalesce(current_schema(), '') || '.' || 'seaql_migrations', 0)";

fn spawn(p: &Project, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(&p.root)
        .env("DATABASE_URL", &p.url)
        .env("NO_COLOR", "1")
        .envs(e2e_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// On PostgreSQL: a downgrade decides under the lock (what it listed is what it runs, or
/// nothing); a wait for the lock names the holder and gives up; a lock the server takes away
/// stops the run before the next migration; a role that does not own the history table still
/// migrates.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_lock_decisions_and_a_lock_lost() {
    let db = TestDb::create("safe_pglock", Dialect::Postgres).await;
    let p = Project::new("safe_pglock", &db.url());
    let (up, down) = create_table("precious");
    let precious = p.hand_written("Precious", &up, &down);
    let index = p.hand_written(
        "AddIndex",
        r#"        manager.create_index(Index::create().name("precious_id").table("precious").col("id").to_owned()).await?;"#,
        r#"        manager.drop_index(Index::drop().name("precious_id").table("precious").to_owned()).await?;"#,
    );
    p.ok(&["upgrade"]);

    // Another session holds the lock, as a run in progress does.
    let mut holder =
        sqlx::PgConnection::connect(&format!("{}?application_name=wf-holder", db.url()))
            .await
            .unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT pg_advisory_lock({PG_LOCK_KEY})"
    )))
    .execute(&mut holder)
    .await
    .unwrap();
    let waited = p.fails(&["stamp", "head", "--lock-wait", "1s"], 2);
    assert!(
        waited.contains(&format!("it is held by process {pid} (wf-holder")),
        "{waited}"
    );

    // downgrade -1 lists the harmless AddIndex and waits; meanwhile the other run rolls
    // AddIndex back itself. Under the lock, -1 would now drop `precious`: nothing runs.
    let mut downgrade = spawn(&p, &["downgrade", "-1"]);
    // Its list is printed and it waits for the lock: only then does the other run move.
    let mut stdout = std::io::BufReader::new(downgrade.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("Waiting: another run holds the migration lock") {
        use std::io::BufRead as _;
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        printed.push_str(&line);
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP INDEX precious_id; DELETE FROM seaql_migrations WHERE version = '{index}'; SELECT pg_advisory_unlock({PG_LOCK_KEY})"
    )))
    .execute(&mut holder)
    .await
    .unwrap();
    let out = downgrade.wait_with_output().unwrap();
    let rest = {
        use std::io::Read as _;
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        rest
    };
    let said = format!("{printed}{rest}{}", text(&out.stderr));
    assert!(
        said.contains(&format!("  - {index}\n"))
            && said.contains(&format!("Waiting: another run holds the migration lock on this database: process {pid} (wf-holder"))
            && said.contains(&format!("It was to run {index}; it would now run {precious}")),
        "{said}"
    );
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert_eq!(count(&db.url(), "precious").await, 3);
    let _ = p.at(Some(&precious));

    // The server ends sealift's lock session while a migration runs: the run stops before
    // the next one, saying why.
    let slow = p.hand_written(
        "Slow",
        r#"        manager.get_connection().execute_unprepared("SELECT pg_sleep(3)").await?;"#,
        "",
    );
    let (up, down) = create_table("after_slow");
    let after = p.hand_written("After", &up, &down);
    p.ok(&["upgrade", &index]);
    let run = spawn(&p, &["upgrade"]);
    let mut killed = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Once the slow migration runs (on the runner's connection), the lock session goes.
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'sealift, migration lock since%' AND datname = current_database() \
             AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%' AND state = 'active' AND datname = current_database())",
        )
        .fetch_all(&mut holder)
        .await
        .unwrap();
        if !ended.is_empty() {
            killed = true;
            break;
        }
    }
    assert!(
        killed,
        "sealift's lock session never showed while the slow migration ran"
    );
    let out = run.wait_with_output().unwrap();
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.code() == Some(2) && said.contains("the migration lock was lost"),
        "{said}"
    );
    let _ = p.at(Some(&slow));
    assert!(!applied(&p).contains(&after));

    // A role that may write the history table but does not own it: no checksum column can
    // be added, and migrations still run and are recorded.
    let role = format!("{}_role", db.url().rsplit('/').next().unwrap());
    let (up, down) = create_table("by_role");
    let by_role = p.hand_written("ByRole", &up, &down);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE \"{role}\" LOGIN; GRANT USAGE, CREATE ON SCHEMA public TO \"{role}\"; \
         ALTER TABLE seaql_migrations DROP COLUMN sealift_checksum, DROP COLUMN sealift_dirty; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON seaql_migrations TO \"{role}\"; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{role}\""
    )))
    .execute(&mut holder)
    .await
    .unwrap();
    let role_url = db.url().replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(role_url, db.url(), "the test URL names the postgres user");
    let as_role = |args: &[&str]| p.sealift_with(&role_url, args);
    let out = as_role(&["upgrade"]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success()
            && said.contains("note: the history table seaql_migrations has no sealift_checksum column and this role may not add it"),
        "{said}"
    );
    let out = as_role(&["stamp", &after]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = as_role(&["stamp", "head"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = p.at(Some(&by_role));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "REASSIGN OWNED BY \"{role}\" TO postgres; DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""
    )))
    .execute(&mut holder)
    .await
    .unwrap();
}

/// MySQL's key of sealift's named lock for the history table of the connection's database.
const MY_LOCK_KEY: &str = "CONVERT(CONCAT('sealift:', SHA1(CONCAT(COALESCE(database(), ''), '.', 'seaql_migrations'))) USING utf8mb4)";

/// On MariaDB: a migration left dirty, or a run in progress (the lock held), keeps `autogen`
/// and `check` from planning; a wait for the lock names the holder.
#[tokio::test(flavor = "multi_thread")]
async fn mysql_dirty_or_running_is_not_at_head() {
    let db = TestDb::create("safe_mydirty", Dialect::Mysql).await;
    let p = Project::new("safe_mydirty", &db.url());
    p.ok(&["autogen", "CreateAuthor"]);
    p.ok(&["upgrade"]);
    p.ok(&["check"]);

    // A run that stopped part way (or is part way now) leaves its migration marked.
    let mut conn = sqlx::MySqlConnection::connect(&db.url()).await.unwrap();
    sqlx::query("UPDATE seaql_migrations SET sealift_dirty = 'up'")
        .execute(&mut conn)
        .await
        .unwrap();
    for command in ["autogen", "check"] {
        let args: &[&str] = if command == "autogen" {
            &["autogen", "Again"]
        } else {
            &["check"]
        };
        let refused = p.fails(args, 2);
        assert!(
            refused.contains("the database is not at head") && refused.contains("did not finish"),
            "{command}\n{refused}"
        );
    }
    assert_eq!(p.migrations().len(), 1, "autogen wrote a migration");
    sqlx::query("UPDATE seaql_migrations SET sealift_dirty = NULL")
        .execute(&mut conn)
        .await
        .unwrap();

    // Another session holds the lock: a run is in progress.
    let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let got: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT GET_LOCK({MY_LOCK_KEY}, 0)"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(got, Some(1));
    let refused = p.fails(&["autogen", "Again"], 2);
    assert!(
        refused.contains("a migration run is in progress")
            && refused.contains(&format!("connection {id} (")),
        "{refused}"
    );
    let waited = p.fails(&["downgrade", "--yes", "--lock-wait", "1s"], 2);
    assert!(
        waited.contains(&format!("it is held by connection {id} (")),
        "{waited}"
    );
    let _ = conn.close().await;
    p.ok(&["check"]);
}

/// Six `sealift create` at once: six files, six entries, none lost. A symlink planted where a
/// temporary file might go is never followed.
#[test]
fn concurrent_creates_and_a_planted_symlink() {
    let p = Project::new("safe_create", "sqlite::memory:");
    let runs: Vec<_> = (0..6)
        .map(|i| spawn(&p, &["create", &format!("Data{i}")]))
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let listed = p.migrations();
    assert_eq!(listed.len(), 6, "{listed:?}");
    for m in &listed {
        assert!(p.migration.join(format!("src/{m}.rs")).is_file(), "{m}");
    }
    let src = p.migration.join("src");
    let victim = p.root.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    #[cfg(unix)]
    for planted in ["lib.sealift-tmp", "lib.rs.sealift-tmp", ".sealift-tmp"] {
        std::os::unix::fs::symlink(&victim, src.join(planted)).unwrap();
    }
    p.ok(&["create", "Again"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let lib = std::fs::symlink_metadata(src.join("lib.rs")).unwrap();
    assert!(
        lib.file_type().is_file(),
        "lib.rs is no longer a plain file"
    );
    assert_eq!(p.migrations().len(), 7);
    let leftovers: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A history table named through a constant of lib.rs, then through a function only the
/// compiled crate can run: every command uses it, never `seaql_migrations`.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_history_table_from_a_constant_or_the_crate() {
    let db = TestDb::create("safe_table", Dialect::Sqlite).await;
    let url = format!("{}?mode=rwc", db.url());
    let p = Project::new("safe_table", &db.url());
    let (up, down) = create_table("precious");
    let precious = p.hand_written("Precious", &up, &down);
    let lib = p.migration.join("src/lib.rs");
    let original = std::fs::read_to_string(&lib).unwrap();
    let named = |how: &str, extra: &str| {
        original.replace(
            "    fn migrations() -> Vec<Box<dyn MigrationTrait>> {",
            &format!(
                "    fn migration_table_name() -> sea_orm_migration::sea_orm::DynIden {{\n        Alias::new({how}).into_iden()\n    }}\n\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {{"
            ),
        ) + extra
    };
    std::fs::write(
        &lib,
        named("HISTORY", "\nconst HISTORY: &str = \"app_history\";\n"),
    )
    .unwrap();
    p.ok(&["upgrade"]);
    assert_eq!(count(&url, "app_history").await, 1);
    p.ok(&["current"]);
    let plan = p.ok(&["diff", "--format", "markdown"]);
    assert!(
        plan.contains("precious") && !plan.contains("app_history"),
        "{plan}"
    );
    p.ok(&["stamp", "base"]);
    assert_eq!(count(&url, "app_history").await, 0);
    p.ok(&["stamp", "head"]);

    std::fs::write(
        &lib,
        named(
            "names::history()",
            "\nmod names {\n    pub fn history() -> &'static str {\n        \"app_history\"\n    }\n}\n",
        ),
    )
    .unwrap();
    let at = p.ok(&["current"]);
    assert!(at.starts_with(&format!("Current: {precious}")), "{at}");
    let plan = p.ok(&["diff", "--format", "markdown"]);
    assert!(
        plan.contains("precious") && !plan.contains("app_history"),
        "{plan}"
    );
    p.ok(&["downgrade", "--yes"]);
    assert_eq!(count(&url, "app_history").await, 0);
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let other: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'seaql_migrations'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(other, 0, "seaql_migrations was created");
}

/// A NOT NULL column without a default, new to a table that has rows: the migration would
/// fail as the database is, so autogen writes nothing, counts the rows, names the ways out,
/// and exits 1.
#[tokio::test(flavor = "multi_thread")]
async fn autogen_refuses_a_not_null_column_on_a_table_with_rows() {
    let db = TestDb::create("safe_notnull", Dialect::Sqlite).await;
    let p = Project::new("safe_notnull", &db.url());
    db.run(&[
        "CREATE TABLE author (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, name varchar NOT NULL)".to_owned(),
        "INSERT INTO author (name) VALUES ('ada'), ('grace'), ('edsger')".to_owned(),
    ])
    .await;
    p.ok(&["check"]);
    p.entity(
        "author.rs",
        &common::AUTHOR.replace(
            "    pub name: String,\n",
            "    pub name: String,\n    pub email: String,\n",
        ),
    );
    let refused = p.fails(&["autogen", "AddEmail"], 1);
    assert!(
        refused.contains("Nothing written: this migration would fail on the rows")
            && refused.contains("main.author has 3 row(s)")
            && refused.contains("default_value")
            && refused.contains("sealift create"),
        "{refused}"
    );
    assert!(p.migrations().is_empty(), "a migration was written");
    // With a default, every row gets it: written.
    p.entity(
        "author.rs",
        &common::AUTHOR.replace(
            "    pub name: String,\n",
            "    pub name: String,\n    #[sea_orm(default_value = \"\")]\n    pub email: String,\n",
        ),
    );
    p.ok(&["autogen", "AddEmail"]);
    assert_eq!(p.migrations().len(), 1);
}

/// Two `sealift autogen` at once for the same entity change: the second waits for the
/// migration crate's lock, then finds the first one's migration pending and refuses; one
/// migration is written, never the same one twice.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_autogens_write_one_migration() {
    let db = TestDb::create("safe_autogens", Dialect::Sqlite).await;
    let p = Project::new("safe_autogens", &db.url());
    let runs: Vec<_> = (0..3)
        .map(|i| spawn(&p, &["autogen", &format!("Create{i}")]))
        .collect();
    let codes: Vec<Option<i32>> = runs
        .into_iter()
        .map(|r| {
            let out = r.wait_with_output().unwrap();
            let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(
                out.status.success() || said.contains("the database is not up to date"),
                "{said}"
            );
            out.status.code()
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(p.migrations().len(), 1);
}
