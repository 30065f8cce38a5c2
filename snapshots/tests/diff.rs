//! The diff case corpus: one case -> one snapshot of its plan (text, up SQL, down SQL) per
//! dialect, and a round trip on a real database.
//!
//! A case is `fixtures/cases/<name>/` with `before/` and `after/` entity files (either may be
//! missing: no tables), optional `setup.<dialect>.sql` run after the before state exists, an
//! optional `options` file (`drop_unknown_tables`, `compare_server_defaults`,
//! `rename table.old=new`, `rename old=new`, `only postgres`, `blocked`: the plan must carry a
//! blocked hazard, and is snapshotted but not run), and per dialect:
//!
//! 1. the before state is created with sealift's own create SQL, and re-diffing it is empty;
//! 2. the plan from the current database to `after/` is snapshotted;
//!    and so is the migration file `sealift autogen` writes for it;
//! 3. after running the generated migration's up, the diff is empty (nothing is proposed twice);
//! 4. after running its down, the catalog equals the one before up (columns compared by name:
//!    `ADD COLUMN` appends, so a column down re-adds comes back last on PostgreSQL).
//!
//! Every case's migration file is compiled into one crate (warnings denied) and run from there,
//! so the corpus checks the code users run, not only the SQL `sealift diff --format sql` shows.
//! The SQL text is round-tripped by the property test in `crates/diff/tests/roundtrip.rs`.

use std::path::Path;
use std::process::Command;

use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_codegen::{MigrationOptions, migration_file};
use sealift_diff::{DiffOptions, Plan, Rename, diff, render_steps};
use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::{Dialect, Schema};
use sealift_testkit::{TempDir, TestDb, cargo, dump_unordered, fixtures_dir, workspace_dir};

async fn reflect_db(db: &TestDb) -> Schema {
    reflect(
        &DatabaseUrl::parse(&db.url()).unwrap(),
        &ReflectOptions::default(),
    )
    .await
    .expect("reflect")
    .schema
}

fn entities(dir: &Path, dialect: Dialect) -> Schema {
    let mut files: Vec<SourceFile> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|path| SourceFile {
                text: std::fs::read_to_string(&path).unwrap(),
                path,
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let lowered = sealift_entity::load(&files, &LowerOptions::new(dialect));
    let errors: Vec<String> = lowered.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        !lowered.has_errors(),
        "{}:\n{}",
        dir.display(),
        errors.join("\n")
    );
    lowered.schema
}

/// A case's options: diff options, whether it runs on this dialect, and whether its plan is
/// expected to be blocked (snapshotted, never run).
fn options(case: &Path, dialect: Dialect) -> (DiffOptions, bool, bool) {
    let mut o = DiffOptions::new(dialect);
    let mut runs = true;
    let mut blocked = false;
    let text = std::fs::read_to_string(case.join("options")).unwrap_or_default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(' ').unwrap_or((line, "")) {
            ("drop_unknown_tables", _) => o.drop_unknown_tables = true,
            ("compare_server_defaults", _) => o.compare_server_defaults = true,
            ("only", d) => runs = d == dialect.as_str(),
            ("blocked", _) => blocked = true,
            ("rename", spec) => {
                let (from, to) = spec.split_once('=').unwrap();
                let (table, from) = match from.split_once('.') {
                    Some((t, f)) => (Some(t.to_owned()), f.to_owned()),
                    None => (None, from.to_owned()),
                };
                o.renames.push(Rename {
                    table,
                    from,
                    to: to.to_owned(),
                });
            }
            other => panic!("{}: unknown option {other:?}", case.display()),
        }
    }
    (o, runs, blocked)
}

fn snapshot_text(plan: &Plan) -> String {
    let mut s = plan.to_text();
    s.push_str("-- up\n");
    for stmt in render_steps(&plan.up, plan.dialect) {
        s.push_str(&stmt);
        s.push_str(";\n");
    }
    s.push_str("-- down\n");
    for stmt in render_steps(&plan.down, plan.dialect) {
        s.push_str(&stmt);
        s.push_str(";\n");
    }
    s
}

/// A case with its database in the before state and its plan, waiting for its migration to run.
struct Prepared {
    name: String,
    db: TestDb,
    current: Schema,
    after: Schema,
    opts: DiffOptions,
}

/// Steps 1 and 2: the before state, the plan and the migration file, snapshotted.
async fn prepare(case: &Path, dialect: Dialect) -> Option<(Prepared, String)> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let (opts, runs, blocked) = options(case, dialect);
    if !runs {
        return None;
    }
    let db = TestDb::create(&name, dialect).await;
    let empty = reflect_db(&db).await;

    // 1. The before state, created by sealift itself; re-diffing it is empty.
    let before = entities(&case.join("before"), dialect);
    let create = diff(&before, &empty, &DiffOptions::new(dialect));
    db.run(&render_steps(&create.up, dialect)).await;
    let again = diff(&before, &reflect_db(&db).await, &DiffOptions::new(dialect));
    assert!(
        again.is_empty(),
        "{name} on {dialect}: creating the before state left a diff:\n{}",
        again.to_text()
    );
    if let Ok(setup) = std::fs::read_to_string(case.join(format!("setup.{}.sql", dialect.as_str())))
    {
        db.run(&[setup]).await;
    }

    // 2. The plan, and the migration file `sealift autogen` writes for it.
    let current = reflect_db(&db).await;
    let after = entities(&case.join("after"), dialect);
    let plan = diff(&after, &current, &opts);
    insta::assert_snapshot!(format!("{name}__{dialect}"), snapshot_text(&plan));
    let is_blocked = plan
        .hazards()
        .any(|h| h.kind == sealift_diff::HazardKind::Blocked);
    assert_eq!(
        is_blocked,
        blocked,
        "{name} on {dialect}: blocked hazards are {}expected",
        if blocked { "" } else { "not " }
    );
    if plan.is_empty() || blocked {
        // Nothing to write, or a plan `sealift autogen` refuses to write.
        return None;
    }
    let file = migration_file(
        &plan,
        &MigrationOptions {
            default_schema: default_schema(dialect).to_owned(),
            command: "sealift autogen Case".to_owned(),
            findings: Vec::new(),
        },
    );
    insta::assert_snapshot!(format!("{name}__{dialect}__migration"), file);
    Some((
        Prepared {
            name,
            db,
            current,
            after,
            opts,
        },
        file,
    ))
}

