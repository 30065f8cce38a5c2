//! SQLite: the declared type names sea-query writes (`datetime_text`, `real(10, 2)`).

use sealift_dialect::sqlite::declared_type;
use sealift_ir::DataType;

use super::Server;
use crate::model::ColType;

pub(super) struct Sqlite;

impl Server for Sqlite {
    fn default_schema(&self) -> &'static str {
        "main"
    }

    fn data_type(&self, ct: &ColType, _: &str, _: &str) -> Result<DataType, String> {
        data_type(ct)
    }

    fn nullable_key_columns(&self) -> bool {
        true
    }

    fn names_foreign_keys(&self) -> bool {
        false
    }
}

fn data_type(ct: &ColType) -> Result<DataType, String> {
    let b = |n: &str| DataType::builtin(n);
    let with = |name: &str, m: Option<u32>| match m {
        Some(n) => b(name).with_modifiers([n]),
        None => b(name),
    };
    let pair = |name: &str, p: &Option<(u32, u32)>, none: &str| match p {
        Some((p, s)) => b(name).with_modifiers([*p, *s]),
        None => b(none),
    };
    Ok(match ct {
        ColType::Char(n) => with("char", *n),
        ColType::String(n) => with("varchar", *n),
        ColType::Text => b("text"),
        ColType::TinyInteger | ColType::TinyUnsigned => b("tinyint"),
        ColType::SmallInteger | ColType::SmallUnsigned => b("smallint"),
        ColType::Integer | ColType::Unsigned | ColType::BigInteger | ColType::BigUnsigned => {
            b("integer")
        }
        ColType::Float => b("float"),
        ColType::Double => b("double"),
        ColType::Decimal(p) => pair("real", p, "real_decimal"),
        ColType::Money(p) => pair("real_money", p, "real_money"),
        ColType::DateTime => b("datetime_text"),
        ColType::Timestamp => b("timestamp_text"),
        ColType::TimestampWithTimeZone => b("timestamp_with_timezone_text"),
        ColType::Time => b("time_text"),
        ColType::Date => b("date_text"),
        ColType::Binary(n) => b("blob").with_modifiers([*n]),
        ColType::VarBinary(n) => with("varbinary_blob", *n),
        ColType::Blob => b("blob"),
        ColType::Boolean => b("boolean"),
        ColType::Json => b("json_text"),
        ColType::JsonBinary => b("jsonb_text"),
        ColType::Uuid => b("uuid_text"),
        ColType::Custom(name) => declared_type(name),
        ColType::Enum { .. } => b("enum_text"),
        other => return Err(format!("{other:?} is not available on SQLite")),
    })
}
