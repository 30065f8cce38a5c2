//! Ordering changes into a plan, attaching hazards, and deriving the down plan.
//!
//! Order is by phase (foreign keys dropped first, enums before the tables that use them, tables
//! created in dependency order, foreign keys added last, drops at the end), then by a
//! deterministic key. Foreign keys that would point forward or close a cycle are split out of
//! `CREATE TABLE` and added after every table exists. The down plan is the reverse of the up
//! plan with every change inverted; drops carry full definitions, so it restores exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use sealift_ir::{Column, Dialect, IndexKey, Schema, Table};

use crate::change::{Change, EnumOp, Part, TableOp};
use crate::hazard::{Hazard, HazardKind};
use crate::{DiffOptions, Note};

/// One change with its hazards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// The change.
    pub change: Change,
    /// What can go wrong when it runs; empty when nothing can.
    pub hazards: Vec<Hazard>,
    /// What SQLite runs instead, in a plan made elsewhere: SQLite alters little in place, so
    /// the steps on such a table become one rebuild.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_sqlite: Option<OnSqlite>,
}

/// A step's stand-in on SQLite.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnSqlite {
    /// Run this change instead: a table rebuild doing the table's steps, or a table created
    /// or dropped with its foreign keys.
    Instead(Box<Change>),
    /// Nothing, for the reason given: another step does it.
    Nothing(String),
}

/// An ordered, reversible plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The dialect the plan is for.
    pub dialect: Dialect,
    /// The changes that take the database to the desired schema, in order.
    pub up: Vec<Step>,
    /// The changes that take it back, in order.
    pub down: Vec<Step>,
    /// What was found and deliberately left alone.
    pub notes: Vec<Note>,
    /// The namespace the connection is set to: tables in it are named without a schema.
    pub default_schema: String,
}

impl Plan {
    /// Where the plan's own statements run: its dialect, in its default namespace.
    pub fn target(&self) -> crate::Target<'_> {
        crate::Target::native(self.dialect, &self.default_schema)
    }

    /// True when there is nothing to do (notes do not count).
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }

    /// Every hazard of the up plan.
    pub fn hazards(&self) -> impl Iterator<Item = &Hazard> {
        self.up.iter().flat_map(|s| &s.hazards)
    }

    /// True when running the plan would lose data.
    pub fn is_destructive(&self) -> bool {
        self.hazards().any(|h| h.kind == HazardKind::Destructive)
    }

    /// Whether the plan's backend undoes a failed migration's DDL with its transaction.
    pub fn transactional_ddl(&self) -> bool {
        crate::dialect::backend(self.dialect)
            .features()
            .transactional_ddl
    }

    /// The plan as text a reviewer reads: numbered steps with hazards, then notes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (title, steps) in [("up", &self.up), ("down", &self.down)] {
            let _ = writeln!(out, "{title}:");
            if steps.is_empty() {
                let _ = writeln!(out, "  (nothing)");
            }
            for (i, s) in steps.iter().enumerate() {
                let _ = writeln!(out, "  {}. {}", i + 1, s.change);
                for c in s.change.rebuilt() {
                    let _ = writeln!(out, "     - {c}");
                }
                for h in &s.hazards {
                    let _ = writeln!(out, "     ! {h}");
                }
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "notes:");
            for n in &self.notes {
                let _ = writeln!(out, "  - {}: {}", n.subject, n.message);
            }
        }
        out
    }
}

/// Marks, in a plan made for another backend, the steps SQLite replaces with a table rebuild:
/// the table's last step rebuilds it (its renames run in place before), the others do nothing.
fn mark_sqlite_rebuilds(up: &mut [Step], rebuilds: &[Change]) {
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

/// What a change's hazards depend on beyond the change itself.
struct HazardCx<'a> {
    dialect: Dialect,
    /// Tables the plan creates: they have no rows yet.
    created: BTreeSet<TableKey>,
    /// The database before the plan, when known: what uses the columns a change touches.
    current: Option<&'a Schema>,
    /// Columns the plan drops, by table.
    dropped_columns: BTreeSet<(String, String, String)>,
    /// Foreign keys the plan drops, by table.
    dropped_fks: Vec<(String, String, sealift_ir::ForeignKey)>,
    /// Tables the plan drops.
    dropped_tables: BTreeSet<TableKey>,
    /// Columns the plan adds, by table: whether every row gets the same (default) value.
    added_columns: BTreeMap<(String, String, String), bool>,
}

