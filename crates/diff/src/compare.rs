//! Comparing the desired schema with the current one: pairing objects by definition (never by
//! name alone), normalizing what databases rewrite, and deciding what is managed.
//!
//! What entities cannot say is never changed: a primary key, index, check or foreign key no
//! entity declares (unless a column it needs is dropped, and then it is dropped explicitly so
//! the down plan re-creates it), generated columns, identity, deferrability, `NOT VALID`,
//! foreign keys to tables no entity names. The output is an unordered list of changes plus
//! notes; `plan.rs` orders them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use sealift_ir::{
    Check, Column, DataType, Deferrable, Dialect, Enum, ForeignKey, Identity, Index, IndexKey,
    IndexPart, Namespace, QualifiedName, Schema, Table, TableKind, TypeKind, Unique,
};

use crate::change::{Change, EnumColumn, EnumOp, EnumPosition, Part, TableOp};
use crate::dialect::backend;
use crate::expr;
use crate::{DiffOptions, Note};

/// SeaORM names the indexes it creates `idx-{table}-{column}` (`indexed`) and
/// `idx-{table}-{key}` (`unique_key` groups, SeaORM 2.0): an index of that exact shape no
/// entity asks for any more is dropped; any other index is the DBA's and is left alone.
const SEAORM_INDEX_PREFIX: &str = "idx-";

/// Every change from `current` to `desired`, unordered, with notes on what is left alone.
pub fn compare(
    desired: &Schema,
    current: &Schema,
    options: &DiffOptions,
) -> (Vec<Change>, Vec<Note>) {
    let mut cx = Cx {
        options,
        desired,
        current,
        changes: Vec::new(),
        notes: Vec::new(),
        unique_keys: states_unique_keys(desired),
    };
    let empty = Namespace::default();
    let names: BTreeSet<&String> = desired
        .namespaces
        .keys()
        .chain(current.namespaces.keys())
        .collect();
    for ns_name in names {
        let d = desired.namespaces.get(ns_name).unwrap_or(&empty);
        let c = current.namespaces.get(ns_name).unwrap_or(&empty);
        // A namespace no entity lives in is only looked at when asked to drop what no entity
        // names; otherwise it is not sealift's.
        if !desired.namespaces.contains_key(ns_name) && !options.drop_unknown_tables {
            continue;
        }
        cx.enums(ns_name, d, c);
        cx.tables(ns_name, d, c);
    }
    if backend(options.dialect).features().foreign_keys_pin_types {
        cx.foreign_keys_around_type_changes();
    }
    (cx.changes, cx.notes)
}

struct Cx<'a> {
    options: &'a DiffOptions,
    desired: &'a Schema,
    current: &'a Schema,
    changes: Vec<Change>,
    notes: Vec<Note>,
    /// The entities state unique keys of several columns (SeaORM 2.0's `unique_key`), so a
    /// unique index of SeaORM's naming that none asks for any more is theirs to drop. Before
    /// 2.0 an entity cannot state one: such keys are the DBA's.
    unique_keys: bool,
}

/// Whether any entity declares a `unique_key` group (lowered as a unique index or key named
/// `idx-{table}-{key}`, or over several columns).
fn states_unique_keys(desired: &Schema) -> bool {
    desired
        .namespaces
        .values()
        .flat_map(|n| n.tables.values())
        .any(|t| {
            t.indexes
                .iter()
                .any(|i| i.unique && i.name.starts_with(SEAORM_INDEX_PREFIX))
                || t.uniques.iter().any(|u| {
                    u.columns.len() > 1
                        || u.name
                            .as_deref()
                            .is_some_and(|n| n.starts_with(SEAORM_INDEX_PREFIX))
                })
        })
}

