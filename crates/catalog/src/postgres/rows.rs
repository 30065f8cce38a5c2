//! The rows the PostgreSQL catalog queries return, one struct per query.

use sqlx::FromRow;

/// [`super::queries::SCHEMAS`].
#[derive(Debug, Clone, FromRow)]
pub struct SchemasRow {
    pub current: Option<String>,
    pub available: Vec<String>,
}

/// [`super::queries::RELATIONS`].
#[derive(Debug, Clone, FromRow)]
pub struct RelationRow {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub relkind: String,
    pub is_partition: bool,
    pub partition_key: Option<String>,
    pub partition_bound: Option<String>,
    pub parent_schema: Option<String>,
    pub parent_name: Option<String>,
    pub comment: Option<String>,
}

/// The type columns shared by [`ColumnRow`] and [`DomainRow`]: a scalar type (the element type
/// for arrays) and the type modifier stated with it.
#[derive(Debug, Clone, FromRow)]
pub struct TypeCols {
    pub type_name: String,
    pub type_schema: String,
    pub type_type: String,
    pub typmod: i32,
    pub ndims: i32,
    pub is_array: bool,
}

/// [`super::queries::COLUMNS`].
#[derive(Debug, Clone, FromRow)]
pub struct ColumnRow {
    pub table_oid: i64,
    pub position: i16,
    pub name: String,
    pub not_null: bool,
    pub identity: String,
    pub generated: String,
    #[sqlx(flatten)]
    pub ty: TypeCols,
    pub default_expr: Option<String>,
    pub collation: Option<String>,
    pub comment: Option<String>,
    pub seq_schema: Option<String>,
    pub seq_name: Option<String>,
}

/// [`super::queries::CONSTRAINTS`].
#[derive(Debug, Clone, FromRow)]
pub struct ConstraintRow {
    pub table_oid: i64,
    pub name: String,
    pub kind: String,
    /// Key column numbers; names come from the columns query (one query fewer per row).
    pub attnums: Vec<i16>,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    pub ref_oid: i64,
    pub ref_attnums: Vec<i16>,
    /// Names of the referenced columns, only when the referenced table is not reflected.
    pub ref_columns: Vec<String>,
    pub on_update: String,
    pub on_delete: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub check_expr: Option<String>,
}

/// [`super::queries::INDEXES`].
#[derive(Debug, Clone, FromRow)]
pub struct IndexRow {
    pub table_oid: i64,
    pub name: String,
    pub is_unique: bool,
    pub method: String,
    pub key_count: i32,
    pub attnums: Vec<i16>,
    pub options: Vec<i16>,
    pub defs: Vec<Option<String>>,
    pub opclasses: Vec<Option<String>>,
    pub predicate: Option<String>,
}

/// [`super::queries::ENUMS`].
#[derive(Debug, Clone, FromRow)]
pub struct EnumRow {
    pub schema: String,
    pub name: String,
    pub labels: Vec<String>,
}

/// [`super::queries::DOMAINS`].
#[derive(Debug, Clone, FromRow)]
pub struct DomainRow {
    pub schema: String,
    pub name: String,
    #[sqlx(flatten)]
    pub ty: TypeCols,
    pub not_null: bool,
    pub default_expr: Option<String>,
    pub check_names: Vec<String>,
    pub check_exprs: Vec<String>,
}

/// [`super::queries::TRIGGERS`].
#[derive(Debug, Clone, FromRow)]
pub struct TriggerRow {
    pub table_oid: i64,
    pub name: String,
    pub definition: String,
}
