//! The whole workflow on real databases: `sealift init`, `sealift autogen`, the migration crate
//! compiled with cargo against sea-orm-migration and run `up` -> `sealift check` exits 0, `down`
//! -> the catalog is what it was, `up` again; then the entities are edited (a column added, a
//! foreign key added, a column made NOT NULL, an enum value added, a column renamed with
//! `renamed_from`) and the same is repeated for each edit.
//!
//! The migration crates build with `sealift_testkit::cargo`: one shared target folder, warnings
//! denied, so the dependencies compile once per run and a warning in generated code fails.

use std::path::Path;
use std::process::{Command, Output};

use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_ir::Dialect;
use sealift_testkit::{TempDir, TestDb, cargo, dump_unordered};

const AUTHOR: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "author")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

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

/// Builds and runs the migration crate's command line (sea-orm-migration's `cli::run_cli`).
fn migrate(migration: &Path, url: &str, args: &[&str], what: &str) {
    let mut cargo_args: Vec<&str> = vec!["run", "--quiet", "--"];
    cargo_args.extend_from_slice(args);
    cargo(migration, &cargo_args, Some(url), what);
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
