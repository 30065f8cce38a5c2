//! Entity files -> the schema SeaORM would create, per dialect.
//!
//! The shop schema is written in every format (compact, expanded, dense, compact_model, and the
//! SeaORM 0.10-1.x spellings); all of them must lower to one schema, snapshotted per dialect.
//! Bad input gives one snapshot of every diagnostic.
//!
//! PostgreSQL and SQLite output is also checked against SeaORM itself (crates/oracle). The
//! MySQL snapshot follows sea-query's MySQL rendering; it is checked against a server once MySQL
//! reflection exists, which will also settle how MySQL spells types back (`tinyint(1)`...).

use std::path::Path;

use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::Dialect;
use sealift_testkit::fixture_files;

/// The `.rs` files of `fixtures/<dir>`, with paths relative to `fixtures/` for stable output.
fn sources(dir: &str) -> Vec<SourceFile> {
    fixture_files(dir, "rs")
        .into_iter()
        .map(|p| SourceFile {
            text: std::fs::read_to_string(&p).unwrap(),
            path: Path::new(dir).join(p.file_name().unwrap()),
        })
        .collect()
}

fn lowered(dir: &str, dialect: Dialect) -> String {
    let l = sealift_entity::load(&sources(dir), &LowerOptions::new(dialect));
    let diagnostics: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(diagnostics.is_empty(), "{dir}:\n{}", diagnostics.join("\n"));
    sealift_ir::dump(&l.schema)
}

#[test]
fn every_format_lowers_to_one_schema() {
    for (dialect, name) in [
        (Dialect::Postgres, "postgres"),
        (Dialect::Sqlite, "sqlite"),
        (Dialect::Mysql, "mysql"),
    ] {
        let compact = lowered("entities/shop/compact", dialect);
        for format in ["expanded", "dense", "compact_model"] {
            let other = lowered(&format!("entities/shop/{format}"), dialect);
            assert_eq!(other, compact, "{format} differs from compact on {name}");
        }
        insta::assert_snapshot!(format!("shop__{name}"), compact);
    }
}

#[test]
fn old_spellings_lower_like_new_ones() {
    // `Custom("jsonb")` and `Custom("bytea")` name the same PostgreSQL types as JsonBinary and
    // VarBinary; on other backends they are different declared types, so PostgreSQL only.
    assert_eq!(
        lowered("entities/shop/legacy", Dialect::Postgres),
        lowered("entities/shop/compact", Dialect::Postgres)
    );
}

#[test]
fn bad_input_reports_every_problem_with_its_place() {
    let l = sealift_entity::load(
        &sources("entities/bad"),
        &LowerOptions::new(Dialect::Postgres),
    );
    let report: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(l.has_errors());
    // The good file still lowers.
    assert!(l.schema.namespaces["public"].tables.contains_key("fine"));
    insta::assert_snapshot!("bad_input", report.join("\n"));
}