impl<'a> Cx<'a> {
    /// A comparison of the same schemas with nothing found yet.
    fn sibling(&self) -> Cx<'a> {
        Cx {
            changes: Vec::new(),
            notes: Vec::new(),
            ..*self
        }
    }

    fn note(&mut self, subject: String, message: impl Into<String>) {
        self.notes.push(Note {
            subject,
            message: message.into(),
        });
    }

    fn enums(&mut self, ns: &str, d: &Namespace, c: &Namespace) {
        for (name, want) in &d.enums {
            // Only a changed enum needs the columns of its type (a walk of every table).
            let columns = || enum_columns(self.current, ns, name);
            match c.enums.get(name) {
                None => self.changes.push(Change::Enum {
                    schema: ns.into(),
                    op: EnumOp::Create { def: want.clone() },
                }),
                Some(have) if have.values == want.values => {}
                // Add the new labels one by one, each next to a label already there (a type
                // with no labels at all has nothing to place them by: it is replaced).
                Some(have)
                    if !have.values.is_empty() && is_subsequence(&have.values, &want.values) =>
                {
                    let columns = columns();
                    let mut present: Vec<String> = have.values.clone();
                    for (i, v) in want.values.iter().enumerate() {
                        if present.contains(v) {
                            continue;
                        }
                        let next = want.values[i + 1..].iter().find(|n| present.contains(n));
                        let position = match (next, i.checked_sub(1)) {
                            (Some(next), _) => EnumPosition::Before(next.clone()),
                            (None, Some(prev)) => EnumPosition::After(want.values[prev].clone()),
                            // Unreachable with a label present, but never an index out of range.
                            (None, None) => EnumPosition::After(present[present.len() - 1].clone()),
                        };
                        let before = Enum {
                            name: name.clone(),
                            values: present.clone(),
                        };
                        let at = match &position {
                            EnumPosition::Before(n) => {
                                present.iter().position(|x| x == n).unwrap_or(present.len())
                            }
                            EnumPosition::After(p) => present
                                .iter()
                                .position(|x| x == p)
                                .map_or(present.len(), |i| i + 1),
                        };
                        present.insert(at, v.clone());
                        self.changes.push(Change::Enum {
                            schema: ns.into(),
                            op: EnumOp::AddValue {
                                def: before,
                                value: v.clone(),
                                position,
                                columns: columns.clone(),
                            },
                        });
                    }
                }
                Some(have) => {
                    self.changes.push(Change::Enum {
                        schema: ns.into(),
                        op: EnumOp::Replace {
                            from: have.clone(),
                            to: want.clone(),
                            columns: columns(),
                        },
                    });
                }
            }
        }
        for name in c.enums.keys().filter(|n| !d.enums.contains_key(*n)) {
            self.note(
                format!("{ns}.{name}"),
                "enum is not used by any entity; left alone",
            );
        }
    }

    fn tables(&mut self, ns: &str, d: &Namespace, c: &Namespace) {
        // Each entity's table on its own, in parallel (on thousands of tables the comparison
        // is most of what is left once the catalog is read), then in order.
        let this = &*self;
        let tables: Vec<(&String, &Table)> = d.tables.iter().collect();
        let each: Vec<(Option<&str>, Vec<Change>, Vec<Note>)> = tables
            .into_par_iter()
            .with_min_len(256)
            .map(|(name, want)| {
                let mut cx = this.sibling();
                let matched = cx.desired_table(ns, name, want, c);
                (matched, cx.changes, cx.notes)
            })
            .collect();
        let mut matched: BTreeSet<&str> = BTreeSet::new();
        for (name, changes, notes) in each {
            matched.extend(name);
            self.changes.extend(changes);
            self.notes.extend(notes);
        }
        for (name, t) in &c.tables {
            if matched.contains(name.as_str()) {
                continue;
            }
            match &t.kind {
                TableKind::View { .. } => self.note(format!("{ns}.{name}"), "view; sealift leaves views alone"),
                // Never dropped, even when asked to drop unknown tables: dropping its shadow
                // tables one by one breaks it, and a down cannot bring its module's data back.
                TableKind::Virtual { module } => self.note(
                    format!("{ns}.{name}"),
                    format!("virtual table ({module}) and its shadow tables; left alone"),
                ),
                TableKind::PartitionOf { parent, .. } => {
                    self.note(format!("{ns}.{name}"), format!("partition of {parent}; left alone"));
                }
                _ if self.options.drop_unknown_tables => {
                    self.changes.push(Change::drop_table(ns, t.clone()))
                }
                _ => self.note(
                    format!("{ns}.{name}"),
                    "no entity names this table; left alone (allow dropping tables no entity names to drop it)",
                ),
            }
        }
    }

    /// Compares the entity's table `name` with the database's (under its old name when it is
    /// renamed); returns the name of the database's table it matched.
    fn desired_table<'c>(
        &mut self,
        ns: &str,
        name: &String,
        want: &Table,
        c: &'c Namespace,
    ) -> Option<&'c str> {
        let mut matched = None;
        let mut have = c.tables.get(name);
        if have.is_none()
            && let Some(old) = self.options.table_rename_to(name)
            && let Some(t) = c.tables.get(old)
        {
            self.changes.push(Change::Table {
                schema: ns.into(),
                table: name.clone(),
                op: TableOp::Rename { from: old.into() },
            });
            have = Some(t);
        }
        match have {
            // PostgreSQL has tables without columns; SQLite and MySQL do not.
            None if want.columns.is_empty()
                && backend(self.options.dialect).no_columns().is_some() =>
            {
                self.note(
                    format!("{ns}.{name}"),
                    format!(
                        "the entity declares no column SeaORM manages, and {} cannot create a table without columns; not created",
                        self.options.dialect
                    ),
                )
            }
            None => self.changes.push(Change::create_table(ns, want.clone())),
            Some(t) if t.kind.is_view() => {
                matched = Some(t.name.as_str());
                self.note(
                    format!("{ns}.{name}"),
                    "is a view in the database; sealift leaves views alone",
                );
            }
            Some(t) if matches!(t.kind, TableKind::Virtual { .. }) => {
                matched = Some(t.name.as_str());
                self.note(
                    format!("{ns}.{name}"),
                    "is a virtual table in the database (its module keeps its rows); left alone",
                );
            }
            Some(t) if t.name == *name => {
                matched = Some(t.name.as_str());
                self.table(ns, want, t);
            }
            Some(t) => {
                matched = Some(t.name.as_str());
                let mut renamed = t.clone();
                renamed.name = name.clone();
                self.table(ns, want, &renamed);
            }
        }
        matched
    }

    fn table(&mut self, ns: &str, want: &Table, have: &Table) {
        let t = &want.name;
        let subject = |x: &str| format!("{ns}.{t}.{x}");
        let current = ByName::new(&have.columns);
        // Column renames (old name -> new): keys, indexes, foreign keys and checks on a renamed
        // column are the same objects under the new name.
        let renames = Renames(
            want.columns
                .iter()
                .filter(|col| current.find(&col.name).is_none())
                .filter_map(|col| {
                    let old = col
                        .renamed_from
                        .as_deref()
                        .or_else(|| self.options.column_rename_to(t, &col.name))?;
                    current
                        .find(old)
                        .map(|_| (old.to_owned(), col.name.clone()))
                })
                .collect(),
        );
        let pk_stays = match (&want.primary_key, &have.primary_key) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(w), Some(h)) => renames.same_set(&w.columns, &h.columns),
        };
        let in_kept_key = |name: &str| {
            pk_stays
                && have
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| k.columns.iter().any(|c| c == name))
        };
        // Which of the table's columns an entity column matched, by position.
        let mut seen = vec![false; have.columns.len()];
        for col in &want.columns {
            let existing = current.find(&col.name);
            if existing.is_none() {
                let old = col
                    .renamed_from
                    .as_deref()
                    .or_else(|| self.options.column_rename_to(t, &col.name));
                if let Some(old) = old
                    && let Some((at, prev)) = current.find(old)
                {
                    self.changes.push(Change::Table {
                        schema: ns.into(),
                        table: t.clone(),
                        op: TableOp::RenameColumn {
                            from: old.into(),
                            to: col.name.clone(),
                        },
                    });
                    seen[at] = true;
                    let mut renamed = prev.clone();
                    renamed.name = col.name.clone();
                    self.column(ns, have, col, &renamed, in_kept_key(&prev.name));
                    continue;
                }
            }
            match existing {
                None => self.changes.push(Change::add(
                    ns,
                    t.clone(),
                    Part::Column(without_rename(col)),
                )),
                Some((at, prev)) => {
                    seen[at] = true;
                    self.column(ns, have, col, prev, in_kept_key(&prev.name));
                }
            }
        }
        // Columns the entity does not have; what uses a dropped column goes with it.
        let mut dropped: BTreeSet<&str> = BTreeSet::new();
        // (An entity column of the same name always matched its column.)
        for (col, _) in have.columns.iter().zip(&seen).filter(|(_, seen)| !**seen) {
            if want.ignored_columns.contains(&col.name) {
                self.note(subject(&col.name), "declared with ignore; left alone");
                continue;
            }
            if col.generated.is_some() {
                self.note(
                    subject(&col.name),
                    "generated column no entity can declare; left alone",
                );
                continue;
            }
            dropped.insert(&col.name);
            self.changes
                .push(Change::remove(ns, t.clone(), Part::Column(col.clone())));
        }
        let uses_dropped = |cols: &[String]| cols.iter().any(|c| dropped.contains(c.as_str()));

        // Primary key: the same columns in another order are the same key.
        match (&want.primary_key, &have.primary_key) {
            (Some(w), Some(h)) if renames.same_list(&w.columns, &h.columns) => {}
            (Some(w), Some(h)) if renames.same_set(&w.columns, &h.columns) => self.note(
                format!("{ns}.{t}"),
                format!(
                    "primary key column order differs (entity: {}; database: {}); the key is the same and is left as it is",
                    w.columns.join(", "),
                    h.columns.join(", ")
                ),
            ),
            (Some(w), Some(h)) => {
                self.changes.push(Change::remove(ns, t.clone(), Part::PrimaryKey(h.clone())));
                self.changes.push(Change::add(ns, t.clone(), Part::PrimaryKey(w.clone())));
            }
            (Some(w), None) => self.changes.push(Change::add(ns, t.clone(), Part::PrimaryKey(w.clone()))),
            (None, Some(h)) if uses_dropped(&h.columns) => {
                self.changes.push(Change::remove(ns, t.clone(), Part::PrimaryKey(h.clone())))
            }
            (None, Some(_)) => self.note(
                format!("{ns}.{t}"),
                "the entity declares no primary key; the table's is left alone",
            ),
            (None, None) => {}
        }

        self.uniques_and_indexes(ns, want, have, &dropped, &renames);
        self.foreign_keys(ns, want, have, &dropped, &renames);
        self.checks(ns, want, have, &dropped, &renames);

        if want.comment.is_some() && want.comment != have.comment {
            self.changes.push(Change::Table {
                schema: ns.into(),
                table: t.clone(),
                op: TableOp::SetComment {
                    from: have.comment.clone(),
                    to: want.comment.clone(),
                },
            });
        }
    }

    /// Compares one column pair; only what the entity manages is compared. `table` is the
    /// current table; `in_kept_key` says the column is in its primary key, which stays.
    fn column(&mut self, ns: &str, table: &Table, want: &Column, have: &Column, in_kept_key: bool) {
        let dialect = self.options.dialect;
        let t = &table.name;
        let subject = || format!("{ns}.{t}.{}", want.name);
        let data_type = !types_equal(&want.data_type, &have.data_type, dialect);
        let identity = matches!(have.identity, Some(Identity::Always | Identity::ByDefault));
        let rowid = is_rowid_alias(table, have, dialect);
        let mut nullable = want.nullable != have.nullable && !rowid;
        if nullable && want.nullable && (in_kept_key || identity) {
            // The database refuses NULLs in a key or an identity column, and sealift changes
            // neither: NOT NULL stays with them.
            nullable = false;
            let why = if in_kept_key {
                "part of the primary key"
            } else {
                "an identity column"
            };
            self.note(
                subject(),
                format!("the entity allows NULL, but the column is {why}; NOT NULL is kept"),
            );
        }
        // A sequence default is how the database makes the column's values; the entity says
        // it with auto_increment, never as a default.
        let sequence_default = matches!(have.identity, Some(Identity::Serial { .. }))
            || (want.identity.is_some()
                && have
                    .default
                    .as_deref()
                    .is_some_and(|d| d.starts_with("nextval(")));
        // A column made NOT NULL takes the entity's default where it has none: the value rows
        // without one are filled with (`Plan::backfill`), and what the column is made with.
        let default_for_not_null =
            have.nullable && !want.nullable && have.default.is_none() && want.default.is_some();
        let default = (self.options.compare_server_defaults || default_for_not_null)
            && !sequence_default
            && !defaults_equal(&want.default, &have.default);
        let comment = want.comment.is_some() && want.comment != have.comment;
        let collation = want.collation.is_some() && want.collation != have.collation;
        if data_type || nullable || default || comment || collation {
            let mut to = have.clone();
            if data_type {
                to.data_type = want.data_type.clone();
            }
            if nullable {
                to.nullable = want.nullable;
            }
            if default {
                to.default = want.default.clone();
            }
            if comment {
                to.comment = want.comment.clone();
            }
            if collation {
                to.collation = want.collation.clone();
            }
            if to != *have {
                // How the entity writes the column, for backends other than this one; the
                // default only where the entity's is the one set.
                to.logical = want.logical.as_ref().map(|l| sealift_ir::Logical {
                    ty: l.ty.clone(),
                    default: l.default.clone().filter(|_| to.default == want.default),
                });
                self.changes.push(Change::Table {
                    schema: ns.into(),
                    table: t.clone(),
                    op: TableOp::AlterColumn {
                        from: have.clone(),
                        to,
                    },
                });
            }
        }
        if want.identity.is_some() != is_auto_increment(have)
            && !backend(dialect).features().rowid_keys
        {
            self.note(
                subject(),
                "auto-increment differs between entity and database; left alone",
            );
        }
    }

    fn uniques_and_indexes(
        &mut self,
        ns: &str,
        want: &Table,
        have: &Table,
        dropped: &BTreeSet<&str>,
        renames: &Renames,
    ) {
        let t = &want.name;
        // Everything that enforces uniqueness on plain columns, from either side, by its
        // columns (as renamed) as a set: the same columns in another order are the same
        // uniqueness.
        let mut have_unique: Vec<(Vec<&str>, UniqueHolder)> =
            have.uniques
                .iter()
                .map(|u| (renames.each(names(&u.columns)), UniqueHolder::Constraint(u)))
                .chain(have.indexes.iter().filter(|i| i.unique).filter_map(|i| {
                    Some((renames.each(plain_columns(i)?), UniqueHolder::Index(i)))
                }))
                .collect();
        let mut found_unique = |cols: Vec<&str>, cx: &mut Self| -> bool {
            let Some((order, _)) = take(&cols, &mut have_unique) else {
                return false;
            };
            if order != cols {
                cx.note(
                    format!("{ns}.{t}"),
                    format!(
                        "unique key column order differs (entity: {}; database: {}); the uniqueness is the same and is left as it is",
                        cols.join(", "),
                        order.join(", ")
                    ),
                );
            }
            true
        };
        let mut adds = Vec::new();
        for u in &want.uniques {
            if !found_unique(names(&u.columns), self) {
                adds.push(Change::add(ns, t.clone(), Part::Unique(u.clone())));
            }
        }
        let mut have_plain: Vec<&Index> = have
            .indexes
            .iter()
            .filter(|i| !i.unique || plain_columns(i).is_none())
            .collect();
        for i in &want.indexes {
            let found = if i.unique {
                plain_columns(i).is_some_and(|cols| found_unique(cols, self))
            } else {
                let backend = backend(self.options.dialect);
                let implied_prefix = |part: &IndexPart| match &part.key {
                    IndexKey::Column(c) => want
                        .column(c)
                        .is_some_and(|c| backend.implied_key_prefix(&c.data_type)),
                    IndexKey::Expression(_) => false,
                };
                // The index InnoDB makes for a foreign key, which the lowering adds.
                let for_fk = want
                    .foreign_keys
                    .iter()
                    .find(|fk| backend.index_for_foreign_key(fk, i));
                let p = have_plain
                    .iter()
                    .position(|h| same_index(&renames.index(h), i, implied_prefix));
                match p.map(|p| have_plain.remove(p)) {
                    Some(h) => {
                        // An index the entities do not declare, left because a foreign key
                        // needs one on its columns there (InnoDB refuses to drop it).
                        if let Some(fk) = for_fk.filter(|_| h.name != i.name) {
                            self.note(
                                format!("{ns}.{t}.{}", h.name),
                                format!(
                                    "serves the foreign key on ({}); left alone, as the database needs an index on those columns",
                                    fk.columns.join(", ")
                                ),
                            );
                        }
                        true
                    }
                    None => for_fk.is_some_and(|fk| foreign_key_index_covered(fk, have, renames)),
                }
            };
            if !found {
                adds.push(Change::add(ns, t.clone(), Part::Index(i.clone())));
            }
        }
        self.changes.extend(adds);
        for (cols, holder) in have_unique {
            if let Some(c) = cols
                .iter()
                .find(|c| want.ignored_columns.iter().any(|i| i == *c))
            {
                let name = match holder {
                    UniqueHolder::Constraint(u) => u.name.clone().unwrap_or_default(),
                    UniqueHolder::Index(i) => i.name.clone(),
                };
                self.note(
                    format!("{ns}.{t}.{name}"),
                    format!(
                        "unique key over {c}, which the entity declares with ignore; left alone"
                    ),
                );
                continue;
            }
            match holder {
                UniqueHolder::Constraint(u) => {
                    let uses_dropped = u.columns.iter().any(|c| dropped.contains(c.as_str()));
                    if uses_dropped || self.seaorm_made(t, u.name.as_deref(), &u.columns, true) {
                        self.changes
                            .push(Change::remove(ns, t.clone(), Part::Unique(u.clone())));
                    } else {
                        self.note(
                            format!("{ns}.{t}.{}", u.name.as_deref().unwrap_or("unique")),
                            format!(
                                "unique key on ({}) no entity declares, and not one SeaORM makes; left alone",
                                u.columns.join(", ")
                            ),
                        );
                    }
                }
                UniqueHolder::Index(i) => self.drop_or_note_index(ns, have, i, dropped),
            }
        }
        for i in have_plain {
            self.drop_or_note_index(ns, have, i, dropped);
        }
    }

    /// An index no entity asks for: dropped when SeaORM made it or when it uses a column the
    /// plan drops, else left alone.
    fn drop_or_note_index(
        &mut self,
        ns: &str,
        table: &Table,
        index: &Index,
        dropped: &BTreeSet<&str>,
    ) {
        let columns = index_columns(table, index);
        let uses_dropped = columns.iter().any(|c| dropped.contains(c.as_str()));
        let plain = plain_columns(index)
            .map(|cols| cols.into_iter().map(str::to_owned).collect::<Vec<String>>());
        let seaorm = plain.is_some_and(|cols| {
            index.predicate.is_none()
                && self.seaorm_made(&table.name, Some(&index.name), &cols, index.unique)
        });
        if seaorm || uses_dropped {
            self.changes.push(Change::remove(
                ns,
                table.name.clone(),
                Part::Index(index.clone()),
            ));
        } else {
            self.note(
                format!("{ns}.{}.{}", table.name, index.name),
                "index no entity declares; left alone",
            );
        }
    }

    /// Whether SeaORM's lowering could have made this index or unique key from some entity:
    /// `idx-{table}-{column}` over that one column (`indexed`); a one-column unique key under
    /// the name the database gives it (`unique`); a unique `idx-{table}-{key}` when the
    /// entities state unique keys. What SeaORM makes, sealift manages: it goes when no entity
    /// asks for it any more. Anything else is the DBA's.
    fn seaorm_made(
        &self,
        table: &str,
        name: Option<&str>,
        columns: &[String],
        unique: bool,
    ) -> bool {
        let grouped =
            name.is_some_and(|n| n.starts_with(&format!("{SEAORM_INDEX_PREFIX}{table}-")));
        match (unique, columns) {
            (false, [c]) => name == Some(format!("{SEAORM_INDEX_PREFIX}{table}-{c}").as_str()),
            (false, _) => false,
            (true, [c]) => {
                let default = backend(self.options.dialect)
                    .default_unique_name(table, std::slice::from_ref(c));
                name.is_none()
                    || name == default.as_deref()
                    || name == Some(c.as_str())
                    || (grouped && self.unique_keys)
            }
            (true, _) => grouped && self.unique_keys,
        }
    }

    fn foreign_keys(
        &mut self,
        ns: &str,
        want: &Table,
        have: &Table,
        dropped: &BTreeSet<&str>,
        renames: &Renames,
    ) {
        let t = &want.name;
        let mut remaining: Vec<&ForeignKey> = have.foreign_keys.iter().collect();
        for fk in &want.foreign_keys {
            let found = remaining.iter().position(|h| same_fk(fk, h, ns, renames));
            match found {
                Some(p) => {
                    remaining.remove(p);
                }
                None => self
                    .changes
                    .push(Change::add(ns, t.clone(), Part::ForeignKey(fk.clone()))),
            }
        }
        for fk in remaining {
            let target = QualifiedName::new(
                fk.referenced_table.schema.as_deref().unwrap_or(ns),
                fk.referenced_table.name.clone(),
            );
            let named = self.desired.table(&target).is_some();
            // A table no entity names is dropped only when asked to drop such tables.
            let target_dropped = self.options.drop_unknown_tables
                && self.current.table(&target).is_some_and(|t| {
                    !t.kind.is_view() && !matches!(t.kind, TableKind::PartitionOf { .. })
                });
            let column_dropped = fk.columns.iter().any(|c| dropped.contains(c.as_str()));
            let over_ignored = fk
                .columns
                .iter()
                .find(|c| want.ignored_columns.iter().any(|i| i == *c));
            if let Some(c) = over_ignored.filter(|_| !column_dropped) {
                self.note(
                    format!(
                        "{ns}.{t}.{}",
                        fk.name.clone().unwrap_or_else(|| fk.columns.join("_"))
                    ),
                    format!(
                        "foreign key over {c}, which the entity declares with ignore; left alone"
                    ),
                );
                continue;
            }
            if named || target_dropped || column_dropped {
                self.changes
                    .push(Change::remove(ns, t.clone(), Part::ForeignKey(fk.clone())));
            } else {
                self.note(
                    format!(
                        "{ns}.{t}.{}",
                        fk.name.clone().unwrap_or_else(|| fk.columns.join("_"))
                    ),
                    format!("foreign key to {target}, which no entity names; left alone"),
                );
            }
        }
    }

    fn checks(
        &mut self,
        ns: &str,
        want: &Table,
        have: &Table,
        dropped: &BTreeSet<&str>,
        renames: &Renames,
    ) {
        let t = &want.name;
        let column_names = || have.columns.iter().map(|c| c.name.as_str());
        let mut remaining: Vec<&Check> = have.checks.iter().collect();
        // A check on a renamed column reads with the new name.
        let have_form = |h: &Check| expr::normal_form_renamed(&h.expression, &renames.0);
        for c in &want.checks {
            let form = expr::normal_form(&c.expression);
            // The same check, whatever the database made of its text and whatever its name
            // (a hand-named check an entity now declares is kept, not added twice).
            let same = remaining
                .iter()
                .position(|h| h.name == c.name && have_form(h) == form)
                .or_else(|| remaining.iter().position(|h| have_form(h) == form));
            if let Some(p) = same {
                remaining.remove(p);
                continue;
            }
            // The entity's check in its place with another expression: edited. On PostgreSQL
            // the place is the name SeaORM's column check gets; on SQLite, where checks have
            // no names, an unnamed check on exactly the same columns.
            let used = expr::columns_used(&c.expression, column_names());
            let edited = remaining.iter().position(|h| match (&c.name, &h.name) {
                (Some(a), Some(b)) => a == b,
                (None, None) => {
                    !used.is_empty() && expr::columns_used(&h.expression, column_names()) == used
                }
                _ => false,
            });
            if let Some(p) = edited {
                let old = remaining.remove(p);
                self.changes
                    .push(Change::remove(ns, t.clone(), Part::Check(old.clone())));
            }
            self.changes
                .push(Change::add(ns, t.clone(), Part::Check(c.clone())));
        }
        for c in remaining {
            let uses_dropped = expr::columns_used(&c.expression, column_names())
                .iter()
                .any(|c| dropped.contains(c.as_str()));
            if uses_dropped {
                self.changes
                    .push(Change::remove(ns, t.clone(), Part::Check(c.clone())));
                continue;
            }
            let label = c.name.clone().unwrap_or_else(|| c.expression.clone());
            self.note(
                format!("{ns}.{t}.{label}"),
                "check no entity declares (use extra = \"CHECK (...)\"); left alone",
            );
        }
    }

    /// Where a foreign key pins its columns' types (PostgreSQL once the two sides stop
    /// matching, MySQL always): every foreign key on a retyped column, from either side, is
    /// dropped before the change and added again after it.
    fn foreign_keys_around_type_changes(&mut self) {
        let retyped: BTreeSet<(String, String, String)> = self
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Table {
                    schema,
                    table,
                    op: TableOp::AlterColumn { from, to },
                } if from.data_type != to.data_type => {
                    Some((schema.clone(), table.clone(), to.name.clone()))
                }
                _ => None,
            })
            .collect();
        if retyped.is_empty() {
            return;
        }
        let mut pairs = Vec::new();
        for ns in self.current.namespaces.values() {
            for t in ns.tables.values() {
                for fk in &t.foreign_keys {
                    let target_ns = fk.referenced_table.schema.as_deref().unwrap_or(&ns.name);
                    let outgoing = fk
                        .columns
                        .iter()
                        .any(|c| retyped.contains(&(ns.name.clone(), t.name.clone(), c.clone())));
                    let incoming = fk.referenced_columns.iter().any(|c| {
                        retyped.contains(&(
                            target_ns.to_owned(),
                            fk.referenced_table.name.clone(),
                            c.clone(),
                        ))
                    });
                    let already = self.changes.iter().any(|c| {
                        matches!(c, Change::Table { schema, table, op: TableOp::Remove { part: Part::ForeignKey(f) } }
                            if *schema == ns.name && *table == t.name && f == fk)
                    });
                    if (outgoing || incoming) && !already {
                        pairs.push((ns.name.clone(), t.name.clone(), fk.clone()));
                    }
                }
            }
        }
        for (schema, table, fk) in pairs {
            self.changes.push(Change::remove(
                schema.clone(),
                table.clone(),
                Part::ForeignKey(fk.clone()),
            ));
            self.changes.push(Change::Table {
                schema,
                table,
                op: TableOp::Add {
                    part: Part::ForeignKey(fk),
                },
            });
        }
    }
}

