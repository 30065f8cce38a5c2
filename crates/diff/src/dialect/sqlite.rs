//! SQLite: declared type names compared by type affinity where sea-query did not write them,
//! enum values as text, no comments, and little altered in place: a table with such a change
//! is rebuilt (batch mode).

use sealift_ir::{Column, DataType, LogicalType};

use super::Target;
use super::{Backend, Features, needs_rebuild, plain, with_length, with_precision};
use crate::change::{Change, Part, TableOp};
use crate::statement::Statement;

pub(crate) struct Sqlite;

static FEATURES: Features = Features {
    not_valid: false,
    deferrable: false,
    nulls_not_distinct: false,
    index_methods: false,
    inline_comments: false,
    stored_generated: false,
    qualified_references: false,
    named_foreign_keys: false,
    casts_in_expressions: false,
    names_unnamed: false,
    quoted_collations: false,
    enum_types: false,
    inline_enums: false,
    rebuilds_tables: true,
    rowid_keys: true,
    foreign_keys_pin_types: false,
    index_builds_block_writes: false,
    dependents_block_type_changes: false,
    transactional_ddl: true,
    on_update: false,
    name_limit: None,
    names_bmp_only: false,
    auto_increment_needs_key: false,
};

impl Backend for Sqlite {
    fn features(&self) -> &'static Features {
        &FEATURES
    }

    fn default_schema(&self) -> &'static str {
        "main"
    }

    fn implicit_schema(&self, schema: &str) -> bool {
        schema == "main"
    }

    /// `AUTOINCREMENT` follows `PRIMARY KEY` only.
    fn identity(
        &self,
        _: &sealift_ir::Identity,
        _: &LogicalType,
        inline_pk: bool,
        _: bool,
    ) -> (bool, Option<&'static str>) {
        (inline_pk, None)
    }

    fn types_equal(&self, w: &DataType, h: &DataType, modifiers_agree: bool) -> bool {
        if w.name == h.name {
            return modifiers_agree;
        }
        if older_spelling(w, h) {
            return true;
        }
        // A table sea-query made has its exact names; one made otherwise compares by SQLite's
        // type affinity.
        if is_sea_query_name(&w.name) && is_sea_query_name(&h.name) {
            return false;
        }
        affinity(&base_of(w)) == affinity(&base_of(h)) && modifiers_agree
    }

    fn logical_of(&self, t: &DataType) -> Option<LogicalType> {
        use LogicalType as L;
        match t.name.as_str() {
            "integer" | "int" => plain(t, L::Integer),
            "bigint" => plain(t, L::BigInteger),
            "smallint" => plain(t, L::SmallInteger),
            "tinyint" => plain(t, L::TinyInteger),
            "varchar" => with_length(t, L::String),
            "char" => with_length(t, L::Char),
            "real" => with_precision(t, L::Decimal),
            "real_decimal" => plain(t, L::Decimal(None)),
            "real_money" => with_precision(t, L::Money),
            "boolean" => plain(t, L::Boolean),
            "datetime_text" => plain(t, L::DateTime),
            "timestamp_text" => plain(t, L::Timestamp),
            "timestamp_with_timezone_text" => plain(t, L::TimestampWithTimeZone),
            "time_text" => plain(t, L::Time),
            "date_text" => plain(t, L::Date),
            "varbinary_blob" => with_length(t, L::VarBinary),
            "json_text" => plain(t, L::Json),
            "jsonb_text" => plain(t, L::JsonBinary),
            "uuid_text" => plain(t, L::Uuid),
            "enum_text" => plain(t, L::Text),
            "blob" => match t.modifiers.as_slice() {
                [] => Some(L::Blob),
                [n] => Some(L::Binary(*n)),
                _ => None,
            },
            _ => None,
        }
    }

    fn in_place(&self, c: &Change) -> Result<(), &'static str> {
        let adding = matches!(c.table_op(), Some(TableOp::Add { .. }));
        match (c.table_op(), c.part()) {
            (Some(TableOp::AlterColumn { .. }), _) => Err("alter a column"),
            (_, Some(Part::Column(column)))
                if adding
                    && (!column.nullable && column.default.is_none()
                        || column.generated.is_some()) =>
            {
                Err("add this column")
            }
            (_, Some(Part::PrimaryKey(_))) if adding => Err("add a primary key"),
            (_, Some(Part::PrimaryKey(_))) => Err("drop a primary key"),
            (_, Some(Part::Unique(_))) if adding => Err("add a unique constraint"),
            (_, Some(Part::Unique(_))) => Err("drop a unique constraint"),
            (_, Some(Part::ForeignKey(_))) => Err("change a foreign key"),
            (_, Some(Part::Check(_))) => Err("change a check constraint"),
            _ => Ok(()),
        }
    }

    fn no_columns(&self) -> Option<&'static str> {
        Some("SQLite has no tables without columns; the entity's table is not made there")
    }

    fn enum_change(&self, _c: &Change, _t: &Target) -> Vec<Statement> {
        vec![Statement::Nothing(
            "SQLite keeps enum values as text".to_owned(),
        )]
    }

    fn alter_column(
        &self,
        _schema: &str,
        _table: &str,
        _from: &Column,
        _to: &Column,
        _t: &Target,
    ) -> Vec<Statement> {
        vec![needs_rebuild("alter a column")]
    }

    fn table_comment(&self, _: &str, _: &str, _: Option<&str>, _: &Target) -> Vec<Statement> {
        vec![Statement::Nothing(
            "SQLite keeps no table comments".to_owned(),
        )]
    }
}

