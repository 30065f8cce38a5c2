//! The one closed vocabulary of schema changes. Every change knows its exact inverse: drops carry
//! the full definition of what they drop, modifies carry both sides.

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

/// One schema change. `schema` is the namespace, `table` the table's name in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[allow(missing_docs)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    CreateEnum {
        schema: String,
        def: Enum,
    },
    DropEnum {
        schema: String,
        def: Enum,
    },
    /// Adds one value in its position (PostgreSQL `ALTER TYPE ... ADD VALUE`). `columns` use
    /// the type, for the inverse, which must re-create it.
    AddEnumValue {
        schema: String,
        def: Enum,
        value: String,
        position: EnumPosition,
        columns: Vec<EnumColumn>,
    },
    /// Removes or reorders values: rename the old type, create the new one, re-cast the columns,
    /// drop the old type. `columns` are the table columns using it, in any namespace.
    ReplaceEnum {
        schema: String,
        from: Enum,
        to: Enum,
        columns: Vec<EnumColumn>,
    },
    CreateTable {
        schema: String,
        table: Table,
    },
    DropTable {
        schema: String,
        table: Table,
    },
    RenameTable {
        schema: String,
        from: String,
        to: String,
    },
    AddColumn {
        schema: String,
        table: String,
        column: Column,
    },
    DropColumn {
        schema: String,
        table: String,
        column: Column,
    },
    RenameColumn {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    /// Type, nullability, default or comment; `from` and `to` are the whole column.
    AlterColumn {
        schema: String,
        table: String,
        from: Column,
        to: Column,
    },
    AddPrimaryKey {
        schema: String,
        table: String,
        key: PrimaryKey,
    },
    DropPrimaryKey {
        schema: String,
        table: String,
        key: PrimaryKey,
    },
    AddUnique {
        schema: String,
        table: String,
        unique: Unique,
    },
    DropUnique {
        schema: String,
        table: String,
        unique: Unique,
    },
    AddIndex {
        schema: String,
        table: String,
        index: Index,
    },
    DropIndex {
        schema: String,
        table: String,
        index: Index,
    },
    AddForeignKey {
        schema: String,
        table: String,
        fk: ForeignKey,
    },
    DropForeignKey {
        schema: String,
        table: String,
        fk: ForeignKey,
    },
    AddCheck {
        schema: String,
        table: String,
        check: Check,
    },
    DropCheck {
        schema: String,
        table: String,
        check: Check,
    },
    SetTableComment {
        schema: String,
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// SQLite batch mode: create the new table, copy the rows, drop the old, rename, recreate
    /// indexes. Stands for every change SQLite cannot make in place on one table: `changes`,
    /// which the other backends run instead.
    RebuildTable {
        schema: String,
        from: Table,
        to: Table,
        changes: Vec<Change>,
    },
}

impl Change {
    /// The change that undoes this one exactly.
    pub fn inverse(&self) -> Change {
        use Change::*;
        match self.clone() {
            CreateEnum { schema, def } => DropEnum { schema, def },
            DropEnum { schema, def } => CreateEnum { schema, def },
            AddEnumValue {
                schema,
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
                ReplaceEnum {
                    schema,
                    from,
                    to: def,
                    columns,
                }
            }
            ReplaceEnum {
                schema,
                from,
                to,
                columns,
            } => ReplaceEnum {
                schema,
                from: to,
                to: from,
                columns,
            },
            CreateTable { schema, table } => DropTable { schema, table },
            DropTable { schema, table } => CreateTable { schema, table },
            RenameTable { schema, from, to } => RenameTable {
                schema,
                from: to,
                to: from,
            },
            AddColumn {
                schema,
                table,
                column,
            } => DropColumn {
                schema,
                table,
                column,
            },
            DropColumn {
                schema,
                table,
                column,
            } => AddColumn {
                schema,
                table,
                column,
            },
            RenameColumn {
                schema,
                table,
                from,
                to,
            } => RenameColumn {
                schema,
                table,
                from: to,
                to: from,
            },
            AlterColumn {
                schema,
                table,
                from,
                to,
            } => AlterColumn {
                schema,
                table,
                from: to,
                to: from,
            },
            AddPrimaryKey { schema, table, key } => DropPrimaryKey { schema, table, key },
            DropPrimaryKey { schema, table, key } => AddPrimaryKey { schema, table, key },
            AddUnique {
                schema,
                table,
                unique,
            } => DropUnique {
                schema,
                table,
                unique,
            },
            DropUnique {
                schema,
                table,
                unique,
            } => AddUnique {
                schema,
                table,
                unique,
            },
            AddIndex {
                schema,
                table,
                index,
            } => DropIndex {
                schema,
                table,
                index,
            },
            DropIndex {
                schema,
                table,
                index,
            } => AddIndex {
                schema,
                table,
                index,
            },
            AddForeignKey { schema, table, fk } => DropForeignKey { schema, table, fk },
            DropForeignKey { schema, table, fk } => AddForeignKey { schema, table, fk },
            AddCheck {
                schema,
                table,
                check,
            } => DropCheck {
                schema,
                table,
                check,
            },
            DropCheck {
                schema,
                table,
                check,
            } => AddCheck {
                schema,
                table,
                check,
            },
            SetTableComment {
                schema,
                table,
                from,
                to,
            } => SetTableComment {
                schema,
                table,
                from: to,
                to: from,
            },
            RebuildTable {
                schema,
                from,
                to,
                changes,
            } => RebuildTable {
                schema,
                from: to,
                to: from,
                changes: changes.iter().rev().map(Change::inverse).collect(),
            },
        }
    }

    /// What tells two changes of one kind on one subject apart, for ordering: the names of
    /// the column, key, index or value they touch, in that order.
    pub fn object_key(&self) -> Vec<&str> {
        use Change::*;
        fn opt(n: &Option<String>) -> &str {
            n.as_deref().unwrap_or_default()
        }
        fn cols(c: &[String]) -> Vec<&str> {
            c.iter().map(String::as_str).collect()
        }
        match self {
            CreateEnum { .. } | DropEnum { .. } | ReplaceEnum { .. } => Vec::new(),
            AddEnumValue { value, .. } => vec![value],
            CreateTable { .. } | DropTable { .. } | RebuildTable { .. } => Vec::new(),
            RenameTable { from, .. } => vec![from],
            AddColumn { column, .. } | DropColumn { column, .. } => vec![&column.name],
            RenameColumn { from, .. } => vec![from],
            AlterColumn { to, .. } => vec![&to.name],
            AddPrimaryKey { key, .. } | DropPrimaryKey { key, .. } => cols(&key.columns),
            AddUnique { unique, .. } | DropUnique { unique, .. } => {
                let mut k = vec![opt(&unique.name)];
                k.extend(cols(&unique.columns));
                k
            }
            AddIndex { index, .. } | DropIndex { index, .. } => vec![&index.name],
            AddForeignKey { fk, .. } | DropForeignKey { fk, .. } => {
                let mut k = vec![opt(&fk.name)];
                k.extend(cols(&fk.columns));
                k.push(&fk.referenced_table.name);
                k
            }
            AddCheck { check, .. } | DropCheck { check, .. } => {
                vec![opt(&check.name), &check.expression]
            }
            SetTableComment { .. } => Vec::new(),
        }
    }

    /// The namespace and table the change is about (the enum's name for enum changes).
    pub fn subject(&self) -> (&str, &str) {
        use Change::*;
        match self {
            CreateEnum { schema, def }
            | DropEnum { schema, def }
            | AddEnumValue { schema, def, .. } => (schema, &def.name),
            ReplaceEnum { schema, to, .. } => (schema, &to.name),
            CreateTable { schema, table } | DropTable { schema, table } => (schema, &table.name),
            RenameTable { schema, to, .. } => (schema, to),
            RebuildTable { schema, to, .. } => (schema, &to.name),
            AddColumn { schema, table, .. }
            | DropColumn { schema, table, .. }
            | RenameColumn { schema, table, .. }
            | AlterColumn { schema, table, .. }
            | AddPrimaryKey { schema, table, .. }
            | DropPrimaryKey { schema, table, .. }
            | AddUnique { schema, table, .. }
            | DropUnique { schema, table, .. }
            | AddIndex { schema, table, .. }
            | DropIndex { schema, table, .. }
            | AddForeignKey { schema, table, .. }
            | DropForeignKey { schema, table, .. }
            | AddCheck { schema, table, .. }
            | DropCheck { schema, table, .. }
            | SetTableComment { schema, table, .. } => (schema, table),
        }
    }
}

fn name(n: &Option<String>) -> String {
    n.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
}

impl fmt::Display for Change {
    /// One line a reviewer reads, e.g. `add column public.cake.price numeric(10,2) not null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Change::*;
        match self {
            CreateEnum { schema, def } => write!(
                f,
                "create enum {schema}.{} ({})",
                def.name,
                def.values.join(", ")
            ),
            DropEnum { schema, def } => write!(f, "drop enum {schema}.{}", def.name),
            AddEnumValue {
                schema,
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
            ReplaceEnum {
                schema, from, to, ..
            } => write!(
                f,
                "replace enum {schema}.{} ({}) with ({})",
                to.name,
                from.values.join(", "),
                to.values.join(", ")
            ),
            CreateTable { schema, table } => write!(
                f,
                "create table {schema}.{} ({} columns)",
                table.name,
                table.columns.len()
            ),
            DropTable { schema, table } => write!(f, "drop table {schema}.{}", table.name),
            RenameTable { schema, from, to } => write!(f, "rename table {schema}.{from} to {to}"),
            AddColumn {
                schema,
                table,
                column,
            } => {
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
            DropColumn {
                schema,
                table,
                column,
            } => write!(f, "drop column {schema}.{table}.{}", column.name),
            RenameColumn {
                schema,
                table,
                from,
                to,
            } => write!(f, "rename column {schema}.{table}.{from} to {to}"),
            AlterColumn {
                schema,
                table,
                from,
                to,
            } => {
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
            AddPrimaryKey { schema, table, key } => write!(
                f,
                "add primary key{} on {schema}.{table} ({})",
                name(&key.name),
                key.columns.join(", ")
            ),
            DropPrimaryKey { schema, table, key } => {
                write!(f, "drop primary key{} on {schema}.{table}", name(&key.name))
            }
            AddUnique {
                schema,
                table,
                unique,
            } => write!(
                f,
                "add unique{} on {schema}.{table} ({})",
                name(&unique.name),
                unique.columns.join(", ")
            ),
            DropUnique {
                schema,
                table,
                unique,
            } => write!(
                f,
                "drop unique{} on {schema}.{table} ({})",
                name(&unique.name),
                unique.columns.join(", ")
            ),
            AddIndex {
                schema,
                table,
                index,
            } => write!(
                f,
                "add {}index {} on {schema}.{table}",
                if index.unique { "unique " } else { "" },
                index.name
            ),
            DropIndex {
                schema,
                table,
                index,
            } => write!(f, "drop index {} on {schema}.{table}", index.name),
            AddForeignKey { schema, table, fk } => write!(
                f,
                "add foreign key{} {schema}.{table} ({}) -> {} ({})",
                name(&fk.name),
                fk.columns.join(", "),
                fk.referenced_table,
                fk.referenced_columns.join(", ")
            ),
            DropForeignKey { schema, table, fk } => write!(
                f,
                "drop foreign key{} {schema}.{table} ({})",
                name(&fk.name),
                fk.columns.join(", ")
            ),
            AddCheck {
                schema,
                table,
                check,
            } => write!(
                f,
                "add check{} on {schema}.{table} ({})",
                name(&check.name),
                check.expression
            ),
            DropCheck {
                schema,
                table,
                check,
            } => write!(f, "drop check{} on {schema}.{table}", name(&check.name)),
            SetTableComment {
                schema, table, to, ..
            } => write!(
                f,
                "set comment on {schema}.{table} to {}",
                to.as_deref().unwrap_or("none")
            ),
            RebuildTable { schema, to, .. } => {
                write!(f, "rebuild table {schema}.{} (SQLite batch mode)", to.name)
            }
        }
    }
}