/// The ordinary and partitioned table columns of every namespace whose type is the enum
/// `ns.name` (or an array of it). Views follow their tables, and partitions and inheritance
/// children are altered through their parent.
fn enum_columns(current: &Schema, ns: &str, name: &str) -> Vec<EnumColumn> {
    current
        .namespaces
        .values()
        .flat_map(|n| n.tables.values().map(move |t| (n, t)))
        .filter(|(_, t)| matches!(t.kind, TableKind::Ordinary | TableKind::Partitioned { .. }))
        .flat_map(|(n, t)| {
            t.columns
                .iter()
                .filter(|c| {
                    c.data_type.kind == TypeKind::Enum
                        && c.data_type.name == name
                        && c.data_type.schema.as_deref().unwrap_or(&n.name) == ns
                })
                .map(|c| EnumColumn {
                    schema: n.name.clone(),
                    table: t.name.clone(),
                    column: c.name.clone(),
                    array_dims: c.data_type.array_dims,
                    default: c.default.clone(),
                })
        })
        .collect()
}

/// A table's columns by name: looked through in order when there are few (most tables), by
/// a hash map when there are many.
enum ByName<'a> {
    Few(&'a [Column]),
    Many(&'a [Column], HashMap<&'a str, usize>),
}

impl<'a> ByName<'a> {
    /// Above this many columns, a map pays for itself.
    const FEW: usize = 24;

