//! Online migrations on PostgreSQL, end to end: autogen writes the online plan for a table
//! with rows, `upgrade` applies it while writers keep writing (none fails, every row stays,
//! the index is valid and the constraints validated), and a migration that stopped part way
//! (a concurrent unique build that failed, leaving an invalid index) runs again to the end.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{Project, catalog};
use sealift_testkit::PgDb;
use sqlx::Connection as _;

/// `post` before: no keys but its own, `title` nullable, nothing indexed.
const POST_BEFORE: &str = include_str!("../../../fixtures/online/post_before.rs");

/// `post` after: a foreign key to `author`, `slug` unique, `title` NOT NULL and indexed.
const POST_AFTER: &str = include_str!("../../../fixtures/online/post_after.rs");

/// `post` after a change the rows stand in the way of: a new NOT NULL `rank` without a
/// default, and `title` made NOT NULL over NULLs.
fn post_ranked() -> String {
    POST_BEFORE.replace(
        "    pub title: Option<String>,",
        "    pub title: String,\n    pub rank: i32,",
    )
}

/// `post` whose primary key gains a column: the plan drops `post_pkey` (its guard asks for
/// the key's columns, so the drop runs only while the old key is there) and adds `pk-post`.
fn post_wider_key() -> String {
    POST_BEFORE
        .replace(
            "    #[sea_orm(primary_key)]\n    pub id: i32,\n    pub author_id: i32,",
            "    #[sea_orm(primary_key, auto_increment = false)]\n    pub id: i32,\n    #[sea_orm(primary_key, auto_increment = false)]\n    pub author_id: i32,",
        )
}

const ROWS: i64 = 20_000;

/// A project whose database has `author` and `post` as [`POST_BEFORE`] has them, empty.
fn created(label: &str, url: &str) -> Project {
    let p = Project::new(label, url);
    p.entity("post.rs", POST_BEFORE);
    p.ok(&["autogen", "CreateTables"]);
    p.ok(&["upgrade"]);
    p
}

/// A project whose `post` holds [`ROWS`] rows (statistics read), with the online threshold
/// below that, and the migration that adds the keys written; returns it with the file's text.
async fn project_with_rows(label: &str, db: &PgDb) -> (Project, String) {
    let p = created(label, db.url());
    db.execute(&format!(
        "INSERT INTO author (id, name) SELECT g, 'author ' || g FROM generate_series(1, 100) g; \
         INSERT INTO post (id, author_id, slug, title) \
           SELECT g, 1 + g % 100, 'post-' || g, 'title ' || g FROM generate_series(1, {ROWS}) g; \
         ANALYZE post"
    ))
    .await;
    let config = p.root.join("sealift.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{settings}online_min_rows = 1000\n")).unwrap();
    p.entity("post.rs", POST_AFTER);
    let out = p.ok(&["autogen", "AddKeys"]);
    let module = p.migrations().pop().unwrap();
    let file = std::fs::read_to_string(p.migration.join(format!("src/{module}.rs"))).unwrap();
    assert!(out.contains("about 20,000 rows"), "{out}");
    (p, file)
}

