//! SQLite batch mode: every table with a change SQLite cannot make in place becomes one
//! `Rebuild` (the table as it is, as it will be, and the in-place changes it stands for); in a
//! plan made for another backend, the steps SQLite replaces with the rebuild are marked.

use std::collections::{BTreeMap, BTreeSet};

use sealift_ir::{Dialect, IndexKey, Schema, Table};

use crate::change::{Change, Part, TableOp};
use crate::order::{TableKey, sort_key};
use crate::plan::{OnSqlite, Step};

/// Marks, in a plan made for another backend, the steps SQLite replaces with a table rebuild:
/// the table's last step rebuilds it (its renames run in place before), the others do nothing.
pub(crate) fn mark_sqlite_rebuilds(up: &mut [Step], rebuilds: &[Change]) {
    for r in rebuilds {
        let Change::Table {
            schema,
            op: TableOp::Rebuild { to, changes, .. },
            ..
        } = r
        else {
            continue;
        };
        let steps: Vec<usize> = up
            .iter()
            .enumerate()
            .filter(|(_, s)| changes.contains(&s.change))
            .map(|(i, _)| i)
            .collect();
        let Some(&last) = steps.last() else {
            continue;
        };
        for &i in &steps {
            up[i].on_sqlite = Some(if i == last {
                OnSqlite::Instead(Box::new(r.clone()))
            } else {
                OnSqlite::Nothing(format!(
                    "SQLite rebuilds {schema}.{} in one go, in that table's last step",
                    to.name
                ))
            });
        }
    }
}

/// The tables SQLite rebuilds for these changes: those with a change it cannot make in place,
/// or a dropped column (`DROP COLUMN` refuses a column a key, index or constraint uses, so a
/// plan made here rebuilds for it too). A table the plan creates or drops is never rebuilt:
/// its foreign keys go with it.
pub(crate) fn sqlite_rebuild_tables(changes: &[Change]) -> BTreeSet<TableKey> {
    let sqlite = crate::dialect::backend(Dialect::Sqlite);
    let needs_rebuild = |c: &Change| {
        matches!(
            c,
            Change::Table {
                op: TableOp::Remove {
                    part: Part::Column(..)
                },
                ..
            }
        ) || sqlite.in_place(c).is_err()
    };
    let whole: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Table {
                schema,
                op: TableOp::Create { def: table },
                ..
            }
            | Change::Table {
                schema,
                op: TableOp::Drop { def: table },
                ..
            } => Some((schema.as_str(), table.name.as_str())),
            _ => None,
        })
        .collect();
    changes
        .iter()
        .filter(|c| needs_rebuild(c) && !whole.contains(&c.subject()))
        .map(|c| {
            let (s, t) = c.subject();
            (s.to_owned(), t.to_owned())
        })
        .collect()
}

/// SQLite alters little in place: every table with a change it cannot make is rebuilt once, to
/// the table with all its changes applied (the migrations guide's batch mode).
pub(crate) fn batch_sqlite(changes: Vec<Change>, current: &Schema) -> Vec<Change> {
    let rebuild = sqlite_rebuild_tables(&changes);
    let mut grouped: BTreeMap<(String, String), Vec<Change>> = BTreeMap::new();
    let mut out = Vec::new();
    for c in changes {
        let (s, t) = c.subject();
        let key = (s.to_owned(), t.to_owned());
        let per_table = !matches!(
            c,
            Change::Table {
                op: TableOp::Create { .. },
                ..
            } | Change::Table {
                op: TableOp::Drop { .. },
                ..
            } | Change::Table {
                op: TableOp::Rename { .. },
                ..
            }
        );
        if per_table && rebuild.contains(&key) {
            grouped.entry(key).or_default().push(c);
        } else {
            out.push(c);
        }
    }
    for ((schema, name), group) in grouped {
        let Some(from) = current_table(current, &schema, &name, &out) else {
            out.extend(group);
            continue;
        };
        let mut to = from.clone();
        let mut renames = Vec::new();
        for c in &group {
            if let Change::Table {
                op: TableOp::RenameColumn { from, to },
                ..
            } = c
            {
                renames.push((from.clone(), to.clone()));
            }
            apply(&mut to, c);
        }
        let mut from = from;
        // Column renames happen in place first; the rebuild starts from the renamed table.
        for (old, new) in &renames {
            out.push(Change::Table {
                schema: schema.clone(),
                table: name.clone(),
                op: TableOp::RenameColumn {
                    from: old.clone(),
                    to: new.clone(),
                },
            });
            rename_column(&mut from, old, new);
        }
        to.sort();
        // What the other backends run instead, in the order a plan for them would take.
        let mut changes: Vec<Change> = group
            .into_iter()
            .filter(|c| {
                !matches!(
                    c,
                    Change::Table {
                        op: TableOp::RenameColumn { .. },
                        ..
                    }
                )
            })
            .collect();
        changes.sort_by_cached_key(sort_key);
        out.push(Change::table(
            schema,
            to.name.clone(),
            TableOp::Rebuild {
                from,
                to,
                changes,
                fills: Vec::new(),
            },
        ));
    }
    out
}

