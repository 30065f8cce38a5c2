//! What differs between backends, behind one interface: one module per backend, with the same
//! hooks in each (`postgres.rs`, `sqlite.rs`, `mysql.rs`). The generic diff, plan and
//! statement code asks [`backend`] instead of matching on the dialect, so a new backend is a
//! new module here (and a folder in `sealift-catalog`, a lowering in `sealift-entity`).

mod column;
mod mysql;
mod postgres;
mod sqlite;
mod target;

use sealift_ir::{
    Column, DataType, Dialect, ForeignKey, Identity, Index, LogicalType, Table, TypeKind,
};

use crate::change::Change;
use crate::statement::Statement;

pub(crate) use column::{column_spec, type_sql};
pub(crate) use postgres::{family_changes, untyped_default};
pub use target::Target;
pub(crate) use target::{comment_literal, literal, quote, table_ref};

/// What a backend can say, as flags the generic statement code reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Features {
    /// Constraints added `NOT VALID` (existing rows unchecked).
    pub not_valid: bool,
    /// `DEFERRABLE` foreign keys.
    pub deferrable: bool,
    /// `NULLS NOT DISTINCT` on unique keys and indexes.
    pub nulls_not_distinct: bool,
    /// Index access methods (`USING gin`).
    pub index_methods: bool,
    /// Comments in the column definition (`COMMENT '..'`), not in statements of their own.
    pub inline_comments: bool,
    /// Generated columns stored rather than virtual (SQLite adds only virtual ones).
    pub stored_generated: bool,
    /// Foreign keys referencing a table with its schema (SQLite references by bare name).
    pub qualified_references: bool,
    /// Foreign keys that keep a name (SQLite's catalog reports none).
    pub named_foreign_keys: bool,
    /// Expressions in the catalog carry casts (`'a'::text`) other backends cannot read.
    pub casts_in_expressions: bool,
    /// The server names a key or check made without a name (`{table}_pkey`); the name means
    /// nothing on other backends.
    pub names_unnamed: bool,
    /// Collation names are identifiers, quoted (`COLLATE "C"`).
    pub quoted_collations: bool,
    /// Enums are types of their own, named in a schema (`CREATE TYPE`).
    pub enum_types: bool,
    /// Enum values are spelled in the column's type (`ENUM('a','b')`), where sea-query writes
    /// them between quotes without escaping (MySQL).
    pub inline_enums: bool,
    /// Table changes it cannot make in place are made by rebuilding the table (SQLite).
    pub rebuilds_tables: bool,
    /// A one-column integer primary key is the rowid: never NULL, auto-increment or not, and
    /// the catalog cannot tell which (SQLite).
    pub rowid_keys: bool,
    /// A column's type cannot change while a foreign key uses it: the key is dropped and
    /// added again around the change.
    pub foreign_keys_pin_types: bool,
    /// `CREATE INDEX` blocks writes to the table while it builds (PostgreSQL without
    /// `CONCURRENTLY`; InnoDB builds secondary indexes online).
    pub index_builds_block_writes: bool,
    /// Views, rules and policies stand in the way of a column type change (PostgreSQL).
    pub dependents_block_type_changes: bool,
    /// DDL runs inside a transaction and is undone with it (PostgreSQL, SQLite); MySQL
    /// commits each statement as it runs.
    pub transactional_ddl: bool,
    /// `ON UPDATE CURRENT_TIMESTAMP` in a column's definition (MySQL).
    pub on_update: bool,
    /// The longest name the server takes, in characters, where it refuses longer ones
    /// (PostgreSQL cuts them instead).
    pub name_limit: Option<usize>,
    /// Names hold only characters of Unicode's Basic Multilingual Plane: no emoji (MySQL).
    pub names_bmp_only: bool,
    /// An `AUTO_INCREMENT` column must be a key: the primary key holding one cannot be
    /// dropped, nor such a column added, in a statement of its own (MySQL).
    pub auto_increment_needs_key: bool,
}

/// A backend's rules: how it compares types, which logical type a catalog type comes from,
/// and the statements of the changes backends make differently.
pub(crate) trait Backend: Sync {
    /// What the backend can say.
    fn features(&self) -> &'static Features;

