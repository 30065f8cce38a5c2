//! MySQL and MariaDB.

use crate::fold_type_name;

/// A type name as `information_schema.COLUMNS.DATA_TYPE` spells it: folded, lowercase.
pub fn type_name(name: &str) -> String {
    fold_type_name(name)
}