impl<'a> HazardCx<'a> {
    fn new(changes: &[Change], current: Option<&'a Schema>, dialect: Dialect) -> Self {
        let mut cx = HazardCx {
            dialect,
            created: BTreeSet::new(),
            current,
            dropped_columns: BTreeSet::new(),
            dropped_fks: Vec::new(),
            dropped_tables: BTreeSet::new(),
            added_columns: BTreeMap::new(),
        };
        for c in changes {
            match c {
                Change::Table {
                    schema,
                    op: TableOp::Create { def: table },
                    ..
                } => {
                    cx.created.insert((schema.clone(), table.name.clone()));
                }
                Change::Table {
                    schema,
                    op: TableOp::Drop { def: table },
                    ..
                } => {
                    cx.dropped_tables
                        .insert((schema.clone(), table.name.clone()));
                }
                Change::Table {
                    schema,
                    table,
                    op:
                        TableOp::Remove {
                            part: Part::Column(column),
                        },
                } => {
                    cx.dropped_columns
                        .insert((schema.clone(), table.clone(), column.name.clone()));
                }
                Change::Table {
                    schema,
                    table,
                    op:
                        TableOp::Remove {
                            part: Part::ForeignKey(fk),
                        },
                } => {
                    cx.dropped_fks
                        .push((schema.clone(), table.clone(), fk.clone()));
                }
                Change::Table {
                    schema,
                    table,
                    op:
                        TableOp::Add {
                            part: Part::Column(column),
                        },
                } => {
                    cx.added_columns.insert(
                        (schema.clone(), table.clone(), column.name.clone()),
                        // Every row gets the same value only from a plain default.
                        column.default.is_some() && column.identity.is_none(),
                    );
                }
                _ => {}
            }
        }
        cx
    }

    /// True when a unique key over these columns cannot meet duplicates: one of them is added
    /// by the plan without a default, so it is NULL in every row (NULLs never collide), or the
    /// table must be empty for the column to be added at all.
    fn never_collides(&self, schema: &str, table: &str, columns: &[String]) -> bool {
        columns.iter().any(|c| {
            self.added_columns
                .get(&(schema.to_owned(), table.to_owned(), c.clone()))
                == Some(&false)
        })
    }

    /// The current definition of a table.
    fn table(&self, schema: &str, name: &str) -> Option<&'a Table> {
        self.current?.namespaces.get(schema)?.tables.get(name)
    }

    /// What stands in the way of dropping or retyping `schema.table.column` and stays: views,
    /// rules and policies using it, generated columns computed from it, and (when dropping)
    /// foreign keys of other tables that reference it.
    fn blockers(&self, schema: &str, table: &str, column: &str, dropping: bool) -> Vec<String> {
        let Some(t) = self.table(schema, table) else {
            return Vec::new();
        };
        let mut out: Vec<String> = t
            .dependents
            .iter()
            .filter(|d| d.columns.iter().any(|c| c == column))
            .map(|d| format!("{} {}", d.kind, d.name))
            .collect();
        let names = || t.columns.iter().map(|c| c.name.as_str());
        for g in &t.columns {
            let uses = g.generated.as_deref().is_some_and(|e| {
                crate::expr::columns_used(e, names())
                    .iter()
                    .any(|c| c == column)
            });
            let goes = self.dropped_columns.contains(&(
                schema.to_owned(),
                table.to_owned(),
                g.name.clone(),
            ));
            if uses && g.name != column && !goes {
                out.push(format!("generated column {schema}.{table}.{}", g.name));
            }
        }
        if dropping && let Some(current) = self.current {
            for ns in current.namespaces.values() {
                for other in ns.tables.values() {
                    if self
                        .dropped_tables
                        .contains(&(ns.name.clone(), other.name.clone()))
                    {
                        continue;
                    }
                    for fk in &other.foreign_keys {
                        let target = fk_target(&ns.name, fk);
                        let references = target == (schema.to_owned(), table.to_owned())
                            && fk.referenced_columns.iter().any(|c| c == column);
                        let dropped = self
                            .dropped_fks
                            .iter()
                            .any(|(s, t, f)| *s == ns.name && *t == other.name && f == fk);
                        if references && !dropped && !(other.name == table && ns.name == schema) {
                            out.push(format!(
                                "foreign key {} of {}.{}",
                                fk.name.clone().unwrap_or_else(|| fk.columns.join(", ")),
                                ns.name,
                                other.name
                            ));
                        }
                    }
                }
            }
        }
        out
    }
}

