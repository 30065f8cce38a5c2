//! The hazards of a finished plan's changes, one change at a time: what loses data
//! (destructive), what depends on the rows (data-dependent), what holds locks (blocking), what
//! fails as planned (blocked), and what changes what the database does (behavior). Computed
//! over the plan, never woven into ordering.

use std::collections::{BTreeMap, BTreeSet};

use sealift_ir::{Column, Dialect, Enum, ForeignKey, Index, Schema, Table};

use crate::dialect::Features;

use crate::change::{Change, EnumOp, Part, TableOp};
use crate::hazard::{Hazard, HazardKind};
use crate::order::{TableKey, fk_target};

/// What a change's hazards depend on beyond the change itself.
pub(crate) struct HazardCx<'a> {
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
    pub(crate) fn new(changes: &[Change], current: Option<&'a Schema>, dialect: Dialect) -> Self {
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

/// The hazards of one change. `created` are tables this plan creates (they have no rows).
/// What changes in what deletes and updates of the referenced rows do, when `new` replaces
/// `old` (the same columns and target, other actions): one sentence per action.
pub(crate) fn action_changes(
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

pub(crate) fn hazards_of(c: &Change, cx: &HazardCx<'_>) -> Vec<Hazard> {
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
    if !fresh
        && let Change::Table {
            op: TableOp::Add { part },
            ..
        } = c
        && let Some(why) = crate::dialect::backend(dialect).copies_to_add(part)
    {
        add(Blocking, format!("{why}: {schema}.{subject}"));
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
            table_dropped(schema, table, cx, &mut add);
        }
        Change::Table {
            table,
            op: TableOp::Remove {
                part: Part::Column(column),
            },
            ..
        } => {
            column_dropped(schema, table, column, cx, &mut add);
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
            enum_replaced(c, schema, from, to, cx, &mut add);
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
            op: TableOp::Add {
                part: Part::Column(column),
            },
            ..
        } if !fresh
            && column
                .default
                .as_deref()
                .is_some_and(|d| crate::dialect::backend(dialect).default_rewrites(d)) =>
        {
            add(
                Blocking,
                format!(
                    "adds {schema}.{table}.{} with the volatile default {}: computed for every row, it rewrites {schema}.{table} while holding an exclusive lock; to keep it writable, add the column without it, set the default after, and fill the rows there in batches (--backfill)",
                    column.name,
                    column.default.as_deref().unwrap_or_default()
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
        } if !fresh => index_added(schema, table, index, cx, features, &mut add),
        Change::Table {
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
            ..
        } if !fresh => foreign_key_added(schema, table, fk, cx, &mut add),
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
            table_rebuilt(schema, from, to, dialect, &mut add);
        }
        _ => {}
    }
    out
}

/// A table dropped: its rows, the policies that go with it, and what else uses it.
fn table_dropped(
    schema: &str,
    table: &Table,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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

/// A column dropped: its data, and what uses it and stays.
fn column_dropped(
    schema: &str,
    table: &str,
    column: &Column,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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

/// An enum type replaced: values removed, every column re-cast, what stands in the way.
fn enum_replaced(
    c: &Change,
    schema: &str,
    from: &Enum,
    to: &Enum,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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
    enum_blockers(c, cx, add);
}

/// An index added to a table that has rows: duplicates, and writes blocked while it builds.
fn index_added(
    schema: &str,
    table: &str,
    index: &Index,
    cx: &HazardCx<'_>,
    features: &Features,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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

/// A foreign key added to a table that has rows: orphans, and a changed referential action.
fn foreign_key_added(
    schema: &str,
    table: &str,
    fk: &ForeignKey,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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

/// A SQLite rebuild: what the copy leaves out or cannot fill, and what the table's changes do.
fn table_rebuilt(
    schema: &str,
    from: &Table,
    to: &Table,
    dialect: Dialect,
    add: &mut impl FnMut(HazardKind, String),
) {
    use HazardKind::*;
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
        alter_hazards(schema, &to.name, old, new, dialect, add);
    }
    let t = &to.name;
    for c in to
        .columns
        .iter()
        .filter(|c| !from.columns.iter().any(|f| f.name == c.name))
    {
        if !c.nullable && c.default.is_none() && c.generated.is_none() && c.identity.is_none() {
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
                "adds foreign key ({}) on {schema}.{t}: the rebuild checks every row before it commits and fails on rows that violate it",
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

/// The names a change gives: a new table's and its parts', an added part's, a new name.
pub(crate) fn names_given(c: &Change) -> Vec<&str> {
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
pub(crate) fn enum_blockers(
    c: &Change,
    cx: &HazardCx<'_>,
    add: &mut impl FnMut(HazardKind, String),
) {
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
pub(crate) fn type_change_hazards(
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

pub(crate) fn alter_hazards(
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
            let quoted: Vec<String> = removed.iter().map(|v| crate::dialect::literal(v)).collect();
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
