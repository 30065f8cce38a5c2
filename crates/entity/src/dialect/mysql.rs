//! MySQL and MariaDB: the type names sea-query writes, enums inline with their values.

use sealift_ir::{DataType, FkAction, Index, IndexKey, IndexPart, Table, Unique};

use super::{Server, plain_default};
use crate::model::{ColType, DefaultDef};

pub(super) struct Mysql;

impl Server for Mysql {
    /// The real name is the database's; the caller passes it when it knows it.
    fn default_schema(&self) -> &'static str {
        "default"
    }

    fn data_type(&self, ct: &ColType, _: &str, _: &str) -> Result<DataType, String> {
        data_type(ct)
    }

    /// As the server prints it back: booleans as `1`/`0`, a number in a `decimal(p,s)` column
    /// with its `s` decimals.
    fn default_text(&self, d: &DefaultDef, t: &DataType) -> String {
        match (d, t.name.as_str(), t.modifiers.as_slice()) {
            (DefaultDef::Bool(b), _, _) => if *b { "1" } else { "0" }.to_owned(),
            (DefaultDef::Int(_) | DefaultDef::Float(_), "decimal", [_, scale]) => {
                with_scale(&plain_default(d), *scale as usize)
            }
            _ => plain_default(d),
        }
    }

    fn comments(&self) -> bool {
        true
    }

    /// MariaDB names a check written on a column after the column (MySQL 8 names it
    /// `{table}_chk_{n}`, which only the server knows).
    fn check_name(&self, _: &str, column: &str) -> Option<String> {
        Some(column.to_owned())
    }

    /// A `UNIQUE` on the one-column primary key adds nothing InnoDB keeps.
    fn unique_beside_primary_key(&self) -> bool {
        false
    }

    /// MySQL has no unique constraint apart from a unique index: SeaORM's unique indexes of
    /// whole columns are read back as unique keys, and each foreign key needs an index whose
    /// first columns are its own, which InnoDB adds (named after the key) when none is there
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html>).
    fn created(&self, table: &mut Table) {
        let (keys, indexes): (Vec<Index>, Vec<Index>) = std::mem::take(&mut table.indexes)
            .into_iter()
            .partition(|i| {
                i.unique
                    && i.parts.iter().all(|p| {
                        matches!(p.key, IndexKey::Column(_)) && !p.descending && p.prefix.is_none()
                    })
            });
        table.indexes = indexes;
        for i in keys {
            let columns = i.key_columns();
            table.uniques.push(Unique::new(Some(i.name), columns));
        }
        let mut added = Vec::new();
        for fk in &table.foreign_keys {
            let leads = |cols: &[String]| {
                cols.len() >= fk.columns.len() && cols[..fk.columns.len()] == fk.columns[..]
            };
            let covered = table
                .primary_key
                .as_ref()
                .is_some_and(|k| leads(&k.columns))
                || table.uniques.iter().any(|u| leads(&u.columns))
                || table
                    .indexes
                    .iter()
                    .chain(&added)
                    .any(|i: &Index| leads(&i.key_columns()));
            if !covered {
                added.push(Index {
                    name: sealift_dialect::mysql::foreign_key_index_name(fk).to_owned(),
                    unique: false,
                    parts: fk.columns.iter().map(IndexPart::column).collect(),
                    method: None,
                    predicate: None,
                    include: Vec::new(),
                    nulls_not_distinct: false,
                });
            }
        }
        table.indexes.extend(added);
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

/// A number written with `scale` decimals, as the server prints a `decimal` default (`0` ->
/// `0.00`); digits are only added, never rounded away, so no value is changed by the spelling.
fn with_scale(number: &str, scale: usize) -> String {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if scale == 0
        || fraction.len() > scale
        || !whole
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return number.to_owned();
    }
    format!("{whole}.{fraction:0<scale$}")
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
        // The server's default precision and scale.
        ColType::Decimal(None) | ColType::Money(None) => b("decimal").with_modifiers([10, 0]),
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
        ColType::Boolean => b("tinyint").with_modifiers([1]),
        ColType::Json | ColType::JsonBinary => b("json"),
        ColType::Uuid => b("binary").with_modifiers([16]),
        ColType::Custom(name) => sealift_dialect::mysql::column_type(name),
        ColType::Enum { variants, .. } => b(&sealift_dialect::mysql::value_list("enum", variants)),
        other => return Err(format!("{other:?} is not available on MySQL")),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_defaults_get_the_column_s_scale_without_rounding() {
        use super::with_scale;
        assert_eq!(with_scale("0", 2), "0.00");
        assert_eq!(with_scale("1.5", 2), "1.50");
        assert_eq!(with_scale("-3", 1), "-3.0");
        assert_eq!(with_scale("12345678901234567.5", 2), "12345678901234567.50");
        assert_eq!(with_scale("7", 0), "7");
        assert_eq!(with_scale("1.234", 2), "1.234");
    }
}