/// A table by (namespace, name).
type TableKey = (String, String);

/// A table and the tables its foreign keys point at.
type TableDeps = (String, String, Vec<TableKey>);

/// Phase, dependency order, namespace, subject, kind of change, the objects it touches.
type SortKey = (u8, usize, String, String, u8, Vec<String>);

fn phase(c: &Change) -> u8 {
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
fn kind(c: &Change) -> u8 {
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

fn sort_key(c: &Change) -> SortKey {
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
fn order_tables(keyed: &mut [(SortKey, Change)]) {
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
fn positions(order: &[TableKey]) -> HashMap<TableKey, usize> {
    order
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i))
        .collect()
}

/// Referenced tables first; ties and cycles broken by name. Kahn's algorithm over a ready set
/// ordered by name: linear in tables and references, up to the set's logarithm.
fn topological(tables: &[TableDeps]) -> Vec<TableKey> {
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
fn split_foreign_keys(changes: Vec<Change>) -> (Vec<Change>, Vec<SplitTable>) {
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
fn push_split(
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
struct SplitTable {
    /// The table's step, without those keys.
    reduced: Change,
    /// The table's step as the diff made it: what SQLite runs (it checks no key's target when
    /// a table is created or dropped, and changes no key in place).
    original: Change,
    /// The keys' steps, which do nothing on SQLite.
    keys: Vec<Change>,
}

/// Marks the steps SQLite runs differently after foreign keys were split from their tables.
fn mark_split_tables(up: &mut [Step], split: &[SplitTable]) {
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

fn fk_targets(schema: &str, table: &Table) -> Vec<TableKey> {
    table
        .foreign_keys
        .iter()
        .map(|f| fk_target(schema, f))
        .collect()
}

/// The table a foreign key of a table in `schema` points at.
fn fk_target(schema: &str, fk: &sealift_ir::ForeignKey) -> TableKey {
    (
        fk.referenced_table
            .schema
            .clone()
            .unwrap_or_else(|| schema.to_owned()),
        fk.referenced_table.name.clone(),
    )
}

/// The tables SQLite rebuilds for these changes: those with a change it cannot make in place,
/// or a dropped column (`DROP COLUMN` refuses a column a key, index or constraint uses, so a
/// plan made here rebuilds for it too). A table the plan creates or drops is never rebuilt:
/// its foreign keys go with it.
fn sqlite_rebuild_tables(changes: &[Change]) -> BTreeSet<TableKey> {
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
fn batch_sqlite(changes: Vec<Change>, current: &Schema) -> Vec<Change> {
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
            TableOp::Rebuild { from, to, changes },
        ));
    }
    out
}

/// The current definition of a table, following a rename in `changes`.
fn current_table(current: &Schema, schema: &str, name: &str, changes: &[Change]) -> Option<Table> {
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
fn rename_column(t: &mut Table, from: &str, to: &str) {
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

/// The hazards of one change. `created` are tables this plan creates (they have no rows).
/// What changes in what deletes and updates of the referenced rows do, when `new` replaces
/// `old` (the same columns and target, other actions): one sentence per action.
fn action_changes(
    schema: &str,
    table: &str,
    old: &sealift_ir::ForeignKey,
    new: &sealift_ir::ForeignKey,
) -> Vec<String> {
    if old.columns != new.columns
        || old.referenced_table.name != new.referenced_table.name
        || old.referenced_columns != new.referenced_columns
    {
        return Vec::new();
    }
    let target = &new.referenced_table.name;
    let cols = new.columns.join(", ");
    let does = |a: sealift_ir::FkAction, verb: &str| match a {
        sealift_ir::FkAction::Cascade => format!("{verb}s the {table} rows that point at it too"),
        sealift_ir::FkAction::SetNull => {
            format!("empties ({cols}) of the {table} rows that point at it")
        }
        sealift_ir::FkAction::SetDefault => {
            format!("sets ({cols}) of the {table} rows that point at it to their default")
        }
        sealift_ir::FkAction::Restrict | sealift_ir::FkAction::NoAction => {
            format!("is refused while {table} rows point at it")
        }
    };
    let mut out = Vec::new();
    for (verb, ing, from, to) in [
        ("delete", "deleting", old.on_delete, new.on_delete),
        (
            "update",
            "updating the key of",
            old.on_update,
            new.on_update,
        ),
    ] {
        let same = from == to
            || matches!(
                (from, to),
                (
                    sealift_ir::FkAction::Restrict | sealift_ir::FkAction::NoAction,
                    sealift_ir::FkAction::Restrict | sealift_ir::FkAction::NoAction
                )
            );
        if !same {
            out.push(format!(
                "changes ON {} of the foreign key {schema}.{table} ({cols}) -> {target} from {} to {}: {ing} a row of {target} now {} (before: {})",
                verb.to_uppercase(),
                from.as_sql(),
                to.as_sql(),
                does(to, verb),
                does(from, verb)
            ));
        }
    }
    out
}

fn hazards_of(c: &Change, cx: &HazardCx<'_>) -> Vec<Hazard> {
    use HazardKind::*;
    let dialect = cx.dialect;
    let features = crate::dialect::backend(dialect).features();
    let (schema, subject) = c.subject();
    let fresh = cx
        .created
        .contains(&(schema.to_owned(), subject.to_owned()));
    let mut out = Vec::new();
    let mut add = |k, m: String| out.push(Hazard::new(k, m));
    // A foreign key and the index InnoDB makes for it share a name: said once.
    let mut seen = BTreeSet::new();
    let names: Vec<&str> = names_given(c)
        .into_iter()
        .filter(|n| seen.insert(*n))
        .collect();
    if let Some(limit) = features.name_limit {
        for name in &names {
            let n = name.chars().count();
            if n > limit {
                add(
                    Blocked,
                    format!(
                        "{} refuses names longer than {limit} characters, and `{name}` has {n}: give it a shorter name in the entity",
                        dialect.product()
                    ),
                );
            }
        }
    }
    if features.names_bmp_only {
        for name in &names {
            if let Some(ch) = name.chars().find(|ch| u32::from(*ch) > 0xFFFF) {
                add(
                    Blocked,
                    format!(
                        "{} accepts in names only characters of Unicode's Basic Multilingual Plane (no emoji), and `{name}` holds `{ch}`: give it another name in the entity",
                        dialect.product()
                    ),
                );
            }
        }
    }
    if features.auto_increment_needs_key
        && let Change::Table {
            op: TableOp::Remove {
                part: Part::PrimaryKey(pk),
            },
            ..
        } = c
        && let Some(t) = cx.table(schema, subject)
        && let Some(col) = t
            .columns
            .iter()
            .find(|col| col.identity.is_some() && pk.columns.contains(&col.name))
    {
        add(
            Blocked,
            format!(
                "{} cannot drop the primary key of {schema}.{subject} on its own while it holds AUTO_INCREMENT column {}; write this change by hand as one ALTER TABLE that changes the column and the key together",
                dialect.product(),
                col.name
            ),
        );
    }
    match c {
        Change::Table {
            op: TableOp::Drop { def: table },
            ..
        } => {
            add(
                Destructive,
                format!("drops table {schema}.{} and every row in it", table.name),
            );
            let current = cx.table(schema, &table.name).unwrap_or(table);
            // The table's own policies go with it (sealift does not model them, so down does
            // not bring them back); what other objects hold stays, and blocks the drop.
            let own = format!(" on {schema}.{}", table.name);
            let (own, others): (Vec<_>, Vec<_>) = current
                .dependents
                .iter()
                .partition(|d| d.kind == "policy" && d.name.ends_with(&own));
            for d in own {
                add(
                    Destructive,
                    format!(
                        "drops {} {} with the table; down does not re-create it",
                        d.kind, d.name
                    ),
                );
            }
            for d in others {
                add(
                    Blocked,
                    format!(
                        "{} {} uses {schema}.{}; the database refuses to drop the table while it stands",
                        d.kind, d.name, table.name
                    ),
                );
            }
        }
        Change::Table {
            table,
            op: TableOp::Remove {
                part: Part::Column(column),
            },
            ..
        } => {
            add(
                Destructive,
                format!("drops column {schema}.{table}.{} and its data", column.name),
            );
            for b in cx.blockers(schema, table, &column.name, true) {
                add(
                    Blocked,
                    format!(
                        "{b} uses {schema}.{table}.{}; the database refuses to drop the column while it stands: change or drop it first",
                        column.name
                    ),
                );
            }
        }
        // Where enums live in columns the type is only PostgreSQL's, dropped once unused.
        Change::Enum {
            op: EnumOp::Drop { def },
            ..
        } if features.enum_types => add(
            Destructive,
            format!("drops enum type {schema}.{}", def.name),
        ),
        Change::Enum {
            op: EnumOp::Replace { from, to, .. },
            ..
        } => {
            let gone: Vec<&String> = from
                .values
                .iter()
                .filter(|v| !to.values.contains(v))
                .collect();
            if !gone.is_empty() {
                let list: Vec<String> = gone.iter().map(|v| format!("'{v}'")).collect();
                add(
                    Destructive,
                    format!(
                        "removes {} from enum {schema}.{}; rows holding them make the conversion fail",
                        list.join(", "),
                        to.name
                    ),
                );
            }
            add(
                Blocking,
                format!(
                    "re-casts every column of type {schema}.{}, rewriting those tables",
                    to.name
                ),
            );
            enum_blockers(c, cx, &mut add);
        }
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Column(column),
            },
            ..
        } if !fresh
            && !column.nullable
            && column.default.is_none()
            && column.identity.is_none()
            && column.generated.is_none() =>
        {
            add(
                DataDependent,
                format!(
                    "adds NOT NULL column {schema}.{table}.{} without a default: fails if the table has rows",
                    column.name
                ),
            )
        }
        Change::Table {
            table,
            op: TableOp::AlterColumn { from, to },
            ..
        } => {
            alter_hazards(schema, table, from, to, dialect, &mut add);
            if from.data_type != to.data_type && features.dependents_block_type_changes {
                type_change_hazards(schema, table, from, to, cx, &mut add);
            }
        }
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Unique(unique),
            },
            ..
        } if !fresh && !cx.never_collides(schema, table, &unique.columns) => add(
            DataDependent,
            format!(
                "adds a unique constraint on {schema}.{table} ({}): fails if existing rows have duplicates",
                unique.columns.join(", ")
            ),
        ),
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Index(index),
            },
            ..
        } if !fresh => {
            if index.unique && !cx.never_collides(schema, table, &index.key_columns()) {
                add(
                    DataDependent,
                    format!(
                        "adds unique index {}: fails if existing rows of {schema}.{table} have duplicates",
                        index.name
                    ),
                );
            }
            if features.index_builds_block_writes {
                add(
                    Blocking,
                    format!(
                        "builds index {} while blocking writes to {schema}.{table}; on a big table build it concurrently instead",
                        index.name
                    ),
                );
            }
        }
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
            ..
        } if !fresh => {
            add(
                DataDependent,
                format!(
                    "adds foreign key ({}) on {schema}.{table}: fails if existing rows violate it",
                    fk.columns.join(", ")
                ),
            );
            for (s, t, old) in &cx.dropped_fks {
                if s == schema && t == table {
                    for message in action_changes(schema, table, old, fk) {
                        add(Behavior, message);
                    }
                }
            }
        }
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Check(check),
            },
            ..
        } if !fresh => add(
            DataDependent,
            format!(
                "adds check ({}) on {schema}.{table}: fails if existing rows violate it",
                check.expression
            ),
        ),
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::PrimaryKey(key),
            },
            ..
        } if !fresh => add(
            DataDependent,
            format!(
                "adds a primary key ({}) on {schema}.{table}: fails on duplicates or NULLs",
                key.columns.join(", ")
            ),
        ),
        Change::Table {
            op: TableOp::Rebuild { from, to, .. },
            ..
        } => {
            let lost: Vec<&str> = from
                .columns
                .iter()
                .filter(|c| !to.columns.iter().any(|n| n.name == c.name))
                .map(|c| c.name.as_str())
                .collect();
            if !lost.is_empty() {
                // What goes with the columns: the copy leaves out what no longer fits.
                let mut with: Vec<String> = from
                    .indexes
                    .iter()
                    .filter(|i| !to.indexes.iter().any(|n| n.name == i.name))
                    .map(|i| format!("index {}", i.name))
                    .collect();
                with.extend(
                    from.checks
                        .iter()
                        .filter(|c| !to.checks.contains(c))
                        .map(|c| format!("check ({})", c.expression)),
                );
                if from.primary_key.is_some() && to.primary_key.is_none() {
                    with.push("the primary key".to_owned());
                }
                let with = if with.is_empty() {
                    String::new()
                } else {
                    format!(", and with them {} (down re-creates them)", with.join(", "))
                };
                add(
                    Destructive,
                    format!(
                        "drops column(s) {} of {schema}.{} and their data{with}",
                        lost.join(", "),
                        to.name
                    ),
                );
            }
            for new in &to.foreign_keys {
                for old in &from.foreign_keys {
                    for message in action_changes(schema, &to.name, old, new) {
                        add(Behavior, message);
                    }
                }
            }
            // A view over the table is left as written (`legacy_alter_table`), so it works
            // again once the table is back, unless it reads a column the rebuild drops.
            for d in from
                .dependents
                .iter()
                .filter(|d| d.columns.iter().any(|c| lost.contains(&c.as_str())))
            {
                add(
                    Blocked,
                    format!(
                        "{} {} reads {} of {schema}.{}, which the rebuild drops: SQLite would leave it broken; drop or change it first, in a migration of its own",
                        d.kind,
                        d.name,
                        d.columns
                            .iter()
                            .filter(|c| lost.contains(&c.as_str()))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                        to.name
                    ),
                );
            }
            for (old, new) in from
                .columns
                .iter()
                .filter_map(|o| Some((o, to.columns.iter().find(|n| n.name == o.name)?)))
            {
                alter_hazards(schema, &to.name, old, new, dialect, &mut add);
            }
            let t = &to.name;
            for c in to
                .columns
                .iter()
                .filter(|c| !from.columns.iter().any(|f| f.name == c.name))
            {
                if !c.nullable
                    && c.default.is_none()
                    && c.generated.is_none()
                    && c.identity.is_none()
                {
                    add(
                        DataDependent,
                        format!(
                            "adds NOT NULL column {schema}.{t}.{} without a default: the copy fails if the table has rows",
                            c.name
                        ),
                    );
                }
            }
            for u in to.uniques.iter().filter(|u| !from.uniques.contains(u)) {
                add(
                    DataDependent,
                    format!(
                        "adds a unique constraint on {schema}.{t} ({}): the copy fails on duplicates",
                        u.columns.join(", ")
                    ),
                );
            }
            for c in to.checks.iter().filter(|c| !from.checks.contains(c)) {
                add(
                    DataDependent,
                    format!(
                        "adds check ({}) on {schema}.{t}: the copy fails on rows that violate it",
                        c.expression
                    ),
                );
            }
            for fk in to
                .foreign_keys
                .iter()
                .filter(|f| !from.foreign_keys.contains(f))
            {
                add(
                    DataDependent,
                    format!(
                        "adds foreign key ({}) on {schema}.{t}: checked only when rows change; run PRAGMA foreign_key_check",
                        fk.columns.join(", ")
                    ),
                );
            }
            add(
                Blocking,
                format!(
                    "rebuilds {schema}.{} by copying every row into a new table",
                    to.name
                ),
            );
        }
        _ => {}
    }
    out
}

