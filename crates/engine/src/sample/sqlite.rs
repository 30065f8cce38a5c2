//! SQLite's values: a declared type only suggests an affinity, so the type's name decides
//! what a value looks like (sea-query's `datetime_text`, `uuid_text`, `json_text`, or a
//! hand-written `VARCHAR(45)`); anything else takes text.

use sealift_ir::DataType;

use super::{Kind, len};

/// What values a column of declared type `t` takes.
pub(super) fn kind(t: &DataType) -> Kind {
    let n = t.name.as_str();
    let has = |parts: &[&str]| parts.iter().any(|p| n.contains(p));
    // sea-query's own spellings first, then SQLite's affinity rules in their order
    // (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>).
    if has(&["bool"]) {
        Kind::Bool
    } else if has(&["uuid"]) {
        Kind::Uuid
    } else if has(&["json"]) {
        Kind::Json
    } else if n == "date" || n.starts_with("date_") {
        Kind::Date
    } else if n == "time" || n.starts_with("time_") {
        Kind::Time
    } else if has(&["date", "time"]) {
        Kind::Timestamp
    } else if has(&["int"]) {
        Kind::Int { max: i64::MAX }
    } else if has(&["char", "clob", "text"]) {
        Kind::Text { len: len(t) }
    } else if has(&["blob", "binary"]) {
        Kind::Bytes { len: len(t) }
    } else if has(&["real", "floa", "doub"]) {
        Kind::Float
    } else if has(&["dec", "num", "money"]) {
        Kind::Decimal { whole: true }
    } else {
        Kind::Text { len: len(t) }
    }
}

/// Row `n`'s literal of the kinds spelled differently on each backend.
pub(super) fn literal(kind: &Kind, n: usize) -> Option<String> {
    Some(match kind {
        Kind::Bytes { .. } => format!("X'{:02x}'", n % 256),
        _ => return None,
    })
}
