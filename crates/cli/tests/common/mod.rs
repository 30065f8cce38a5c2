//! What the workflow test suites share: a project made with `sealift init` in a temp folder,
//! sealift run in it against a test database, and readings of where the database stands.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_ir::Dialect;
use sealift_testkit::{
    TempDir, TestDb, cargo, dump_unordered, e2e_env, seed_lockfile, workspace_dir,
};
use sealift_workflow::fresh;

pub const AUTHOR: &str = include_str!("../../../../fixtures/online/author.rs");

/// A second entity, `post`, for an entity added after the first migration.
pub const POST: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

/// The `up` and `down` bodies of a hand-written migration that creates `table` (one integer
/// key, `id`) and drops it.
pub fn table_code(table: &str) -> (String, String) {
    (
        format!(
            r#"        manager.create_table(Table::create().table("{table}").col(ColumnDef::new("id").integer().not_null().primary_key()).to_owned()).await?;"#
        ),
        format!(r#"        manager.drop_table(Table::drop().table("{table}").to_owned()).await?;"#),
    )
}

/// A project folder: entities, `sealift.toml`, a migration crate.
pub struct Project {
    _dir: TempDir,
    pub root: PathBuf,
    pub migration: PathBuf,
    pub url: String,
}

impl Project {
    /// `sealift init` in a new folder, with `author` as the only entity.
    pub fn new(label: &str, url: &str) -> Project {
        let dir = TempDir::new(label);
        let root = dir.path().to_path_buf();
        let entities = root.join("entity/src");
        std::fs::create_dir_all(&entities).unwrap();
        std::fs::write(entities.join("mod.rs"), "pub mod author;\n").unwrap();
        std::fs::write(entities.join("author.rs"), AUTHOR).unwrap();
        // A crate name per test: the tests build in one target folder at the same time.
        let crate_dir = format!("migration_{label}");
        let p = Project {
            migration: root.join(&crate_dir),
            _dir: dir,
            root,
            url: url.to_owned(),
        };
        p.ok(&["init", "--migration-dir", &crate_dir]);
        seed_lockfile(&p.migration);
        p
    }

    pub fn sealift_with(&self, url: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sealift"))
            .args(args)
            .current_dir(&self.root)
            .env("DATABASE_URL", url)
            .env("NO_COLOR", "1")
            .envs(e2e_env())
            .output()
            .expect("run sealift")
    }

    pub fn sealift(&self, args: &[&str]) -> Output {
        self.sealift_with(&self.url, args)
    }

    /// Runs sealift, asserting exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.sealift(args);
        assert!(
            out.status.success(),
            "sealift {args:?} failed ({})\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs sealift, asserting the exit code; returns stdout and stderr together.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.sealift(args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "sealift {args:?}\n{all}");
        all
    }

    pub fn entity(&self, file: &str, text: &str) {
        let dir = self.root.join("entity/src");
        std::fs::write(dir.join(file), text).unwrap();
        let mods: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                let module = name.strip_suffix(".rs")?.to_owned();
                (module != "mod").then(|| format!("pub mod {module};\n"))
            })
            .collect();
        std::fs::write(dir.join("mod.rs"), mods.concat()).unwrap();
    }

    /// The migrations lib.rs lists, in order.
    pub fn migrations(&self) -> Vec<String> {
        let lib = std::fs::read_to_string(self.migration.join("src/lib.rs")).unwrap();
        sealift_codegen::registered(&lib).unwrap()
    }

    /// Writes a hand-written migration through `sealift create`, with `up` and `down` bodies.
    pub fn hand_written(&self, name: &str, up: &str, down: &str) -> String {
        let unused = "        let _ = manager;";
        let up = if up.is_empty() { unused } else { up };
        let down = if down.is_empty() { unused } else { down };
        self.ok(&["create", name]);
        let module = self.migrations().pop().unwrap();
        let path = self.migration.join(format!("src/{module}.rs"));
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replacen(
                "async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {\n        Ok(())",
                &format!("async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{up}\n        Ok(())"),
                1,
            )
            .replacen(
                "async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {\n        Ok(())",
                &format!("async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{down}\n        Ok(())"),
                1,
            );
        assert!(text.contains("manager: &SchemaManager"), "{text}");
        std::fs::write(&path, text).unwrap();
        module
    }

    /// Removes a migration that was never applied: its file and its lines in lib.rs.
    pub fn forget(&self, module: &str) {
        std::fs::remove_file(self.migration.join(format!("src/{module}.rs"))).unwrap();
        let lib_rs = self.migration.join("src/lib.rs");
        let lib: String = std::fs::read_to_string(&lib_rs)
            .unwrap()
            .lines()
            .filter(|l| !l.contains(module))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(lib_rs, lib).unwrap();
    }

    /// Builds the runner `sealift upgrade` runs, without touching the project's database: the
    /// first migration is applied to a scratch SQLite database (the runner is the same for
    /// every backend).
    pub fn build_runner(&self) {
        let scratch = TempDir::new("runner_build");
        let url = format!(
            "sqlite://{}?mode=rwc",
            scratch.path().join("scratch.db").display()
        );
        let out = self.sealift_with(&url, &["upgrade", "+1"]);
        assert!(
            out.status.success(),
            "building the runner failed\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

    /// Runs the migration crate's own command line (sea-orm-migration's `cli::run_cli`)
    /// against the project's database, without asserting how it ended.
    pub fn seaorm(&self, args: &[&str]) -> Output {
        Command::new(migration_binary(&self.migration))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .output()
            .expect("run the migration crate")
    }

    /// What sea-orm-migration's own `status` says: (name, applied) in its order.
    pub fn seaorm_status(&self) -> Vec<(String, bool)> {
        let out = self.seaorm(&["status"]);
        assert!(
            out.status.success(),
            "status failed\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        all.lines()
            .filter_map(|l| {
                let rest = &l[l.find("Migration '")? + "Migration '".len()..];
                let (name, state) = rest.split_once("'... ")?;
                Some((name.to_owned(), state.trim() == "Applied"))
            })
            .collect()
    }

    /// Asserts `at`, and that sea-orm-migration's own `status` says the same.
    pub fn agrees(&self, expected: Option<&str>) {
        let want = self.at(expected);
        assert_eq!(self.seaorm_status(), want, "cargo run -- status disagrees");
    }

    /// Asserts that `current` names `expected` (None: base) and that its exit code says whether
    /// the database is at head; returns (migration, applied) as `status` would list them.
    pub fn at(&self, expected: Option<&str>) -> Vec<(String, bool)> {
        let out = self.sealift(&["current"]);
        let stdout = text(&out.stdout);
        match expected {
            Some(name) => assert!(
                stdout.starts_with(&format!("Current: {name} (applied ")),
                "expected {name}\n{stdout}"
            ),
            None => assert!(stdout.starts_with("Current: base"), "{stdout}"),
        }
        let all = self.migrations();
        let at = expected.map_or(0, |n| all.iter().position(|m| m == n).unwrap() + 1);
        assert_eq!(
            out.status.code(),
            Some(if at == all.len() { 0 } else { 1 }),
            "{stdout}"
        );
        all.iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), i < at))
            .collect()
    }
}

