//! Schema, namespaces, tables and everything a table carries.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::logical::Logical;
use crate::types::DataType;

/// The database family a schema belongs to; type names are spelled in its normalized space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL: type names as in `pg_type.typname` (`int4`, `varchar`, `timestamptz`).
    Postgres,
    /// SQLite: declared type names, lowercased, as sea-query writes them (`datetime_text`).
    Sqlite,
    /// MySQL and MariaDB.
    Mysql,
}

impl Dialect {
    /// The lowercase name used in dumps, flags and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
        }
    }

    /// The product name, for messages: `PostgreSQL`, `SQLite`, `MySQL`.
    pub fn product(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Sqlite => "SQLite",
            Dialect::Mysql => "MySQL",
        }
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;

    /// `postgres` (or `postgresql`), `sqlite`, `mysql` (or `mariadb`).
    fn from_str(s: &str) -> Result<Dialect, String> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "sqlite" => Ok(Dialect::Sqlite),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            other => Err(format!(
                "`{other}` is not a database sealift knows; write postgres, sqlite or mysql"
            )),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A whole database schema of one dialect: namespaces by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Which database family the type names belong to.
    pub dialect: Dialect,
    /// PostgreSQL schemas, the SQLite `main` (or attached) database, the MySQL database.
    pub namespaces: BTreeMap<String, Namespace>,
}

impl Schema {
    /// An empty schema of the given dialect.
    pub fn new(dialect: Dialect) -> Self {
        Schema {
            dialect,
            namespaces: BTreeMap::new(),
        }
    }

    /// Every table of every namespace, in namespace then table order.
    pub fn tables(&self) -> impl Iterator<Item = (&Namespace, &Table)> {
        self.namespaces
            .values()
            .flat_map(|ns| ns.tables.values().map(move |t| (ns, t)))
    }

    /// The table a qualified name points at; an unqualified name matches in any namespace.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        match &name.schema {
            Some(s) => self.namespaces.get(s)?.tables.get(&name.name),
            None => self
                .namespaces
                .values()
                .find_map(|ns| ns.tables.get(&name.name)),
        }
    }
}

/// One namespace: a PostgreSQL schema, a SQLite database, a MySQL database.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Namespace {
    /// The namespace's name (`public`, `main`, ...).
    pub name: String,
    /// Tables and views by name.
    pub tables: BTreeMap<String, Table>,
    /// Enum types by name (PostgreSQL).
    pub enums: BTreeMap<String, Enum>,
    /// Domains by name (PostgreSQL).
    pub domains: BTreeMap<String, Domain>,
}

impl Namespace {
    /// An empty namespace.
    pub fn new(name: impl Into<String>) -> Self {
        Namespace {
            name: name.into(),
            ..Namespace::default()
        }
    }
}

/// A possibly schema-qualified object name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The namespace, when known or when it differs from the referring object's.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

impl QualifiedName {
    /// A name in the given namespace.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: Some(schema.into()),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What kind of relation a table entry is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableKind {
    /// A plain table.
    #[default]
    Ordinary,
    /// A declaratively partitioned parent (`PARTITION BY ...`).
    Partitioned {
        /// The partition key as the database prints it, e.g. `RANGE (film_id)`.
        key: String,
    },
    /// A partition of another table: declarative (`PARTITION OF`, with its bound) or by
    /// inheritance (`INHERITS`, no bound).
    PartitionOf {
        /// The parent table.
        parent: QualifiedName,
        /// The partition bound, e.g. `FOR VALUES FROM (1) TO (999)`; none for inheritance.
        bound: Option<String>,
    },
    /// A view or materialized view: listed so later stages can leave it alone.
    View {
        /// True for a materialized view.
        materialized: bool,
    },
    /// A virtual table (SQLite's `CREATE VIRTUAL TABLE ... USING fts5(...)`): its module keeps
    /// its rows in shadow tables of its own, which are part of it and not listed. Left alone.
    Virtual {
        /// The module: `fts5`, `rtree`.
        module: String,
    },
}

