//! The `#[sea_orm(...)]` keys SeaORM 2.0's derives know, and what they do with others: a
//! field's unknown key is ignored (sealift ignores it too, and says so, with the key it
//! probably meant); an unknown key on the `Model` struct, a `Relation` variant or an active
//! enum stops the derive (sealift reports an error, as the compiler would).

use std::path::Path;

use crate::attrs::{Attr, AttrValue};
use crate::diagnostic::Diagnostic;

/// Where a `#[sea_orm(...)]` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A field of a `Model` (`DeriveEntityModel`).
    Field,
    /// The `Model` struct itself.
    Model,
    /// A variant of a `Relation` enum (`DeriveRelation`).
    Relation,
    /// An active enum (`DeriveActiveEnum`).
    ActiveEnum,
    /// A variant of an active enum.
    ActiveEnumVariant,
}

/// Field keys: DeriveEntityModel's own, `DeriveArrowSchema`'s, and the relation keys of
/// `#[sea_orm::model]`'s relation fields (sea-orm-macros 2.0.4, entity_model.rs,
/// arrow_schema.rs, attributes.rs).
const FIELD: &[&str] = &[
    "column_type",
    "auto_increment",
    "comment",
    "default_value",
    "default_expr",
    "column_name",
    "enum_name",
    "select_as",
    "save_as",
    "unique_key",
    "renamed_from",
    "extra",
    "ignore",
    "primary_key",
    "nullable",
    "indexed",
    "unique",
    "arrow_skip",
    "arrow_field",
    "arrow_precision",
    "arrow_scale",
    "arrow_timestamp_unit",
    "arrow_timezone",
    "arrow_comment",
    "arrow_byte_width",
    "has_one",
    "has_many",
    "belongs_to",
    "self_ref",
    "skip_fk",
    "via",
    "via_rel",
    "from",
    "to",
    "relation_enum",
    "relation_reverse",
    "reverse",
    "on_update",
    "on_delete",
];

/// Keys that take no value: `primary_key = true` stops the derive.
const FLAGS: &[&str] = &["ignore", "primary_key", "nullable", "indexed", "unique"];

/// `Model` struct keys (the derive's strict list, and `#[sea_orm::model]`'s own).
const MODEL: &[&str] = &[
    "column",
    "entity",
    "model",
    "model_ex",
    "active_model",
    "active_model_ex",
    "primary_key",
    "relation",
    "schema_name",
    "table_name",
    "comment",
    "table_iden",
    "rename_all",
    "model_attrs",
    "model_ex_attrs",
    "arrow_schema",
];

/// `Relation` variant keys.
const RELATION: &[&str] = &[
    "belongs_to",
    "condition_type",
    "fk_name",
    "from",
    "has_many",
    "has_one",
    "on_condition",
    "on_delete",
    "on_update",
    "skip_fk",
    "to",
    "via_rel",
];

const ACTIVE_ENUM: &[&str] = &["rs_type", "db_type", "enum_name", "rename_all"];
const ACTIVE_ENUM_VARIANT: &[&str] = &["string_value", "num_value", "display_value", "rename"];

/// Reports the keys of `attrs` SeaORM does not know at `place`.
pub fn check(path: &Path, attrs: &[Attr], place: Place, diags: &mut Vec<Diagnostic>) {
    let known = match place {
        Place::Field => FIELD,
        Place::Model => MODEL,
        Place::Relation => RELATION,
        Place::ActiveEnum => ACTIVE_ENUM,
        Place::ActiveEnumVariant => ACTIVE_ENUM_VARIANT,
    };
    for a in attrs {
        if place == Place::Field
            && FLAGS.contains(&a.key.as_str())
            && matches!(a.value, AttrValue::Lit(_) | AttrValue::Expr(_))
        {
            diags.push(Diagnostic::error(
                path,
                a.pos,
                format!(
                    "`{}` takes no value; SeaORM's derive stops here (expected `,`)",
                    a.key
                ),
                format!("write #[sea_orm({})]", a.key),
            ));
            continue;
        }
        if known.contains(&a.key.as_str()) {
            continue;
        }
        let hint = match closest(&a.key, known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("SeaORM knows {}", known.join(", ")),
        };
        if place == Place::Field {
            diags.push(Diagnostic::warning(
                path,
                a.pos,
                format!(
                    "`{}` is not a key SeaORM knows; its derive ignores it, and so does sealift",
                    a.key
                ),
                hint,
            ));
        } else {
            diags.push(Diagnostic::error(
                path,
                a.pos,
                format!(
                    "`#[sea_orm]` got unknown `{}` argument; SeaORM's derive stops here",
                    a.key
                ),
                hint,
            ));
        }
    }
}

/// The known key nearest to `key` by edit distance, when it is near (a typo, not another key).
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_key_they_miss() {
        assert_eq!(closest("primay_key", FIELD), Some("primary_key"));
        assert_eq!(closest("tabel_name", MODEL), Some("table_name"));
        assert_eq!(closest("form", RELATION), Some("from"));
        assert_eq!(closest("serde_thing", FIELD), None);
    }
}
