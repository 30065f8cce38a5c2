//! The one closed vocabulary of schema changes, as structured operations: what a change is
//! about (an enum type, a table), then what happens to it. Every change knows its exact
//! inverse: drops carry the full definition of what they drop, modifies carry both sides.

use std::fmt;

use sealift_ir::{Check, Column, Enum, ForeignKey, Index, PrimaryKey, Table, Unique};

/// Where a new enum value goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum EnumPosition {
    /// `ADD VALUE 'x' BEFORE 'y'`.
    Before(String),
    /// `ADD VALUE 'x' AFTER 'y'`.
    After(String),
}

/// A column whose type is an enum (or an array of it), as re-casting needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnumColumn {
    /// The table's namespace.
    pub schema: String,
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// 0 for the enum itself, 1 for an array of it, ...
    pub array_dims: u32,
    /// The column's default as the database prints it; it names the enum type, so it is dropped
    /// before the re-cast and set again after.
    pub default: Option<String>,
}

/// One schema change: what it is about, then what happens to it. `schema` is the namespace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "on", rename_all = "snake_case")]
// A plan holds a few thousand changes at most; boxing the columns would cost an allocation each
// and save little.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// An enum type.
    Enum {
        /// The type's namespace.
        schema: String,
        /// What happens to it.
        #[serde(flatten)]
        op: EnumOp,
    },
    /// A table.
    Table {
        /// The table's namespace.
        schema: String,
        /// Its name (after the change, for a rename).
        table: String,
        /// What happens to it.
        #[serde(flatten)]
        op: TableOp,
    },
}

/// What happens to an enum type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EnumOp {
    /// Created.
    Create {
        /// The type.
        def: Enum,
    },
    /// Dropped.
    Drop {
        /// The type.
        def: Enum,
    },
    /// One value added in its position (PostgreSQL `ALTER TYPE ... ADD VALUE`). `columns` use
    /// the type, for the inverse, which must re-create it.
    AddValue {
        /// The type before.
        def: Enum,
        /// The new value.
        value: String,
        /// Where it goes.
        position: EnumPosition,
        /// The columns of this type.
        columns: Vec<EnumColumn>,
    },
    /// Values removed or reordered: rename the old type, create the new one, re-cast the
    /// columns, drop the old type. `columns` are the table columns using it, in any namespace.
    Replace {
        /// The type before.
        from: Enum,
        /// The type after.
        to: Enum,
        /// The columns of this type.
        columns: Vec<EnumColumn>,
    },
}

/// What happens to a table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TableOp {
    /// Created with everything it holds.
    Create {
        /// The table.
        def: Table,
    },
    /// Dropped with everything it holds.
    Drop {
        /// The table.
        def: Table,
    },
    /// Renamed from `from` to the change's `table`.
    Rename {
        /// The old name.
        from: String,
    },
    /// A column, key, index or check added.
    Add {
        /// What is added.
        part: Part,
    },
    /// A column, key, index or check dropped.
    Remove {
        /// What is dropped, whole.
        part: Part,
    },
    /// A column renamed.
    RenameColumn {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column's type, nullability, default or comment changed; `from` and `to` are the
    /// whole column.
    AlterColumn {
        /// The column before.
        from: Column,
        /// The column after.
        to: Column,
    },
    /// The table's comment set or removed.
    SetComment {
        /// The comment before.
        from: Option<String>,
        /// The comment after.
        to: Option<String>,
    },
    /// SQLite batch mode: create the new table, copy the rows, drop the old, rename, recreate
    /// indexes. Stands for every change SQLite cannot make in place on one table: `changes`,
    /// which the other backends run instead.
    Rebuild {
        /// The table before.
        from: Table,
        /// The table after.
        to: Table,
        /// The in-place changes it stands for.
        changes: Vec<Change>,
        /// Columns the copy fills where the old rows have no value ([`Fill`]): a new NOT
        /// NULL column, or a column made NOT NULL, with `--backfill`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fills: Vec<Fill>,
    },
}

/// A column filled with a value where its rows hold none: the guide's backfill, before the
/// column is made NOT NULL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fill {
    /// The column.
    pub column: String,
    /// An SQL expression, over the row's other columns (`lower(name)`, `0`, `now()`).
    pub value: String,
    /// The table's primary key when it is one integer column: the batches walk its ranges.
    /// Without one the fill is one `UPDATE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A part of a table that is added or dropped on its own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, clippy::large_enum_variant)]