/// What the catalog says of `post`'s index and keys: (name, valid) sorted.
async fn validity(url: &str) -> Vec<(String, bool)> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = 'post'::regclass \
         UNION ALL SELECT conname::text, convalidated FROM pg_constraint WHERE conrelid = 'post'::regclass \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_online_upgrade_keeps_writers_writing() {
    let db = PgDb::create("online_writers").await;
    let (p, file) = project_with_rows("online_writers", &db).await;
    if std::env::var_os("SEALIFT_SHOW").is_some() {
        eprintln!("{file}");
    }
    for online in [
        "fn use_transaction(&self) -> Option<bool>",
        "//! Online: on PostgreSQL it runs without a transaction",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS",
        "UNIQUE USING INDEX",
        "NOT VALID",
        "VALIDATE CONSTRAINT",
        "CHECK (\"title\" IS NOT NULL) NOT VALID",
        "SET NOT NULL",
        "DROP INDEX CONCURRENTLY IF EXISTS",
        "public.post: about 20,000 rows",
    ] {
        assert!(file.contains(online), "{online}\n{file}");
    }

    // Writers insert and update rows the whole time the migration runs.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    for w in 0..2i64 {
        let (url, stop, written) = (db.url().to_owned(), stop.clone(), written.clone());
        writers.push(tokio::spawn(async move {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut errors = Vec::new();
            let mut n = 0i64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = 1_000_000 * (w + 1) + n;
                let insert = sqlx::query(
                    "INSERT INTO post (id, author_id, slug, title) VALUES ($1, 1 + $1 % 100, 'new-' || $1, 'new')",
                )
                .bind(id as i32)
                .execute(&mut conn)
                .await;
                let update = sqlx::query("UPDATE post SET title = title || '.' WHERE id = $1")
                    .bind((1 + n % ROWS) as i32)
                    .execute(&mut conn)
                    .await;
                for r in [insert.map(|_| ()), update.map(|_| ())] {
                    if let Err(e) = r {
                        errors.push(e.to_string());
                    }
                }
                written.fetch_add(1, Ordering::Relaxed);
            }
            let _ = conn.close().await;
            errors
        }));
    }
    let out = p.ok(&["upgrade"]);
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let mut errors = Vec::new();
    for w in writers {
        errors.extend(w.await.unwrap());
    }
    assert!(errors.is_empty(), "writes failed: {errors:?}\n{out}");
    assert!(during > 0, "no write ran during the upgrade");
    let written = written.load(Ordering::Relaxed) as i64;

    // Every row is there, every index valid, every key validated; nothing left to plan.
    let count = scalar(db.url(), "SELECT count(*) FROM post").await;
    assert_eq!(count, ROWS + written);
    let valid = validity(db.url()).await;
    assert!(valid.iter().all(|(_, ok)| *ok), "{valid:?}");
    assert!(
        valid.iter().any(|(n, _)| n.contains("slug")) && valid.len() >= 5,
        "{valid:?}"
    );
    assert!(
        !valid.iter().any(|(n, _)| n.contains("not_null")),
        "{valid:?}"
    );
    p.ok(&["check"]);

    // Down (concurrent drops) and up again, rows kept.
    p.ok(&["downgrade", "-1"]);
    p.ok(&["upgrade"]);
    let again = scalar(db.url(), "SELECT count(*) FROM post").await;
    assert_eq!(again, count);
    p.ok(&["check"]);
    let dump = catalog(db.url()).await;
    assert!(dump.contains("unique"), "{dump}");
}

#[tokio::test]
async fn postgres_online_migration_stopped_part_way_runs_again() {
    let db = PgDb::create("online_resume").await;
    let (p, _file) = project_with_rows("online_resume", &db).await;
    let module = p.migrations().pop().unwrap();
    // The plain plan's blocking hazard gives the table's size (the migration is not applied
    // yet, so the entities still differ from the database).
    let plain = p.ok(&["diff", "--no-online"]);
    assert!(
        plain.contains("while blocking writes to public.post; on a big table build it concurrently instead (about 20,000 rows"),
        "{plain}"
    );
    // A duplicate slug written after the migration was: the concurrent unique build fails,
    // leaving an invalid index, after the steps before it ran.
    db.execute("UPDATE post SET slug = 'post-1' WHERE id = 2")
        .await;
    let failed = p.fails(&["upgrade"], 2);
    assert!(
        failed.contains("could not create unique index")
            && failed.contains("run `sealift upgrade` again to finish it"),
        "{failed}"
    );
    let current = p.fails(&["current"], 1);
    assert!(
        current.contains(&format!(
            "Part applied: {module} stopped part way through its up"
        )),
        "{current}"
    );
    let history = p.ok(&["history"]);
    assert!(
        history.contains(&format!("[part applied] {module}")),
        "{history}"
    );
    let invalid = validity(db.url()).await;
    assert!(
        invalid.iter().any(|(n, ok)| n.contains("slug") && !ok),
        "{invalid:?}"
    );

    // The row fixed, the same upgrade finishes it: the invalid index rebuilt, nothing twice.
    db.execute("UPDATE post SET slug = 'post-2' WHERE id = 2")
        .await;
    let out = p.ok(&["upgrade"]);
    assert!(out.contains("stopped part way"), "{out}");
    let valid = validity(db.url()).await;
    assert!(valid.iter().all(|(_, ok)| *ok), "{valid:?}");
    p.at(Some(&module));
    p.ok(&["check"]);
    let count = scalar(db.url(), "SELECT count(*) FROM post").await;
    assert_eq!(count, ROWS);
}

/// Rows for the backfill: more than two batches, every tenth title NULL.
const FILLED_ROWS: i64 = 25_000;