    fn new(columns: &'a [Column]) -> Self {
        if columns.len() <= Self::FEW {
            return ByName::Few(columns);
        }
        let map = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        ByName::Many(columns, map)
    }

    /// The column named `name`, with its position.
    fn find(&self, name: &str) -> Option<(usize, &'a Column)> {
        match self {
            ByName::Few(columns) => columns.iter().enumerate().find(|(_, c)| c.name == name),
            ByName::Many(columns, map) => map.get(name).map(|&i| (i, &columns[i])),
        }
    }
}

/// A table's column renames in a plan: old name -> new name.
struct Renames(BTreeMap<String, String>);

impl Renames {
    /// A column's name after the renames.
    fn one<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    fn each<'a>(&'a self, names: Vec<&'a str>) -> Vec<&'a str> {
        names.into_iter().map(|n| self.one(n)).collect()
    }

    fn all(&self, names: &[String]) -> Vec<String> {
        names.iter().map(|n| self.one(n).to_owned()).collect()
    }

    /// Whether the entity's `want` are the database's `have` after the renames, in order.
    fn same_list(&self, want: &[String], have: &[String]) -> bool {
        want.len() == have.len() && want.iter().zip(have).all(|(w, h)| w == self.one(h))
    }

    /// Whether the entity's `want` are the database's `have` after the renames, in any order.
    fn same_set(&self, want: &[String], have: &[String]) -> bool {
        self.same_list(want, have) || (want.len() == have.len() && same_set(want, &self.all(have)))
    }

