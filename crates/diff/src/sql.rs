//! The statements of each change, per backend: what `--sql` prints and what the migration file
//! runs (the file writes the same [`Statement`] values as Rust, in `sealift-codegen`).
//!
//! A plan is made against one database (its dialect spells the plan's types and defaults); its
//! migration runs on any backend SeaORM supports. So every change is turned into statements for
//! a [`Target`]: the backend that runs them, the plan's dialect, and the namespace the
//! connection is set to. Columns are written with SeaORM's logical types (`.big_integer()`), so
//! sea-query spells them for the backend; a column known only from a catalog maps back to the
//! closest logical type of its dialect. What a backend has no use for is [`Statement::Nothing`]
//! with the reason; what cannot run there as planned is [`Statement::Unsupported`], which the
//! migration returns as an error, never a silent no-op.
//!
//! Statements sea-query can build (tables, columns, indexes, foreign keys, PostgreSQL types)
//! are [`Schema`] values; text is written here only where sea-query has no statement:
//! `ALTER COLUMN ... TYPE ... USING`, `ADD`/`DROP CONSTRAINT` for keys and checks, comments,
//! renaming an enum type, indexes with expressions, operator classes, collations or NULLS
//! order, and deferrable foreign keys.
//!
//! SQLite changes that cannot be made in place arrive here as `RebuildTable` and are rendered
//! as the batch-mode sequence: create the new table, copy the rows, drop the old one, rename,
//! recreate its indexes. On the other backends the same step runs the plain changes it stands
//! for.

use std::cell::RefCell;
use std::collections::HashMap;

use sea_query::{Alias, ColumnDef, Table as SqTable};
use sealift_dialect::postgres as pg;
use sealift_ir::{
    Check, Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey,
    LogicalDefault, LogicalType, Table, TypeKind,
};

use crate::change::{Change, Part, TableOp};
use crate::dialect::{Features, backend, needs_rebuild};
use crate::statement::{
    ColumnSpec, CreateTable, ForeignKeySpec, IndexSpec, Name, Schema, Statement, build,
};

/// Where statements run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The backend that runs them.
    pub backend: Dialect,
    /// The dialect the plan was made in: its types, defaults and expressions are spelled so.
    pub plan: Dialect,
    /// The namespace the connection is set to (PostgreSQL's current schema): tables in it are
    /// named without a schema, so a migration follows the search path.
    pub default_schema: &'a str,
}

impl<'a> Target<'a> {
    /// The plan's own backend.
    pub fn native(dialect: Dialect, default_schema: &'a str) -> Self {
        Target {
            backend: dialect,
            plan: dialect,
            default_schema,
        }
    }

    /// The same plan on another backend.
    pub fn on(self, backend: Dialect) -> Self {
        Target { backend, ..self }
    }

    /// The target as if the plan had been made on its backend.
    pub(crate) fn native_plan(self) -> Self {
        Target {
            plan: self.backend,
            ..self
        }
    }

    pub(crate) fn native_backend(&self) -> bool {
        self.backend == self.plan
    }

    /// True for a name PostgreSQL gave (`default`) in a plan made there, running elsewhere:
    /// the object has no name on the other backends.
    fn foreign_pg_name(&self, name: &str, default: &str) -> bool {
        self.away() && backend(self.plan).features().names_unnamed && name == default
    }