/// The current definition of a table, following a rename in `changes`.
pub(crate) fn current_table(
    current: &Schema,
    schema: &str,
    name: &str,
    changes: &[Change],
) -> Option<Table> {
    let ns = current.namespaces.get(schema)?;
    if let Some(t) = ns.tables.get(name) {
        return Some(t.clone());
    }
    changes.iter().find_map(|c| match c {
        Change::Table {
            table: to,
            op: TableOp::Rename { from },
            ..
        } if to == name => ns.tables.get(from).map(|t| Table {
            name: name.to_owned(),
            ..t.clone()
        }),
        _ => None,
    })
}

/// Applies a per-table change to a table definition.
pub fn apply(t: &mut Table, c: &Change) {
    match c.table_op() {
        Some(TableOp::Add { part }) => match part.clone() {
            Part::Column(column) => t.columns.push(column),
            Part::PrimaryKey(key) => t.primary_key = Some(key),
            Part::Unique(unique) => t.uniques.push(unique),
            Part::Index(index) => t.indexes.push(index),
            Part::ForeignKey(fk) => t.foreign_keys.push(fk),
            Part::Check(check) => t.checks.push(check),
        },
        Some(TableOp::Remove { part }) => match part {
            Part::Column(column) => t.columns.retain(|x| x.name != column.name),
            Part::PrimaryKey(_) => t.primary_key = None,
            Part::Unique(unique) => t.uniques.retain(|x| x != unique),
            Part::Index(index) => t.indexes.retain(|x| x.name != index.name),
            Part::ForeignKey(fk) => t.foreign_keys.retain(|x| x != fk),
            Part::Check(check) => t.checks.retain(|x| x != check),
        },
        Some(TableOp::RenameColumn { from, to }) => rename_column(t, from, to),
        Some(TableOp::AlterColumn { to, .. }) => {
            if let Some(x) = t.columns.iter_mut().find(|x| x.name == to.name) {
                *x = to.clone();
            }
        }
        Some(TableOp::SetComment { to, .. }) => t.comment = to.clone(),
        _ => {}
    }
}

/// A column renamed everywhere the table names it, as the server does with `RENAME COLUMN`:
/// its keys, indexes, foreign keys, checks and generated columns.
pub(crate) fn rename_column(t: &mut Table, from: &str, to: &str) {
    let name = |n: &mut String| {
        if n == from {
            *n = to.to_owned();
        }
    };
    let expr = |e: &mut String| *e = crate::expr::renamed(e, from, to);
    for c in &mut t.columns {
        name(&mut c.name);
        if let Some(g) = &mut c.generated {
            expr(g);
        }
    }
    if let Some(k) = &mut t.primary_key {
        k.columns.iter_mut().for_each(name);
    }
    for u in &mut t.uniques {
        u.columns.iter_mut().for_each(name);
    }
    for i in &mut t.indexes {
        for p in &mut i.parts {
            match &mut p.key {
                IndexKey::Column(c) => name(c),
                IndexKey::Expression(e) => expr(e),
            }
        }
        i.include.iter_mut().for_each(name);
        if let Some(p) = &mut i.predicate {
            expr(p);
        }
    }
    let table = t.name.clone();
    for fk in &mut t.foreign_keys {
        fk.columns.iter_mut().for_each(name);
        if fk.referenced_table.name == table {
            fk.referenced_columns.iter_mut().for_each(name);
        }
    }
    for c in &mut t.checks {
        expr(&mut c.expression);
    }
}