pub enum Part {
    Column(Column),
    PrimaryKey(PrimaryKey),
    Unique(Unique),
    Index(Index),
    ForeignKey(ForeignKey),
    Check(Check),
}

impl Part {
    /// What tells two parts of one kind apart, for ordering: the names of the column, key,
    /// index or check, and the columns they cover.
    fn key(&self) -> Vec<&str> {
        fn opt(n: &Option<String>) -> &str {
            n.as_deref().unwrap_or_default()
        }
        fn cols(c: &[String]) -> Vec<&str> {
            c.iter().map(String::as_str).collect()
        }
        match self {
            Part::Column(c) => vec![&c.name],
            Part::PrimaryKey(k) => cols(&k.columns),
            Part::Unique(u) => {
                let mut k = vec![opt(&u.name)];
                k.extend(cols(&u.columns));
                k
            }
            Part::Index(i) => vec![&i.name],
            Part::ForeignKey(fk) => {
                let mut k = vec![opt(&fk.name)];
                k.extend(cols(&fk.columns));
                k.push(&fk.referenced_table.name);
                k
            }
            Part::Check(c) => vec![opt(&c.name), &c.expression],
        }
    }
}

impl Change {
    /// The changes a SQLite rebuild stands for (what the other backends run in place), so a
    /// listing shows the same changes on every backend; empty for any other change.
    pub fn rebuilt(&self) -> &[Change] {
        match self {
            Change::Table {
                op: TableOp::Rebuild { changes, .. },
                ..
            } => changes,
            _ => &[],
        }
    }

    /// What a created table brings besides its columns, one line each as adding it would read
    /// (`foreign key .. -> ..`, `unique ..`, `index ..`): a reviewer sees every key and index
    /// the plan makes, not only the table. Empty for other changes.
    pub fn parts_created(&self) -> Vec<String> {
        let Change::Table {
            schema,
            table,
            op: TableOp::Create { def },
        } = self
        else {
            return Vec::new();
        };
        let parts = (def.foreign_keys.iter().cloned().map(Part::ForeignKey))
            .chain(def.uniques.iter().cloned().map(Part::Unique))
            .chain(def.indexes.iter().cloned().map(Part::Index));
        parts
            .map(|part| {
                let line = Change::add(schema.clone(), table.clone(), part).to_string();
                line.strip_prefix("add ").unwrap_or(&line).to_owned()
            })
            .collect()
    }

    /// A change to table `table` in `schema`.
    pub fn table(schema: impl Into<String>, table: impl Into<String>, op: TableOp) -> Change {
        Change::Table {
            schema: schema.into(),
            table: table.into(),
            op,
        }
    }

    /// `part` added to a table.
    pub fn add(schema: impl Into<String>, table: impl Into<String>, part: Part) -> Change {
        Change::table(schema, table, TableOp::Add { part })
    }

    /// `part` dropped from a table.
    pub fn remove(schema: impl Into<String>, table: impl Into<String>, part: Part) -> Change {
        Change::table(schema, table, TableOp::Remove { part })
    }

    /// A table created.
    pub fn create_table(schema: impl Into<String>, def: Table) -> Change {
        Change::table(schema, def.name.clone(), TableOp::Create { def })
    }

    /// A table dropped.
    pub fn drop_table(schema: impl Into<String>, def: Table) -> Change {
        Change::table(schema, def.name.clone(), TableOp::Drop { def })
    }

    /// The change that undoes this one exactly.
    pub fn inverse(&self) -> Change {
        match self.clone() {
            Change::Enum { schema, op } => Change::Enum {
                schema,
                op: op.inverse(),
            },
            Change::Table {
                schema,
                table,
                op: TableOp::Rename { from },
            } => Change::table(schema, from, TableOp::Rename { from: table }),
            Change::Table { schema, table, op } => Change::Table {
                schema,
                table,
                op: op.inverse(),
            },
        }
    }

    /// The namespace and table the change is about (the enum's name for enum changes).
    pub fn subject(&self) -> (&str, &str) {
        match self {
            Change::Enum { schema, op } => (schema, &op.def().name),
            Change::Table { schema, table, .. } => (schema, table),
        }
    }