    /// An index as it reads after the renames (borrowed as it is when nothing is renamed).
    fn index<'a>(&self, i: &'a Index) -> std::borrow::Cow<'a, Index> {
        if self.0.is_empty() {
            return std::borrow::Cow::Borrowed(i);
        }
        let mut i = i.clone();
        for p in &mut i.parts {
            if let IndexKey::Column(c) = &mut p.key {
                *c = self.one(c).to_owned();
            }
        }
        i.include = self.all(&i.include);
        std::borrow::Cow::Owned(i)
    }
}

enum UniqueHolder<'a> {
    Constraint(&'a Unique),
    Index(&'a Index),
}

/// Removes and returns the holder of uniqueness on these columns, in any order.
fn take<'a>(
    cols: &[&str],
    list: &mut Vec<(Vec<&'a str>, UniqueHolder<'a>)>,
) -> Option<(Vec<&'a str>, UniqueHolder<'a>)> {
    let p = list.iter().position(|(c, _)| same_set(c, cols))?;
    Some(list.remove(p))
}

/// The same names, each once, in any order.
fn same_set<T: Ord>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a == b {
        return true;
    }
    let (mut x, mut y): (Vec<&T>, Vec<&T>) = (a.iter().collect(), b.iter().collect());
    x.sort_unstable();
    y.sort_unstable();
    x == y
}

