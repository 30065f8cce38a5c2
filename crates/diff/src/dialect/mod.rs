//! What differs between backends, behind one interface: one module per backend, with the same
//! hooks in each (`postgres.rs`, `sqlite.rs`, `mysql.rs`). The generic diff, plan and
//! statement code asks [`backend`] instead of matching on the dialect, so a new backend is a
//! new module here (and a folder in `sealift-catalog`, a lowering in `sealift-entity`).

mod mysql;
mod postgres;
mod sqlite;

use sealift_ir::{Column, DataType, Dialect, LogicalType, Table, TypeKind};

use crate::change::Change;
use crate::sql::{Target, statements};
use crate::statement::Statement;

pub(crate) use postgres::{family_changes, untyped_default};

/// A backend's rules: how it compares types, which logical type a catalog type comes from,
/// and the statements of the changes backends make differently.
pub(crate) trait Backend: Sync {
    /// True when two types, resolved and with the same array dimensions, are the same in this
    /// backend's normalized space; `modifiers_agree` when lengths, precision and scale match
    /// or one side states none.
    fn types_equal(&self, want: &DataType, have: &DataType, modifiers_agree: bool) -> bool;

    /// The logical type a built-in type of this backend's catalog comes from.
    fn logical_of(&self, t: &DataType) -> Option<LogicalType>;

    /// An identifier, quoted.
    fn quote(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// `Err(what)` when the backend cannot make the change in place (SQLite rebuilds the
    /// table instead): `what` completes "cannot .. in place".
    fn in_place(&self, _c: &Change) -> Result<(), &'static str> {
        Ok(())
    }

    /// Why a table without columns is not made, where the backend has none.
    fn no_columns(&self) -> Option<&'static str> {
        None
    }

    /// Creating, dropping or changing an enum type.
    fn enum_change(&self, c: &Change, t: &Target) -> Vec<Statement>;

    /// A column's type, nullability, default or comment changed in place.
    fn alter_column(
        &self,
        schema: &str,
        table: &str,
        from: &Column,
        to: &Column,
        t: &Target,
    ) -> Vec<Statement>;

    /// The table comment set (or removed).
    fn table_comment(
        &self,
        schema: &str,
        table: &str,
        to: Option<&str>,
        t: &Target,
    ) -> Vec<Statement>;

    /// A table rebuilt to its new definition; a backend that alters in place runs `changes`.
    fn rebuild(
        &self,
        _schema: &str,
        _from: &Table,
        _to: &Table,
        changes: &[Change],
        t: &Target,
    ) -> Vec<Statement> {
        changes.iter().flat_map(|c| statements(c, t)).collect()
    }
}

/// The rules of a backend.
pub(crate) fn backend(d: Dialect) -> &'static dyn Backend {
    match d {
        Dialect::Postgres => &postgres::Postgres,
        Dialect::Sqlite => &sqlite::Sqlite,
        Dialect::Mysql => &mysql::Mysql,
    }
}

/// The logical type a catalog type of `d` comes from, when one renders as it.
pub fn logical_of(t: &DataType, d: Dialect) -> Option<LogicalType> {
    if t.array_dims > 0 {
        let inner = logical_of(&t.clone().array_of(t.array_dims - 1), d)?;
        return Some(LogicalType::Array(Box::new(inner)));
    }
    match t.kind {
        TypeKind::Enum => Some(LogicalType::Enum {
            name: t.name.clone(),
            variants: Vec::new(),
        }),
        TypeKind::Builtin => backend(d).logical_of(t).or_else(|| common_logical(t)),
        _ => None,
    }
}

/// Type names every backend spells alike.
fn common_logical(t: &DataType) -> Option<LogicalType> {
    use LogicalType as L;
    plain(
        t,
        match t.name.as_str() {
            "text" => L::Text,
            "float" => L::Float,
            "double" => L::Double,
            "json" => L::Json,
            "uuid" => L::Uuid,
            "date" => L::Date,
            "time" => L::Time,
            "blob" => L::Blob,
            _ => return None,
        },
    )
}

/// `l`, for a type stated without modifiers.
fn plain(t: &DataType, l: LogicalType) -> Option<LogicalType> {
    t.modifiers.is_empty().then_some(l)
}

/// A type with an optional length (`varchar`, `varchar(45)`).
fn with_length(t: &DataType, f: fn(Option<u32>) -> LogicalType) -> Option<LogicalType> {
    match t.modifiers.as_slice() {
        [] => Some(f(None)),
        [n] => Some(f(Some(*n))),
        _ => None,
    }
}

/// A type with optional precision and scale (`numeric`, `numeric(10, 2)`).
fn with_precision(t: &DataType, f: fn(Option<(u32, u32)>) -> LogicalType) -> Option<LogicalType> {
    match t.modifiers.as_slice() {
        [] => Some(f(None)),
        [p, s] => Some(f(Some((*p, *s)))),
        _ => None,
    }
}

/// A step that cannot run on SQLite as planned, which rebuilds tables instead.
pub(crate) fn needs_rebuild(what: &str) -> Statement {
    Statement::Unsupported(format!(
        "SQLite cannot {what} in place, and this migration was not made against SQLite; \
         regenerate it with `sealift autogen` against SQLite, which rebuilds the table"
    ))
}
