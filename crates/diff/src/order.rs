//! The order of a plan's changes: by phase (foreign keys dropped first, enums before the
//! tables that use them, tables created in dependency order, foreign keys added last, drops at
//! the end), then by a deterministic key; foreign keys that would point forward or close a
//! cycle are split out of `CREATE TABLE` and added after every table exists.

use std::collections::{BTreeSet, HashMap};

use sealift_ir::Table;

use crate::change::{Change, EnumOp, Part, TableOp};
use crate::plan::{OnSqlite, Step};

/// A table by (namespace, name).
pub(crate) type TableKey = (String, String);

/// A table and the tables its foreign keys point at.
pub(crate) type TableDeps = (String, String, Vec<TableKey>);

/// Phase, dependency order, namespace, subject, kind of change, the objects it touches.
pub(crate) type SortKey = (u8, usize, String, String, u8, Vec<String>);

pub(crate) fn phase(c: &Change) -> u8 {
    let op = match c {
        Change::Enum { op, .. } => {
            return match op {
                EnumOp::Drop { .. } => 12,
                _ => 2,
            };
        }
        Change::Table { op, .. } => op,
    };
    match op {
        TableOp::Remove {
            part: Part::ForeignKey(_),
        } => 0,
        TableOp::Remove {
            part: Part::Column(_),
        } => 10,
        TableOp::Remove { .. } => 1,
        TableOp::Rename { .. } => 3,
        TableOp::RenameColumn { .. } => 4,
        TableOp::Create { .. } => 5,
        TableOp::Add {
            part: Part::Column(_),
        } => 6,
        TableOp::AlterColumn { .. } | TableOp::SetComment { .. } | TableOp::Rebuild { .. } => 7,
        TableOp::Add {
            part: Part::ForeignKey(_),
        } => 9,
        TableOp::Add { .. } => 8,
        TableOp::Drop { .. } => 11,
    }
}

/// Which of a phase's kinds of change comes first on one subject.
pub(crate) fn kind(c: &Change) -> u8 {
    let op = match c {
        Change::Enum { op, .. } => {
            return match op {
                EnumOp::Create { .. } => 1,
                EnumOp::Replace { .. } => 2,
                _ => 0,
            };
        }
        Change::Table { op, .. } => op,
    };
    match op {
        TableOp::Rebuild { .. } => 1,
        TableOp::SetComment { .. } => 2,
        TableOp::Add { part } | TableOp::Remove { part } => match part {
            Part::Index(_) => 1,
            Part::PrimaryKey(_) => 2,
            Part::Unique(_) => 3,
            _ => 0,
        },
        _ => 0,
    }
}

pub(crate) fn sort_key(c: &Change) -> SortKey {
    let (schema, subject) = c.subject();
    let object = c.object_key();
    (
        phase(c),
        0,
        schema.to_owned(),
        subject.to_owned(),
        kind(c),
        object,
    )
}

/// Puts created tables in dependency order and dropped tables in reverse dependency order, by
/// filling the second slot of their sort keys.
pub(crate) fn order_tables(keyed: &mut [(SortKey, Change)]) {
    for creating in [true, false] {
        let tables: Vec<TableDeps> = keyed
            .iter()
            .filter_map(|(_, c)| match (c, creating) {
                (
                    Change::Table {
                        schema,
                        op: TableOp::Create { def: table },
                        ..
                    },
                    true,
                )
                | (
                    Change::Table {
                        schema,
                        op: TableOp::Drop { def: table },
                        ..
                    },
                    false,
                ) => Some((
                    schema.clone(),
                    table.name.clone(),
                    fk_targets(schema, table),
                )),
                _ => None,
            })
            .collect();
        let order = positions(&topological(&tables));
        let len = order.len();
        for (key, c) in keyed.iter_mut() {
            if matches!(
                c,
                Change::Table {
                    op: TableOp::Create { .. },
                    ..
                }
            ) != creating
            {
                continue;
            }
            let (Change::Table {
                schema,
                op: TableOp::Create { def: table },
                ..
            }
            | Change::Table {
                schema,
                op: TableOp::Drop { def: table },
                ..
            }) = &*c
            else {
                continue;
            };
            let pos = order
                .get(&(schema.clone(), table.name.clone()))
                .copied()
                .unwrap_or(0);
            key.1 = if creating { pos } else { len - pos };
        }
    }
}