impl TableKind {
    /// True for views, which sealift never alters.
    pub fn is_view(&self) -> bool {
        matches!(self, TableKind::View { .. })
    }
}

/// A table or view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Ordinary, partitioned, a partition, or a view.
    #[serde(flatten)]
    pub kind: TableKind,
    /// Columns in their declared order.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints, sorted by name.
    pub uniques: Vec<Unique>,
    /// Indexes that back no constraint (unique indexes included), sorted by name.
    pub indexes: Vec<Index>,
    /// Foreign keys, sorted by name.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints, sorted by name.
    pub checks: Vec<Check>,
    /// The table comment.
    pub comment: Option<String>,
    /// Columns an entity declares but asks SeaORM not to manage (`ignore` fields): never
    /// created, altered or dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
    /// Triggers on the table, sorted by name: never managed, but carried through rebuilds and
    /// re-created with the table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Objects outside the table that use some of its columns (views, policies), sorted by
    /// kind and name: a column they use cannot be dropped or retyped while they stand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependents: Vec<Dependent>,
}

/// Something outside a table that uses some of its columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dependent {
    /// What it is: `view`, `materialized view`, `policy`, `rule`.
    pub kind: String,
    /// Its name, schema-qualified where it has a schema.
    pub name: String,
    /// The columns of the table it uses, in table order.
    pub columns: Vec<String>,
}

/// A trigger, kept as the database prints its definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The trigger's name.
    pub name: String,
    /// The full `CREATE TRIGGER` statement.
    pub definition: String,
}

impl Table {
    /// An ordinary table with no columns.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            kind: TableKind::Ordinary,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
            ignored_columns: Vec::new(),
            triggers: Vec::new(),
            dependents: Vec::new(),
        }
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Sorts every name-keyed list so that equal tables are equal values.
    pub fn sort(&mut self) {
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| {
            (&a.name, &a.columns, &a.referenced_table).cmp(&(
                &b.name,
                &b.columns,
                &b.referenced_table,
            ))
        });
        self.checks
            .sort_by(|a, b| (&a.name, &a.expression).cmp(&(&b.name, &b.expression)));
        self.triggers.sort_by(|a, b| a.name.cmp(&b.name));
        self.dependents.sort();
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its type in the dialect's normalized spelling.
    #[serde(rename = "type")]
    pub data_type: DataType,
    /// True unless the column is `NOT NULL`.
    pub nullable: bool,
    /// The default expression as the database prints it.
    pub default: Option<String>,
    /// How the column generates its own values, if it does.
    pub identity: Option<Identity>,
    /// The expression of a generated (computed) column.
    pub generated: Option<String>,
    /// A collation other than the type's default.
    pub collation: Option<String>,
    /// The column comment.
    pub comment: Option<String>,
    /// The name this column had before (desired side only: an entity's `renamed_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// MySQL's `ON UPDATE CURRENT_TIMESTAMP[(n)]`: the value the server sets on every update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
    /// How SeaORM writes the column (desired side only: the entity's column type and
    /// default), so that a migration builds it for whichever backend runs it. Not part of
    /// what the column is: the diff compares the lowered fields above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical: Option<Logical>,
}

impl Column {
    /// A nullable column of the given type with nothing else set.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Column {
            name: name.into(),
            data_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            renamed_from: None,
            on_update: None,
            logical: None,
        }
    }
}