fn without_rename(c: &Column) -> Column {
    Column {
        renamed_from: None,
        ..c.clone()
    }
}

/// Column names as `&str`, to compare with [`plain_columns`].
fn names(columns: &[String]) -> Vec<&str> {
    columns.iter().map(String::as_str).collect()
}

/// The columns of an index made only of plain ascending columns, with no predicate.
fn plain_columns(i: &Index) -> Option<Vec<&str>> {
    if i.predicate.is_some() || !i.include.is_empty() || i.nulls_not_distinct {
        return None;
    }
    i.parts
        .iter()
        .map(|p| match (&p.key, p.descending, &p.opclass, &p.collation) {
            (IndexKey::Column(c), false, None, None) => Some(c.as_str()),
            _ => None,
        })
        .collect()
}

/// Every column of `table` an index uses: key columns, INCLUDE columns, and those its
/// expressions and predicate name.
pub(crate) fn index_columns(table: &Table, i: &Index) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let names = || table.columns.iter().map(|c| c.name.as_str());
    for p in &i.parts {
        match &p.key {
            IndexKey::Column(c) => out.push(c.clone()),
            IndexKey::Expression(e) => out.extend(expr::columns_used(e, names())),
        }
    }
    out.extend(i.include.iter().cloned());
    if let Some(p) = &i.predicate {
        out.extend(expr::columns_used(p, names()));
    }
    out.sort();
    out.dedup();
    out
}