    /// The namespace a connection starts in, where it has one.
    fn default_schema(&self) -> &'static str {
        ""
    }

    /// True when a table in `schema` is named without it: SQLite's `main`, any database on
    /// MySQL (a connection works in one).
    fn implicit_schema(&self, schema: &str) -> bool {
        let _ = schema;
        false
    }

    /// A type as the backend's catalog reports it, from how sea-query spells it in a column
    /// definition (`real(10, 2)`, `int4`, `bool`).
    fn rendered_type(&self, spelled: &str) -> DataType {
        sealift_dialect::sqlite::declared_type(spelled)
    }

    /// Whether sea-query's `auto_increment()` is asked for a column with `identity` of type
    /// `ty`, and any text the definition needs instead (`GENERATED ALWAYS AS IDENTITY`).
    /// `inline_pk` when the column's definition says `PRIMARY KEY`; `native` when the plan
    /// was made on this backend.
    fn identity(
        &self,
        identity: &Identity,
        ty: &LogicalType,
        inline_pk: bool,
        native: bool,
    ) -> (bool, Option<&'static str>) {
        let _ = (identity, ty, inline_pk, native);
        (true, None)
    }

    /// True when every value of `from` fits `to`: a longer string, or one without a limit.
    fn widens(&self, from: &DataType, to: &DataType) -> bool {
        from.name == to.name && lengthens(from, to)
    }

    /// True when the server has no conversion from `from` to `to` at all, so changing a
    /// column's type fails on any row that holds a value (only an empty table, or a column of
    /// NULLs, converts).
    fn never_converts(&self, from: &DataType, to: &DataType) -> bool {
        let _ = (from, to);
        false
    }

    /// True when changing a column from `from` to `to` rewrites the table under an
    /// exclusive lock.
    fn rewrites_table(&self, from: &DataType, to: &DataType) -> bool {
        let _ = (from, to);
        false
    }

    /// Why adding `part` to a table with rows copies the table while its writers wait, when
    /// it does.
    fn copies_to_add(&self, part: &crate::change::Part) -> Option<&'static str> {
        let _ = part;
        None
    }

    /// True when adding a column with this default rewrites the table under an exclusive
    /// lock: the server cannot store one value for every existing row.
    fn default_rewrites(&self, default: &str) -> bool {
        let _ = default;
        false
    }

    /// True when the server makes `index` by itself for `fk` when the key is created (InnoDB
    /// adds an index named after the key, or after its first column, when none leads with its
    /// columns).
    fn index_for_foreign_key(&self, fk: &ForeignKey, index: &Index) -> bool {
        let _ = (fk, index);
        false
    }

    /// The name the server gives a primary key made without one, where it keeps one.
    fn default_primary_key_name(&self, table: &str) -> Option<String> {
        let _ = table;
        None
    }

    /// The name the server gives a unique constraint made without one, where it keeps one.
    fn default_unique_name(&self, table: &str, columns: &[String]) -> Option<String> {
        let _ = (table, columns);
        None
    }

    /// True when a primary key keeps the name it is given (MySQL's is always `PRIMARY`).
    fn names_primary_keys(&self) -> bool {
        true
    }

    /// `ALTER TABLE .. DROP ..` for the primary key called `name`.
    fn drop_primary_key(&self, table_ref: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {table_ref} DROP CONSTRAINT {}",
            self.quote(name)
        )
    }

    /// True when an index over a whole column of this type cannot be made, and the server
    /// keeps a prefix of its choosing instead of the whole value.
    fn implied_key_prefix(&self, column_type: &DataType) -> bool {
        let _ = column_type;
        false
    }

    /// `ALTER TABLE .. DROP ..` for the unique key called `name`.
    fn drop_unique(&self, table_ref: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {table_ref} DROP CONSTRAINT {}",
            self.quote(name)
        )
    }

    /// A serial column's type name (`serial`, `bigserial`), where the backend has them.
    fn serial_type(&self, ty: &DataType) -> Option<&'static str> {
        let _ = ty;
        None
    }

    /// Statements that follow `CREATE TABLE` for its table and column comments, where the
    /// backend states them apart.
    fn comments_after_create(&self, schema: &str, table: &Table, t: &Target) -> Vec<Statement> {
        let _ = (schema, table, t);
        Vec::new()
    }

    /// The statement that comments a column just added, where the backend states it apart.
    fn column_comment(&self, schema: &str, table: &str, c: &Column, t: &Target) -> Vec<Statement> {
        let _ = (schema, table, c, t);
        Vec::new()
    }

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
pub(crate) fn logical_of(t: &DataType, d: Dialect) -> Option<LogicalType> {
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

/// True when `to` states no limit, or one at least `from`'s.
fn lengthens(from: &DataType, to: &DataType) -> bool {
    match (from.modifiers.as_slice(), to.modifiers.as_slice()) {
        (_, []) => true,
        ([f], [t]) => f <= t,
        _ => false,
    }
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

/// The values an inline enum type (MySQL's `enum('a','b')`) loses from `from` to `to`; `None`
/// unless both are inline enums.
pub(crate) fn removed_enum_values(from: &DataType, to: &DataType) -> Option<Vec<String>> {
    use sealift_dialect::mysql::enum_values;
    let (before, after) = (enum_values(&from.name)?, enum_values(&to.name)?);
    Some(before.into_iter().filter(|v| !after.contains(v)).collect())
}

/// A step that cannot run on SQLite as planned, which rebuilds tables instead.
pub(crate) fn needs_rebuild(what: &str) -> Statement {
    Statement::Unsupported(format!(
        "SQLite cannot {what} in place, and this migration was not made against SQLite; \
         regenerate it with `sealift autogen` against SQLite, which rebuilds the table"
    ))
}
