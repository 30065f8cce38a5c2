//! `sealift inspect` as a user runs it: the real binary, real databases, exit codes and output.

use std::path::Path;
use std::process::{Command, Output};

use sealift_testkit::{PgDb, SqliteDb, TempDir, fixture, workspace_dir};

/// Runs `sealift` with the given arguments in a new empty folder (so no `sealift.toml` or
/// `.env` is found by accident) and no `DATABASE_URL` from the environment.
fn sealift(args: &[&str]) -> Output {
    let cwd = TempDir::new("inspect");
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(cwd.path())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run sealift")
}

#[test]
fn no_config_or_env_file_lies_in_the_repository_outside_the_examples() {
    // A `sealift.toml` or `.env` left in the tree would be read by every command run there.
    let mut found = Vec::new();
    let mut dirs = vec![workspace_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !["target", "examples", ".git"].contains(&name.as_str()) {
                    dirs.push(path);
                }
            } else if name == "sealift.toml" || name == ".env" {
                found.push(path);
            }
        }
    }
    assert!(found.is_empty(), "stray config files: {found:?}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn example_db() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sakila/sakila.db");
    format!("sqlite://{}", path.display())
}

#[tokio::test]
async fn the_example_database_is_the_sqlite_sakila_fixture() {
    let fresh = SqliteDb::create("example").await;
    fresh.execute(&fixture("sql/sqlite/sakila.sql")).await;
    let from_example = sealift(&["inspect", "--database-url", &example_db()]);
    let from_fixture = sealift(&["inspect", "--database-url", &fresh.url()]);
    assert!(
        from_example.status.success(),
        "{}",
        text(&from_example.stderr)
    );
    assert_eq!(text(&from_example.stdout), text(&from_fixture.stdout));
    assert!(text(&from_example.stdout).starts_with("dialect sqlite\nnamespace main\n"));
}