/// The names a change gives: a new table's and its parts', an added part's, a new name.
fn names_given(c: &Change) -> Vec<&str> {
    fn part_names(p: &Part) -> Vec<&str> {
        match p {
            Part::Column(c) => vec![c.name.as_str()],
            Part::PrimaryKey(_) => Vec::new(),
            Part::Unique(u) => u.name.as_deref().into_iter().collect(),
            Part::Index(i) => vec![i.name.as_str()],
            Part::ForeignKey(fk) => fk.name.as_deref().into_iter().collect(),
            Part::Check(c) => c.name.as_deref().into_iter().collect(),
        }
    }
    let Change::Table { table, op, .. } = c else {
        return Vec::new();
    };
    match op {
        TableOp::Create { def } => {
            let mut names = vec![table.as_str()];
            names.extend(def.columns.iter().map(|c| c.name.as_str()));
            names.extend(def.uniques.iter().filter_map(|u| u.name.as_deref()));
            names.extend(def.indexes.iter().map(|i| i.name.as_str()));
            names.extend(def.foreign_keys.iter().filter_map(|f| f.name.as_deref()));
            names.extend(def.checks.iter().filter_map(|c| c.name.as_deref()));
            names
        }
        TableOp::Rename { .. } => vec![table.as_str()],
        TableOp::Add { part } => part_names(part),
        TableOp::RenameColumn { to, .. } => vec![to.as_str()],
        _ => Vec::new(),
    }
}