    /// The name to give a constraint being added: none where the plan's server chose the
    /// name itself and the plan runs elsewhere, or where the target keeps no name
    /// (`names_kept` false), so the target's server names it its own way.
    fn given_name(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn crate::dialect::Backend) -> Option<String>,
        names_kept: bool,
    ) -> Option<String> {
        match name {
            Some(_) if self.chosen_by_server(name, &default) && (self.away() || !names_kept) => {
                None
            }
            other => other.map(str::to_owned),
        }
    }

    /// True when `name` is the one the plan's server gives such a constraint by itself.
    fn chosen_by_server(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn crate::dialect::Backend) -> Option<String>,
    ) -> bool {
        name.is_some() && name == default(backend(self.plan)).as_deref()
    }

    /// The name a constraint has on the target's server: its own, or for one that has none
    /// (SQLite keeps none) or that the plan's server named itself, the name the target's
    /// server gives; `None` where it gives none.
    fn name_on_server(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn crate::dialect::Backend) -> Option<String>,
    ) -> Option<String> {
        match name {
            Some(n) if !(self.away() && self.chosen_by_server(name, &default)) => {
                Some(n.to_owned())
            }
            _ => default(backend(self.backend)),
        }
    }

    /// True when the plan runs on another backend than the one it was made on.
    fn away(&self) -> bool {
        self.plan != self.backend
    }

    /// What the target's backend can say.
    pub(crate) fn features(&self) -> &'static Features {
        backend(self.backend).features()
    }

    /// An expression of the plan's catalog, as another backend reads it.
    pub(crate) fn expression(&self, text: &str) -> String {
        if !self.away() {
            return text.to_owned();
        }
        let text = if backend(self.plan).features().casts_in_expressions {
            crate::expr::without_casts(text)
        } else {
            text.to_owned()
        };
        // Names quoted as the plan's server quotes them (MySQL's backquotes), quoted as the
        // target's.
        let quote_char = |d: Dialect| backend(d).quote("").chars().next().unwrap_or('"');
        crate::expr::requoted(&text, quote_char(self.plan), quote_char(self.backend))
    }

    pub(crate) fn implicit(&self, schema: &str) -> bool {
        schema.is_empty()
            || schema == self.default_schema
            || backend(self.plan).implicit_schema(schema)
            || backend(self.backend).implicit_schema(schema)
    }

    pub(crate) fn name(&self, schema: &str, name: &str) -> Name {
        Name {
            schema: (!self.implicit(schema)).then(|| schema.to_owned()),
            name: name.to_owned(),
        }
    }

    /// `"schema"."name"`, or the bare name in the connection's namespace.
    pub(crate) fn table_ref(&self, schema: &str, name: &str) -> String {
        if self.implicit(schema) {
            quote(name, self.backend)
        } else {
            format!(
                "{}.{}",
                quote(schema, self.backend),
                quote(name, self.backend)
            )
        }
    }

    pub(crate) fn quote(&self, name: &str) -> String {
        quote(name, self.backend)
    }
}

/// The statements of one change on the target's backend.
pub fn statements(c: &Change, t: &Target) -> Vec<Statement> {
    built(c, t)
        .into_iter()
        .map(|s| s.spelled_for(t.backend, |name| t.quote(name)))
        .collect()
}

