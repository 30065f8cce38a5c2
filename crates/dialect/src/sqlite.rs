//! SQLite: declared types are free text; the server keeps what the DDL said.

use sealift_ir::DataType;

use crate::fold_type_name;

/// A declared type in its normalized spelling: folded, with integer modifiers split off
/// (`DECIMAL(4, 2)` -> `decimal` with `[4, 2]`, `real(10, 2)` -> `real` with `[10, 2]`).
pub fn declared_type(declared: &str) -> DataType {
    let folded = fold_type_name(declared);
    if let Some((base, rest)) = folded.split_once('(')
        && let Some(args) = rest.strip_suffix(')')
    {
        let parsed: Option<Vec<u32>> = args.split(',').map(|a| a.trim().parse().ok()).collect();
        if let Some(mods) = parsed {
            return DataType::builtin(base.trim_end()).with_modifiers(mods);
        }
    }
    DataType::builtin(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_normalize() {
        let t = declared_type;
        assert_eq!(
            t("real(4, 2)"),
            DataType::builtin("real").with_modifiers([4, 2])
        );
        assert_eq!(
            t("DECIMAL(4,2)"),
            DataType::builtin("decimal").with_modifiers([4, 2])
        );
        assert_eq!(
            t("VARCHAR (45)"),
            DataType::builtin("varchar").with_modifiers([45])
        );
        assert_eq!(t("datetime_text"), DataType::builtin("datetime_text"));
        assert_eq!(
            t("BLOB SUB_TYPE  TEXT"),
            DataType::builtin("blob sub_type text")
        );
    }
}
