//! The rows the MySQL and MariaDB catalog queries return, one struct per query. Text columns
//! decode through [`Text`]: MySQL 8 serves much of `information_schema` with a binary
//! collation, which sqlx will not decode as a `String`.

use sqlx::mysql::{MySql, MySqlTypeInfo, MySqlValueRef};
use sqlx::{Decode, FromRow, Type};

/// A text column, decoded from its bytes whatever its collation says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Type<MySql> for Text {
    fn type_info() -> MySqlTypeInfo {
        <Vec<u8> as Type<MySql>>::type_info()
    }

    fn compatible(ty: &MySqlTypeInfo) -> bool {
        <Vec<u8> as Type<MySql>>::compatible(ty)
    }
}

impl<'r> Decode<'r, MySql> for Text {
    fn decode(value: MySqlValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let bytes = <&[u8] as Decode<MySql>>::decode(value)?;
        Ok(Text(String::from_utf8_lossy(bytes).into_owned()))
    }
}

impl Text {
    /// The text, or `None` when empty (comments, expressions).
    pub fn non_empty(self) -> Option<String> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// [`super::queries::SERVER`].
#[derive(Debug, Clone, FromRow)]
pub struct ServerRow {
    pub version: Text,
    pub current_database: Option<Text>,
}

/// [`super::queries::SCHEMAS`].
#[derive(Debug, Clone, FromRow)]
pub struct SchemaRow {
    pub name: Text,
}

/// [`super::queries::TABLES`].
#[derive(Debug, Clone, FromRow)]
pub struct TableRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub table_type: Text,
    pub table_collation: Option<Text>,
    pub table_comment: Option<Text>,
}

/// [`super::queries::COLUMNS`].
#[derive(Debug, Clone, FromRow)]
pub struct ColumnRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub column_name: Text,
    pub position: i64,
    pub column_type: Text,
    pub data_type: Text,
    pub is_nullable: Text,
    pub column_default: Option<Text>,
    pub extra: Option<Text>,
    pub generation_expression: Option<Text>,
    pub collation_name: Option<Text>,
    pub column_comment: Option<Text>,
}

/// [`super::queries::indexes`].
#[derive(Debug, Clone, FromRow)]
pub struct IndexRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub index_name: Text,
    pub non_unique: i64,
    pub seq: i64,
    pub column_name: Option<Text>,
    pub sub_part: Option<i64>,
    pub index_type: Text,
    pub collation: Option<Text>,
    pub expression: Option<Text>,
}

/// [`super::queries::FOREIGN_KEYS`].
#[derive(Debug, Clone, FromRow)]
pub struct ForeignKeyRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub constraint_name: Text,
    pub column_name: Text,
    pub position: i64,
    pub referenced_schema: Text,
    pub referenced_table: Text,
    pub referenced_column: Text,
    pub update_rule: Text,
    pub delete_rule: Text,
}

/// [`super::queries::checks`].
#[derive(Debug, Clone, FromRow)]
pub struct CheckRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub constraint_name: Text,
    pub check_clause: Text,
}

/// [`super::queries::TRIGGERS`].
#[derive(Debug, Clone, FromRow)]
pub struct TriggerRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub trigger_name: Text,
    pub timing: Text,
    pub event: Text,
    pub body: Text,
}

/// [`super::queries::PARTITIONS`].
#[derive(Debug, Clone, FromRow)]
pub struct PartitionRow {
    pub table_schema: Text,
    pub table_name: Text,
    pub method: Option<Text>,
    pub expression: Option<Text>,
}

/// Everything the catalog queries returned, ready to lower.
#[derive(Debug, Clone, Default)]
pub struct CatalogRows {
    pub tables: Vec<TableRow>,
    pub columns: Vec<ColumnRow>,
    pub indexes: Vec<IndexRow>,
    pub foreign_keys: Vec<ForeignKeyRow>,
    pub checks: Vec<CheckRow>,
    pub triggers: Vec<TriggerRow>,
    pub partitions: Vec<PartitionRow>,
}