/// A column re-cast to the new enum fails where a view, rule or policy uses it, and its
/// default fails to come back when its value is gone from the enum.
fn enum_blockers(c: &Change, cx: &HazardCx<'_>, add: &mut impl FnMut(HazardKind, String)) {
    let Change::Enum {
        schema,
        op: EnumOp::Replace { to, columns, .. },
        ..
    } = c
    else {
        return;
    };
    // A view's column of the type keeps the old type alive, and it cannot be dropped.
    if let Some(current) = cx.current {
        for ns in current.namespaces.values() {
            for v in ns.tables.values().filter(|t| t.kind.is_view()) {
                let typed = v.columns.iter().any(|col| {
                    col.data_type.name == to.name
                        && col.data_type.schema.as_deref().unwrap_or(&ns.name) == schema
                });
                if typed {
                    add(
                        HazardKind::Blocked,
                        format!(
                            "view {}.{} has a column of type {schema}.{}; the old type cannot be dropped while it stands",
                            ns.name, v.name, to.name
                        ),
                    );
                }
            }
        }
    }
    for col in columns {
        let at = format!("{}.{}.{}", col.schema, col.table, col.column);
        for b in cx.blockers(&col.schema, &col.table, &col.column, false) {
            add(
                HazardKind::Blocked,
                format!("{b} uses {at}; the database cannot re-cast the column while it stands"),
            );
        }
        if let Some(default) = &col.default {
            let literal = crate::dialect::untyped_default(default);
            let value = literal
                .strip_prefix('\'')
                .and_then(|l| l.strip_suffix('\''))
                .map(|v| v.replace("''", "'"));
            if let Some(v) = value
                && col.array_dims == 0
                && !to.values.contains(&v)
            {
                add(
                    HazardKind::Blocked,
                    format!(
                        "the default '{v}' of {at} is not a value of the new {}; change the default first",
                        to.name
                    ),
                );
            }
        }
    }
}

