//! `sealift verify` and `sealift check --replay` on PostgreSQL, SQLite and MariaDB: the history
//! replayed on a scratch database; a down that forgets an index named (exit 1); an entity with
//! no migration found by `check --replay`; the development database untouched; Ctrl-C during
//! a replay leaves no scratch database behind.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{POST, Project, catalog, label, text};
use sealift_ir::Dialect;
use sealift_testkit::{TestDb, e2e_env};

#[tokio::test(flavor = "multi_thread")]
async fn postgres_verify() {
    verify(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_verify() {
    verify(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_verify() {
    verify(Dialect::Mysql).await;
}

async fn verify(dialect: Dialect) {
    let db = TestDb::create("verify", dialect).await;
    let p = Project::new(&format!("verify_{}", label(dialect)), &db.url());
    let dev_before = catalog(&db.url()).await;
    p.ok(&["autogen", "CreateAuthor"]);

    // A history that holds: exit 0, and the development database untouched.
    let out = p.ok(&["verify"]);
    assert!(out.starts_with("Verified: each of 1 migration"), "{out}");
    let out = p.ok(&["check", "--replay"]);
    assert!(out.starts_with("In sync"), "{out}");
    if dialect == Dialect::Postgres {
        // Migrations run in a schema (`--schema`) are replayed in that schema.
        let out = p.ok(&["verify", "--schema", "app"]);
        assert!(out.starts_with("Verified"), "{out}");
    }

    // A down that restores the schema but not the rows: generated rows were written in
    // `author` before it, and it deletes them (exit 1, naming the table and a lost row).
    let lossy = p.hand_written(
        "AddNickIndex",
        r#"        manager.create_index(Index::create().name("idx_author_nick").table("author").col("name").to_owned()).await?;"#,
        r#"        manager.drop_index(Index::drop().name("idx_author_nick").table("author").to_owned()).await?;
        manager.get_connection().execute_unprepared("DELETE FROM author WHERE id > 900001").await?;"#,
    );
    let out = p.fails(&["verify"], 1);
    assert!(
        out.contains(&format!("{lossy} loses rows"))
            && out.contains("author: 2 of 3 rows (compared by id, name)")
            && out.contains("lost: (900002, "),
        "{out}"
    );
    p.forget(&lossy);
    // A migration that seeds a row its down deletes: run up again it writes the row under a
    // new key. Only sealift's own rows are compared, so it holds.
    let seed = p.hand_written(
        "SeedAdmin",
        r#"        manager.get_connection().execute_unprepared("INSERT INTO author (name) VALUES ('admin')").await?;"#,
        r#"        manager.get_connection().execute_unprepared("DELETE FROM author WHERE name = 'admin'").await?;"#,
    );
    let out = p.ok(&["verify"]);
    assert!(out.starts_with("Verified: each of 2 migrations"), "{out}");
    p.forget(&seed);
    if dialect == Dialect::Postgres {
        // An up that runs on an empty table but not on one with rows: run again after its
        // down, with the generated rows in `author`, it fails (exit 1, naming the rows).
        let strict = p.hand_written(
            "AddRank",
            r#"        manager.get_connection().execute_unprepared("ALTER TABLE author ADD COLUMN rank integer NOT NULL").await?;"#,
            r#"        manager.get_connection().execute_unprepared("ALTER TABLE author DROP COLUMN rank").await?;"#,
        );
        let out = p.fails(&["verify"], 1);
        assert!(
            out.contains(&format!(
                "{strict}: its up (run again after its down) failed on the scratch database (its tables held 3 generated rows then)"
            )) && out.contains("contains null values")
                && out.contains("add it nullable, fill it"),
            "{out}"
        );
        p.forget(&strict);
    }

    // A down that forgets the index its up made: exit 1, naming the migration and the index.
    let forgetful = p.hand_written(
        "AddNameIndex",
        r#"        manager.create_index(Index::create().name("idx_author_name").table("author").col("name").to_owned()).await?;"#,
        "",
    );
    let out = p.fails(&["verify"], 1);
    assert!(
        out.contains(&format!("{forgetful} does not restore the schema"))
            && out.contains("idx_author_name"),
        "{out}"
    );

    // An entity with no migration: `check --replay` exits 1 with the plan.
    p.forget(&forgetful);
    p.entity("post.rs", POST);
    let out = p.fails(&["check", "--replay"], 1);
    assert!(out.contains("Drift") && out.contains("post"), "{out}");

    // Nothing of it reached the development database.
    assert_eq!(catalog(&db.url()).await, dev_before);

    // sealift's own migrations keep rows: a child table whose foreign key cascades, then a
    // change to its parent (on SQLite a rebuild of `author`, with rows in both tables).
    p.entity("post.rs", CASCADING_POST);
    p.ok(&["upgrade"]);
    p.ok(&["autogen", "AddPost"]);
    p.ok(&["upgrade"]);
    p.entity(
        "author.rs",
        &common::AUTHOR.replace("pub name: String,", "pub name: Option<String>,"),
    );
    p.ok(&["autogen", "NameOptional"]);
    let out = p.sealift(&["verify"]);
    let (said, noted) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success() && said.starts_with("Verified: each of 3 migrations"),
        "{said}{noted}"
    );
    // Both tables held rows through each down and up.
    assert!(!noted.contains("no generated rows"), "{noted}");

    // A shadow database that is not empty (here the development one) is refused before
    // anything runs on it.
    let dev = catalog(&db.url()).await;
    let refused = p.fails(&["verify", "--shadow-url", &db.url()], 2);
    assert!(
        refused.contains("is not empty") && refused.contains("author"),
        "{refused}"
    );
    assert_eq!(catalog(&db.url()).await, dev);
}

/// `post`, whose rows go with their author's (`ON DELETE CASCADE`).
const CASCADING_POST: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    pub author_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::author::Entity",
        from = "Column::AuthorId",
        to = "super::author::Column::Id",
        on_delete = "Cascade"
    )]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn postgres_ctrl_c_during_verify_drops_the_scratch_database() {
    ctrl_c(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_ctrl_c_during_verify_drops_the_scratch_database() {
    ctrl_c(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_ctrl_c_during_verify_drops_the_scratch_database() {
    ctrl_c(Dialect::Mysql).await;
}

async fn ctrl_c(dialect: Dialect) {
    let db = TestDb::create("verify_int", dialect).await;
    let p = Project::new(&format!("verify_int_{}", label(dialect)), &db.url());
    let (up, down) = common::table_code("slow");
    let up = format!("{up}\n        std::thread::sleep(std::time::Duration::from_secs(20));");
    let slow = p.hand_written("Slow", &up, &down);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sealift"))
        .arg("verify")
        .current_dir(&p.root)
        .env("DATABASE_URL", db.url())
        .envs(e2e_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    while !text(&seen).contains(&format!("{slow} (up")) {
        let mut chunk = [0u8; 256];
        let n = std::io::Read::read(&mut stderr, &mut chunk).unwrap();
        assert!(
            n > 0,
            "verify ended before {slow} started:\n{}",
            text(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    // Inside the migration's pause.
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    std::io::Read::read_to_end(&mut stderr, &mut seen).unwrap();
    let said = text(&seen);
    assert_eq!(out.status.code(), Some(130), "{said}");
    assert!(started.elapsed() < Duration::from_secs(15), "{said}");
    assert!(said.contains("Interrupted"), "{said}");

    // The scratch database it named is gone.
    let scratch = said
        .split("on the scratch database ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("verify names its scratch database")
        .to_owned();
    match dialect {
        Dialect::Sqlite => {
            let path = scratch
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap()
                .to_owned();
            let folder = std::path::Path::new(&path).parent().unwrap();
            assert!(!folder.exists(), "{} is still there", folder.display());
        }
        _ => {
            let name = scratch.rsplit('/').next().unwrap();
            let query = match dialect {
                Dialect::Postgres => {
                    format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'")
                }
                _ => format!(
                    "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{name}'"
                ),
            };
            let out = match dialect {
                Dialect::Postgres => Command::new("psql")
                    .args([
                        "-h",
                        "127.0.0.1",
                        "-U",
                        "postgres",
                        "-tAc",
                        &query,
                        "postgres",
                    ])
                    .output(),
                _ => Command::new("mariadb")
                    .args(["-h", "127.0.0.1", "-u", "root", "-N", "-e", &query])
                    .output(),
            }
            .unwrap();
            assert_eq!(
                text(&out.stdout).trim(),
                "0",
                "{name} is still there\n{said}"
            );
        }
    }
}

/// A plan PostgreSQL rejects (a column of a type the server does not have): autogen runs it on
/// a scratch copy first, refuses naming the statement and the server's error, writes nothing
/// and leaves no scratch database; `--no-verify` writes it.
#[tokio::test(flavor = "multi_thread")]
async fn autogen_refuses_a_plan_postgres_rejects() {
    let db = TestDb::create("prove", Dialect::Postgres).await;
    let p = Project::new("prove_pg", &db.url());
    p.ok(&["autogen", "CreateAuthor"]);
    p.ok(&["upgrade"]);
    p.entity(
        "author.rs",
        &common::AUTHOR.replace(
            "pub name: String,",
            "pub name: String,\n    #[sea_orm(column_type = \"Custom(\\\"no_such_type\\\".to_owned())\", nullable)]\n    pub mood: Option<String>,",
        ),
    );
    let before = p.migrations();
    let out = p.fails(&["autogen", "AddMood"], 1);
    assert!(
        out.contains("PostgreSQL rejects this migration's up")
            && out.contains("ADD COLUMN \"mood\" \"no_such_type\"")
            && out.contains("type \"no_such_type\" does not exist"),
        "{out}"
    );
    assert_eq!(p.migrations(), before, "a file was written\n{out}");
    let TestDb::Pg(pg) = &db else { unreachable!() };
    let left = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-tAc"])
        .arg(format!(
            "SELECT count(*) FROM pg_database WHERE datname LIKE '{}_scratch_%'",
            pg.name()
        ))
        .arg("postgres")
        .output()
        .unwrap();
    assert_eq!(text(&left.stdout).trim(), "0");
    p.ok(&["autogen", "AddMood", "--no-verify"]);
    assert_eq!(p.migrations().len(), before.len() + 1);
}

/// Sakila as SeaORM entities (sea-orm-cli's, on PostgreSQL): its history replayed with rows in
/// all 16 tables, through a nullable column added, a column made NOT NULL and a `bool` made
/// `integer` (rows written as booleans, converted by the cast on the way in, and back by the
/// down).
#[tokio::test(flavor = "multi_thread")]
async fn sakila_history_keeps_its_rows() {
    let db = TestDb::create("verify_sakila", Dialect::Postgres).await;
    let p = Project::new("verify_sakila", &db.url());
    let entities = p.root.join("entity/src");
    std::fs::remove_dir_all(&entities).unwrap();
    std::fs::create_dir_all(&entities).unwrap();
    for file in
        std::fs::read_dir(sealift_testkit::fixtures_dir().join("entities/sakila/pg_dense")).unwrap()
    {
        let path = file.unwrap().path();
        std::fs::copy(&path, entities.join(path.file_name().unwrap())).unwrap();
    }
    p.ok(&["autogen", "Sakila"]);
    p.ok(&["upgrade"]);
    let edit = |file: &str, from: &str, to: &str| {
        let path = entities.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "film.rs",
        "    pub title: String,\n",
        "    pub title: String,\n    pub subtitle: Option<String>,\n",
    );
    edit(
        "customer.rs",
        "pub email: Option<String>,",
        "pub email: String,",
    );
    edit(
        "customer.rs",
        "pub activebool: bool,",
        "pub activebool: i32,",
    );
    p.ok(&["autogen", "Tighten"]);
    let out = p.sealift(&["verify"]);
    let (said, noted) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success() && said.starts_with("Verified: each of 2 migrations"),
        "{said}{noted}"
    );
    assert!(!noted.contains("no generated rows"), "{noted}");
}