/// Expand, backfill, contract, on each backend: autogen refuses the change while rows stand in
/// its way and names `--backfill`; with it, the migration adds `rank` nullable, fills both
/// columns in batches (their progress shown), then makes them NOT NULL; every row is kept
/// and filled, nothing is left to plan, and the down and the up again keep the rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_expands_fills_and_contracts_on_every_backend() {
    use sealift_ir::Dialect;
    use sealift_testkit::TestDb;

    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let label = format!("online_backfill_{}", common::label(dialect));
        let db = TestDb::create(&label, dialect).await;
        let url = db.url();
        let p = created(&label, &url);
        db.run(&posts(FILLED_ROWS, 10)).await;
        p.entity("post.rs", &post_ranked());

        let refused = p.fails(&["autogen", "AddRank"], 1);
        assert!(
            refused.contains("--backfill table.column=")
                && refused.contains(&format!("has {FILLED_ROWS} row(s)")),
            "{dialect}: {refused}"
        );
        assert!(p.migrations().len() == 1, "{dialect}: a file was written");

        let out = p.ok(&[
            "autogen",
            "AddRank",
            "--backfill",
            "post.rank=id % 7",
            "--backfill",
            "post.title='untitled'",
        ]);
        assert!(
            out.contains("fills public.post.rank")
                || out.contains("fills main.post.rank")
                || out.contains(".post.rank with id % 7"),
            "{dialect}: {out}"
        );
        let module = p.migrations().pop().unwrap();
        let file = std::fs::read_to_string(p.migration.join(format!("src/{module}.rs"))).unwrap();
        assert!(file.contains("async fn backfill("), "{dialect}\n{file}");
        let upgrade = p.sealift(&["upgrade"]);
        let said = format!(
            "{}{}",
            common::text(&upgrade.stdout),
            common::text(&upgrade.stderr)
        );
        assert!(upgrade.status.success(), "{dialect}: {said}");
        if dialect != Dialect::Sqlite {
            // SQLite fills in its rebuild's copy, in one statement.
            assert!(
                said.contains(&format!("of {FILLED_ROWS} rows")),
                "{dialect}: no progress shown\n{said}"
            );
        }
        let counts = |sql: &'static str| {
            let url = url.clone();
            async move { scalar(&url, sql).await }
        };
        assert_eq!(counts("SELECT count(*) FROM post").await, FILLED_ROWS);
        assert_eq!(
            counts("SELECT count(*) FROM post WHERE rank = id % 7").await,
            FILLED_ROWS,
            "{dialect}"
        );
        assert_eq!(
            counts("SELECT count(*) FROM post WHERE title = 'untitled'").await,
            FILLED_ROWS / 10,
            "{dialect}"
        );
        p.ok(&["check"]);
        p.ok(&["downgrade", "-1", "--yes"]);
        assert_eq!(counts("SELECT count(*) FROM post").await, FILLED_ROWS);
        p.ok(&["upgrade"]);
        assert_eq!(
            counts("SELECT count(*) FROM post WHERE rank = id % 7").await,
            FILLED_ROWS,
            "{dialect}"
        );
        p.ok(&["check"]);
    }
}

/// Statements any backend runs: author 1, and `n` posts by it, every `null_every`th title
/// NULL (0: none), in statements of 400 rows.
fn posts(n: i64, null_every: i64) -> Vec<String> {
    let mut out = vec!["INSERT INTO author (id, name) VALUES (1, 'a')".to_owned()];
    for chunk in (1..=n).collect::<Vec<_>>().chunks(400) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                let title = if null_every > 0 && i % null_every == 0 {
                    "NULL".to_owned()
                } else {
                    format!("'t{i}'")
                };
                format!("({i}, 1, 'post-{i}', {title})")
            })
            .collect();
        out.push(format!(
            "INSERT INTO post (id, author_id, slug, title) VALUES {}",
            values.join(", ")
        ));
    }
    out
}

/// One integer from a query, on any backend.
async fn scalar(url: &str, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql);
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
        n
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
        n
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
        n
    }
}

