//! The migration workflow on real databases (PostgreSQL, SQLite, MariaDB): `upgrade`,
//! `downgrade`, `current`, `history`, `stamp`, offline `--sql`, a failing migration (on MariaDB,
//! left dirty part way and recovered as the guide says), two concurrent upgrades, two branches
//! merged, and bad input. At each step of the guide, sea-orm-migration's
//! own `cargo run -- status` must agree with sealift; elsewhere `sealift current` is checked.
//!
//! The migration crates and sealift's runner build in the shared `target/e2e` folder with
//! warnings denied (`sealift_testkit::cargo`).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{AUTHOR, Project, apply_sql, catalog, label, text};
use sealift_ir::Dialect;
use sealift_testkit::{TestDb, e2e_env};

const POST: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    pub views: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn postgres_guide() {
    guide(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_guide() {
    guide(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_guide() {
    guide(Dialect::Mysql).await;
}

/// The guide's scenario: three migrations written across entity edits, then up and down
/// through every kind of target, stamp, and `check` at head.
async fn guide(dialect: Dialect) {
    let db = TestDb::create("wf_guide", dialect).await;
    let p = Project::new(&format!("wf_guide_{}", label(dialect)), &db.url());

    p.ok(&["autogen", "CreateAuthor"]);
    // Written but not applied: a second autogen would write it again, so it refuses.
    let refused = p.fails(&["autogen", "Again"], 2);
    assert!(
        refused.contains("not up to date") && refused.contains("sealift upgrade"),
        "{refused}"
    );
    assert!(p.fails(&["check"], 2).contains("1 migration pending"));
    p.ok(&["upgrade"]);
    p.entity(
        "author.rs",
        &AUTHOR.replace(
            "    pub name: String,\n",
            "    pub name: String,\n    pub bio: Option<String>,\n",
        ),
    );
    p.ok(&["autogen", "AddBio"]);
    p.ok(&["upgrade"]);
    p.entity("post.rs", POST);
    p.ok(&["autogen", "CreatePost"]);
    let m = p.migrations();
    assert_eq!(m.len(), 3, "{m:?}");
    // Each file names the one it was written on top of.
    let third = std::fs::read_to_string(p.migration.join(format!("src/{}.rs", m[2]))).unwrap();
    assert!(
        third.contains(&format!("//! Revises: {}\n", m[1])),
        "{third}"
    );
    p.agrees(Some(&m[1]));

    // Down to base needs --yes, and nothing is rolled back without it.
    let refused = p.fails(&["downgrade", "base"], 1);
    assert!(refused.contains("--yes"), "{refused}");
    p.agrees(Some(&m[1]));
    p.ok(&["downgrade", "base", "--yes"]);
    p.agrees(None);

    let out = p.ok(&["upgrade", "+1"]);
    assert!(out.contains(&m[0]) && out.contains(" ms)"), "{out}");
    p.agrees(Some(&m[0]));
    let history = p.ok(&["history"]);
    assert!(
        history.contains(&format!("] {} (current)", m[0])),
        "{history}"
    );
    assert!(
        history.contains(&format!("[pending] {} (head)", m[2])),
        "{history}"
    );
    let verbose = p.ok(&["history", "--verbose"]);
    assert!(
        verbose.contains("    - create table ") && verbose.contains(".author (2 columns)"),
        "{verbose}"
    );
    // Each migration is labelled by what its down does to the data.
    assert!(
        verbose
            .lines()
            .any(|l| l.starts_with("    rolling back: lossy: ") && l.contains("drops table")),
        "{verbose}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&p.ok(&["history", "--format", "json"])).unwrap();
    assert_eq!(json["entries"].as_array().unwrap().len(), 3);

    // A unique prefix names a migration: its timestamp without the leading `m`.
    let prefix = &m[1][1..16];
    p.ok(&["upgrade", prefix]);
    p.agrees(Some(&m[1]));
    p.ok(&["upgrade", "head"]);
    p.agrees(Some(&m[2]));
    let clean = p.sealift(&["check"]);
    assert!(
        clean.status.success(),
        "{}{}",
        text(&clean.stdout),
        text(&clean.stderr)
    );

    // Rolling back a migration that created a table needs --yes.
    p.fails(&["downgrade"], 1);
    p.ok(&["downgrade", "-1", "--yes"]);
    p.agrees(Some(&m[1]));
    p.ok(&["downgrade", &m[0], "--yes"]);
    p.agrees(Some(&m[0]));
    p.ok(&["downgrade", "base", "--yes"]);
    p.agrees(None);
    let dump = catalog(&db.url()).await;
    assert!(!dump.contains("table "), "base leaves no tables\n{dump}");
    p.ok(&["upgrade", "head"]);
    p.agrees(Some(&m[2]));
    assert!(p.sealift(&["check"]).status.success());

    // Stamp records without running: the tables stay, the history moves.
    p.ok(&["stamp", &m[0]]);
    p.agrees(Some(&m[0]));
    assert!(
        catalog(&db.url()).await.contains("table post"),
        "stamp ran nothing"
    );
    p.ok(&["stamp", "head"]);
    p.agrees(Some(&m[2]));
    assert!(p.ok(&["upgrade"]).starts_with("Nothing to apply"));

    // Edited after it was applied: current and history say so, upgrade warns, with nothing
    // to apply too.
    let first = p.migration.join(format!("src/{}.rs", m[0]));
    let text0 = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, format!("{text0}\n// edited\n")).unwrap();
    let current = p.fails(&["current"], 1);
    assert!(current.contains(&format!("Edited: {}", m[0])), "{current}");
    assert!(p.ok(&["history"]).contains("(edited)"));
    let upgrade = p.ok(&["upgrade"]);
    assert!(
        upgrade.contains(&format!("warning: {} changed after it was applied", m[0])),
        "{upgrade}"
    );
    std::fs::write(&first, text0).unwrap();
    p.ok(&["current"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_failing_migration() {
    failing_migration(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_failing_migration() {
    failing_migration(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_failing_migration() {
    failing_migration(Dialect::Mysql).await;
}

/// A migration that fails on its second statement. With transactional DDL it leaves nothing
/// behind and is not recorded; fixed, it applies. On MySQL its first statement stays: the
/// history records it as dirty, `current` and `history` say so and what to do, `upgrade`
/// refuses until the user has put the database right and said so with `stamp`.
async fn failing_migration(dialect: Dialect) {
    let db = TestDb::create("wf_fail", dialect).await;
    let p = Project::new(&format!("wf_fail_{}", label(dialect)), &db.url());
    let good = p.hand_written(
        "First",
        r#"        manager.create_table(Table::create().table("first").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;"#,
        r#"        manager.drop_table(Table::drop().table("first").to_owned()).await?;"#,
    );
    let bad = p.hand_written(
        "Broken",
        r#"        manager.create_table(Table::create().table("second").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;
        manager.get_connection().execute_unprepared("INSERT INTO no_such_table VALUES (1)").await?;"#,
        r#"        manager.drop_table(Table::drop().table("second").to_owned()).await?;"#,
    );
    let failed = p.fails(&["upgrade"], 2);
    if dialect == Dialect::Mysql {
        assert!(
            failed.contains(&bad) && failed.contains("stopped part way"),
            "{failed}"
        );
        let dump = catalog(&db.url()).await;
        assert!(
            dump.contains("table second"),
            "the first statement stays\n{dump}"
        );
        let current = p.fails(&["current"], 1);
        assert!(
            current.contains(&format!("Dirty: {bad} started its up and did not finish"))
                && current.contains(&format!("sealift stamp {good}")),
            "{current}"
        );
        let history = p.ok(&["history"]);
        assert!(
            history.contains(&format!("] {bad} (current, head, dirty: up not finished)"))
                && history.contains("[started "),
            "{history}"
        );
        let refused = p.fails(&["upgrade"], 2);
        assert!(refused.contains("did not finish"), "{refused}");
        // The guide's way out: undo by hand what ran, stamp the migration before it.
        apply_sql(dialect, &db, "DROP TABLE second;");
        p.ok(&["stamp", &good]);
        let current = p.fails(&["current"], 1);
        assert!(
            current.contains("Pending: 1") && !current.contains("Dirty"),
            "{current}"
        );
    } else {
        assert!(
            failed.contains(&bad) && failed.contains("not recorded"),
            "{failed}"
        );
    }
    let _ = p.at(Some(&good));
    let dump = catalog(&db.url()).await;
    assert!(dump.contains("first") && !dump.contains("second"), "{dump}");

    let path = p.migration.join(format!("src/{bad}.rs"));
    let fixed = std::fs::read_to_string(&path).unwrap().replace(
        "INSERT INTO no_such_table VALUES (1)",
        "INSERT INTO second (id) VALUES (1)",
    );
    std::fs::write(&path, fixed).unwrap();
    p.ok(&["upgrade"]);
    let _ = p.at(Some(&bad));
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_offline_sql() {
    offline_sql(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_offline_sql() {
    offline_sql(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_offline_sql() {
    offline_sql(Dialect::Mysql).await;
}

/// `upgrade --sql` with no database reachable prints what `upgrade` runs: applied with psql or
/// sqlite3 to an empty database, it gives the same catalog.
async fn offline_sql(dialect: Dialect) {
    let online = TestDb::create("wf_online", dialect).await;
    let offline = TestDb::create("wf_offline", dialect).await;
    let p = Project::new(&format!("wf_sql_{}", label(dialect)), &online.url());
    p.entity("post.rs", POST);
    p.ok(&["autogen", "Initial"]);
    p.hand_written(
        "HandWritten",
        r#"        manager.create_table(Table::create().table("note").col(ColumnDef::new("id").big_integer().not_null().primary_key()).col(ColumnDef::new("body").text().null()).to_owned()).await?;
        manager.create_index(Index::create().name("note_body_idx").table("note").col("body").to_owned()).await?;"#,
        r#"        manager.drop_table(Table::drop().table("note").to_owned()).await?;"#,
    );
    let unreachable = match dialect {
        Dialect::Postgres => "postgres://postgres@127.0.0.1:1/nowhere".to_owned(),
        Dialect::Mysql => "mariadb://root@127.0.0.1:1/nowhere".to_owned(),
        Dialect::Sqlite => "sqlite:///nonexistent/dir/none.db".to_owned(),
    };
    let out = p.sealift_with(&unreachable, &["upgrade", "--sql"]);
    let sql = text(&out.stdout);
    assert!(out.status.success(), "{sql}{}", text(&out.stderr));
    let note = match dialect {
        Dialect::Mysql => "`note`",
        _ => "\"note\"",
    };
    assert!(
        sql.contains("seaql_migrations") && sql.contains(note),
        "{sql}"
    );
    let down = p.sealift_with(&unreachable, &["downgrade", "head:base", "--sql"]);
    assert!(down.status.success(), "{}", text(&down.stderr));
    assert!(
        text(&down.stdout).contains("DROP TABLE"),
        "{}",
        text(&down.stdout)
    );

    p.ok(&["upgrade"]);
    apply_sql(dialect, &offline, &sql);
    assert_eq!(catalog(&offline.url()).await, catalog(&online.url()).await);

    // A migration that reads the database cannot be rendered offline: it is named.
    let reader = p.hand_written(
        "Reads",
        r#"        if manager.has_table("note").await? { }"#,
        "",
    );
    let out = p.sealift_with(&unreachable, &["upgrade", "--sql"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&reader) && err.contains("reads the database"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_concurrent_upgrades() {
    concurrent_upgrades(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_concurrent_upgrades() {
    concurrent_upgrades(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_concurrent_upgrades() {
    concurrent_upgrades(Dialect::Mysql).await;
}

/// Two `sealift upgrade` at once over five migrations: each applied once, both exit 0.
async fn concurrent_upgrades(dialect: Dialect) {
    let db = TestDb::create("wf_lock", dialect).await;
    let p = Project::new(&format!("wf_lock_{}", label(dialect)), &db.url());
    for i in 0..5 {
        p.hand_written(
            &format!("Step{i}"),
            &format!(
                r#"        std::thread::sleep(std::time::Duration::from_millis(300));
        manager.create_table(Table::create().table("t{i}").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;"#
            ),
            &format!(r#"        manager.drop_table(Table::drop().table("t{i}").to_owned()).await?;"#),
        );
    }
    // Build first, so the two runs race on the database rather than on cargo. The migration
    // files are dated back, as files written a while before a build are; the runner's own
    // files, written just before its first build, are not taken as older than it until a
    // build after them (the second, which cargo finds has nothing to do). Then the runner is
    // current and neither run asks cargo again.
    age_files(&p.migration, Duration::from_secs(30));
    p.build_runner();
    p.build_runner();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_sealift"))
            .arg("upgrade")
            .current_dir(&p.root)
            .env("DATABASE_URL", &p.url)
            .envs(e2e_env())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert!(
            out.status.success(),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        // cargo reports every build it runs, even one with nothing to do.
        assert!(
            !text(&out.stderr).contains("Finished"),
            "the runner was current, yet cargo ran\n{}",
            text(&out.stderr)
        );
    }
    let both = format!("{}\n{}", text(&a.stdout), text(&b.stdout));
    let m = p.migrations();
    for name in &m {
        assert_eq!(
            both.matches(&format!("{name} ... done")).count(),
            1,
            "{name}\n{both}"
        );
    }
    let _ = p.at(m.last().map(String::as_str));
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_killed_mid_migration() {
    fault_mid_migration(Dialect::Postgres, Fault::Kill).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_killed_mid_migration() {
    fault_mid_migration(Dialect::Sqlite, Fault::Kill).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_killed_mid_migration() {
    fault_mid_migration(Dialect::Mysql, Fault::Kill).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_connections_dropped_mid_migration() {
    fault_mid_migration(Dialect::Postgres, Fault::DropConnections).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_connections_dropped_mid_migration() {
    fault_mid_migration(Dialect::Mysql, Fault::DropConnections).await;
}

/// What goes wrong while a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `sealift upgrade` is killed with SIGKILL.
    Kill,
    /// The server drops every connection to the database, as a restart does.
    DropConnections,
}

/// A migration creates a table, then waits; meanwhile the fault strikes. Afterwards the
/// database is at the migration before it, with nothing of it applied and nothing recorded
/// (PostgreSQL, SQLite), or, on MySQL, `current` names it as stopped part way with the steps
/// to recover (killed) or it is finished on a new connection (connections dropped). The
/// migration lock is free: the next `upgrade` applies it without waiting.
async fn fault_mid_migration(dialect: Dialect, fault: Fault) {
    let label = format!("wf_fault_{fault:?}_{}", label(dialect)).to_lowercase();
    let db = TestDb::create(&label, dialect).await;
    let p = Project::new(&label, &db.url());
    let first = p.hand_written(
        "First",
        r#"        manager.create_table(Table::create().table("first").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;"#,
        r#"        manager.drop_table(Table::drop().table("first").to_owned()).await?;"#,
    );
    p.ok(&["upgrade"]);
    let pause = "        std::thread::sleep(std::time::Duration::from_secs(4));";
    let slow = p.hand_written(
        "Slow",
        &format!(
            r#"        manager.create_table(Table::create().table("second").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;
{pause}"#
        ),
        r#"        manager.drop_table(Table::drop().table("second").to_owned()).await?;"#,
    );
    // Build the runner first, so the fault strikes the migration, not cargo.
    p.build_runner();

    let mut child = Command::new(env!("CARGO_BIN_EXE_sealift"))
        .arg("upgrade")
        .current_dir(&p.root)
        .env("DATABASE_URL", &p.url)
        .envs(e2e_env())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let started = format!("{slow} ...");
    while !text(&seen).contains(&started) {
        let mut chunk = [0u8; 256];
        let n = std::io::Read::read(&mut stdout, &mut chunk).unwrap();
        assert!(
            n > 0,
            "upgrade ended before {slow} started:\n{}",
            text(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    // Inside the pause, after the table was created.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    match fault {
        Fault::Kill => {
            child.kill().unwrap();
            let _ = child.wait().unwrap();
        }
        Fault::DropConnections if dialect == Dialect::Mysql => {
            // MySQL commits each DDL statement as it runs: the table is there, and what is
            // left of the migration (recording it) runs on a new connection.
            drop_connections(&db).await;
            let out = child.wait_with_output().unwrap();
            let all = format!("{}{}", text(&seen), text(&out.stderr));
            assert_eq!(out.status.code(), Some(0), "{all}");
            let _ = p.at(Some(&slow));
            assert!(catalog(&db.url()).await.contains("table second"));
            let again = p.ok(&["upgrade"]);
            assert!(!again.contains("Waiting"), "{again}");
            return;
        }
        Fault::DropConnections => {
            drop_connections(&db).await;
            let out = child.wait_with_output().unwrap();
            let all = format!("{}{}", text(&seen), text(&out.stderr));
            assert_eq!(out.status.code(), Some(2), "{all}");
            let says = "was cut off: the connection to the database was lost";
            assert!(all.contains(&slow) && all.contains(says), "{all}");
            assert_eq!(text(&out.stderr).matches("error:").count(), 1, "{all}");
        }
    }

    // The runner is gone within moments (it stops when sealift does); then the database is
    // at `first`, and on MySQL `current` tells what happened.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let current = loop {
        let out = p.sealift(&["current"]);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        if all.starts_with(&format!("Current: {first}")) || std::time::Instant::now() > deadline {
            break all;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let dump = catalog(&db.url()).await;
    if dialect == Dialect::Mysql {
        assert!(
            current.contains(&format!("Dirty: {slow} started its up and did not finish"))
                && current.contains(&format!("sealift stamp {first}")),
            "{current}"
        );
        assert!(dump.contains("table second"), "{dump}");
        apply_sql(dialect, &db, "DROP TABLE second;");
        p.ok(&["stamp", &first]);
    } else {
        assert!(!current.contains("Dirty"), "{current}");
        assert!(!dump.contains("second"), "half a migration stayed:\n{dump}");
    }
    let _ = p.at(Some(&first));

    // The lock is free and the migration applies from the start.
    let path = p.migration.join(format!("src/{slow}.rs"));
    let quick = std::fs::read_to_string(&path).unwrap().replace(pause, "");
    std::fs::write(&path, quick).unwrap();
    let out = p.ok(&["upgrade"]);
    assert!(!out.contains("Waiting"), "{out}");
    let _ = p.at(Some(&slow));
    assert!(catalog(&db.url()).await.contains("second"));
}

/// Every connection to the test database but the caller's, dropped by the server.
async fn drop_connections(db: &TestDb) {
    match db {
        TestDb::Pg(pg) => {
            pg.execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
                pg.name()
            ))
            .await;
        }
        TestDb::My(my) => {
            use sqlx::Connection as _;
            let mut conn = sqlx::MySqlConnection::connect(&sealift_testkit::mysql_admin_url())
                .await
                .unwrap();
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            )
            .bind(my.name())
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert!(!ids.is_empty(), "no connection to drop");
            for id in ids {
                let kill = sqlx::AssertSqlSafe(format!("KILL {id}"));
                let _ = sqlx::query(kill).execute(&mut conn).await;
            }
        }
        TestDb::Lite(_) => unreachable!("SQLite has no server"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn branches_merge() {
    let db = TestDb::create("wf_heads", Dialect::Sqlite).await;
    let p = Project::new("wf_heads", &db.url());
    let table = common::table_code;
    let (up, down) = table("base_t");
    let root = p.hand_written("Root", &up, &down);
    p.ok(&["upgrade"]);
    let (up, down) = table("left_t");
    let left = p.hand_written("Left", &up, &down);
    let (up, down) = table("right_t");
    let right = p.hand_written("Right", &up, &down);
    // The second branch was written on top of the root too, as after a git merge.
    let path = p.migration.join(format!("src/{right}.rs"));
    let text_r = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text_r.replace(&format!("Revises: {left}"), &format!("Revises: {root}")),
    )
    .unwrap();

    let heads = p.ok(&["heads"]);
    assert!(
        heads.contains(&left) && heads.contains(&right) && heads.contains("Multiple heads"),
        "{heads}"
    );
    let refused = p.fails(&["upgrade"], 2);
    assert!(
        refused.contains("multiple heads") && refused.contains("sealift merge"),
        "{refused}"
    );
    assert!(p.fails(&["current"], 1).contains("Multiple heads"));
    let merged = p.ok(&["merge"]);
    assert!(
        merged.contains(&format!("it revises {left} and {right}")),
        "{merged}"
    );
    let merge = p.ok(&["heads"]).trim().to_owned();
    assert!(merge.ends_with("_merge_heads"), "{merge}");
    p.ok(&["upgrade"]);
    let _ = p.at(Some(&merge));
}

/// A migration that must wait for a lock another session holds: with the lock timeout from
/// sealift.toml it gives up, says on which table and who holds it, and leaves nothing applied;
/// with a longer `--lock-timeout` it waits, says so, and applies once the other session ends.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_lock_timeout() {
    use sqlx::Connection as _;

    let db = TestDb::create("wf_locktimeout", Dialect::Postgres).await;
    let p = Project::new("wf_locktimeout_pg", &db.url());
    let first = p.hand_written(
        "CreatePost",
        r#"        manager.create_table(Table::create().table("post").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;"#,
        r#"        manager.drop_table(Table::drop().table("post").to_owned()).await?;"#,
    );
    p.ok(&["upgrade"]);
    let second = p.hand_written(
        "AddTitle",
        r#"        manager.alter_table(Table::alter().table("post").add_column(ColumnDef::new("title").string().null()).to_owned()).await?;"#,
        r#"        manager.alter_table(Table::alter().table("post").drop_column("title").to_owned()).await?;"#,
    );
    let config = p.root.join("sealift.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{settings}lock_timeout = \"1s\"\n")).unwrap();

    // Rows the retries must leave as they are.
    let mut writer = sqlx::PgConnection::connect(&db.url()).await.unwrap();
    sqlx::query("INSERT INTO post (id) VALUES (1), (2), (3)")
        .execute(&mut writer)
        .await
        .unwrap();
    let _ = writer.close().await;
    // An application's transaction that read the table and has not finished.
    let mut holder = sqlx::PgConnection::connect(&db.url()).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT count(*) FROM post")
        .execute(&mut holder)
        .await
        .unwrap();

    // Rolled back after each wait, and run again once after a pause of 1 s: still held, so it
    // gives up.
    let failed = p.fails(&["upgrade", "--lock-retries", "1"], 2);
    assert!(
        failed.contains(&format!(
            "{second} gave up waiting for the lock and was rolled back; running it again in 1s (retry 1 of 1)"
        )) && failed.contains(&format!(
            "{second} waited longer than the lock timeout (1s) for a lock on post, held by process {pid} (idle in transaction, open "
        )) && failed.contains("and gave up each of 2 times")
            && failed.contains("nothing of it is applied")
            && failed.contains("--lock-timeout")
            && failed.contains("--lock-retries"),
        "{failed}"
    );
    assert_eq!(failed.matches("error:").count(), 1, "{failed}");
    let _ = p.at(Some(&first));
    let dump = catalog(&db.url()).await;
    assert!(!dump.contains("title"), "{dump}");

    // The other session finishes a moment after the migration first waits for it (seen in
    // pg_locks, not guessed from a delay: on a busy machine the run may take seconds to get
    // there): the first try gives up after 1 s, and a retry (3 by default) applies it.
    let url = db.url();
    let release = tokio::spawn(async move {
        let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
        let started = std::time::Instant::now();
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE c.relname = 'post' AND NOT l.granted",
            )
            .fetch_one(&mut watcher)
            .await
            .unwrap();
            if waiting > 0 || started.elapsed() > std::time::Duration::from_secs(120) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // The run says it waits once the lock has been waited for a moment.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
        let _ = watcher.close().await;
        holder
    });
    // A second run started meanwhile waits for the first's lock (held through the retry
    // pauses), then finds nothing to do: the migration runs once.
    let other = {
        let (root, url) = (p.root.clone(), db.url());
        std::thread::spawn(move || {
            // Once the first run waits on the table (it holds the migration lock then).
            let started = std::time::Instant::now();
            while started.elapsed() < Duration::from_secs(120) {
                let waiting = Command::new("psql")
                    .args(["-tAc", "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'post' AND NOT l.granted", &url])
                    .output()
                    .unwrap();
                if text(&waiting.stdout).trim() != "0" {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Command::new(env!("CARGO_BIN_EXE_sealift"))
                .arg("upgrade")
                .current_dir(root)
                .env("DATABASE_URL", url)
                .env("NO_COLOR", "1")
                .envs(e2e_env())
                .output()
                .unwrap()
        })
    };
    let applied = p.ok(&["upgrade"]);
    assert!(
        applied.contains(&format!(
            "{second} ... (waiting for a lock on post, held by process {pid}"
        )) && applied.contains("(retry 1 of 3)")
            && applied.contains(" done ("),
        "{applied}"
    );
    let other = other.join().unwrap();
    let said = format!("{}{}", text(&other.stdout), text(&other.stderr));
    assert!(
        other.status.success() && !said.contains(" done ("),
        "{said}"
    );
    let _ = release.await.unwrap();
    let _ = p.at(Some(&second));
    let dump = catalog(&db.url()).await;
    assert!(dump.contains("title"), "{dump}");
    let mut reader = sqlx::PgConnection::connect(&db.url()).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM post")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    assert_eq!(rows, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_one_line_and_exit_2() {
    let db = TestDb::create("wf_bad", Dialect::Sqlite).await;
    let p = Project::new("wf_bad", &db.url());
    let one = p.hand_written("One", "", "");
    let _two = p.hand_written("Two", "", "");
    for (args, says) in [
        (vec!["upgrade", "m1999"], "no migration is named"),
        (vec!["upgrade", "m"], "names 2 migrations"),
        (vec!["upgrade", "+5"], "+5 asks for 5"),
        (vec!["downgrade", "sideways"], "no migration is named"),
        (vec!["stamp", "+1"], "stamp takes head, base or a migration"),
        (
            vec!["upgrade", "--lock-timeout", "5x"],
            "`x` is not a unit of time",
        ),
        (
            vec!["downgrade", "--lock-timeout", "soon"],
            "`soon` is not a duration",
        ),
        (
            vec!["upgrade", "--migration-dir", "nowhere"],
            "no migration crate at nowhere",
        ),
    ] {
        let out = p.fails(&args, 2);
        assert!(out.contains(says), "{args:?}: {out}");
        assert_eq!(out.trim().lines().count(), 1, "{args:?}: {out}");
    }
    // A lib.rs entry whose file is gone.
    std::fs::remove_file(p.migration.join(format!("src/{one}.rs"))).unwrap();
    let out = p.fails(&["upgrade"], 2);
    assert!(
        out.contains(&format!("src/{one}.rs does not exist")),
        "{out}"
    );
    assert_eq!(out.trim().lines().count(), 1, "{out}");
    // Nothing was applied or recorded by any of them: not even the history table exists.
    let out = Command::new("sqlite3")
        .arg(db.url().trim_start_matches("sqlite://"))
        .arg("SELECT count(*) FROM sqlite_master")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout).trim(), "0", "{}", text(&out.stderr));
}

const PAGE: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "page_status")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "live")]
    Live,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "page")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub visits: i64,
    pub price: Decimal,
    pub meta: Json,
    pub status: Status,
    #[sea_orm(default_value = "untitled")]
    pub title: String,
    pub author_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::author::Entity", from = "Column::AuthorId", to = "super::author::Column::Id")]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn made_on_sqlite_runs_on_postgres() {
    one_migration_everywhere(Dialect::Sqlite, Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_on_postgres_runs_on_sqlite() {
    one_migration_everywhere(Dialect::Postgres, Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_on_mysql_runs_on_postgres() {
    one_migration_everywhere(Dialect::Mysql, Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_on_postgres_runs_on_mysql() {
    one_migration_everywhere(Dialect::Postgres, Dialect::Mysql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_on_sqlite_runs_on_mysql() {
    one_migration_everywhere(Dialect::Sqlite, Dialect::Mysql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_on_mysql_runs_on_sqlite() {
    one_migration_everywhere(Dialect::Mysql, Dialect::Sqlite).await;
}

/// The initial migration of entities holding `i64`, `Decimal`, `Json`, an active enum, a
/// default, a unique column and a foreign key, written against one backend, applied to the
/// other: `check` there finds nothing to do, `i64` is a 64-bit integer, and down empties it.
async fn one_migration_everywhere(made_on: Dialect, runs_on: Dialect) {
    let source = TestDb::create("wf_portable_src", made_on).await;
    let target = TestDb::create("wf_portable_dst", runs_on).await;
    let p = Project::new(
        &format!("wf_portable_{}_{}", label(made_on), label(runs_on)),
        &source.url(),
    );
    p.entity("page.rs", PAGE);
    p.ok(&["autogen", "Initial"]);
    let file = std::fs::read_to_string(
        p.migration
            .join("src")
            .join(format!("{}.rs", p.migrations()[0])),
    )
    .unwrap();
    for call in [
        ".big_integer()",
        ".decimal()",
        ".json()",
        ".enumeration(\"page_status\", [\"draft\", \"live\"])",
        ".default(\"untitled\")",
    ] {
        assert!(file.contains(call), "{call} missing from\n{file}");
    }
    let empty = catalog(&target.url()).await;

    let up = p.sealift_with(&target.url(), &["upgrade"]);
    assert!(
        up.status.success(),
        "{}{}",
        text(&up.stdout),
        text(&up.stderr)
    );
    let check = p.sealift_with(&target.url(), &["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "made on {made_on}, check on {runs_on}:\n{}{}\n{file}",
        text(&check.stdout),
        text(&check.stderr)
    );
    let applied = catalog(&target.url()).await;
    let visits = match runs_on {
        Dialect::Postgres => "column visits int8 not null",
        Dialect::Mysql => "column visits bigint not null",
        Dialect::Sqlite => "column visits integer not null",
    };
    assert!(applied.contains(visits), "{applied}");

    let down = p.sealift_with(&target.url(), &["downgrade", "base", "--yes"]);
    assert!(
        down.status.success(),
        "{}{}",
        text(&down.stdout),
        text(&down.stderr)
    );
    assert_eq!(catalog(&target.url()).await, empty);
}

/// Dates every file under `dir` back by `by`.
fn age_files(dir: &Path, by: Duration) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            age_files(&path, by);
        } else {
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(std::time::SystemTime::now() - by)
                .unwrap();
        }
    }
}