/// Whether `have` is how SeaORM before 2.0 declared the column SeaORM 2.x declares as
/// `want`, where 2.x reads the stored values the same way (sea-query 0.28 to 0.32 wrote
/// `text` for dates, times, JSON and enums, `text(36)` for UUIDs, `real` for decimals,
/// floats and doubles, `integer` for small integers, `blob` or `binary(n)` for bytes). Not
/// money: 0.12 declared it `integer`, which stores whole amounts as integers that 2.x cannot
/// read as a decimal.
fn older_spelling(want: &DataType, have: &DataType) -> bool {
    let plain = have.modifiers.is_empty();
    match (want.name.as_str(), have.name.as_str()) {
        (
            "datetime_text"
            | "timestamp_text"
            | "timestamp_with_timezone_text"
            | "time_text"
            | "date_text"
            | "json_text"
            | "jsonb_text"
            | "enum_text",
            "text",
        ) => plain,
        ("uuid_text", "text") => plain || have.modifiers == [36],
        ("real_decimal" | "float" | "double", "real") => plain,
        ("tinyint" | "smallint", "integer") => plain,
        ("varbinary_blob", "blob") => plain,
        ("varbinary_blob", "binary") => true,
        _ => false,
    }
}

/// True for a type name only sea-query writes (`datetime_text`, `real_decimal`).
fn is_sea_query_name(name: &str) -> bool {
    name.ends_with("_text") || name.ends_with("_blob") || name.starts_with("real_")
}

/// Like [`base`], knowing that sea-query spells `Decimal(p, s)` as `real(p, s)`.
fn base_of(t: &DataType) -> String {
    if t.name == "real" && t.modifiers.len() == 2 {
        "decimal".into()
    } else {
        base(&t.name)
    }
}

/// A sea-query SQLite name as the plain declared type it stands for (`datetime_text` ->
/// `datetime`, `enum_text` -> `text`, `real_decimal` -> `decimal`).
fn base(name: &str) -> String {
    let base = name.trim_end_matches("_text").trim_end_matches("_blob");
    match base {
        "timestamp_with_timezone" => "timestamp".into(),
        "real_decimal" | "real_money" => "decimal".into(),
        "enum" => "text".into(),
        "varbinary" => "blob".into(),
        other => other.to_owned(),
    }
}

/// SQLite's type affinity rules (datatype3.html, section 3.1).
fn affinity(name: &str) -> &'static str {
    let n = name.to_ascii_uppercase();
    if n.contains("INT") {
        "INTEGER"
    } else if n.contains("CHAR") || n.contains("CLOB") || n.contains("TEXT") {
        "TEXT"
    } else if n.contains("BLOB") || n.is_empty() {
        "BLOB"
    } else if n.contains("REAL") || n.contains("FLOA") || n.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}