/// How a column generates its own values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY` (PostgreSQL).
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY` (PostgreSQL).
    ByDefault,
    /// `serial`: a `nextval` default on a sequence the column owns (PostgreSQL).
    Serial {
        /// The owned sequence.
        sequence: QualifiedName,
    },
    /// `AUTOINCREMENT` (SQLite) or `AUTO_INCREMENT` (MySQL).
    AutoIncrement,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// The constraint name, where the database keeps one.
    pub name: Option<String>,
    /// Key columns in key order.
    pub columns: Vec<String>,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// The constraint name, where the database keeps one.
    pub name: Option<String>,
    /// Columns in constraint order.
    pub columns: Vec<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+): rows whose key is NULL collide too.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
}

impl Unique {
    /// A unique constraint on these columns.
    pub fn new(name: Option<String>, columns: Vec<String>) -> Self {
        Unique {
            name,
            columns,
            nulls_not_distinct: false,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

/// An index that backs no constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index name.
    pub name: String,
    /// True for a unique index.
    pub unique: bool,
    /// Key parts in order.
    pub parts: Vec<IndexPart>,
    /// The access method (`btree`, `gist`, ...) where the database has several.
    pub method: Option<String>,
    /// The predicate of a partial index.
    pub predicate: Option<String>,
    /// Non-key columns (`INCLUDE`).
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT` on a unique index (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
}

impl Index {
    /// The columns among its key parts, in key order (expression parts left out).
    pub fn key_columns(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| match &p.key {
                IndexKey::Column(c) => Some(c.clone()),
                IndexKey::Expression(_) => None,
            })
            .collect()
    }
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    /// A column or an expression.
    #[serde(flatten)]
    pub key: IndexKey,
    /// True for `DESC`.
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST` when it differs from the order's default.
    pub nulls_first: Option<bool>,
    /// A collation other than the column's.
    pub collation: Option<String>,
    /// An operator class other than the type's default.
    pub opclass: Option<String>,
    /// MySQL's prefix length: the key holds the first N characters (bytes for binary types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u32>,
}

impl IndexPart {
    /// An ascending part on a column, with no options.
    pub fn column(name: impl Into<String>) -> Self {
        IndexPart {
            key: IndexKey::Column(name.into()),
            descending: false,
            nulls_first: None,
            collation: None,
            opclass: None,
            prefix: None,
        }
    }
}

/// What an index part indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    /// A column by name.
    Column(String),
    /// An expression as the database prints it.
    Expression(String),
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint name, where the database keeps one.
    pub name: Option<String>,
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referenced_table: QualifiedName,
    /// Referenced columns, paired with `columns`.
    pub referenced_columns: Vec<String>,
    /// `ON UPDATE`.
    pub on_update: FkAction,
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// Whether checking can be deferred.
    pub deferrable: Deferrable,
    /// Added `NOT VALID`: rows that were there then have not been checked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

/// A referential action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION`, the SQL default.
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl FkAction {
    /// The SQL spelling.
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the SQL spelling, case-insensitively (`"SET NULL"`, `"cascade"`).
    pub fn from_sql(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| w.to_ascii_uppercase())
            .collect();
        Some(match words.join(" ").as_str() {
            "NO ACTION" => FkAction::NoAction,
            "RESTRICT" => FkAction::Restrict,
            "CASCADE" => FkAction::Cascade,
            "SET NULL" => FkAction::SetNull,
            "SET DEFAULT" => FkAction::SetDefault,
            _ => return None,
        })
    }
}

/// Whether a constraint's check can be deferred to commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    /// `NOT DEFERRABLE`, the default.
    #[default]
    No,
    /// `DEFERRABLE INITIALLY IMMEDIATE`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    InitiallyDeferred,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The constraint name, where the database keeps one.
    pub name: Option<String>,
    /// The boolean expression, without the `CHECK` keyword.
    pub expression: String,
    /// Added `NOT VALID`: rows that were there then have not been checked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

impl Check {
    /// A (valid) check constraint.
    pub fn new(name: Option<String>, expression: impl Into<String>) -> Self {
        Check {
            name,
            expression: expression.into(),
            not_valid: false,
        }
    }
}

/// An enum type with its labels in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    /// The type's name.
    pub name: String,
    /// Labels in their sort order.
    pub values: Vec<String>,
}

/// A domain: a named base type with optional constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// The domain's name.
    pub name: String,
    /// The type it is built on.
    pub base: DataType,
    /// True unless the domain is `NOT NULL`.
    pub nullable: bool,
    /// The domain's default expression.
    pub default: Option<String>,
    /// The domain's checks, sorted by name.
    pub checks: Vec<Check>,
}