/// `sealift create --backfill` writes a data migration with the same batched helper; it runs
/// (filling only the NULLs, in batches) and runs again as a no-op.
#[tokio::test]
async fn create_writes_a_batched_data_migration() {
    let db = PgDb::create("online_create_fill").await;
    let p = created("online_create_fill", db.url());
    db.execute(
        "INSERT INTO author (id, name) VALUES (1, 'a'); \
         INSERT INTO post (id, author_id, slug, title) \
           SELECT g, 1, 'post-' || g, CASE WHEN g % 2 = 0 THEN 'kept' END FROM generate_series(1, 25000) g",
    )
    .await;
    p.ok(&[
        "create",
        "FillTitles",
        "--backfill",
        "post.title='filled ' || id",
    ]);
    let module = p.migrations().pop().unwrap();
    let file = std::fs::read_to_string(p.migration.join(format!("src/{module}.rs"))).unwrap();
    assert!(
        file.contains("//! Online:")
            && file.contains("async fn backfill(")
            && file.contains("Some(false)"),
        "{file}"
    );
    let out = p.sealift(&["upgrade"]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    assert!(
        common::text(&out.stderr).contains("of 12500 rows"),
        "{}",
        common::text(&out.stderr)
    );
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let (kept, filled, null): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE title = 'kept'), count(*) FILTER (WHERE title = 'filled ' || id), count(*) FILTER (WHERE title IS NULL) FROM post",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    assert_eq!((kept, filled, null), (12_500, 12_500, 0));
    p.at(Some(&module));
}

/// On MariaDB the online steps are told to run in place without a lock (`ALGORITHM=INPLACE,
/// LOCK=NONE`, so a server that would copy the table refuses at once instead); the foreign
/// key, which InnoDB adds by copying the table, stays as it is, with a hazard saying so. The
/// upgrade applies, the rows stay, nothing is left to plan.
#[tokio::test]
async fn mysql_online_steps_run_in_place() {
    use sealift_ir::Dialect;
    use sealift_testkit::TestDb;

    let db = TestDb::create("online_mysql", Dialect::Mysql).await;
    let url = db.url();
    let p = created("online_mysql", &url);
    db.run(&posts(5_000, 0)).await;
    p.entity("post.rs", POST_AFTER);
    let out = p.ok(&["autogen", "AddKeys", "--online"]);
    assert!(
        out.contains("add a foreign key by copying the table while writes wait"),
        "{out}"
    );
    let module = p.migrations().pop().unwrap();
    let file = std::fs::read_to_string(p.migration.join(format!("src/{module}.rs"))).unwrap();
    assert!(
        file.matches("ALGORITHM=INPLACE, LOCK=NONE").count() >= 6,
        "index, unique and NOT NULL, up and down, on MySQL\n{file}"
    );
    p.ok(&["upgrade"]);
    assert_eq!(scalar(&url, "SELECT count(*) FROM post").await, 5_000);
    p.ok(&["check"]);
    p.ok(&["downgrade", "-1"]);
    p.ok(&["upgrade"]);
    p.ok(&["check"]);
}