fn built(c: &Change, t: &Target) -> Vec<Statement> {
    let d = t.backend;
    let q = |s: &str| t.quote(s);
    let sql = |s: String| Statement::Sql(s);
    let sea = |s: Schema| Statement::Schema(Box::new(s));
    if let Err(what) = backend(d).in_place(c) {
        return vec![needs_rebuild(what)];
    }
    match c {
        Change::Enum { .. } => backend(d).enum_change(c, t),
        Change::Table {
            op: TableOp::Create { def: table },
            ..
        }
        | Change::Table {
            op: TableOp::Drop { def: table },
            ..
        } if table.columns.is_empty() => match backend(d).no_columns() {
            Some(why) => vec![Statement::Nothing(why.to_owned())],
            None if matches!(
                c,
                Change::Table {
                    op: TableOp::Create { .. },
                    ..
                }
            ) =>
            {
                vec![sql(format!(
                    "CREATE TABLE {} ()",
                    t.table_ref(c.subject().0, &table.name)
                ))]
            }
            None => vec![sea(Schema::DropTable(t.name(c.subject().0, &table.name)))],
        },
        Change::Table {
            schema,
            op: TableOp::Create { def: table },
            ..
        } => create_table(schema, table, t, &table.name),
        Change::Table {
            schema,
            op: TableOp::Drop { def: table },
            ..
        } => vec![sea(Schema::DropTable(t.name(schema, &table.name)))],
        // The new name stays unqualified: a table is renamed within its schema.
        Change::Table {
            schema,
            table: to,
            op: TableOp::Rename { from },
        } => vec![sea(Schema::RenameTable {
            table: t.name(schema, from),
            to: to.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Column(column),
            },
        } => {
            let mut out = vec![sea(Schema::AddColumn {
                table: t.name(schema, table),
                column: column_spec(column, t, false),
            })];
            out.extend(backend(d).column_comment(schema, table, column, t));
            out
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Column(column),
            },
        } => vec![sea(Schema::DropColumn {
            table: t.name(schema, table),
            column: column.name.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::RenameColumn { from, to },
        } => vec![sea(Schema::RenameColumn {
            table: t.name(schema, table),
            from: from.clone(),
            to: to.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::AlterColumn { from, to },
        } => match inline_enum_elsewhere(table, from, to, t) {
            Some(refused) => vec![refused],
            None => backend(d).alter_column(schema, table, from, to, t),
        },
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::PrimaryKey(key),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}PRIMARY KEY ({})",
            t.table_ref(schema, table),
            constraint_name(
                &t.given_name(
                    key.name.as_deref(),
                    |b| b.default_primary_key_name(table),
                    backend(d).names_primary_keys()
                ),
                d
            ),
            idents(&key.columns, d)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::PrimaryKey(key),
            },
        } => vec![sql(backend(d).drop_primary_key(
            &t.table_ref(schema, table),
            &t.name_on_server(key.name.as_deref(), |b| b.default_primary_key_name(table))
                .unwrap_or_else(|| pg_primary_key_name(table)),
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Unique(unique),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}UNIQUE {}({})",
            t.table_ref(schema, table),
            constraint_name(
                &t.given_name(
                    unique.name.as_deref(),
                    |b| b.default_unique_name(table, &unique.columns),
                    true
                ),
                d
            ),
            if unique.nulls_not_distinct && t.features().nulls_not_distinct {
                "NULLS NOT DISTINCT "
            } else {
                ""
            },
            idents(&unique.columns, d)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Unique(unique),
            },
        } => vec![sql(backend(d).drop_unique(
            &t.table_ref(schema, table),
            &t.name_on_server(unique.name.as_deref(), |b| {
                b.default_unique_name(table, &unique.columns)
            })
            .unwrap_or_else(|| pg::object_name(table, Some(&unique.columns.join("_")), "key")),
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Index(index),
            },
        } => vec![create_index(schema, table, index, t)],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Index(index),
            },
        } => vec![sea(Schema::DropIndex {
            table: t.name(schema, table),
            name: index.name.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
        } if inline_foreign_key(fk, d) => {
            vec![sea(Schema::CreateForeignKey(foreign_key_spec(
                schema, table, fk, t,
            )))]
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}",
            t.table_ref(schema, table),
            foreign_key_text(schema, table, fk, t)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::ForeignKey(fk),
            },
        } => vec![sea(Schema::DropForeignKey {
            table: t.name(schema, table),
            name: fk_name(table, fk, d).unwrap_or_default(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Check(check),
            },
        } => vec![sql(check_text(schema, table, check, t))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Check(check),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            t.table_ref(schema, table),
            q(&check
                .name
                .clone()
                .unwrap_or_else(|| pg_check_name(table, &check.expression)))
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::SetComment { to, .. },
            ..
        } => backend(d).table_comment(schema, table, to.as_deref(), t),
        Change::Table {
            schema,
            op: TableOp::Rebuild { from, to, changes },
            ..
        } => backend(d).rebuild(schema, from, to, changes, t),
    }
}

/// True when a foreign key can be written inside `CREATE TABLE` (sea-query's builder): not
/// when it is deferrable or `NOT VALID` on a backend that has those, which only `ALTER TABLE`
/// can say.
pub(crate) fn inline_foreign_key(fk: &ForeignKey, d: Dialect) -> bool {
    let f = backend(d).features();
    !(f.deferrable && fk.deferrable != Deferrable::No || f.not_valid && fk.not_valid)
}

/// True when a check can be written inside `CREATE TABLE`: not a `NOT VALID` one.
pub(crate) fn inline_check(c: &Check, d: Dialect) -> bool {
    !(backend(d).features().not_valid && c.not_valid)
}

/// `ALTER TABLE .. ADD [CONSTRAINT ..] CHECK (..) [NOT VALID]`. A check without a name gets
/// PostgreSQL's, the name dropping it uses, where the server would give it a name of its own
/// (MariaDB `CONSTRAINT_1`, MySQL `{table}_chk_1`) that a down could not know.
fn check_text(schema: &str, table: &str, c: &Check, t: &Target) -> String {
    let name = c
        .name
        .clone()
        .or_else(|| (!t.features().names_unnamed).then(|| pg_check_name(table, &c.expression)));
    format!(
        "ALTER TABLE {} ADD {}CHECK ({}){}",
        t.table_ref(schema, table),
        constraint_name(&name, t.backend),
        t.expression(&c.expression),
        if c.not_valid && t.features().not_valid {
            " NOT VALID"
        } else {
            ""
        }
    )
}

/// `CREATE TABLE` and what follows it: constraints sea-query cannot state inline, indexes,
/// triggers, comments. `named_for` is the table its key's default name comes from (a rebuild
/// creates the table under a temporary name).
pub(crate) fn create_table(
    schema: &str,
    table: &Table,
    t: &Target,
    named_for: &str,
) -> Vec<Statement> {
    let d = t.backend;
    if table.columns.is_empty() {
        // sea-query writes no parentheses for a table without columns; PostgreSQL wants `()`.
        return vec![Statement::Sql(format!(
            "CREATE TABLE {} ()",
            t.table_ref(schema, &table.name)
        ))];
    }
    let inline_pk = inline_primary_key(table, named_for);
    let mut stmt = CreateTable {
        table: t.name(schema, &table.name),
        columns: table
            .columns
            .iter()
            .map(|c| column_spec(c, t, inline_pk.as_deref() == Some(&c.name)))
            .collect(),
        primary_key: table
            .primary_key
            .as_ref()
            .filter(|_| inline_pk.is_none())
            .map(|pk| {
                // PostgreSQL's default name is no name elsewhere.
                let name = pk
                    .name
                    .clone()
                    .filter(|n| !t.foreign_pg_name(n, &pg_primary_key_name(named_for)));
                (name, pk.columns.clone())
            }),
        uniques: table
            .uniques
            .iter()
            .map(|u| {
                // PostgreSQL's default name is no name elsewhere.
                let default = || pg::object_name(named_for, Some(&u.columns.join("_")), "key");
                (
                    u.name.clone().filter(|n| !t.foreign_pg_name(n, &default())),
                    u.columns.clone(),
                    u.nulls_not_distinct && t.features().nulls_not_distinct,
                )
            })
            .collect(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
    };
    let mut after = Vec::new();
    for c in &table.checks {
        if inline_check(c, d) {
            // PostgreSQL's default name is no name elsewhere.
            let name = c
                .name
                .clone()
                .filter(|n| !t.foreign_pg_name(n, &pg_check_name(named_for, &c.expression)));
            stmt.checks.push((name, t.expression(&c.expression)));
        } else {
            after.push(Statement::Sql(check_text(schema, &table.name, c, t)));
        }
    }
    for fk in &table.foreign_keys {
        if inline_foreign_key(fk, d) {
            stmt.foreign_keys
                .push(foreign_key_spec(schema, &table.name, fk, t));
        } else {
            // sea-query cannot say DEFERRABLE or NOT VALID: add the key right after the table.
            after.push(Statement::Sql(format!(
                "ALTER TABLE {} ADD {}",
                t.table_ref(schema, &table.name),
                foreign_key_text(schema, &table.name, fk, t)
            )));
        }
    }
    let mut out = vec![Statement::Schema(Box::new(Schema::CreateTable(stmt)))];
    out.extend(after);
    for i in &table.indexes {
        // The index the server makes for a foreign key written inside CREATE TABLE exists
        // once the table does; one the plan's server made for a key (InnoDB) is not wanted
        // on a backend that makes none.
        let implied = table
            .foreign_keys
            .iter()
            .any(|fk| inline_foreign_key(fk, d) && backend(d).index_for_foreign_key(fk, i));
        if !implied && !foreign_key_index_elsewhere(table, i, t) {
            out.push(create_index(schema, &table.name, i, t));
        }
    }
    for tr in &table.triggers {
        out.push(if t.native_backend() {
            Statement::Sql(tr.definition.clone())
        } else {
            Statement::Unsupported(format!(
                "trigger `{}` is written in {}'s SQL; create it by hand on this backend",
                tr.name, t.plan
            ))
        });
    }
    out.extend(backend(d).comments_after_create(schema, table, t));
    out
}

/// A change of the values of an enum a plan made on MySQL keeps in the column's type
/// (`enum('a','b')`), on a backend where enums are types of their own: the column's type is
/// not where the values live there, and changing it would change nothing. The step refuses.
fn inline_enum_elsewhere(table: &str, from: &Column, to: &Column, t: &Target) -> Option<Statement> {
    let inline = |c: &Column| c.data_type.name.starts_with("enum(");
    (t.away()
        && !backend(t.plan).features().enum_types
        && t.features().enum_types
        && from.data_type != to.data_type
        && (inline(from) || inline(to)))
    .then(|| {
        Statement::Unsupported(format!(
            "the values of enum column {table}.{} change in this migration, made against {}, where they live in the column's type; on {} they belong to an enum type of their own: regenerate the migration with `sealift autogen` against {}",
            to.name,
            t.plan.product(),
            t.backend.product(),
            t.backend.product()
        ))
    })
}

/// True for an index the plan's server made by itself for one of the table's foreign keys
/// (InnoDB's), when the plan runs on a backend that makes none: not wanted there.
pub(crate) fn foreign_key_index_elsewhere(table: &Table, i: &Index, t: &Target) -> bool {
    t.away()
        && table
            .foreign_keys
            .iter()
            .any(|fk| backend(t.plan).index_for_foreign_key(fk, i))
}

/// The column whose definition says `PRIMARY KEY`, as SeaORM writes an auto-increment key: a
/// one-column key on an auto-increment column, named as every backend names it by default.
/// SQLite needs it so (`AUTOINCREMENT` only follows `PRIMARY KEY`), and the others make the
/// same key from it.
fn inline_primary_key(table: &Table, named_for: &str) -> Option<String> {
    let pk = table.primary_key.as_ref()?;
    let [col] = pk.columns.as_slice() else {
        return None;
    };
    let column = table.column(col)?;
    let auto = matches!(
        column.identity,
        Some(Identity::AutoIncrement | Identity::ByDefault)
    );
    let default_name = pk
        .name
        .as_deref()
        .is_none_or(|n| n == "PRIMARY" || n == pg_primary_key_name(named_for));
    (auto && default_name).then(|| col.clone())
}

/// PostgreSQL's name for a check made without one: `{table}_{column}_check`, after the first
/// column the expression names.
fn pg_check_name(table: &str, expression: &str) -> String {
    let column = crate::expr::first_identifier(expression);
    pg::object_name(table, column.as_deref(), "check")
}

/// PostgreSQL's name for a table's primary key: `{table}_pkey`, the table's name cut so that
/// it fits 63 bytes.
pub(crate) fn pg_primary_key_name(table: &str) -> String {
    let mut end = table.len().min(63 - "_pkey".len());
    while !table.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_pkey", &table[..end])
}

/// A column as sea-query's builder writes it on the target: SeaORM's logical type (from the
/// entity, or mapped back from the plan's catalog), NOT NULL, default, auto-increment,
/// generation, comment.
pub(crate) fn column_spec(c: &Column, t: &Target, inline_pk: bool) -> ColumnSpec {
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    let ty = column_type(c, t);
    let (auto_increment, extra) = match &c.identity {
        None => (false, None),
        Some(identity) => backend(t.backend).identity(identity, &ty, inline_pk, t.native_backend()),
    };
    let default = match &c.default {
        _ if serial || c.generated.is_some() => None,
        None => None,
        Some(text) => Some(
            c.logical
                .as_ref()
                .and_then(|l| l.default.clone())
                .unwrap_or_else(|| catalog_default(text)),
        ),
    };
    let on_update = c
        .on_update
        .as_ref()
        .filter(|_| t.features().on_update)
        .map(|u| format!("ON UPDATE {u}"));
    let extra = match (extra, on_update) {
        (Some(e), Some(u)) => Some(format!("{e} {u}")),
        (e, u) => e.map(str::to_owned).or(u),
    };
    ColumnSpec {
        name: c.name.clone(),
        ty,
        not_null: !c.nullable,
        default,
        auto_increment,
        primary_key: inline_pk,
        extra,
        generated: c
            .generated
            .clone()
            .map(|g| (g, t.features().stored_generated)),
        comment: c.comment.clone().filter(|_| t.features().inline_comments),
    }
}

/// A default the catalog printed, as SeaORM would state it: a string literal (PostgreSQL's
/// cast on it dropped, the server adds it back), a boolean, or the text as it is.
fn catalog_default(text: &str) -> LogicalDefault {
    let untyped = crate::dialect::untyped_default(text);
    if let Some(inner) = untyped
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|s| !s.replace("''", "").contains('\''))
    {
        return LogicalDefault::Str(inner.replace("''", "'"));
    }
    match text.to_ascii_lowercase().as_str() {
        "true" => LogicalDefault::Bool(true),
        "false" => LogicalDefault::Bool(false),
        _ => LogicalDefault::Keyword(text.to_owned()),
    }
}

/// The column's type on the target. On the plan's own backend: the logical type when
/// sea-query renders it as exactly the column's type there, else the type as SQL text. On
/// another backend: the logical type, the closest one to a catalog type, or the text.
fn column_type(c: &Column, t: &Target) -> LogicalType {
    let native = t.native_backend();
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    if native && (c.collation.is_some() || serial) {
        return LogicalType::Custom(column_type_sql(c, t));
    }
    let logical = c
        .logical
        .as_ref()
        .map(|l| l.ty.clone())
        .or_else(|| crate::dialect::logical_of(&c.data_type, t.plan));
    match logical {
        Some(LogicalType::Enum { name, variants }) => enum_type(c, name, variants, t)
            .unwrap_or_else(|| LogicalType::Custom(type_sql(&c.data_type, None, t))),
        Some(l) if !native || renders_as(&l, &c.data_type, t.backend) => l,
        _ => LogicalType::Custom(type_sql(&c.data_type, None, t)),
    }
}

/// An enum column's type: SeaORM's enumeration where sea-query spells it right on the
/// backend (PostgreSQL writes the type's name bare, so only a plain name in the connection's
/// schema; MySQL writes the values between quotes as they are, so only values without a quote
/// or a backslash), none where the type must be named as text.
fn enum_type(c: &Column, name: String, variants: Vec<String>, t: &Target) -> Option<LogicalType> {
    if t.features().inline_enums && variants.iter().any(|v| v.contains(['\'', '\\'])) {
        return None;
    }
    if t.features().enum_types {
        let plain = name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            && !name.starts_with(|ch: char| ch.is_ascii_digit());
        let here = c.data_type.schema.as_deref().is_none_or(|s| t.implicit(s));
        if !(plain && here) || (t.native_backend() && c.data_type.array_dims > 0) {
            return None;
        }
    }
    Some(LogicalType::Enum { name, variants })
}

/// True when sea-query writes `l` as exactly `t` on `d` (worked out once per pair).
fn renders_as(l: &LogicalType, t: &DataType, d: Dialect) -> bool {
    thread_local! {
        static RENDERED: RefCell<HashMap<(LogicalType, Dialect), Option<DataType>>> =
            RefCell::new(HashMap::new());
    }
    let key = (l.clone(), d);
    let rendered = RENDERED.with(|r| {
        r.borrow_mut()
            .entry(key)
            .or_insert_with(|| rendered_type(l, d))
            .clone()
    });
    rendered.as_ref() == Some(t)
}

/// The model type sea-query's backend writes for a logical type.
fn rendered_type(l: &LogicalType, d: Dialect) -> Option<DataType> {
    if matches!(l, LogicalType::Enum { .. } | LogicalType::Custom(_)) {
        return None;
    }
    let text = type_text(l, d)?;
    let text = text.as_str();
    let (text, dims) = match text.strip_suffix("[]") {
        Some(inner) => (inner, 1),
        None => (text, 0),
    };
    Some(backend(d).rendered_type(text).array_of(dims))
}

/// How sea-query spells a logical type on `d` in a column definition; none for a type the
/// backend does not have (sea-query panics on `Interval` for SQLite).
fn type_text(l: &LogicalType, d: Dialect) -> Option<String> {
    let stmt = SqTable::create()
        .table(Alias::new("t"))
        .col(ColumnDef::new_with_type(
            Alias::new("c"),
            crate::statement::sea_type(l),
        ))
        .to_owned();
    let sql = std::panic::catch_unwind(|| build(&stmt, d)).ok()?;
    let open = sql.find("( ")? + 2;
    let column = sql[open..].strip_suffix(" )")?;
    Some(column.split_once(' ')?.1.to_owned())
}

/// A column's type as its definition spells it: the type (`serial` for a PostgreSQL serial) and
/// its collation.
fn column_type_sql(c: &Column, t: &Target) -> String {
    let mut ty = type_sql(&c.data_type, c.identity.as_ref(), t);
    if let Some(coll) = &c.collation {
        let coll = if t.features().quoted_collations {
            t.quote(coll)
        } else {
            coll.clone()
        };
        ty.push_str(&format!(" COLLATE {coll}"));
    }
    ty
}

/// True when sea-query's index builder says everything about `i`: plain columns, ascending or
/// descending, no method other than btree, no INCLUDE, no predicate, no NULLS NOT DISTINCT.
pub(crate) fn is_plain_index(i: &Index) -> bool {
    if i.nulls_not_distinct {
        return false;
    }
    i.parts.iter().all(|p| {
        matches!(p.key, IndexKey::Column(_))
            && p.opclass.is_none()
            && p.collation.is_none()
            && p.nulls_first.is_none()
    }) && i.method.as_deref().is_none_or(|m| m == "btree")
        && i.include.is_empty()
        && i.predicate.is_none()
}

/// An index: with sea-query when it is plain columns, as text otherwise.
pub(crate) fn create_index(schema: &str, table: &str, i: &Index, t: &Target) -> Statement {
    if i.nulls_not_distinct && !t.features().nulls_not_distinct {
        return Statement::Unsupported(format!(
            "index `{}` treats NULLs as equal (NULLS NOT DISTINCT), which {} does not have",
            i.name,
            t.backend.product()
        ));
    }
    if !is_plain_index(i) {
        return Statement::Sql(create_index_text(schema, table, i, t));
    }
    Statement::Schema(Box::new(Schema::CreateIndex {
        table: t.name(schema, table),
        index: IndexSpec {
            name: i.name.clone(),
            unique: i.unique,
            columns: i
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some((c.clone(), p.descending)),
                    IndexKey::Expression(_) => None,
                })
                .collect(),
        },
    }))
}