/// What stands in the way of a PostgreSQL type change: views, rules, policies and generated
/// columns over the column; checks on it (checked again); a default set again after it.
fn type_change_hazards(
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
    let col = format!("{schema}.{table}.{}", to.name);
    for b in cx.blockers(schema, table, &to.name, false) {
        add(
            HazardKind::Blocked,
            format!("{b} uses {col}; the database refuses to change its type while it stands"),
        );
    }
    if let Some(t) = cx.table(schema, table) {
        let names = || t.columns.iter().map(|c| c.name.as_str());
        for check in &t.checks {
            if crate::expr::columns_used(&check.expression, names()).contains(&to.name) {
                add(
                    HazardKind::DataDependent,
                    format!(
                        "check {} ({}) is checked again with {col} as {}: fails if it does not apply to that type or a row violates it",
                        check.name.as_deref().unwrap_or("(unnamed)"),
                        check.expression,
                        to.data_type
                    ),
                );
            }
        }
    }
    if let Some(default) = &from.default
        && from.default == to.default
        && crate::dialect::family_changes(&from.data_type, &to.data_type)
    {
        add(
            HazardKind::DataDependent,
            format!(
                "the default {default} of {col} is dropped for the change and set again as {}: fails if it is not a valid {}",
                crate::dialect::untyped_default(default),
                to.data_type
            ),
        );
    }
}