/// An online migration run again after all its steps ran (its mark left at `up+`, as a stop
/// just before the end leaves it) changes nothing: the new key is the same constraint after
/// (no step drops and makes it again). While it is part applied, `downgrade` refuses (it
/// would roll back the migration before it).
#[tokio::test]
async fn postgres_online_run_again_never_drops_what_it_made() {
    let db = PgDb::create("online_again").await;
    let p = created("online_again", db.url());
    db.execute(
        "INSERT INTO author (id, name) VALUES (1, 'a'); \
         INSERT INTO post (id, author_id, slug, title) SELECT g, 1, 'post-' || g, 't' FROM generate_series(1, 3000) g",
    )
    .await;
    p.entity("post.rs", &post_wider_key());
    p.ok(&["autogen", "WiderKey", "--online"]);
    let module = p.migrations().pop().unwrap();

    p.ok(&["upgrade"]);
    let key = || async {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        // The key's columns, and the constraint itself (its oid): a key dropped and made
        // again has another.
        let cols: Option<String> = sqlx::query_scalar(
            "SELECT string_agg(a.attname, ',' ORDER BY k.ord) || ' ' || min(c.oid::int8) FROM pg_constraint c \
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             WHERE c.conrelid = 'post'::regclass AND c.contype = 'p'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
        cols
    };
    let made = key().await.unwrap();
    assert!(made.starts_with("id,author_id "), "{made}");
    db.execute(&format!(
        "UPDATE seaql_migrations SET sealift_dirty = 'up+' WHERE version = '{module}'"
    ))
    .await;
    let refused = p.fails(&["downgrade", "-1", "--yes"], 2);
    assert!(
        refused.contains("stopped part way (part applied); finish it with `sealift upgrade`"),
        "{refused}"
    );
    let again = p.ok(&["upgrade"]);
    assert!(again.contains("stopped part way"), "{again}");
    assert_eq!(key().await.as_deref(), Some(made.as_str()), "{again}");
    p.at(Some(&module));
    p.ok(&["check"]);
    assert_eq!(scalar(db.url(), "SELECT count(*) FROM post").await, 3000);
}

/// A column made NOT NULL over NULLs whose entity states a default: autogen fills the NULLs
/// with it, in batches, before the NOT NULL, without being asked.
#[tokio::test]
async fn a_default_value_fills_the_nulls_in_the_way() {
    let db = PgDb::create("online_default_fill").await;
    let p = created("online_default_fill", db.url());
    db.execute(
        "INSERT INTO author (id, name) VALUES (1, 'a'); \
         INSERT INTO post (id, author_id, slug, title) \
           SELECT g, 1, 'post-' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 't' END FROM generate_series(1, 3000) g",
    )
    .await;
    p.entity(
        "post.rs",
        &POST_BEFORE.replace(
            "    pub title: Option<String>,",
            "    #[sea_orm(default_value = \"untitled\")]\n    pub title: String,",
        ),
    );
    let out = p.ok(&["autogen", "TitleRequired"]);
    assert!(out.contains("fills public.post.title with"), "{out}");
    p.ok(&["upgrade"]);
    assert_eq!(
        scalar(
            db.url(),
            "SELECT count(*) FROM post WHERE title = 'untitled'"
        )
        .await,
        1000
    );
    assert_eq!(scalar(db.url(), "SELECT count(*) FROM post").await, 3000);
    p.ok(&["check"]);
}

/// Every way users run an online migration keeps the rows: the `--sql` script run by psql
/// (no `BEGIN`: each statement in its own transaction, as a concurrent build needs), then the
/// migration crate's own binary (`down`, `up`: sea-orm-migration honours
/// `use_transaction() -> Some(false)`); after each, the rows are counted, the index valid and
/// the keys validated, and sealift's history agrees with the schema.
#[tokio::test]
async fn postgres_online_migration_by_sql_script_and_by_the_crate_binary() {
    let db = PgDb::create("online_paths").await;
    let (p, _file) = project_with_rows("online_paths", &db).await;
    let [first, module] = <[String; 2]>::try_from(p.migrations()).unwrap();
    // From base, the first migration is in a transaction, the online one is not.
    let all = p.ok(&["upgrade", "--sql"]);
    let (plain, ours) = all.split_at(all.find(&format!("-- up: {module}")).expect("the section"));
    let transaction = |s: &str| s.lines().any(|l| l == "BEGIN;" || l == "COMMIT;");
    assert!(transaction(plain), "{plain}");
    assert!(
        ours.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS") && !transaction(ours),
        "{ours}"
    );
    let script = p.ok(&["upgrade", &format!("{first}:head"), "--sql"]);
    let file = std::env::temp_dir().join(sealift_testkit::unique_name("online_sql"));
    std::fs::write(&file, &script).unwrap();
    let out = std::process::Command::new("psql")
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", db.url(), "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let whole = |label: &str| {
        let label = label.to_owned();
        let url = db.url().to_owned();
        async move {
            assert_eq!(
                scalar(&url, "SELECT count(*) FROM post").await,
                ROWS,
                "{label}"
            );
            assert_eq!(
                scalar(&url, "SELECT count(*) FROM author").await,
                100,
                "{label}"
            );
        }
    };
    whole("after the script").await;
    let valid = validity(db.url()).await;
    assert!(
        valid.iter().all(|(_, ok)| *ok) && valid.len() >= 5,
        "{valid:?}"
    );
    p.at(Some(&module));
    p.ok(&["check"]);

    for (args, at) in [(["down", "-n", "1"], false), (["up", "-n", "1"], true)] {
        let out = p.seaorm(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            common::text(&out.stdout),
            common::text(&out.stderr)
        );
        whole(&format!("after the crate's {args:?}")).await;
        if at {
            p.agrees(Some(&module));
        } else {
            let left = validity(db.url()).await;
            assert!(
                !left.iter().any(|(n, _)| n.contains("slug")
                    || n.contains("title")
                    || n.contains("author")),
                "{left:?}"
            );
        }
    }
    let valid = validity(db.url()).await;
    assert!(
        valid.iter().all(|(_, ok)| *ok) && valid.len() >= 5,
        "{valid:?}"
    );
    p.ok(&["check"]);
}