/// A foreign key's name on the backend: its own, or for a key SQLite keeps unnamed, SeaORM's
/// (`fk-{table}-{columns}`), which the other backends keep.
fn fk_name(table: &str, fk: &ForeignKey, d: Dialect) -> Option<String> {
    match &fk.name {
        Some(n) => Some(n.clone()),
        None if !backend(d).features().named_foreign_keys => None,
        None => Some(format!("fk-{table}-{}", fk.columns.join("-"))),
    }
}

fn foreign_key_spec(schema: &str, table: &str, fk: &ForeignKey, t: &Target) -> ForeignKeySpec {
    let target_schema = fk.referenced_table.schema.as_deref().unwrap_or(schema);
    let action = |a: FkAction| (a != FkAction::NoAction).then_some(a);
    ForeignKeySpec {
        name: fk_name(table, fk, t.backend),
        from: t.name(schema, table),
        columns: fk.columns.clone(),
        to: t.name(target_schema, &fk.referenced_table.name),
        referenced: fk.referenced_columns.clone(),
        on_update: action(fk.on_update),
        on_delete: action(fk.on_delete),
    }
}

/// The SQL spelling of a model type, in the plan's dialect.
pub(crate) fn type_sql(ty: &DataType, identity: Option<&Identity>, t: &Target) -> String {
    if let Some(Identity::Serial { .. }) = identity
        && let Some(serial) = backend(t.backend).serial_type(ty)
    {
        return serial.to_owned();
    }
    let mut s = match (&ty.schema, &ty.kind) {
        (Some(schema), TypeKind::Enum | TypeKind::Domain { .. } | TypeKind::Other) => {
            t.table_ref(schema, &ty.name)
        }
        _ => ty.name.clone(),
    };
    if !ty.modifiers.is_empty() {
        let mods: Vec<String> = ty.modifiers.iter().map(u32::to_string).collect();
        s.push_str(&format!("({})", mods.join(", ")));
    }
    for _ in 0..ty.array_dims {
        s.push_str("[]");
    }
    s
}