fn alter_hazards(
    schema: &str,
    table: &str,
    from: &Column,
    to: &Column,
    dialect: Dialect,
    add: &mut impl FnMut(HazardKind, String),
) {
    let col = format!("{schema}.{table}.{}", to.name);
    if from.nullable && !to.nullable {
        add(
            HazardKind::DataDependent,
            format!("sets {col} NOT NULL: fails if any row holds NULL"),
        );
    }
    let backend = crate::dialect::backend(dialect);
    let removed = crate::dialect::removed_enum_values(&from.data_type, &to.data_type);
    if let Some(removed) = removed {
        // Values added or moved fit every row; values removed may not.
        if !removed.is_empty() {
            let quoted: Vec<String> = removed.iter().map(|v| crate::sql::literal(v)).collect();
            add(
                HazardKind::DataDependent,
                format!(
                    "removes {} from the values of {col}: fails where a row holds one (in strict SQL mode, the default; otherwise such values become '')",
                    quoted.join(", ")
                ),
            );
        }
    } else if from.data_type != to.data_type
        && backend.never_converts(&from.data_type, &to.data_type)
    {
        add(
            HazardKind::DataDependent,
            format!(
                "changes {col} from {} to {}: {} has no conversion between them, so it fails on any row that holds a value (only an empty table, or a column of NULLs, converts); add a new column and fill it instead",
                from.data_type,
                to.data_type,
                dialect.product()
            ),
        );
    } else if from.data_type != to.data_type && !backend.widens(&from.data_type, &to.data_type) {
        add(
            HazardKind::DataDependent,
            format!(
                "changes {col} from {} to {}: fails or truncates where a value does not fit",
                from.data_type, to.data_type
            ),
        );
    }
    if from.data_type != to.data_type && backend.rewrites_table(&from.data_type, &to.data_type) {
        add(
            HazardKind::Blocking,
            format!("rewrites {schema}.{table} while holding an exclusive lock"),
        );
    }
}