/// True when the database has a key or an index that leads with the foreign key's columns:
/// InnoDB makes no index of its own for the key then, and that one serves it.
fn foreign_key_index_covered(fk: &ForeignKey, have: &Table, renames: &Renames) -> bool {
    let leads = |cols: Vec<&str>| {
        cols.len() >= fk.columns.len() && cols.iter().zip(&fk.columns).all(|(c, f)| *c == f)
    };
    let leading_columns = |i: &Index| -> Vec<String> {
        i.parts
            .iter()
            .map_while(|p| match &p.key {
                IndexKey::Column(c) if p.prefix.is_none() => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    have.primary_key
        .as_ref()
        .is_some_and(|k| leads(renames.each(names(&k.columns))))
        || have
            .uniques
            .iter()
            .any(|u| leads(renames.each(names(&u.columns))))
        || have
            .indexes
            .iter()
            .any(|i| leads(names(&leading_columns(&renames.index(i)))))
}

/// Indexes are the same by definition: parts, uniqueness, predicate; the name does not count,
/// nor does a method the desired side leaves unsaid, nor the prefix a server chose for a part
/// the desired side gives none where the backend cannot index the whole value
/// (`implied_prefix`).
fn same_index(have: &Index, want: &Index, implied_prefix: impl Fn(&IndexPart) -> bool) -> bool {
    let same_part = |h: &IndexPart, w: &IndexPart| {
        h == w
            || (w.prefix.is_none()
                && h.prefix.is_some()
                && implied_prefix(w)
                && IndexPart {
                    prefix: None,
                    ..h.clone()
                } == *w)
    };
    have.unique == want.unique
        && have.parts.len() == want.parts.len()
        && have
            .parts
            .iter()
            .zip(&want.parts)
            .all(|(h, w)| same_part(h, w))
        && have.predicate.as_deref().map(expr::normal_form)
            == want.predicate.as_deref().map(expr::normal_form)
        && have.include == want.include
        && (want.method.is_none() || have.method == want.method)
}

/// Foreign keys are the same by definition (the database's columns read after the renames);
/// the name does not count, nor what entities cannot say (deferrability, `NOT VALID`) when the
/// entity leaves it unsaid.
fn same_fk(want: &ForeignKey, have: &ForeignKey, ns: &str, renames: &Renames) -> bool {
    let want_schema = want.referenced_table.schema.as_deref().unwrap_or(ns);
    let have_schema = have.referenced_table.schema.as_deref().unwrap_or(ns);
    renames.same_list(&want.columns, &have.columns)
        && want.referenced_table.name == have.referenced_table.name
        && want_schema == have_schema
        && want.referenced_columns == have.referenced_columns
        && want.on_update == have.on_update
        && want.on_delete == have.on_delete
        && (want.deferrable == Deferrable::No || want.deferrable == have.deferrable)
}

fn is_subsequence(small: &[String], big: &[String]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

/// An auto-increment column as the database shows it: identity, serial, or a `nextval` default.
fn is_auto_increment(c: &Column) -> bool {
    c.identity.is_some()
        || c.default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("))
}

/// SQLite's single-column `INTEGER PRIMARY KEY` is the rowid, with or without AUTOINCREMENT:
/// never NULL, whatever the declaration says.
fn is_rowid_alias(table: &Table, c: &Column, dialect: Dialect) -> bool {
    backend(dialect).features().rowid_keys
        && c.data_type.name.eq_ignore_ascii_case("integer")
        && c.data_type.array_dims == 0
        && table
            .primary_key
            .as_ref()
            .is_some_and(|k| k.columns.len() == 1 && k.columns[0] == c.name)
}

/// Types compare in the dialect's normalized space; lengths, precision and scale only when both
/// sides state them; a domain by its base type.
pub(crate) fn types_equal(want: &DataType, have: &DataType, dialect: Dialect) -> bool {
    let (w, h) = (want.resolved(), have.resolved());
    if w.array_dims != h.array_dims {
        return false;
    }
    let mods_ok = w.modifiers.is_empty() || h.modifiers.is_empty() || w.modifiers == h.modifiers;
    crate::dialect::backend(dialect).types_equal(w, h, mods_ok)
}

/// Defaults compare after removing what databases add: outer parentheses, a literal's cast,
/// case.
fn defaults_equal(a: &Option<String>, b: &Option<String>) -> bool {
    a.as_deref().map(normalize_default) == b.as_deref().map(normalize_default)
}

fn normalize_default(d: &str) -> String {
    let mut s = d.trim().to_owned();
    while s.starts_with('(') && s.ends_with(')') {
        s = s[1..s.len() - 1].trim().to_owned();
    }
    if s.starts_with('\'')
        && let Some(end) = s.rfind("'::")
    {
        s.truncate(end + 1);
    }
    match s.to_ascii_lowercase().as_str() {
        "now()" | "current_timestamp" => "current_timestamp".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, mods: &[u32]) -> DataType {
        DataType::builtin(name).with_modifiers(mods.to_vec())
    }

    #[test]
    fn postgres_type_equivalences() {
        let pg = Dialect::Postgres;
        assert!(types_equal(&t("varchar", &[]), &t("text", &[]), pg));
        assert!(!types_equal(&t("varchar", &[10]), &t("text", &[]), pg));
        assert!(types_equal(&t("varchar", &[]), &t("varchar", &[45]), pg));
        assert!(types_equal(&t("varchar", &[]), &t("bpchar", &[20]), pg));
        assert!(!types_equal(&t("bpchar", &[20]), &t("varchar", &[20]), pg));
        assert!(!types_equal(&t("varchar", &[50]), &t("varchar", &[45]), pg));
        assert!(!types_equal(&t("int4", &[]), &t("int8", &[]), pg));
        let domain = DataType {
            kind: TypeKind::Domain {
                base: Box::new(t("int4", &[])),
            },
            ..t("year", &[])
        };
        assert!(types_equal(&t("int4", &[]), &domain, pg));
    }

    #[test]
    fn sqlite_types_compare_exactly_between_sea_query_names_and_by_affinity_otherwise() {
        let lite = Dialect::Sqlite;
        assert!(!types_equal(
            &t("date_text", &[]),
            &t("datetime_text", &[]),
            lite
        ));
        assert!(types_equal(
            &t("datetime_text", &[]),
            &t("timestamp", &[]),
            lite
        ));
        assert!(types_equal(&t("integer", &[]), &t("int", &[]), lite));
        assert!(!types_equal(&t("integer", &[]), &t("varchar", &[]), lite));
        assert!(types_equal(
            &t("varchar", &[45]),
            &t("varchar", &[45]),
            lite
        ));
        assert!(!types_equal(
            &t("varchar", &[50]),
            &t("varchar", &[45]),
            lite
        ));
    }

    #[test]
    fn defaults_normalize_casts_and_parentheses() {
        assert!(defaults_equal(
            &Some("'x'::character varying".into()),
            &Some("'x'".into())
        ));
        assert!(defaults_equal(
            &Some("(CURRENT_TIMESTAMP)".into()),
            &Some("now()".into())
        ));
        assert!(!defaults_equal(&Some("1".into()), &Some("2".into())));
    }
}

#[cfg(test)]
mod wide_tables {
    use sealift_ir::{
        Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Namespace, PrimaryKey,
        QualifiedName, Schema, Table,
    };

    use super::compare;
    use crate::DiffOptions;

    /// A table `t` of `width` integer columns `c0..`, keyed on `c0`, with a foreign key on `c1`.
    fn table(width: usize) -> Table {
        let mut t = Table::new("t");
        t.columns = (0..width)
            .map(|i| Column::new(format!("c{i}"), DataType::builtin("int4")))
            .collect();
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["c0".into()],
        });
        t.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["c1".into()],
            referenced_table: QualifiedName::new("public", "t"),
            referenced_columns: vec!["c0".into()],
            on_update: FkAction::default(),
            on_delete: FkAction::default(),
            deferrable: Deferrable::No,
            not_valid: false,
        });
        t
    }

    fn schema(t: Table) -> Schema {
        let mut s = Schema::new(Dialect::Postgres);
        let mut ns = Namespace::new("public");
        ns.tables.insert(t.name.clone(), t);
        s.namespaces.insert("public".into(), ns);
        s
    }

    /// What the entity changes: `c1` renamed `d1` (the key on it follows), `c2` retyped, `c3`
    /// dropped, `e` added.
    fn changes(width: usize) -> Vec<String> {
        let have = table(width);
        let mut want = have.clone();
        want.columns[1].name = "d1".into();
        want.columns[1].renamed_from = Some("c1".into());
        want.foreign_keys[0].columns = vec!["d1".into()];
        want.columns[2].data_type = DataType::builtin("int8");
        want.columns.remove(3);
        want.columns
            .push(Column::new("e", DataType::builtin("text")));
        let options = DiffOptions::new(Dialect::Postgres);
        let (changes, _) = compare(&schema(want), &schema(have), &options);
        changes.iter().map(|c| format!("{c:?}")).collect()
    }

    /// Narrow tables look columns up in order, wide ones through a map: both find the same.
    #[test]
    fn a_wide_table_compares_as_a_narrow_one_does() {
        let narrow = changes(6);
        assert_eq!(narrow.len(), 4, "{narrow:#?}");
        assert!(narrow[0].contains("RenameColumn"), "{narrow:#?}");
        assert!(
            !narrow.iter().any(|c| c.contains("ForeignKey")),
            "{narrow:#?}"
        );
        let wide = changes(60);
        assert_eq!(wide, narrow);
    }
}
