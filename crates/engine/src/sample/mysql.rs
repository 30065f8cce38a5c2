//! MySQL's and MariaDB's values: types by `COLUMN_TYPE` (`tinyint(1)` a boolean, `enum(..)`
//! and `set(..)` their values); binary columns read back in hex.

use sealift_ir::DataType;

use super::{Kind, bits, len};

/// What values a column of type `t` takes.
pub(super) fn kind(t: &DataType) -> Kind {
    let name = t.name.as_str();
    if name.starts_with("enum(") {
        return choice(sealift_dialect::mysql::enum_values(name));
    }
    if let Some(values) = name.strip_prefix("set(") {
        return choice(sealift_dialect::mysql::enum_values(&format!(
            "enum({values}"
        )));
    }
    let unsigned = name.contains("unsigned");
    match name.split(' ').next().unwrap_or(name) {
        "tinyint" if t.modifiers == [1] => Kind::Bool,
        "tinyint" => Kind::Int {
            max: if unsigned { 255 } else { 127 },
        },
        "smallint" => Kind::Int {
            max: if unsigned { 65_535 } else { 32_767 },
        },
        "mediumint" => Kind::Int { max: 8_388_607 },
        "int" => Kind::Int {
            max: i64::from(i32::MAX),
        },
        "bigint" => Kind::Int { max: i64::MAX },
        "decimal" => Kind::Decimal {
            whole: match t.modifiers[..] {
                [p, s] => p > s,
                _ => true,
            },
        },
        "float" | "double" => Kind::Float,
        "bit" => Kind::Bits {
            len: len(t),
            varying: false,
        },
        "char" | "varchar" => Kind::Text { len: len(t) },
        "tinytext" => Kind::Text { len: Some(255) },
        "text" | "mediumtext" | "longtext" => Kind::Text { len: None },
        "binary" | "varbinary" => Kind::Bytes { len: len(t) },
        "tinyblob" | "blob" | "mediumblob" | "longblob" => Kind::Bytes { len: None },
        "date" => Kind::Date,
        "time" => Kind::Time,
        "datetime" | "timestamp" => Kind::Timestamp,
        "year" => Kind::Year,
        "json" => Kind::Json,
        _ => Kind::Unknown,
    }
}

fn choice(values: Option<Vec<String>>) -> Kind {
    match values {
        Some(v) if !v.is_empty() => Kind::Choice(v),
        _ => Kind::Unknown,
    }
}

/// Row `n`'s literal of the kinds spelled differently on each backend.
pub(super) fn literal(kind: &Kind, n: usize) -> Option<String> {
    Some(match kind {
        Kind::Bytes { len } => {
            let full = format!("{n}-sealift-row");
            let cut: String = full
                .chars()
                .take(len.unwrap_or(64).max(1) as usize)
                .collect();
            super::quoted(sealift_ir::Dialect::Mysql, &cut)
        }
        Kind::Bits { len, varying } => bits(n, *len, *varying),
        _ => return None,
    })
}

/// A column as text to compare: bytes (and bits) in hex, the rest as the server prints them.
pub(super) fn as_text(column: &str, t: Option<&DataType>) -> String {
    let binary = t.is_some_and(|t| {
        matches!(
            kind(t),
            Kind::Bytes { .. } | Kind::Bits { .. } | Kind::Unknown
        )
    });
    if binary {
        format!("HEX({column})")
    } else {
        format!("CAST({column} AS CHAR)")
    }
}