    /// The table operation, for a change to a table.
    pub fn table_op(&self) -> Option<&TableOp> {
        match self {
            Change::Table { op, .. } => Some(op),
            Change::Enum { .. } => None,
        }
    }

    /// The part a change adds or drops.
    pub fn part(&self) -> Option<&Part> {
        match self.table_op()? {
            TableOp::Add { part } | TableOp::Remove { part } => Some(part),
            _ => None,
        }
    }

    /// What tells two changes of one kind on one subject apart, for ordering: the names of
    /// the column, key or index they touch; for values added to an enum, the order they were
    /// made in (each is placed next to a value that is there already or was added just
    /// before it: how many values the enum has before it, zero-padded).
    pub fn object_key(&self) -> Vec<String> {
        let names = |names: Vec<&str>| names.into_iter().map(str::to_owned).collect();
        match self {
            Change::Enum {
                op: EnumOp::AddValue { def, .. },
                ..
            } => vec![format!("{:010}", def.values.len())],
            Change::Enum { .. } => Vec::new(),
            Change::Table { op, .. } => match op {
                TableOp::Rename { from } | TableOp::RenameColumn { from, .. } => names(vec![from]),
                TableOp::AlterColumn { to, .. } => names(vec![&to.name]),
                TableOp::Add { part } | TableOp::Remove { part } => names(part.key()),
                TableOp::Create { .. }
                | TableOp::Drop { .. }
                | TableOp::SetComment { .. }
                | TableOp::Rebuild { .. } => Vec::new(),
            },
        }
    }
}

impl EnumOp {
    /// The type the operation is about (after it, for a replacement).
    pub fn def(&self) -> &Enum {
        match self {
            EnumOp::Create { def } | EnumOp::Drop { def } | EnumOp::AddValue { def, .. } => def,
            EnumOp::Replace { to, .. } => to,
        }
    }

    fn inverse(self) -> EnumOp {
        match self {
            EnumOp::Create { def } => EnumOp::Drop { def },
            EnumOp::Drop { def } => EnumOp::Create { def },
            EnumOp::AddValue {
                def,
                value,
                position,
                columns,
            } => {
                // The type after the addition, then without the value again.
                let mut from = def.clone();
                let at = match &position {
                    EnumPosition::Before(n) => from
                        .values
                        .iter()
                        .position(|x| x == n)
                        .unwrap_or(from.values.len()),
                    EnumPosition::After(p) => from
                        .values
                        .iter()
                        .position(|x| x == p)
                        .map_or(from.values.len(), |i| i + 1),
                };
                from.values.insert(at, value);
                EnumOp::Replace {
                    from,
                    to: def,
                    columns,
                }
            }
            EnumOp::Replace { from, to, columns } => EnumOp::Replace {
                from: to,
                to: from,
                columns,
            },
        }
    }
}

impl TableOp {
    /// The inverse of every operation but a rename (which moves the table's name).
    fn inverse(self) -> TableOp {
        match self {
            TableOp::Create { def } => TableOp::Drop { def },
            TableOp::Drop { def } => TableOp::Create { def },
            TableOp::Rename { from } => TableOp::Rename { from },
            TableOp::Add { part } => TableOp::Remove { part },
            TableOp::Remove { part } => TableOp::Add { part },
            TableOp::RenameColumn { from, to } => TableOp::RenameColumn { from: to, to: from },
            TableOp::AlterColumn { from, to } => TableOp::AlterColumn { from: to, to: from },
            TableOp::SetComment { from, to } => TableOp::SetComment { from: to, to: from },
            // Undoing it has nothing to fill: the filled values stay.
            TableOp::Rebuild {
                from, to, changes, ..
            } => TableOp::Rebuild {
                from: to,
                to: from,
                changes: changes.iter().rev().map(Change::inverse).collect(),
                fills: Vec::new(),
            },
        }
    }
}

fn name(n: &Option<String>) -> String {
    n.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
}

