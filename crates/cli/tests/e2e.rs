//! The whole workflow on real databases: `sealift init`, `sealift autogen`, the migration crate
//! compiled with cargo against sea-orm-migration and run `up` -> `sealift check` exits 0, `down`
//! -> the catalog is what it was, `up` again; then the entities are edited (a column added, a
//! foreign key added, a column made NOT NULL, an enum value added, a column renamed with
//! `renamed_from`) and the same is repeated for each edit.
//!
//! The migration crates build with `sealift_testkit::cargo`: one shared target folder, warnings
//! denied, so the dependencies compile once per run and a warning in generated code fails.

mod common;

use common::AUTHOR;

use std::path::Path;
use std::process::{Command, Output};

use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_ir::Dialect;
use sealift_testkit::{TempDir, TestDb, dump_unordered};

const BOOK: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "genre")]
pub enum Genre {
    #[sea_orm(string_value = "fiction")]
    Fiction,
    #[sea_orm(string_value = "poetry")]
    Poetry,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "book")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: Option<String>,
    pub author_id: i32,
    pub genre: Genre,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

/// One edit: in `file`, replace `from` with `to`.
struct Edit {
    what: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
}

const EDITS: &[Edit] = &[
    Edit {
        what: "add a column",
        file: "author.rs",
        from: "    pub name: String,\n",
        to: "    pub name: String,\n    pub bio: Option<String>,\n",
    },
    Edit {
        what: "add a foreign key",
        file: "book.rs",
        from: "pub enum Relation {}",
        to: "pub enum Relation {\n    #[sea_orm(belongs_to = \"super::author::Entity\", from = \"Column::AuthorId\", to = \"super::author::Column::Id\")]\n    Author,\n}",
    },
    Edit {
        what: "make a column NOT NULL",
        file: "book.rs",
        from: "pub title: Option<String>,",
        to: "pub title: String,",
    },
    Edit {
        what: "add an enum value",
        file: "book.rs",
        from: "    Poetry,\n",
        to: "    Poetry,\n    #[sea_orm(string_value = \"drama\")]\n    Drama,\n",
    },
    Edit {
        what: "rename a column with renamed_from",
        file: "author.rs",
        from: "    pub name: String,\n",
        to: "    #[sea_orm(renamed_from = \"name\")]\n    pub full_name: String,\n",
    },
];