/// A `PATH` with the system's tools and no cargo.
pub const BARE_PATH: &str = "/usr/bin:/bin";

/// A bundle in a folder of its own, run with nothing of the build around it.
pub struct Bundle {
    pub dir: TempDir,
    home: TempDir,
    exe: PathBuf,
}

impl Bundle {
    /// `sealift bundle --debug --out <an empty folder>/migrate` for the project.
    pub fn make(p: &Project) -> Bundle {
        let dir = TempDir::new("bundle_run");
        let exe = dir.path().join("migrate");
        let out = p.ok(&["bundle", "--debug", "--out", exe.to_str().unwrap()]);
        assert!(out.contains("Wrote "), "{out}");
        Bundle {
            dir,
            home: TempDir::new("bundle_home"),
            exe,
        }
    }

    /// The bundle with `args`, in its folder, with only `PATH` (no cargo), an empty `HOME`
    /// and `DATABASE_URL` set.
    pub fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", BARE_PATH)
            .env("HOME", self.home.path())
            .env("DATABASE_URL", url);
        command
    }

    pub fn run(&self, url: &str, args: &[&str]) -> Output {
        self.command(url, args).output().expect("run the bundle")
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub async fn catalog(url: &str) -> String {
    let url = DatabaseUrl::parse(url).unwrap();
    let mut schema = sealift_catalog::reflect(&url, &ReflectOptions::default())
        .await
        .unwrap()
        .schema;
    if schema.dialect == Dialect::Mysql {
        // A MySQL test database's name is its namespace: two databases compare by content.
        schema = sealift_testkit::namespace_renamed(schema, "db");
    }
    dump_unordered(&schema)
}

pub fn label(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "pg",
        Dialect::Sqlite => "sqlite",
        Dialect::Mysql => "my",
    }
}

/// Runs an offline script the way a DBA would: `psql -v ON_ERROR_STOP=1`, `mariadb` or
/// `sqlite3`, asserting it succeeds.
pub fn apply_sql(dialect: Dialect, db: &TestDb, sql: &str) {
    let file = std::env::temp_dir().join(sealift_testkit::unique_name("wf_sql"));
    std::fs::write(&file, sql).unwrap();
    let out = match dialect {
        Dialect::Postgres => Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", &db.url(), "-f"])
            .arg(&file)
            .output(),
        Dialect::Mysql => {
            let TestDb::My(my) = db else {
                unreachable!("a MySQL test database")
            };
            Command::new("mariadb")
                .args(["-h", "127.0.0.1", "-u", "root", my.name()])
                .stdin(std::fs::File::open(&file).unwrap())
                .output()
        }
        Dialect::Sqlite => Command::new("sqlite3")
            .arg(db.url().trim_start_matches("sqlite://"))
            .arg(format!(".read {}", file.display()))
            .output(),
    }
    .expect("run psql / mariadb / sqlite3");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "{}{}\n{sql}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The migration crate's own binary (`cli::run_cli`), built in `target/e2e` with cargo unless
/// its last build is current: a cargo that has nothing to build still waits for the target
/// folder's lock while another test builds, seconds each time. The same rule as the runner's
/// ([`sealift_workflow::fresh`]), with the stamp beside the crate's folder.
pub fn migration_binary(migration: &Path) -> PathBuf {
    let name = migration
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let binary = workspace_dir().join("target/e2e/debug").join(&name);
    let stamp = migration.with_extension("built");
    if fresh::is_fresh(&binary, &stamp, &[migration.join("Cargo.lock")]) {
        return binary;
    }
    let started = SystemTime::now();
    let _ = std::fs::remove_file(&stamp);
    cargo(
        migration,
        &["build", "--quiet"],
        None,
        "build the migration crate",
    );
    fresh::stamp(&stamp, started).unwrap();
    binary
}
