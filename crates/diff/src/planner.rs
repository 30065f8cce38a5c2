//! The pipeline from changes to a plan: SQLite's rebuilds worked out ([`crate::sqlite_batch`]),
//! the changes ordered ([`crate::order`]), each given its hazards ([`crate::hazards`]), and the
//! down plan: the reverse of the up plan with every change inverted; drops carry full
//! definitions, so it restores exactly.

use std::collections::BTreeSet;

use sealift_ir::{Column, Schema};

use crate::change::{Change, EnumOp, Part, TableOp};
use crate::hazards::{HazardCx, hazards_of};
use crate::order::{SortKey, mark_split_tables, order_tables, sort_key, split_foreign_keys};
use crate::plan::{OnSqlite, Plan, Run, Step};
use crate::sqlite_batch::{batch_sqlite, mark_sqlite_rebuilds, sqlite_rebuild_tables};
use crate::{DiffOptions, Note};

/// The enum types the plan's new columns use, for a dialect that keeps enum values in the
/// column (MySQL) or as text (SQLite): nothing runs there, but the same migration on
/// PostgreSQL needs the type first (created unless it exists, dropped in the down once no
/// column uses it).
fn enum_types_for_postgres(changes: &[Change]) -> Vec<Change> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |schema: &str, c: &Column| {
        let Some(sealift_ir::Logical {
            ty: sealift_ir::LogicalType::Enum { name, variants },
            ..
        }) = &c.logical
        else {
            return;
        };
        if seen.insert((schema.to_owned(), name.clone())) {
            out.push(Change::Enum {
                schema: schema.to_owned(),
                op: EnumOp::Create {
                    def: sealift_ir::Enum {
                        name: name.clone(),
                        values: variants.clone(),
                    },
                },
            });
        }
    };
    for c in changes {
        match c {
            Change::Table {
                schema,
                op: TableOp::Create { def: table },
                ..
            } => {
                table.columns.iter().for_each(|col| add(schema, col));
            }
            Change::Table {
                schema,
                op: TableOp::Add {
                    part: Part::Column(column),
                },
                ..
            } => add(schema, column),
            _ => {}
        }
    }
    out
}

/// Orders the changes and builds both directions.
pub fn plan(
    changes: Vec<Change>,
    current: &Schema,
    options: &DiffOptions,
    notes: Vec<Note>,
) -> Plan {
    let dialect = options.dialect;
    let features = crate::dialect::backend(dialect).features();
    let mut changes = changes;
    if !features.enum_types {
        changes.extend(enum_types_for_postgres(&changes));
    }
    let sqlite_rebuilds = if features.rebuilds_tables {
        Vec::new()
    } else {
        // Only the changes of tables SQLite rebuilds, and the renames a rebuild follows: most
        // plans have none, and a plan of thousands of new tables is not copied.
        let tables = sqlite_rebuild_tables(&changes);
        let involved: Vec<Change> = changes
            .iter()
            .filter(|c| {
                let (s, t) = c.subject();
                matches!(
                    c,
                    Change::Table {
                        op: TableOp::Rename { .. },
                        ..
                    }
                ) || tables.contains(&(s.to_owned(), t.to_owned()))
            })
            .cloned()
            .collect();
        batch_sqlite(involved, current)
            .into_iter()
            .filter(|c| {
                matches!(
                    c,
                    Change::Table {
                        op: TableOp::Rebuild { .. },
                        ..
                    }
                )
            })
            .collect()
    };
    let (changes, split) = split_foreign_keys(changes);
    let changes = if features.rebuilds_tables {
        batch_sqlite(changes, current)
    } else {
        changes
    };
    let cx = HazardCx::new(&changes, Some(current), dialect);
    let mut keyed: Vec<(SortKey, Change)> =
        changes.into_iter().map(|c| (sort_key(&c), c)).collect();
    order_tables(&mut keyed);
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut up: Vec<Step> = keyed
        .into_iter()
        .map(|(_, change)| {
            let hazards = hazards_of(&change, &cx);
            Step {
                change,
                hazards,
                on_sqlite: None,
                run: Run::Plain,
                backfill: None,
            }
        })
        .collect();
    mark_sqlite_rebuilds(&mut up, &sqlite_rebuilds);
    mark_split_tables(&mut up, &split);
    let inverses: Vec<Change> = up.iter().rev().map(|s| s.change.inverse()).collect();
    // The schema down starts from is the one up leaves, which is not at hand: down's hazards
    // are those of the changes themselves.
    let cx = HazardCx::new(&inverses, None, dialect);
    // Down undoes a rebuild where up's last step on the table is undone: first.
    let down: Vec<Step> = inverses
        .into_iter()
        .zip(up.iter().rev())
        .map(|(change, up_step)| {
            let hazards = hazards_of(&change, &cx);
            let on_sqlite = up_step.on_sqlite.as_ref().map(|o| match o {
                OnSqlite::Instead(c) => OnSqlite::Instead(Box::new(c.inverse())),
                other => other.clone(),
            });
            Step {
                change,
                hazards,
                on_sqlite,
                run: Run::Plain,
                backfill: None,
            }
        })
        .collect();
    let mut notes = notes;
    if !features.transactional_ddl && !up.is_empty() {
        notes.push(Note {
            subject: "transactions".to_owned(),
            message: format!(
                "{} DDL is not transactional: each statement commits as it runs, so a failure part way leaves the steps before it applied; `sealift upgrade` records the migration as started before it runs and finished after, and `sealift current` names one that stopped part way and what to do",
                dialect.product()
            ),
        });
    }
    Plan {
        dialect,
        up,
        down,
        notes,
        default_schema: options.default_schema.clone(),
    }
}
