//! A case of the diff corpus (`fixtures/cases/<name>/`): its entities, its options, the
//! text a plan is snapshotted as. Shared by the corpus run on real databases (`diff.rs`) and
//! the server-free plans (`plans.rs`).

use std::path::{Path, PathBuf};

use sealift_codegen::MigrationOptions;
use sealift_diff::{DiffOptions, Plan, Rename, render_steps};
use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::{Dialect, Schema};
use sealift_testkit::fixtures_dir;

/// The case's entities in `dir` (`before/` or `after/`; none when it is missing), lowered for
/// `dialect`.
pub fn entities(dir: &Path, dialect: Dialect) -> Schema {
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
pub fn options(case: &Path, dialect: Dialect) -> (DiffOptions, bool, bool) {
    let mut o = DiffOptions {
        default_schema: LowerOptions::new(dialect).default_schema,
        ..DiffOptions::new(dialect)
    };
    let mut runs = true;
    let mut blocked = false;
    let text = std::fs::read_to_string(case.join("options")).unwrap_or_default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(' ').unwrap_or((line, "")) {
            ("drop_unknown_tables", _) => o.drop_unknown_tables = true,
            ("compare_server_defaults", _) => o.compare_server_defaults = true,
            ("only", d) => runs = d.split_whitespace().any(|d| d == dialect.as_str()),
            ("blocked", d) => blocked |= d.is_empty() || d == dialect.as_str(),
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

/// The plan, its up SQL and its down SQL, as one text.
pub fn snapshot_text(plan: &Plan) -> String {
    let mut s = plan.to_text();
    s.push_str("-- up\n");
    for stmt in render_steps(&plan.up, &plan.target()) {
        s.push_str(&stmt);
        s.push_str(";\n");
    }
    s.push_str("-- down\n");
    for stmt in render_steps(&plan.down, &plan.target()) {
        s.push_str(&stmt);
        s.push_str(";\n");
    }
    s
}

/// The cases, by name; `SEALIFT_CASE=name` keeps the cases whose name holds it.
pub fn cases() -> Vec<PathBuf> {
    let root = fixtures_dir().join("cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            // `SEALIFT_CASE=name` runs the cases whose name holds it, when working on one.
            std::env::var("SEALIFT_CASE").map_or(true, |only| {
                p.file_name().unwrap().to_string_lossy().contains(&only)
            })
        })
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    dirs
}

/// How the corpus writes a case's migration file: as `sealift autogen Case` would, for the
/// backends listed (none: every one).
pub fn written_by_autogen(backends: Vec<Dialect>) -> MigrationOptions {
    MigrationOptions {
        command: "sealift autogen Case".to_owned(),
        findings: Vec::new(),
        backends,
        revises: None,
    }
}
