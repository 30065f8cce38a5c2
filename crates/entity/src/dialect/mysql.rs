//! MySQL and MariaDB: the type names sea-query writes, enums inline with their values.

use sealift_ir::{DataType, FkAction};

use super::Target;
use crate::model::ColType;

pub(super) struct Mysql;

impl Target for Mysql {
    /// The real name is the database's; the caller passes it when it knows it.
    fn default_schema(&self) -> &'static str {
        "default"
    }

    fn data_type(&self, ct: &ColType, _: &str, _: &str) -> Result<DataType, String> {
        data_type(ct)
    }

    fn comments(&self) -> bool {
        true
    }

    fn unique_name(&self, _: &str, column: &str) -> Option<String> {
        Some(column.to_owned())
    }

    fn fk_action(&self, a: FkAction) -> FkAction {
        sealift_dialect::mysql::fk_action(a)
    }

    /// InnoDB calls every primary key `PRIMARY`.
    fn primary_key_name(&self, _: &str, _: Option<String>) -> Option<String> {
        Some("PRIMARY".into())
    }
}

fn data_type(ct: &ColType) -> Result<DataType, String> {
    let b = |n: &str| DataType::builtin(n);
    Ok(match ct {
        ColType::Char(n) => b("char").with_modifiers([n.unwrap_or(1)]),
        ColType::String(n) => b("varchar").with_modifiers([n.unwrap_or(255)]),
        ColType::Text => b("text"),
        ColType::TinyInteger => b("tinyint"),
        ColType::SmallInteger => b("smallint"),
        ColType::Integer => b("int"),
        ColType::BigInteger => b("bigint"),
        ColType::TinyUnsigned => b("tinyint unsigned"),
        ColType::SmallUnsigned => b("smallint unsigned"),
        ColType::Unsigned => b("int unsigned"),
        ColType::BigUnsigned => b("bigint unsigned"),
        ColType::Float => b("float"),
        ColType::Double => b("double"),
        ColType::Decimal(Some((p, s))) | ColType::Money(Some((p, s))) => {
            b("decimal").with_modifiers([*p, *s])
        }
        ColType::Decimal(None) | ColType::Money(None) => b("decimal"),
        ColType::DateTime => b("datetime"),
        ColType::Timestamp | ColType::TimestampWithTimeZone => b("timestamp"),
        ColType::Time => b("time"),
        ColType::Date => b("date"),
        ColType::Year => b("year"),
        ColType::Binary(n) => b("binary").with_modifiers([*n]),
        ColType::VarBinary(n) => b("varbinary").with_modifiers([n.unwrap_or(255)]),
        ColType::Blob => b("blob"),
        ColType::Bit(n) => b("bit").with_modifiers(n.map(|n| vec![n]).unwrap_or_default()),
        ColType::VarBit(n) => b("bit").with_modifiers([*n]),
        ColType::Boolean => b("bool"),
        ColType::Json | ColType::JsonBinary => b("json"),
        ColType::Uuid => b("binary").with_modifiers([16]),
        ColType::Custom(name) => b(&sealift_dialect::mysql::type_name(name)),
        ColType::Enum { variants, .. } => {
            let quoted: Vec<String> = variants
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect();
            b(&format!("enum({})", quoted.join(",")))
        }
        other => return Err(format!("{other:?} is not available on MySQL")),
    })
}