/// Each table's place in an order.
pub(crate) fn positions(order: &[TableKey]) -> HashMap<TableKey, usize> {
    order
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i))
        .collect()
}

/// Referenced tables first; ties and cycles broken by name. Kahn's algorithm over a ready set
/// ordered by name: linear in tables and references, up to the set's logarithm.
pub(crate) fn topological(tables: &[TableDeps]) -> Vec<TableKey> {
    let index: HashMap<(&str, &str), usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.0.as_str(), t.1.as_str()), i))
        .collect();
    let mut waiting_on = vec![0usize; tables.len()];
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); tables.len()];
    for (i, (_, _, refs)) in tables.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for r in refs {
            if let Some(&j) = index.get(&(r.0.as_str(), r.1.as_str()))
                && j != i
                && seen.insert(j)
            {
                waiting_on[i] += 1;
                unblocks[j].push(i);
            }
        }
    }
    let key = |i: usize| (tables[i].0.as_str(), tables[i].1.as_str(), i);
    let mut remaining: BTreeSet<(&str, &str, usize)> = (0..tables.len()).map(key).collect();
    let mut ready: BTreeSet<(&str, &str, usize)> = (0..tables.len())
        .filter(|&i| waiting_on[i] == 0)
        .map(key)
        .collect();
    let mut out = Vec::with_capacity(tables.len());
    // In a cycle nothing is ready: take the first remaining by name.
    while let Some(next) = ready.pop_first().or_else(|| remaining.first().copied()) {
        let i = next.2;
        if !remaining.remove(&next) {
            continue;
        }
        out.push((tables[i].0.clone(), tables[i].1.clone()));
        for &d in &unblocks[i] {
            waiting_on[d] = waiting_on[d].saturating_sub(1);
            if waiting_on[d] == 0 && remaining.contains(&key(d)) {
                ready.insert(key(d));
            }
        }
    }
    out
}