impl fmt::Display for Change {
    /// One line a reviewer reads, e.g. `add column public.cake.price numeric(10,2) not null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (schema, table, op) = match self {
            Change::Enum { schema, op } => return fmt_enum(schema, op, f),
            Change::Table { schema, table, op } => (schema, table, op),
        };
        match op {
            TableOp::Create { def } => write!(
                f,
                "create table {schema}.{table} ({} columns)",
                def.columns.len()
            ),
            TableOp::Drop { .. } => write!(f, "drop table {schema}.{table}"),
            TableOp::Rename { from } => write!(f, "rename table {schema}.{from} to {table}"),
            TableOp::Add { part } => fmt_add(schema, table, part, f),
            TableOp::Remove { part } => fmt_remove(schema, table, part, f),
            TableOp::RenameColumn { from, to } => {
                write!(f, "rename column {schema}.{table}.{from} to {to}")
            }
            TableOp::AlterColumn { from, to } => {
                let mut what = Vec::new();
                if from.data_type != to.data_type {
                    what.push(format!("type {} -> {}", from.data_type, to.data_type));
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable {
                        "drop not null".to_owned()
                    } else {
                        "set not null".to_owned()
                    });
                }
                if from.default != to.default {
                    what.push(format!(
                        "default {} -> {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                if from.comment != to.comment {
                    what.push("comment".to_owned());
                }
                write!(
                    f,
                    "alter column {schema}.{table}.{}: {}",
                    to.name,
                    what.join(", ")
                )
            }
            TableOp::SetComment { to, .. } => write!(
                f,
                "set comment on {schema}.{table} to {}",
                to.as_deref().unwrap_or("none")
            ),
            TableOp::Rebuild { .. } => {
                write!(f, "rebuild table {schema}.{table} (SQLite batch mode)")
            }
        }
    }
}

fn fmt_enum(schema: &str, op: &EnumOp, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        EnumOp::Create { def } => write!(
            f,
            "create enum {schema}.{} ({})",
            def.name,
            def.values.join(", ")
        ),
        EnumOp::Drop { def } => write!(f, "drop enum {schema}.{}", def.name),
        EnumOp::AddValue {
            def,
            value,
            position,
            ..
        } => {
            let pos = match position {
                EnumPosition::Before(v) => format!("before '{v}'"),
                EnumPosition::After(v) => format!("after '{v}'"),
            };
            write!(f, "add value '{value}' to enum {schema}.{} {pos}", def.name)
        }
        EnumOp::Replace { from, to, .. } => write!(
            f,
            "replace enum {schema}.{} ({}) with ({})",
            to.name,
            from.values.join(", "),
            to.values.join(", ")
        ),
    }
}

fn fmt_add(schema: &str, table: &str, part: &Part, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match part {
        Part::Column(column) => {
            write!(
                f,
                "add column {schema}.{table}.{} {}",
                column.name, column.data_type
            )?;
            if !column.nullable {
                f.write_str(" not null")?;
            }
            if let Some(d) = &column.default {
                write!(f, " default {d}")?;
            }
            Ok(())
        }
        Part::PrimaryKey(key) => write!(
            f,
            "add primary key{} on {schema}.{table} ({})",
            name(&key.name),
            key.columns.join(", ")
        ),
        Part::Unique(unique) => write!(
            f,
            "add unique{} on {schema}.{table} ({})",
            name(&unique.name),
            unique.columns.join(", ")
        ),
        Part::Index(index) => write!(
            f,
            "add {}index {} on {schema}.{table}",
            if index.unique { "unique " } else { "" },
            index.name
        ),
        Part::ForeignKey(fk) => write!(
            f,
            "add foreign key{} {schema}.{table} ({}) -> {} ({})",
            name(&fk.name),
            fk.columns.join(", "),
            fk.referenced_table,
            fk.referenced_columns.join(", ")
        ),
        Part::Check(check) => write!(
            f,
            "add check{} on {schema}.{table} ({})",
            name(&check.name),
            check.expression
        ),
    }
}

fn fmt_remove(schema: &str, table: &str, part: &Part, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match part {
        Part::Column(column) => write!(f, "drop column {schema}.{table}.{}", column.name),
        Part::PrimaryKey(key) => {
            write!(f, "drop primary key{} on {schema}.{table}", name(&key.name))
        }
        Part::Unique(unique) => write!(
            f,
            "drop unique{} on {schema}.{table} ({})",
            name(&unique.name),
            unique.columns.join(", ")
        ),
        Part::Index(index) => write!(f, "drop index {} on {schema}.{table}", index.name),
        Part::ForeignKey(fk) => write!(
            f,
            "drop foreign key{} {schema}.{table} ({})",
            name(&fk.name),
            fk.columns.join(", ")
        ),
        Part::Check(check) => write!(f, "drop check{} on {schema}.{table}", name(&check.name)),
    }
}
