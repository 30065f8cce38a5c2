//! `autogen`, `diff`, `check`, `init` and `create` as a user runs them: the real binary in a
//! project folder, real databases, exit codes, output and the files left behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sealift_testkit::{MyDb, PgDb, SqliteDb, TempDir};

/// A SeaORM project folder: entities in `entity/src`, a migration crate from `sealift init`.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(label: &str, post: &str) -> Project {
        let dir = TempDir::new(label);
        let entities = dir.path().join("entity/src");
        std::fs::create_dir_all(&entities).unwrap();
        std::fs::write(entities.join("post.rs"), post).unwrap();
        let p = Project { dir };
        let out = p.run(None, &["init"]);
        assert!(out.status.success(), "init: {}", text(&out.stderr));
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `sealift <args>` in the project folder; `DATABASE_URL` only when given.
    fn run(&self, url: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = sealift(self.path(), args);
        if let Some(u) = url {
            cmd.env("DATABASE_URL", u);
        }
        cmd.output().expect("run sealift")
    }

    /// The migration files, sorted.
    fn migrations(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.path().join("migration/src"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                !["lib.rs", "main.rs"].contains(&&*p.file_name().unwrap().to_string_lossy())
            })
            .collect();
        files.sort();
        files
    }

    fn lib_rs(&self) -> String {
        std::fs::read_to_string(self.path().join("migration/src/lib.rs")).unwrap()
    }
}

/// `sealift <args>` run in `cwd`, without the caller's `DATABASE_URL` and without colours.
fn sealift(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sealift"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn sqlite_with(sql: &str) -> SqliteDb {
    let db = SqliteDb::create("cli").await;
    db.execute(sql).await;
    db
}