/// Moves foreign keys out of `CREATE TABLE` when their target is not ready at that point
/// (created later, in a cycle, or an existing table that gains columns or keys later in the
/// plan), and out of dropped tables when they point at another dropped table, so tables can be
/// created and dropped in any cycle.
pub(crate) fn split_foreign_keys(changes: Vec<Change>) -> (Vec<Change>, Vec<SplitTable>) {
    // Existing tables whose columns or keys change after tables are created.
    let growing: BTreeSet<TableKey> = changes
        .iter()
        .filter(|c| {
            matches!(
                c,
                Change::Table {
                    op: TableOp::Add {
                        part: Part::Column(..)
                    },
                    ..
                } | Change::Table {
                    op: TableOp::AlterColumn { .. },
                    ..
                } | Change::Table {
                    op: TableOp::Add {
                        part: Part::PrimaryKey(..)
                    },
                    ..
                } | Change::Table {
                    op: TableOp::Add {
                        part: Part::Unique(..)
                    },
                    ..
                } | Change::Table {
                    op: TableOp::Add {
                        part: Part::Index(..)
                    },
                    ..
                }
            )
        })
        .map(|c| {
            let (s, t) = c.subject();
            (s.to_owned(), t.to_owned())
        })
        .collect();
    let creates: Vec<TableDeps> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Table {
                schema,
                op: TableOp::Create { def: table },
                ..
            } => Some((
                schema.clone(),
                table.name.clone(),
                fk_targets(schema, table),
            )),
            _ => None,
        })
        .collect();
    let order = positions(&topological(&creates));
    let dropped: BTreeSet<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Table {
                schema,
                op: TableOp::Drop { def: table },
                ..
            } => Some((schema.clone(), table.name.clone())),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut split = Vec::new();
    for c in changes {
        let original = c.clone();
        match c {
            Change::Table {
                schema,
                op: TableOp::Create { def: mut table },
                ..
            } => {
                let me = (schema.clone(), table.name.clone());
                let pos = order.get(&me).copied().unwrap_or(0);
                let (keep, later): (Vec<_>, Vec<_>) = table.foreign_keys.drain(..).partition(|f| {
                    let target = fk_target(&schema, f);
                    target == me
                        || match order.get(&target) {
                            Some(p) => *p < pos,
                            None => !growing.contains(&target),
                        }
                });
                table.foreign_keys = keep;
                let mut keys = Vec::new();
                for fk in later {
                    keys.push(Change::add(
                        schema.clone(),
                        table.name.clone(),
                        Part::ForeignKey(fk),
                    ));
                }
                let reduced = Change::create_table(schema, table);
                push_split(&mut out, &mut split, original, reduced, keys);
            }
            Change::Table {
                schema,
                op: TableOp::Drop { def: mut table },
                ..
            } => {
                let (later, keep): (Vec<_>, Vec<_>) = table.foreign_keys.drain(..).partition(|f| {
                    let target = fk_target(&schema, f);
                    target != (schema.clone(), table.name.clone()) && dropped.contains(&target)
                });
                table.foreign_keys = keep;
                let mut keys = Vec::new();
                for fk in later {
                    keys.push(Change::remove(
                        schema.clone(),
                        table.name.clone(),
                        Part::ForeignKey(fk),
                    ));
                }
                let reduced = Change::drop_table(schema, table);
                push_split(&mut out, &mut split, original, reduced, keys);
            }
            other => out.push(other),
        }
    }
    (out, split)
}

/// Pushes a table's step after the key steps split from it, remembering the split.
pub(crate) fn push_split(
    out: &mut Vec<Change>,
    split: &mut Vec<SplitTable>,
    original: Change,
    reduced: Change,
    keys: Vec<Change>,
) {
    if !keys.is_empty() {
        split.push(SplitTable {
            reduced: reduced.clone(),
            original,
            keys: keys.clone(),
        });
    }
    out.extend(keys);
    out.push(reduced);
}

/// A created or dropped table whose foreign keys became steps of their own.
pub(crate) struct SplitTable {
    /// The table's step, without those keys.
    reduced: Change,
    /// The table's step as the diff made it: what SQLite runs (it checks no key's target when
    /// a table is created or dropped, and changes no key in place).
    original: Change,
    /// The keys' steps, which do nothing on SQLite.
    keys: Vec<Change>,
}

/// Marks the steps SQLite runs differently after foreign keys were split from their tables.
pub(crate) fn mark_split_tables(up: &mut [Step], split: &[SplitTable]) {
    for t in split {
        for step in up.iter_mut() {
            if step.change == t.reduced {
                step.on_sqlite = Some(OnSqlite::Instead(Box::new(t.original.clone())));
            } else if t.keys.contains(&step.change) {
                let (schema, table) = step.change.subject();
                step.on_sqlite = Some(OnSqlite::Nothing(format!(
                    "SQLite {} this key with table {schema}.{table}",
                    if matches!(
                        t.original,
                        Change::Table {
                            op: TableOp::Create { .. },
                            ..
                        }
                    ) {
                        "creates"
                    } else {
                        "drops"
                    }
                )));
            }
        }
    }
}

pub(crate) fn fk_targets(schema: &str, table: &Table) -> Vec<TableKey> {
    table
        .foreign_keys
        .iter()
        .map(|f| fk_target(schema, f))
        .collect()
}

/// The table a foreign key of a table in `schema` points at.
pub(crate) fn fk_target(schema: &str, fk: &sealift_ir::ForeignKey) -> TableKey {
    (
        fk.referenced_table
            .schema
            .clone()
            .unwrap_or_else(|| schema.to_owned()),
        fk.referenced_table.name.clone(),
    )
}