fn default_schema(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "public",
        _ => "main",
    }
}

/// Steps 3 and 4, running the generated migration's `up` and `down`.
async fn run(p: &Prepared, runner: &Path, dialect: Dialect) {
    let name = &p.name;
    // 3. Up, then nothing is left to do.
    migrate(runner, name, "up", &p.db.url());
    let upgraded = reflect_db(&p.db).await;
    let rest = diff(&p.after, &upgraded, &p.opts);
    assert!(
        rest.is_empty(),
        "{name} on {dialect}: after up the plan is not empty:\n{}",
        rest.to_text()
    );

    // 4. Down restores the catalog exactly.
    migrate(runner, name, "down", &p.db.url());
    let restored = reflect_db(&p.db).await;
    assert_eq!(
        dump_unordered(&restored),
        dump_unordered(&p.current),
        "{name} on {dialect}: down did not restore the catalog"
    );
}

fn migrate(runner: &Path, case: &str, direction: &str, url: &str) {
    let out = Command::new(runner)
        .args([&module(case), direction, url])
        .output()
        .expect("run the corpus runner");
    assert!(
        out.status.success(),
        "{case}: the generated migration's {direction} failed\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn module(case: &str) -> String {
    format!("case_{case}")
}

/// One crate holding every case's generated migration and a `main` that runs one of them:
/// `runner <module> up|down <url>`, inside a transaction on PostgreSQL as sea-orm-migration's
/// migrator does.
fn write_runner(dir: &Path, krate: &str, files: &[(String, String)]) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    // The dependencies `sealift init` writes, for a binary-only crate.
    let manifest = sealift_codegen::new_migration_crate(krate)
        .into_iter()
        .find(|(p, _)| p == "Cargo.toml")
        .unwrap()
        .1;
    let deps = &manifest[manifest.find("[dependencies]").unwrap()..];
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{krate}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{deps}"),
    )
    .unwrap();
    let mut main = String::from(
        "use sea_orm_migration::prelude::*;\nuse sea_orm_migration::sea_orm::{Database, DbBackend, TransactionTrait};\n\n",
    );
    let mut arms = String::new();
    for (case, text) in files {
        let m = module(case);
        std::fs::write(dir.join("src").join(format!("{m}.rs")), text).unwrap();
        main.push_str(&format!("mod {m};\n"));
        arms.push_str(&format!("        \"{m}\" => Box::new({m}::Migration),\n"));
    }
    main.push_str(&format!(
        r#"
async fn run(m: &dyn MigrationTrait, manager: &SchemaManager<'_>, up: bool) -> Result<(), DbErr> {{
    if up {{ m.up(manager).await }} else {{ m.down(manager).await }}
}}

#[tokio::main]
async fn main() -> Result<(), DbErr> {{
    let args: Vec<String> = std::env::args().collect();
    let migration: Box<dyn MigrationTrait> = match args[1].as_str() {{
{arms}        other => panic!("no case {{other}}"),
    }};
    let up = args[2] == "up";
    let db = Database::connect(args[3].as_str()).await?;
    if db.get_database_backend() == DbBackend::Postgres {{
        let txn = db.begin().await?;
        run(migration.as_ref(), &SchemaManager::new(&txn), up).await?;
        txn.commit().await
    }} else {{
        run(migration.as_ref(), &SchemaManager::new(&db), up).await
    }}
}}
"#
    ));
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

/// The corpus on one dialect: every case prepared, their migrations built in one crate, then
/// each run up and down against its own database.
async fn corpus(dialect: Dialect) {
    let mut prepared = Vec::new();
    let mut files = Vec::new();
    for case in cases() {
        if let Some((p, file)) = prepare(&case, dialect).await {
            files.push((p.name.clone(), file));
            prepared.push(p);
        }
    }
    let krate = format!("corpus_{}", dialect.as_str());
    let dir = TempDir::new(&krate);
    write_runner(dir.path(), &krate, &files);
    cargo(
        dir.path(),
        &["build", "--quiet"],
        None,
        "build the corpus migrations",
    );
    let runner = workspace_dir().join("target/e2e/debug").join(&krate);
    for p in &prepared {
        run(p, &runner, dialect).await;
    }
}

fn cases() -> Vec<std::path::PathBuf> {
    let root = fixtures_dir().join("cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    dirs
}

#[tokio::test]
async fn postgres_cases() {
    corpus(Dialect::Postgres).await;
}

#[tokio::test]
async fn sqlite_cases() {
    corpus(Dialect::Sqlite).await;
}
