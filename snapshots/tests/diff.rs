//! The diff case corpus: one case -> one snapshot of its plan (text, up SQL, down SQL) per
//! dialect, and a round trip on a real database.
//!
//! A case is `fixtures/cases/<name>/` with `before/` and `after/` entity files (either may be
//! missing: no tables), optional `setup.<dialect>.sql` run after the before state exists, an
//! optional `options` file (`drop_unknown_tables`, `compare_server_defaults`,
//! `rename table.old=new`, `rename old=new`, `only postgres`), and per dialect:
//!
//! 1. the before state is created with sealift's own create SQL, and re-diffing it is empty;
//! 2. the plan from the current database to `after/` is snapshotted;
//! 3. after running up, the diff is empty (nothing is proposed twice);
//! 4. after running down, the catalog equals the one before up (columns compared by name:
//!    `ADD COLUMN` appends, so a column down re-adds comes back last on PostgreSQL).

use std::path::Path;

use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_diff::{DiffOptions, Plan, Rename, diff, render_steps};
use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::{Dialect, Schema};
use sealift_testkit::{TestDb, dump_unordered, fixtures_dir};

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

fn options(case: &Path, dialect: Dialect) -> (DiffOptions, bool) {
    let mut o = DiffOptions::new(dialect);
    let mut runs = true;
    let text = std::fs::read_to_string(case.join("options")).unwrap_or_default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(' ').unwrap_or((line, "")) {
            ("drop_unknown_tables", _) => o.drop_unknown_tables = true,
            ("compare_server_defaults", _) => o.compare_server_defaults = true,
            ("only", d) => runs = d == dialect.as_str(),
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
    (o, runs)
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

async fn check(case: &Path, dialect: Dialect) {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let (opts, runs) = options(case, dialect);
    if !runs {
        return;
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

    // 2. The plan.
    let current = reflect_db(&db).await;
    let after = entities(&case.join("after"), dialect);
    let plan = diff(&after, &current, &opts);
    insta::assert_snapshot!(format!("{name}__{dialect}"), snapshot_text(&plan));

    // 3. Up, then nothing is left to do.
    db.run(&render_steps(&plan.up, dialect)).await;
    let upgraded = reflect_db(&db).await;
    let rest = diff(&after, &upgraded, &opts);
    assert!(
        rest.is_empty(),
        "{name} on {dialect}: after up the plan is not empty:\n{}",
        rest.to_text()
    );

    // 4. Down restores the catalog exactly.
    db.run(&render_steps(&plan.down, dialect)).await;
    let restored = reflect_db(&db).await;
    assert_eq!(
        dump_unordered(&restored),
        dump_unordered(&current),
        "{name} on {dialect}: down did not restore the catalog"
    );
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
    for case in cases() {
        check(&case, Dialect::Postgres).await;
    }
}

#[tokio::test]
async fn sqlite_cases() {
    for case in cases() {
        check(&case, Dialect::Sqlite).await;
    }
}
