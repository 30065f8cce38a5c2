//! How SeaORM's entities land on each backend: the type the catalog will report for a column
//! sea-query created, the default as the server prints it back, and the names and flags the
//! server gives what SeaORM creates. One module per backend, each implementing [`Server`].

mod mysql;
mod postgres;
mod sqlite;

use sealift_ir::{DataType, Dialect, FkAction, Identity, Table};

use crate::model::{ColType, DefaultDef};

/// What one backend makes of an entity: the questions lowering asks that have a different
/// answer per backend. Each answer follows what SeaORM 2.x's schema builders and sea-query
/// create there, and what that server then reports.
pub(crate) trait Server: Sync {
    /// The namespace of entities without `schema_name`.
    fn default_schema(&self) -> &'static str;
    /// The column type in the backend's normalized spelling (what reflection reports).
    /// `namespace` is the entity's, where PostgreSQL keeps its enums.
    fn data_type(
        &self,
        ct: &ColType,
        namespace: &str,
        default_schema: &str,
    ) -> Result<DataType, String>;
    /// The default as the database reports it back after sea-query wrote it.
    fn default_text(&self, d: &DefaultDef, t: &DataType) -> String {
        let _ = t;
        plain_default(d)
    }
    /// The longest identifier the server keeps; it cuts longer ones (PostgreSQL, with only a
    /// NOTICE). `None` where names are kept whole or rejected.
    fn max_identifier(&self) -> Option<usize> {
        None
    }
    /// Whether an enum is a type of its own in a namespace (PostgreSQL's `CREATE TYPE`),
    /// rather than a column's inline list or text.
    fn enum_types(&self) -> bool {
        false
    }
    /// Whether a primary key column keeps the nullability its field states (SQLite does not
    /// make key columns `NOT NULL`).
    fn nullable_key_columns(&self) -> bool {
        false
    }
    /// How an auto-increment key is made of `ct`; `Err` names what the backend requires.
    fn identity(&self, ct: &ColType) -> Result<Identity, &'static str> {
        let _ = ct;
        Ok(Identity::AutoIncrement)
    }
    /// Whether sea-query writes table and column comments in `CREATE TABLE` (MySQL only).
    fn comments(&self) -> bool {
        false
    }
    /// The name the server gives `CHECK` written on a column.
    fn check_name(&self, table: &str, column: &str) -> Option<String> {
        let _ = (table, column);
        None
    }
    /// Whether a `unique` field that is also the single-column primary key gets a unique
    /// constraint of its own (PostgreSQL drops one that repeats the key).
    fn unique_beside_primary_key(&self) -> bool {
        true
    }
    /// The name the server gives a column's `UNIQUE`.
    fn unique_name(&self, table: &str, column: &str) -> Option<String> {
        let _ = (table, column);
        None
    }
    /// The primary key's name; `composite` is SeaORM's `pk-{table}` for a key of several
    /// columns, which the backend may keep or replace.
    fn primary_key_name(&self, table: &str, composite: Option<String>) -> Option<String> {
        let _ = table;
        composite
    }
    /// Whether the catalog reports foreign key names (SQLite keeps none).
    fn names_foreign_keys(&self) -> bool {
        true
    }
    /// A foreign key action as the catalog reports it.
    fn fk_action(&self, a: FkAction) -> FkAction {
        a
    }

    /// The table as the server keeps it once created: what it adds or merges on its own
    /// (InnoDB's index for each foreign key).
    fn created(&self, table: &mut Table) {
        let _ = table;
    }

    /// The access method the catalog reports for an index SeaORM creates.
    fn index_method(&self) -> Option<&'static str> {
        None
    }
}

/// The lowering target of `dialect`.
pub(crate) fn server(dialect: Dialect) -> &'static dyn Server {
    match dialect {
        Dialect::Postgres => &postgres::Postgres,
        Dialect::Sqlite => &sqlite::Sqlite,
        Dialect::Mysql => &mysql::Mysql,
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
