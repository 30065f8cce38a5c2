//! The fast tier: every case of the diff corpus planned with no database server. The case's
//! `before/` entities are lowered as the current schema (what `sealift autogen` would find on
//! a database those entities made), its `after/` entities as the desired one, and the plan
//! between them is snapshotted per dialect with its SQL and the migration file `sealift
//! autogen` writes for it.
//!
//! Also checked, per case and dialect: each side planned against itself is empty (lowering
//! is stable), and the plan carries a blocked hazard exactly when the case's `options` say so.
//!
//! Cases with a `setup.<dialect>.sql` for a dialect are left out there: what the setup makes
//! exists only on a real database, where `diff.rs` plans it. That suite reflects the before
//! state from the server, so its plans show the names the server chose; these show the names
//! the entities give. Runs in seconds with `cargo test -p sealift-snapshots --test plans`.

use sealift_codegen::migration_file;
use sealift_diff::{DiffOptions, HazardKind, diff};
use sealift_ir::Dialect;

mod case;
use case::{cases, entities, options, snapshot_text, written_by_autogen};

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql];

#[test]
fn every_case_planned_without_a_server() {
    let mut failures = Vec::new();
    let mut planned = 0;
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for dialect in DIALECTS {
            let (opts, runs, blocked) = options(&case, dialect);
            let setup = case.join(format!("setup.{}.sql", dialect.as_str()));
            if !runs || setup.exists() {
                continue;
            }
            let before = entities(&case.join("before"), dialect);
            let after = entities(&case.join("after"), dialect);
            for (side, schema) in [("before", &before), ("after", &after)] {
                let again = diff(schema, schema, &DiffOptions::new(dialect));
                if !again.is_empty() {
                    failures.push(format!(
                        "{name} on {dialect}: the {side} entities planned against themselves are not empty:\n{}",
                        again.to_text()
                    ));
                }
            }
            let plan = diff(&after, &before, &opts);
            let is_blocked = plan.hazards().any(|h| h.kind == HazardKind::Blocked);
            if is_blocked != blocked {
                failures.push(format!(
                    "{name} on {dialect}: blocked hazards are {}expected",
                    if blocked { "" } else { "not " }
                ));
            }
            let mut text = snapshot_text(&plan);
            if !plan.is_empty() && !blocked {
                text.push_str("-- migration file\n");
                text.push_str(&migration_file(&plan, &written_by_autogen(Vec::new())));
            }
            insta::assert_snapshot!(format!("{name}__{dialect}"), text);
            planned += 1;
        }
    }
    assert!(planned > 0, "no case was planned");
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