#[tokio::test(flavor = "multi_thread")]
async fn postgres_workflow() {
    workflow(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_workflow() {
    workflow(Dialect::Mysql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_workflow() {
    workflow(Dialect::Sqlite).await;
}

async fn workflow(dialect: Dialect) {
    let db = TestDb::create("e2e", dialect).await;
    let url = db.url();
    let label = format!("{dialect:?}").to_lowercase();
    let dir = TempDir::new(&format!("e2e_{label}"));
    let project = dir.path();
    let entities = project.join("entity/src");
    std::fs::create_dir_all(&entities).unwrap();
    std::fs::write(entities.join("mod.rs"), "pub mod author;\npub mod book;\n").unwrap();
    std::fs::write(entities.join("author.rs"), AUTHOR).unwrap();
    std::fs::write(entities.join("book.rs"), BOOK).unwrap();

    // A crate name per backend: the tests build in one target folder at the same time.
    let crate_dir = format!("migration_{label}");
    let out = sealift(project, &url, &["init", "--migration-dir", &crate_dir]);
    assert!(out.status.success(), "init: {}", text(&out.stderr));
    assert!(project.join("sealift.toml").is_file());
    let migration = project.join(&crate_dir);

    round(project, &migration, &url, "Initial", "create the tables").await;
    for (i, edit) in EDITS.iter().enumerate() {
        let path = entities.join(edit.file);
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(
            before.contains(edit.from),
            "edit `{}` does not apply",
            edit.what
        );
        std::fs::write(&path, before.replacen(edit.from, edit.to, 1)).unwrap();
        round(project, &migration, &url, &format!("Edit{i}"), edit.what).await;
    }
    // Every migration is registered and the history runs back to an empty database.
    let lib = std::fs::read_to_string(migration.join("src/lib.rs")).unwrap();
    assert!(lib.matches("::Migration),").count() >= EDITS.len(), "{lib}");
}

/// autogen, then up -> check is clean, down -> the catalog is what it was, up again.
async fn round(project: &Path, migration: &Path, url: &str, name: &str, what: &str) {
    let before = catalog(url).await;
    let out = sealift(project, url, &["autogen", name, "--allow-destructive"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "{what}: autogen failed\n{stdout}{}",
        text(&out.stderr)
    );
    if stdout.starts_with("No changes detected") {
        // SQLite keeps enums as strings: a new value changes nothing there.
        assert_eq!(what, "add an enum value", "{what}: nothing planned");
        assert!(url.starts_with("sqlite"), "{what}: nothing planned");
        return;
    }
    assert!(stdout.contains("Wrote "), "{what}: {stdout}");
    migrate(migration, url, &["up"], what);
    let check = sealift(project, url, &["check"]);
    assert!(
        check.status.success(),
        "{what}: check after up drifts\n{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    migrate(migration, url, &["down", "-n", "1"], what);
    assert_eq!(
        catalog(url).await,
        before,
        "{what}: down did not restore the catalog"
    );
    migrate(migration, url, &["up"], what);
}

/// Runs the migration crate's command line (sea-orm-migration's `cli::run_cli`), built
/// first when its sources changed.
fn migrate(migration: &Path, url: &str, args: &[&str], what: &str) {
    let out = Command::new(common::migration_binary(migration))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .expect("run the migration crate");
    assert!(
        out.status.success(),
        "{what}: migration {args:?} failed\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

async fn catalog(url: &str) -> String {
    let url = DatabaseUrl::parse(url).unwrap();
    let schema = sealift_catalog::reflect(&url, &ReflectOptions::default())
        .await
        .unwrap()
        .schema;
    dump_unordered(&schema)
}

fn sealift(cwd: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(cwd)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sealift")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A PostgreSQL schema named with quotes and a keyword table in it: autogen, up, check, down,
/// up, with every name quoted right in the plan, the migration file and the SQL it runs.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_hostile_schema() {
    const SCHEMA: &str = r#"Tenant "A"'s"#;
    let db = TestDb::create("e2e_hostile_schema", Dialect::Postgres).await;
    let url = db.url();
    db.run(&[r#"CREATE SCHEMA "Tenant ""A""'s""#.to_owned()])
        .await;
    let dir = TempDir::new("e2e_hostile_schema");
    let project = dir.path();
    let entities = project.join("entity/src");
    std::fs::create_dir_all(&entities).unwrap();
    let schema_attr = r#"schema_name = "Tenant \"A\"'s""#;
    std::fs::write(
        entities.join("select.rs"),
        format!(
            r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm({schema_attr}, table_name = "select")]
pub struct Model {{
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_name = "from \"x\"", indexed)]
    pub from: String,
    #[sea_orm(column_name = "it's", unique)]
    pub its: i32,
}}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {{}}

impl ActiveModelBehavior for ActiveModel {{}}
"#
        ),
    )
    .unwrap();
    std::fs::write(
        entities.join("where.rs"),
        format!(
            r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm({schema_attr}, table_name = "Where")]
pub struct Model {{
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_name = "select id")]
    pub select_id: i32,
}}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {{
    #[sea_orm(
        belongs_to = "super::select::Entity",
        from = "Column::SelectId",
        to = "super::select::Column::Id"
    )]
    Select,
}}

impl ActiveModelBehavior for ActiveModel {{}}
"#
        ),
    )
    .unwrap();
    std::fs::write(
        entities.join("mod.rs"),
        "pub mod select;\npub mod r#where;\n",
    )
    .unwrap();
    let out = sealift(
        project,
        &url,
        &["init", "--migration-dir", "migration_hostile"],
    );
    assert!(out.status.success(), "init: {}", text(&out.stderr));
    let migration = project.join("migration_hostile");

    let tenant = || async {
        let url = DatabaseUrl::parse(&url).unwrap();
        let options = ReflectOptions {
            schemas: vec![SCHEMA.to_owned()],
            ..ReflectOptions::default()
        };
        dump_unordered(
            &sealift_catalog::reflect(&url, &options)
                .await
                .unwrap()
                .schema,
        )
    };
    let before = tenant().await;
    // The one schema sealift is given is the connection's: names bare, as in a migration run
    // with sea-orm-migration's `-s` (which takes a name in double quotes as it is).
    let out = sealift(project, &url, &["diff", "--format", "sql"]);
    let sql = text(&out.stdout);
    assert!(
        sql.contains("CREATE TABLE \"select\" (")
            && sql.contains(r#""from ""x""" varchar NOT NULL"#)
            && sql.contains(r#"CREATE INDEX "idx-select-from ""x""" ON "select" ("from ""x""")"#),
        "{sql}{}",
        text(&out.stderr)
    );
    let out = sealift(project, &url, &["autogen", "Tenant"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let quoted = format!("\"{}\"", SCHEMA.replace('"', "\"\""));
    let in_schema = |args: &[&'static str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(["-s".to_owned(), quoted.clone()]);
        all
    };
    migrate(
        &migration,
        &url,
        &refs(&in_schema(&["up"])),
        "hostile schema",
    );
    let after = tenant().await;
    assert!(
        after.contains("select") && after.contains("Where"),
        "{after}"
    );
    // `sealift diff`, not `check`: sea-orm-migration's `-s` keeps its history table in that
    // schema, where `sealift check` does not read it.
    let diff = sealift(project, &url, &["diff"]);
    assert!(
        diff.status.success() && text(&diff.stdout).starts_with("No changes detected"),
        "the diff after up is not empty\n{}{}",
        text(&diff.stdout),
        text(&diff.stderr)
    );
    migrate(
        &migration,
        &url,
        &refs(&in_schema(&["down", "-n", "1"])),
        "hostile schema",
    );
    assert_eq!(tenant().await, before, "down did not restore the schema");
    migrate(
        &migration,
        &url,
        &refs(&in_schema(&["up"])),
        "hostile schema",
    );
    assert_eq!(tenant().await, after);
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
