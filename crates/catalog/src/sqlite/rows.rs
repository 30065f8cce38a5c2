//! The rows the SQLite catalog queries return, one struct per query.

use sqlx::FromRow;

/// [`super::queries::OBJECTS`].
#[derive(Debug, Clone, FromRow)]
pub struct ObjectRow {
    pub kind: String,
    pub name: String,
    pub table_name: String,
    pub sql: Option<String>,
}

/// [`super::queries::COLUMNS`].
#[derive(Debug, Clone, FromRow)]
pub struct ColumnRow {
    pub table_name: String,
    pub cid: i64,
    pub name: String,
    pub declared_type: String,
    pub not_null: bool,
    pub default_value: Option<String>,
    pub pk: i64,
    pub hidden: i64,
}

/// [`super::queries::INDEX_COLUMNS`].
#[derive(Debug, Clone, FromRow)]
pub struct IndexColumnRow {
    pub table_name: String,
    pub index_name: String,
    pub is_unique: bool,
    pub origin: String,
    pub partial: bool,
    pub seqno: i64,
    pub cid: i64,
    pub column_name: Option<String>,
    pub descending: bool,
    pub collation: Option<String>,
}

/// [`super::queries::FOREIGN_KEYS`].
#[derive(Debug, Clone, FromRow)]
pub struct ForeignKeyRow {
    pub table_name: String,
    pub id: i64,
    pub seq: i64,
    pub ref_table: String,
    pub from_column: String,
    pub to_column: Option<String>,
    pub on_update: String,
    pub on_delete: String,
}

/// Everything the catalog queries returned for one database, ready to lower.
#[derive(Debug, Clone, Default)]
pub struct CatalogRows {
    pub objects: Vec<ObjectRow>,
    pub columns: Vec<ColumnRow>,
    pub index_columns: Vec<IndexColumnRow>,
    pub foreign_keys: Vec<ForeignKeyRow>,
}