#[test]
fn json_output_is_the_schema_model() {
    let out = sealift(&[
        "inspect",
        "--database-url",
        &example_db(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let schema: sealift_ir::Schema = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(schema.dialect, sealift_ir::Dialect::Sqlite);
    assert_eq!(schema.namespaces["main"].tables.len(), 21);
}

#[tokio::test]
async fn postgres_schemas_are_chosen_with_repeated_flags() {
    let db = PgDb::create("cli_schemas").await;
    db.execute("CREATE SCHEMA a; CREATE SCHEMA b; CREATE TABLE a.x (id int); CREATE TABLE b.y (id int); CREATE TABLE public.z (id int);").await;
    let out = sealift(&[
        "inspect",
        "--database-url",
        db.url(),
        "--schema",
        "b",
        "--schema",
        "a",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("namespace a\n  table x\n") && stdout.contains("namespace b\n  table y\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("table z"), "{stdout}");
    let default = text(&sealift(&["inspect", "--database-url", db.url()]).stdout);
    assert!(
        default.contains("namespace public\n  table z\n"),
        "{default}"
    );
}

/// Bad input: exit code 2, nothing on stdout, one line on stderr that says what failed and what
/// to try, and never the password.
fn assert_bad_input(args: &[&str], wanted: &str) {
    let out = sealift(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert!(
        stderr.contains(wanted),
        "{args:?}: expected `{wanted}` in: {stderr}"
    );
    assert!(
        !stderr.contains("TopSecret99"),
        "{args:?} leaked the password: {stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
}

#[test]
fn bad_urls_fail_with_a_clear_line_and_exit_2() {
    assert_bad_input(&["inspect"], "no database URL given; pass --database-url");
    assert_bad_input(
        &["inspect", "--database-url", "oracle://h/db"],
        "unknown database URL scheme `oracle:`",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "mariadb://root:TopSecret99@127.0.0.1:1/db",
        ],
        "cannot reach the database server at mariadb://root:***@127.0.0.1:1/db",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "mysql://nobody:TopSecret99@127.0.0.1:3306/mysql",
        ],
        "authentication failed for mysql://nobody:***@127.0.0.1:3306/mysql",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "mysql://root@127.0.0.1:3306/sealift_no_such_db",
        ],
        "database not found",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "postgres://postgres:TopSecret99@127.0.0.1:1/db",
        ],
        "cannot reach the database server at postgres://postgres:***@127.0.0.1:1/db",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "postgres://nobody:TopSecret99@127.0.0.1:5432/postgres",
        ],
        "authentication failed for postgres://nobody:***@127.0.0.1:5432/postgres",
    );
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            "postgres://postgres:TopSecret99@127.0.0.1:5432/sealift_no_such_db",
        ],
        "database not found",
    );
}

#[test]
fn a_missing_sqlite_file_is_an_error_and_is_not_created() {
    let path = std::env::temp_dir().join(format!("sealift-cli-missing-{}.db", std::process::id()));
    assert_bad_input(
        &[
            "inspect",
            "--database-url",
            &format!("sqlite://{}", path.display()),
        ],
        "no file at",
    );
    assert!(!path.exists());
}

#[tokio::test]
async fn a_missing_schema_is_bad_input() {
    let db = PgDb::create("cli_noschema").await;
    let url = db
        .url()
        .replace("postgres://postgres@", "postgres://postgres:TopSecret99@");
    assert_bad_input(
        &["inspect", "--database-url", &url, "--schema", "nope"],
        "schema `nope` does not exist",
    );
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let out = sealift(&[
        "inspect",
        "--database-url",
        &example_db(),
        "--format",
        "yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid value 'yaml'"),
        "{}",
        text(&out.stderr)
    );
}

fn fixtures(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn entities_are_printed_as_seaorm_would_create_them() {
    let out = sealift(&[
        "inspect",
        "--entities",
        &fixtures("entities/shop/dense"),
        "--dialect",
        "sqlite",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("dialect sqlite\nnamespace main\n  table bakery\n"),
        "{stdout}"
    );
    assert!(stdout.contains("foreign key (bakery_id) references main.bakery (id) on update cascade on delete cascade"), "{stdout}");
}

#[test]
fn every_entity_error_is_printed_with_its_place_and_exit_2() {
    let out = sealift(&["inspect", "--entities", &fixtures("entities/bad")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    for wanted in [
        "broken_syntax.rs:8:5: error: this file is not valid Rust",
        "unknown_type.rs:8:15: error: unknown column_type `Strnig(StringLen::N(10))`",
        "unknown_type.rs:10:9: error: cannot resolve the type `Mood` of column `mood`",
        "unknown_type.rs:21:5: error: this relation points at `super::owner::Entity`",
        "error: 4 error(s) in the entity files; fix them and run again",
    ] {
        assert!(stderr.contains(wanted), "expected `{wanted}` in:\n{stderr}");
    }
}

#[test]
fn a_missing_entities_folder_is_bad_input() {
    assert_bad_input(
        &["inspect", "--entities", "/nonexistent/entities"],
        "entities folder /nonexistent/entities does not exist",
    );
}

#[test]
fn check_passes_when_the_entities_match_the_database() {
    let out = sealift(&[
        "check",
        "--database-url",
        &example_db(),
        "--entities",
        &fixtures("entities/sakila/sqlite_dense"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).starts_with("In sync"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_fails_with_exit_1_and_the_plan_on_drift() {
    let out = sealift(&[
        "check",
        "--database-url",
        &example_db(),
        "--entities",
        &fixtures("entities/shop/compact"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("Drift: the database differs from the entities"),
        "{stdout}"
    );
    assert!(stdout.contains("create table main.bakery"), "{stdout}");
    assert!(stdout.contains("! destructive:"), "{stdout}");
}

#[test]
fn diff_prints_sql_json_and_markdown() {
    let args = |format: &'static str| {
        vec![
            "diff".to_owned(),
            "--database-url".into(),
            example_db(),
            "--entities".into(),
            fixtures("entities/shop/compact"),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format| {
        let a = args(format);
        let out = sealift(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let sql = run("sql");
    assert!(
        sql.starts_with("-- up\nCREATE TABLE \"bakery\" (\n"),
        "{sql}"
    );
    assert!(sql.contains("\n-- down\n"), "{sql}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("valid JSON");
    assert_eq!(json["dialect"], "sqlite");
    // The enum types come first: nothing on SQLite, the types the same file needs on PostgreSQL.
    let ops: Vec<String> = json["up"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["change"]["op"].as_str().unwrap(),
                s["change"]["on"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ops.first().map(String::as_str),
        Some("create enum"),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o == "create table"), "{ops:?}");
    let md = run("markdown");
    assert!(
        md.starts_with("### sealift plan\n\n| # | change | hazards |"),
        "{md}"
    );
    assert!(md.contains("<summary>Left alone ("), "{md}");
}

#[test]
fn diff_says_no_changes_when_in_sync() {
    let out = sealift(&[
        "diff",
        "--database-url",
        &example_db(),
        "--entities",
        &fixtures("entities/sakila/sqlite_compact"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("No changes detected"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_bad_rename_is_bad_input() {
    assert_bad_input(
        &[
            "diff",
            "--database-url",
            &example_db(),
            "--entities",
            &fixtures("entities/shop/compact"),
            "--rename",
            "nothing",
        ],
        "invalid --rename `nothing`; write old=new",
    );
}

/// A fresh, empty folder for one test.
fn temp_dir(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sealift-cli-{label}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    let dir = std::path::PathBuf::from(
        dir.to_string_lossy()
            .replace([' ', ':', '{', '}', ','], "_"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn snapshot_dir(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_then_create_writes_a_registered_migration() {
    let root = temp_dir("create");
    let dir = root.join("migration");
    let d = dir.display().to_string();
    let out = sealift(&["init", "--migration-dir", &d]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in [
        "Cargo.toml",
        "src/lib.rs",
        "src/main.rs",
        ".gitignore",
        ".gitattributes",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let ignored = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(ignored.lines().any(|l| l == "/target"), "{ignored}");
    assert!(text(&out.stdout).contains("first `sealift upgrade` builds it"));
    let out = sealift(&["create", "BackfillEmails", "--migration-dir", &d]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let module = lib
        .lines()
        .find_map(|l| l.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')))
        .expect("a mod line");
    assert!(
        module.starts_with('m') && module.ends_with("_backfill_emails"),
        "{module}"
    );
    assert!(
        lib.contains(&format!("Box::new({module}::Migration),")),
        "{lib}"
    );
    let file = std::fs::read_to_string(dir.join(format!("src/{module}.rs"))).unwrap();
    assert!(file.contains("impl MigrationTrait for Migration"), "{file}");

    // Bad input changes nothing.
    let before = snapshot_dir(&dir);
    assert_bad_input(
        &["create", "backfill-emails", "--migration-dir", &d],
        "invalid migration name `backfill-emails`",
    );
    assert_eq!(snapshot_dir(&dir), before);
    // `init` on a crate made before `.gitattributes` was part of it adds the line that lets
    // git merge lib.rs, keeping what the file had; once.
    std::fs::write(dir.join(".gitattributes"), "*.sql text\n").unwrap();
    let added = sealift(&["init", "--migration-dir", &d]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout).contains(".gitattributes"),
        "{}",
        text(&added.stdout)
    );
    let attributes = std::fs::read_to_string(dir.join(".gitattributes")).unwrap();
    assert!(
        attributes.starts_with("*.sql text\n") && attributes.contains("\nsrc/lib.rs merge=union\n"),
        "{attributes}"
    );
    let again = sealift(&["init", "--migration-dir", &d]);
    assert!(
        again.status.success() && !text(&again.stdout).contains(".gitattributes"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitattributes")).unwrap(),
        attributes
    );
    // A crate that is not a migration crate is left alone.
    let other = root.join("other");
    std::fs::create_dir_all(other.join("src")).unwrap();
    std::fs::write(other.join("Cargo.toml"), "[package]\nname = \"other\"\n").unwrap();
    std::fs::write(other.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    assert_bad_input(
        &["init", "--migration-dir", &other.display().to_string()],
        "not a sea-orm-migration crate",
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn create_without_a_migration_crate_says_to_init() {
    let root = temp_dir("noinit");
    assert_bad_input(
        &[
            "create",
            "X",
            "--migration-dir",
            &root.join("migration").display().to_string(),
        ],
        "run `sealift init` first",
    );
    assert!(
        std::fs::read_dir(&root).unwrap().next().is_none(),
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(root);
}
