//! How SeaORM's column types and defaults land on each backend: the type the catalog will
//! report for a column sea-query created, and the default as the server prints it back. One
//! module per backend with the same two functions.

mod mysql;
mod postgres;
mod sqlite;

use sealift_ir::{DataType, Dialect};

use crate::lower::LowerOptions;
use crate::model::{ColType, DefaultDef};

/// The column type in the dialect's normalized spelling (what reflection reports).
/// `namespace` is the entity's, where its enums live.
pub(crate) fn data_type(
    ct: &ColType,
    namespace: &str,
    options: &LowerOptions,
) -> Result<DataType, String> {
    match options.dialect {
        Dialect::Postgres => postgres::data_type(ct, namespace, &options.default_schema),
        Dialect::Sqlite => sqlite::data_type(ct),
        Dialect::Mysql => mysql::data_type(ct),
    }
}

/// The default as the database reports it back after sea-query wrote it.
pub(crate) fn default_text(d: &DefaultDef, t: &DataType, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => postgres::default_text(d, t),
        Dialect::Sqlite | Dialect::Mysql => plain_default(d),
    }
}

/// A string literal quoted for SQL.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A default as SQLite and MySQL print it back: as sea-query wrote it.
fn plain_default(d: &DefaultDef) -> String {
    match d {
        DefaultDef::Str(s) => quoted(s),
        DefaultDef::Int(i) => i.to_string(),
        DefaultDef::Float(f) => f.clone(),
        DefaultDef::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_owned(),
        DefaultDef::Keyword(k) => k.clone(),
        DefaultDef::Sql(s) => format!("({s})"),
    }
}