#[cfg(test)]
mod tests {
    use sealift_ir::{Column, DataType, Dependent, Dialect, Namespace, Schema, Table};

    use super::{HazardCx, hazards_of};
    use crate::change::Change;
    use crate::hazard::HazardKind;

    #[test]
    fn a_table_s_own_policy_goes_with_it_and_a_view_over_it_blocks() {
        let mut t = Table::new("scratch");
        t.columns
            .push(Column::new("owner", DataType::builtin("int4")));
        t.dependents.push(Dependent {
            kind: "policy".into(),
            name: "scratch_owner on public.scratch".into(),
            columns: vec!["owner".into()],
        });
        let mut ns = Namespace::new("public");
        ns.tables.insert(t.name.clone(), t.clone());
        let mut current = Schema::new(Dialect::Postgres);
        current.namespaces.insert("public".into(), ns);
        let drop = Change::drop_table("public", t.clone());
        let cx = HazardCx::new(
            std::slice::from_ref(&drop),
            Some(&current),
            Dialect::Postgres,
        );
        let kinds = |hazards: Vec<crate::hazard::Hazard>| -> Vec<HazardKind> {
            hazards.into_iter().map(|h| h.kind).collect()
        };
        assert_eq!(
            kinds(hazards_of(&drop, &cx)),
            [HazardKind::Destructive, HazardKind::Destructive]
        );

        current
            .namespaces
            .get_mut("public")
            .unwrap()
            .tables
            .get_mut("scratch")
            .unwrap()
            .dependents
            .push(Dependent {
                kind: "view".into(),
                name: "public.owners".into(),
                columns: vec!["owner".into()],
            });
        let cx = HazardCx::new(
            std::slice::from_ref(&drop),
            Some(&current),
            Dialect::Postgres,
        );
        assert!(kinds(hazards_of(&drop, &cx)).contains(&HazardKind::Blocked));
    }
}