#[tokio::test]
async fn autogen_writes_and_registers_a_migration_then_finds_nothing_more() {
    let db = SqliteDb::create("autogen").await;
    let p = Project::new("autogen", common::POST);
    assert!(p.path().join("sealift.toml").is_file());
    let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("main.post\n  + create table main.post (2 columns)\n"),
        "{stdout}"
    );
    let files = p.migrations();
    assert_eq!(files.len(), 1);
    let name = files[0].file_stem().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("_add_posts"), "{name}");
    assert!(p.lib_rs().contains(&format!("Box::new({name}::Migration)")));
    let file = std::fs::read_to_string(&files[0]).unwrap();
    assert!(file.contains("//! - create table main.post (2 columns)"));
    assert!(
        file.contains("manager\n            .create_table("),
        "{file}"
    );

    // Written, not applied: check and a second autogen stop and say what to run, and diff
    // still previews the drift.
    let check = p.run(Some(&db.url()), &["check"]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stdout));
    let err = text(&check.stderr);
    assert!(
        err.contains("not up to date: 1 migration pending") && err.contains(&name),
        "{err}"
    );
    let again = p.run(Some(&db.url()), &["autogen", "Again"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("run `sealift upgrade` first"));
    assert_eq!(p.migrations().len(), 1);
    let diff = p.run(Some(&db.url()), &["diff"]);
    assert!(text(&diff.stdout).contains("+ create table main.post"));

    // The table made by hand and the history stamped: nothing more to do, nothing written.
    db.execute(r#"CREATE TABLE "post" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar NOT NULL )"#)
        .await;
    let stamp = p.run(Some(&db.url()), &["stamp", "head"]);
    assert!(stamp.status.success(), "{}", text(&stamp.stderr));
    let again = p.run(Some(&db.url()), &["autogen", "Again"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), "No changes detected\n");
    assert_eq!(p.migrations().len(), 1);
    let check = p.run(Some(&db.url()), &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[tokio::test]
async fn a_destructive_plan_is_refused_unless_allowed() {
    let db = sqlite_with(
        r#"CREATE TABLE "post" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar NOT NULL, "legacy" varchar );
           CREATE TABLE "audit" ( "id" integer PRIMARY KEY );"#,
    )
    .await;
    let p = Project::new("destructive", common::POST);
    let lib_before = p.lib_rs();
    let out = p.run(Some(&db.url()), &["autogen", "DropLegacy"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("Nothing written: this migration would lose data.\n"));
    assert!(
        stdout.contains("  - drops column(s) legacy of main.post and their data\n"),
        "{stdout}"
    );
    assert!(stdout.contains("renamed_from"), "{stdout}");
    assert!(stdout.contains("--rename table.old=new"), "{stdout}");
    assert!(stdout.contains("--allow-destructive"), "{stdout}");
    // An unknown table is left alone, not dropped.
    assert!(!stdout.contains("audit"), "{stdout}");
    assert!(p.migrations().is_empty());
    assert_eq!(p.lib_rs(), lib_before);

    let allowed = p.run(
        Some(&db.url()),
        &["autogen", "DropLegacy", "--allow-destructive"],
    );
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    let file = std::fs::read_to_string(&p.migrations()[0]).unwrap();
    assert!(
        file.contains("//! - DESTRUCTIVE: drops column(s) legacy of main.post and their data"),
        "{file}"
    );
}

#[tokio::test]
async fn bad_input_exits_2_and_writes_nothing() {
    let db = SqliteDb::create("bad").await;
    let p = Project::new("bad", common::POST);
    let lib_before = p.lib_rs();

    let out = p.run(Some(&db.url()), &["autogen", "9lives"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid migration name `9lives`"));

    let out = p.run(None, &["autogen", "AddPosts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("no database URL given; pass --database-url URL, set DATABASE_URL"),
        "{}",
        text(&out.stderr)
    );

    let secret = "postgres://app:s3cret@127.0.0.1:1/app";
    let out = p.run(None, &["autogen", "AddPosts", "--database-url", secret]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !text(&out.stderr).contains("s3cret"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(p.path().join("entity/src/post.rs"), "pub struct Model {").unwrap();
    let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("post.rs:1:"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(p.path().join("sealift.toml"), "entites = [\"x\"]\n").unwrap();
    let out = p.run(Some(&db.url()), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a valid sealift config"),
        "{}",
        text(&out.stderr)
    );

    assert!(p.migrations().is_empty());
    assert_eq!(p.lib_rs(), lib_before);
}

/// A misspelled flag is answered with the real one, exit 2, on the commands whose target may
/// start with a hyphen too (`downgrade -2`), and nothing runs.
#[test]
fn a_misspelled_flag_is_answered_with_the_closest_real_one() {
    let dir = TempDir::new("flags");
    for args in [
        ["upgrade", "--lock-timout", "5s"],
        ["downgrade", "--lock-timout", "5s"],
    ] {
        let out = sealift(dir.path(), &args).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{stderr}");
        assert!(
            stderr.contains("unexpected argument '--lock-timout'")
                && stderr.contains("a similar argument exists: '--lock-timeout'"),
            "{args:?}\n{stderr}"
        );
    }
    // A negative target still parses: the error is the missing project, not the argument.
    let out = sealift(dir.path(), &["downgrade", "-2"]).output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
}

/// Completion scripts for the shells, each naming the commands and their flags.
#[test]
fn completions_for_bash_zsh_and_fish() {
    let dir = TempDir::new("completions");
    for (shell, marker) in [
        ("bash", "_sealift()"),
        ("zsh", "#compdef sealift"),
        ("fish", "complete -c sealift"),
    ] {
        let out = sealift(dir.path(), &["completions", shell])
            .output()
            .unwrap();
        let script = text(&out.stdout);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        for word in [marker, "upgrade", "downgrade", "lock-timeout"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let out = sealift(dir.path(), &["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn data_dependent_steps_show_row_and_null_counts() {
    let db = PgDb::create("cli_counts").await;
    db.execute(
        "CREATE TABLE post (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title varchar);
         INSERT INTO post (title) VALUES ('a'), (NULL), (NULL), ('a');",
    )
    .await;
    let unique_title = common::POST.replace(
        "    pub title: String,",
        "    #[sea_orm(unique)]\n    pub title: String,",
    );
    let p = Project::new("counts", &unique_title);
    // The rows there now make the migration fail: nothing is written, the counts say why.
    let out = p.run(Some(db.url()), &["autogen", "TitleRequired"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Nothing written: this migration would fail on the rows")
            && stdout.contains("2 row(s) of public.post hold NULL in title")
            && stdout.contains("1 group(s) of duplicate rows in public.post (title)"),
        "{stdout}"
    );
    assert!(p.migrations().is_empty());
    // Rows fixed: written, with the counts in its header for the reviewer.
    db.execute("UPDATE post SET title = 'p' || id").await;
    let out = p.run(Some(db.url()), &["autogen", "TitleRequired"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let file = std::fs::read_to_string(&p.migrations()[0]).unwrap();
    assert!(
        file.contains("//! - 0 row(s) of public.post hold NULL in title")
            && file.contains("//! - 0 group(s) of duplicate rows in public.post (title)"),
        "{file}"
    );
}

/// MySQL keeps an enum's values in the column's type: removing one is a `MODIFY COLUMN` that
/// fails on rows holding it, and autogen counts them.
#[tokio::test]
async fn mysql_enum_value_removal_counts_the_rows_holding_it() {
    let db = MyDb::create("cli_enum_counts").await;
    db.execute(
        "CREATE TABLE post (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, mood enum('sad','ok','happy') NOT NULL);
         INSERT INTO post (mood) VALUES ('ok'), ('sad'), ('ok');",
    )
    .await;
    let post = r#"use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "mood")]
pub enum Mood {
    #[sea_orm(string_value = "sad")]
    Sad,
    #[sea_orm(string_value = "happy")]
    Happy,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mood: Mood,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;
    let p = Project::new("enum_counts", post);
    let out = p.run(Some(db.url()), &["autogen", "DropOk"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(p.migrations().is_empty());
    let finding = format!(
        "2 row(s) of {}.post hold 'ok' in mood, which the new type drops",
        db.name()
    );
    assert!(stdout.contains(&finding), "{stdout}");
}

#[tokio::test]
async fn config_env_and_flags_resolve_in_order() {
    let db = SqliteDb::create("config").await;
    let other = SqliteDb::create("config_other").await;
    other
        .execute(r#"CREATE TABLE "post" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar NOT NULL )"#)
        .await;
    let p = Project::new("config", common::POST);
    // .env names the empty database: drift.
    std::fs::write(
        p.path().join(".env"),
        format!("DATABASE_URL={}\n", db.url()),
    )
    .unwrap();
    let out = p.run(None, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // The flag wins over .env: in sync.
    let out = p.run(None, &["check", "--database-url", &other.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Include/exclude globs from sealift.toml leave the table out: in sync.
    let toml = std::fs::read_to_string(p.path().join("sealift.toml")).unwrap();
    std::fs::write(
        p.path().join("sealift.toml"),
        toml.replace(
            "# exclude_tables = [\"audit_*\"]",
            "exclude_tables = [\"po*\"]",
        ),
    )
    .unwrap();
    let out = p.run(None, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // --config from another folder: paths in it are relative to it.
    let outside = TempDir::new("config_outside");
    let out = sealift(
        outside.path(),
        &[
            "diff",
            "--format",
            "json",
            "--database-url",
            &db.url(),
            "--config",
        ],
    )
    .arg(p.path().join("sealift.toml"))
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"up\": []"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn entities_are_found_in_the_usual_places() {
    let db = SqliteDb::create("discovery").await;
    for place in ["src/entities", "src/models/_entities"] {
        let dir = TempDir::new("discovery");
        let entities = dir.path().join(place);
        std::fs::create_dir_all(&entities).unwrap();
        std::fs::write(entities.join("post.rs"), common::POST).unwrap();
        let out = sealift(dir.path(), &["diff", "--database-url", &db.url()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{place}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("+ create table main.post"),
            "{place}"
        );
    }
    let empty = TempDir::new("discovery_none");
    let out = sealift(empty.path(), &["diff", "--database-url", &db.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no entities folder found"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn diff_formats_and_create() {
    let db = SqliteDb::create("formats").await;
    let p = Project::new("formats", common::POST);
    let url = db.url();
    let sql = text(&p.run(Some(&url), &["diff", "--format", "sql"]).stdout);
    assert!(sql.starts_with("-- up\nCREATE TABLE \"post\" (\n"), "{sql}");
    assert!(sql.contains("-- down\nDROP TABLE \"post\";\n"), "{sql}");
    let md = text(&p.run(Some(&url), &["diff", "--format", "markdown"]).stdout);
    assert!(
        md.starts_with("### sealift plan\n\n| # | change | hazards |"),
        "{md}"
    );
    let json = p.run(Some(&url), &["diff", "--format", "json"]).stdout;
    let plan: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let first = &plan["up"][0]["change"];
    assert_eq!(
        (first["on"].as_str(), first["op"].as_str()),
        (Some("table"), Some("create")),
        "{first:#}"
    );

    let out = p.run(None, &["create", "BackfillTitles"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let files = p.migrations();
    assert_eq!(files.len(), 1);
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("_manager: &SchemaManager")
    );
}

/// Copies a folder tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_quickstart_example_autogenerates_from_its_config() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    let copy = TempDir::new("quickstart");
    copy_dir(&example, copy.path());
    let outside = TempDir::new("quickstart_cwd");
    let out = sealift(outside.path(), &["autogen", "AddPosts", "--config"])
        .arg(copy.path().join("sealift.toml"))
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(
            "main.post\n  + create table main.post (5 columns)\n  + add foreign key main.post (user_id) -> main.user (id)\nmain.user\n  ~ rebuild table main.user (SQLite batch mode)\n"
        ),
        "{stdout}"
    );
    let lib = std::fs::read_to_string(copy.path().join("migration/src/lib.rs")).unwrap();
    assert!(lib.contains("_add_posts::Migration)"), "{lib}");
}

#[test]
fn a_password_in_a_broken_env_or_config_file_is_never_printed() {
    let dir = TempDir::new("secrets");
    std::fs::write(
        dir.path().join(".env"),
        "# local settings\nDATABASE_URL=\"postgres://app:hunter2@db.internal/app\n",
    )
    .unwrap();
    let out = sealift(dir.path(), &["diff"]).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.contains(".env: line 2 is not KEY=VALUE"), "{stderr}");

    std::fs::remove_file(dir.path().join(".env")).unwrap();
    std::fs::write(
        dir.path().join("sealift.toml"),
        "database_url = [\"postgres://app:hunter2@db.internal/app\"]\n",
    )
    .unwrap();
    let out = sealift(dir.path(), &["diff"]).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.contains("app:***@db.internal"), "{stderr}");
}

/// `common::POST` in a schema of its own.
fn post_in(schema: &str) -> String {
    common::POST.replace(
        "#[sea_orm(table_name = \"post\")]",
        &format!("#[sea_orm(schema_name = \"{schema}\", table_name = \"post\")]"),
    )
}

#[tokio::test]
async fn schemas_the_entities_name_are_compared_without_being_asked_for() {
    let db = PgDb::create("cli_schemas").await;
    db.execute(
        "CREATE SCHEMA blog;
         CREATE TABLE blog.post (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title varchar NOT NULL);",
    )
    .await;
    let p = Project::new("cli_schemas", &post_in("blog"));
    // init wrote the schema the entities name.
    let config = std::fs::read_to_string(p.path().join("sealift.toml")).unwrap();
    assert!(config.contains("\nschemas = [\"blog\"]\n"), "{config}");
    // Without it, the schema is still read: the table exists, nothing to do.
    std::fs::write(
        p.path().join("sealift.toml"),
        config.replace("schemas = [\"blog\"]", ""),
    )
    .unwrap();
    let out = p.run(Some(db.url()), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // A schema the database does not have is named, and nothing runs.
    std::fs::write(p.path().join("entity/src/post.rs"), post_in("nowhere")).unwrap();
    let out = p.run(Some(db.url()), &["check"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the entities name schema(s) nowhere that the database")
            && stderr.contains("blog"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_history_table_named_in_lib_rs_is_not_the_users() {
    let db = sqlite_with(
        "CREATE TABLE app_migrations (version varchar NOT NULL PRIMARY KEY, applied_at bigint NOT NULL);
         CREATE TABLE post (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, title varchar NOT NULL);",
    )
    .await;
    let p = Project::new("cli_history", common::POST);
    let lib = p.lib_rs().replace(
        "    fn migrations()",
        "    fn migration_table_name() -> sea_orm::DynIden {\n        Alias::new(\"app_migrations\").into_iden()\n    }\n\n    fn migrations()",
    );
    assert!(lib.contains("app_migrations"), "{lib}");
    std::fs::write(p.path().join("migration/src/lib.rs"), lib).unwrap();
    let out = p.run(Some(&db.url()), &["diff", "--drop-unknown-tables"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("No changes detected"), "{stdout}");
}

/// Undoes `chattr +i` on a path when dropped, so the temporary folder can be removed.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let status = Command::new("chattr").arg("+i").arg(path).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "`chattr +i {}` failed: this test needs root on a file system with attributes",
            path.display()
        );
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// What a failed write must leave: exit code 2, one line saying which file and why, no new
/// file (nor a temporary one) in the migration crate and `lib.rs` as it was.
fn assert_nothing_written(p: &Project, out: &Output, lib_before: &str, why: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}{stderr}", text(&out.stdout));
    assert!(
        stderr.contains("cannot write") && stderr.contains(why),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(p.migrations().is_empty(), "{:?}", p.migrations());
    assert_eq!(p.lib_rs(), lib_before);
}

#[tokio::test]
async fn a_read_only_folder_or_lib_rs_leaves_nothing_behind() {
    let db = SqliteDb::create("readonly").await;
    let p = Project::new("readonly", common::POST);
    let lib_before = p.lib_rs();
    let src = p.path().join("migration/src");
    {
        let _guard = Immutable::set(&src);
        let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
        assert_nothing_written(&p, &out, &lib_before, "Operation not permitted");
    }
    // The migration file can be written, lib.rs cannot be replaced: the file is taken back.
    {
        let _guard = Immutable::set(&src.join("lib.rs"));
        let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
        assert_nothing_written(&p, &out, &lib_before, "Operation not permitted");
    }
    let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(p.migrations().len(), 1);
}

#[tokio::test]
async fn a_full_disk_leaves_nothing_behind() {
    let db = SqliteDb::create("fulldisk").await;
    let p = Project::new("fulldisk", common::POST);
    let lib_before = p.lib_rs();
    // In a mount namespace of its own: the migration crate's `src` on a small tmpfs, filled
    // up, then autogen; what is left is listed before the namespace (and the tmpfs) goes.
    let script = r#"set -e
src="$PWD/migration/src"
cp -a "$src" "$PWD/src.orig"
mount -t tmpfs -o size=128k tmpfs "$src"
cp -a "$PWD/src.orig/." "$src/"
dd if=/dev/zero of="$src/filler" bs=4096 2>/dev/null || true
set +e
"$SEALIFT" autogen AddPosts
echo "exit=$?" >&3
rm "$src/filler"
ls -A "$src" >&3
echo "--- lib.rs" >&3
cat "$src/lib.rs" >&3
"#;
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "bash", "-c"])
        .arg(format!("exec 3>\"$PWD/report\"\n{script}"))
        .current_dir(p.path())
        .env("SEALIFT", env!("CARGO_BIN_EXE_sealift"))
        .env("DATABASE_URL", db.url())
        .env("NO_COLOR", "1")
        .output()
        .expect("run unshare (util-linux): this test needs root to mount a tmpfs");
    let report = std::fs::read_to_string(p.path().join("report")).unwrap_or_default();
    let stderr = text(&out.stderr);
    assert!(
        out.status.success() && report.starts_with("exit="),
        "the tmpfs could not be set up:\n{stderr}"
    );
    let (head, lib_after) = report.split_once("--- lib.rs\n").unwrap();
    assert!(head.starts_with("exit=2\n"), "{report}\n{stderr}");
    let mut left: Vec<&str> = head.lines().skip(1).collect();
    left.sort();
    assert_eq!(left, ["lib.rs", "main.rs"], "{report}");
    assert_eq!(lib_after, lib_before);
    assert!(
        stderr.contains("cannot write") && stderr.contains("No space left on device"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// A TCP proxy to `upstream` (`host:port`) that cuts every connection, and from then on
/// refuses new ones, once a client has sent more than `budget` bytes on one: the server going
/// away in the middle of a conversation. Returns the port it listens on.
fn cutting_proxy(upstream: String, budget: usize) -> u16 {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            if cut.load(Ordering::SeqCst) {
                continue;
            }
            let Ok(mut server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let (mut client_r, mut server_w) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server, &mut client);
            });
            let cut = cut.clone();
            std::thread::spawn(move || {
                let mut sent = 0;
                let mut buf = [0u8; 8192];
                while let Ok(n) = client_r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sent += n;
                    if sent > budget {
                        cut.store(true, Ordering::SeqCst);
                        break;
                    }
                    if server_w.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = server_w.shutdown(Shutdown::Both);
                let _ = client_r.shutdown(Shutdown::Both);
            });
        }
    });
    port
}

/// `url` with its `host:port` replaced by the proxy's.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    (
        host.to_owned(),
        format!("{scheme}://{user}@127.0.0.1:{port}/{path}"),
    )
}

/// The connection is cut after the handshake, at the first catalog query (each is longer
/// than the handshake and the session settings sqlx sends).
async fn server_gone_during_reflection(url: &str) {
    let p = Project::new("gone", common::POST);
    let (upstream, _) = through(url, 0);
    let port = cutting_proxy(upstream, 600);
    let (_, mut proxied) = through(url, port);
    if proxied.starts_with("postgres") {
        // Plain text, so that the budget counts the protocol's bytes, not TLS's.
        proxied.push_str(if proxied.contains('?') { "&" } else { "?" });
        proxied.push_str("sslmode=disable");
    }
    let out = p.run(Some(&proxied), &["diff"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}{stderr}", text(&out.stdout));
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("lost the connection to") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
}

#[tokio::test]
async fn postgres_gone_during_reflection_is_one_line() {
    let db = PgDb::create("gone").await;
    db.execute("CREATE TABLE post (id serial PRIMARY KEY, title varchar NOT NULL)")
        .await;
    server_gone_during_reflection(db.url()).await;
}

#[tokio::test]
async fn mysql_gone_during_reflection_is_one_line() {
    let db = MyDb::create("gone").await;
    db.execute(
        "CREATE TABLE post (id int AUTO_INCREMENT PRIMARY KEY, title varchar(255) NOT NULL)",
    )
    .await;
    server_gone_during_reflection(db.url()).await;
}

/// `--help` shows the tenant flags on the commands that fan out over tenants, and only there,
/// with examples.
#[test]
fn help_shows_tenant_flags_only_where_they_apply() {
    let dir = tempfile::tempdir().unwrap();
    let help = |command: &str| {
        let out = sealift(dir.path(), &[command, "--help"]).output().unwrap();
        assert!(out.status.success(), "{command} --help failed");
        String::from_utf8(out.stdout).unwrap()
    };
    for command in [
        "autogen",
        "diff",
        "check",
        "upgrade",
        "downgrade",
        "current",
        "history",
    ] {
        let text = help(command);
        assert!(
            text.contains("Tenants:") && text.contains("--jobs") && text.contains("Examples:"),
            "{command} --help:\n{text}"
        );
    }
    for command in ["inspect", "init", "create", "stamp", "heads", "merge"] {
        let text = help(command);
        assert!(
            !text.contains("--jobs") && !text.contains("--all-schemas"),
            "{command} --help shows tenant flags:\n{text}"
        );
    }
}

/// A project that lists its backends gets migrations for those only, and autogen refuses to
/// plan against a database of another backend: the file would have no code for it.
#[tokio::test]
async fn backends_in_the_config_limit_what_autogen_writes() {
    let db = SqliteDb::create("backends").await;
    let p = Project::new("backends", common::POST);
    let config = p.path().join("sealift.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{toml}backends = [\"postgres\"]\n")).unwrap();
    let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("the database is SQLite, which `backends` in sealift.toml does not list"),
        "{err}"
    );
    assert!(p.migrations().is_empty());
    std::fs::write(&config, format!("{toml}backends = [\"sqlite\"]\n")).unwrap();
    let out = p.run(Some(&db.url()), &["autogen", "AddPosts"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = std::fs::read_to_string(&p.migrations()[0]).unwrap();
    assert!(
        file.contains("only_on(manager)?;")
            && file.contains("DbBackend::Sqlite => Ok(())")
            && !file.contains("DbBackend::Postgres"),
        "{file}"
    );
}

/// A SQLite database with the table `common::POST` declares, as the parse cache tests start from.
async fn post_database() -> SqliteDb {
    sqlite_with(
        r#"CREATE TABLE "post" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar NOT NULL )"#,
    )
    .await
}

/// `sealift diff` in the project against `db`, with `envs` set; its output, the run having
/// succeeded.
fn diff_with(p: &Project, db: &SqliteDb, envs: &[(&str, &str)]) -> String {
    let mut cmd = sealift(p.path(), &["diff"]);
    cmd.env("DATABASE_URL", db.url()).envs(envs.iter().copied());
    let out = cmd.output().expect("run sealift");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// Entity files parsed by one run are kept in `.sealift_cache` for the next, and never stand
/// in for an edit: a file changed since (even to text of the same length) is parsed again.
/// `SEALIFT_CACHE_DIR` moves the cache; `SEALIFT_NO_CACHE=1` keeps none.
#[tokio::test]
async fn the_parse_cache_never_hides_an_edit() {
    let db = post_database().await;
    let p = Project::new("parse_cache", common::POST);
    let diff = |envs: &[(&str, &str)]| diff_with(&p, &db, envs);
    assert_eq!(diff(&[]), "No changes detected\n");
    let cache = p.path().join(".sealift_cache");
    let kept: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.iter().any(|n| n.starts_with("entities-")), "{kept:?}");
    assert!(
        std::fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .ends_with("\n*\n")
    );
    // Nothing changed: every parse came from the cache, so it is not written again.
    let file = kept.iter().find(|n| n.starts_with("entities-")).unwrap();
    let written = |f: &str| {
        std::fs::metadata(cache.join(f))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = (written(file), std::fs::read(cache.join(file)).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(diff(&[]), "No changes detected\n");
    assert_eq!(
        (written(file), std::fs::read(cache.join(file)).unwrap()),
        before,
        "a run with nothing edited rewrote the cache"
    );

    let post = p.path().join("entity/src/post.rs");
    let retyped = common::POST.replace("pub title: String,", "pub title: i64,   ");
    assert_eq!(retyped.len(), common::POST.len());
    std::fs::write(&post, &retyped).unwrap();
    let changed = diff(&[]);
    assert!(changed.contains("title"), "{changed}");
    std::fs::write(&post, common::POST).unwrap();
    assert_eq!(diff(&[]), "No changes detected\n");

    // Elsewhere, or nowhere.
    std::fs::remove_dir_all(&cache).unwrap();
    let elsewhere = TempDir::new("parse_cache_dir");
    let dir = elsewhere.path().join("cache");
    std::fs::write(&post, &retyped).unwrap();
    let moved = diff(&[("SEALIFT_CACHE_DIR", dir.to_str().unwrap())]);
    assert!(moved.contains("title"), "{moved}");
    assert!(dir.join(".gitignore").is_file() && !cache.exists());
    assert_eq!(diff(&[("SEALIFT_NO_CACHE", "1")]), moved);
    assert!(!cache.exists(), "SEALIFT_NO_CACHE=1 wrote a cache");
}

/// Once the entity files have settled (last changed two seconds before a run), the cache keeps
/// their stamps and a run trusts them without reading the files; an edit is still seen even
/// when it keeps the file's length and puts its modification time back, because the time of
/// the last change moves.
#[tokio::test]
async fn a_settled_file_is_trusted_by_its_stamp_and_an_edit_still_shows() {
    let db = post_database().await;
    let p = Project::new("parse_cache_stamps", common::POST);
    let diff = || diff_with(&p, &db, &[]);
    let cache_file = || {
        let cache = p.path().join(".sealift_cache");
        let file = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("entities-")
            })
            .expect("a cache file");
        std::fs::read(file).unwrap()
    };
    assert_eq!(diff(), "No changes detected\n");
    let unstamped = cache_file();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // Settled now: the stamps are stored once, then the cache stays as it is.
    assert_eq!(diff(), "No changes detected\n");
    let stamped = cache_file();
    assert_ne!(
        stamped, unstamped,
        "the settled files' stamps were not stored"
    );
    assert_eq!(diff(), "No changes detected\n");
    assert_eq!(cache_file(), stamped);

    // The same length, and the modification time put back as it was.
    let post = p.path().join("entity/src/post.rs");
    let modified = std::fs::metadata(&post).unwrap().modified().unwrap();
    let retyped = common::POST.replace("pub title: String,", "pub title: i64,   ");
    assert_eq!(retyped.len(), common::POST.len());
    std::fs::write(&post, &retyped).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&post)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&post).unwrap().modified().unwrap(),
        modified
    );
    let changed = diff();
    assert!(changed.contains("title"), "the edit was hidden: {changed}");
}