/// A column's type as SQL text on the target: the plan's spelling on its own backend, else
/// how sea-query writes the column's logical type there.
pub(crate) fn target_type_sql(c: &Column, t: &Target) -> String {
    match column_type(c, t) {
        LogicalType::Custom(text) => text,
        l => type_text(&l, t.backend).unwrap_or_else(|| type_sql(&c.data_type, None, t)),
    }
}

fn constraint_name(name: &Option<String>, d: Dialect) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote(n, d)))
        .unwrap_or_default()
}

fn idents(names: &[String], d: Dialect) -> String {
    names
        .iter()
        .map(|n| quote(n, d))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An identifier, quoted for the dialect.
pub(crate) fn quote(name: &str, d: Dialect) -> String {
    backend(d).quote(name)
}

/// True when a name needs no schema: SQLite's `main`, MySQL's current database.
fn implicit_schema(schema: &str, d: Dialect) -> bool {
    schema.is_empty() || backend(d).implicit_schema(schema)
}

/// `"schema"."name"`; SQLite's `main` is left implicit.
pub(crate) fn table_ref(schema: &str, name: &str, d: Dialect) -> String {
    if implicit_schema(schema, d) {
        quote(name, d)
    } else {
        format!("{}.{}", quote(schema, d), quote(name, d))
    }
}

pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub(crate) fn comment_literal(c: &Option<String>) -> String {
    c.as_deref()
        .map(literal)
        .unwrap_or_else(|| "NULL".to_owned())
}

fn create_index_text(schema: &str, table: &str, i: &Index, t: &Target) -> String {
    let d = t.backend;
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(c, d),
                IndexKey::Expression(e) if parenthesized(e) => t.expression(e),
                IndexKey::Expression(e) => format!("({})", t.expression(e)),
            };
            if let Some(coll) = &p.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            if let Some(op) = &p.opclass {
                s.push_str(&format!(" {op}"));
            }
            if p.descending {
                s.push_str(" DESC");
            }
            match p.nulls_first {
                Some(true) => s.push_str(" NULLS FIRST"),
                Some(false) => s.push_str(" NULLS LAST"),
                None => {}
            }
            s
        })
        .collect();
    let method = match &i.method {
        Some(m) if m != "btree" && t.features().index_methods => format!(" USING {m}"),
        _ => String::new(),
    };
    let mut s = format!(
        "CREATE {}INDEX {} ON {}{method} ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote(&i.name, d),
        t.table_ref(schema, table),
        parts.join(", ")
    );
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", idents(&i.include, d)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", t.expression(p)));
    }
    s
}

/// True when the whole text is one parenthesized group: `(a * 2)`, not `(a) * (2)`.
fn parenthesized(text: &str) -> bool {
    let t = text.trim();
    if !t.starts_with('(') || !t.ends_with(')') {
        return false;
    }
    let mut depth = 0i32;
    let mut quote = None;
    for (i, ch) in t.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 && i + 1 < t.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn foreign_key_text(schema: &str, table: &str, fk: &ForeignKey, t: &Target) -> String {
    let d = t.backend;
    let target = match &fk.referenced_table.schema {
        _ if !t.features().qualified_references => quote(&fk.referenced_table.name, d),
        Some(s) => t.table_ref(s, &fk.referenced_table.name),
        None => t.table_ref(schema, &fk.referenced_table.name),
    };
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {target} ({})",
        constraint_name(&fk_name(table, fk, d), d),
        idents(&fk.columns, d),
        idents(&fk.referenced_columns, d)
    );
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.as_sql()));
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.as_sql()));
    }
    match fk.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    if fk.not_valid && t.features().not_valid {
        s.push_str(" NOT VALID");
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::statement::one_item_per_line;

    #[test]
    fn expressions_are_parenthesized_once() {
        assert!(super::parenthesized("(region * 2)"));
        assert!(super::parenthesized("((a) + (b))"));
        assert!(!super::parenthesized("(a) * (b)"));
        assert!(!super::parenthesized("lower(name)"));
        assert!(super::parenthesized("(')' || a)"));
    }

    #[test]
    fn create_table_gets_one_item_per_line() {
        let sql = r#"CREATE TABLE "t" ( "a" numeric(10, 2) DEFAULT 'x, y', CHECK (a > 0) )"#;
        assert_eq!(
            one_item_per_line(sql),
            "CREATE TABLE \"t\" (\n  \"a\" numeric(10, 2) DEFAULT 'x, y',\n  CHECK (a > 0)\n)"
        );
    }
}
