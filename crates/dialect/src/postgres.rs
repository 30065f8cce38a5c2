//! PostgreSQL: type names as `pg_type.typname` spells them, and the names the server gives
//! objects created without one.

use crate::fold_type_name;

/// Maps any PostgreSQL spelling of a built-in type to its `pg_type.typname`.
///
/// `integer`, `int`, `serial` -> `int4`; `character varying` -> `varchar`;
/// `timestamp with time zone` -> `timestamptz`; unknown names come back lowercased.
pub fn normalize_type_name(name: &str) -> String {
    let folded = fold_type_name(name);
    let canonical = match folded.as_str() {
        "integer" | "int" | "serial" | "serial4" => "int4",
        "smallint" | "smallserial" | "serial2" => "int2",
        "bigint" | "bigserial" | "serial8" => "int8",
        "real" => "float4",
        "double precision" | "float" => "float8",
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "boolean" => "bool",
        "decimal" => "numeric",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "time without time zone" => "time",
        "time with time zone" => "timetz",
        "bit varying" => "varbit",
        _ => return folded,
    };
    canonical.to_owned()
}

/// The names the server gives objects created without one: entity lowering needs them (what
/// the server will call a key) and so does the plan (a key to drop on another backend, known
/// there only by the name PostgreSQL gave it).
///
/// `makeObjectName`: `{name1}_{name2}_{label}`, shortening the longer of the two
/// names until it fits in 63 bytes.
pub fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = 63usize.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 { n1 -= 1 } else { n2 -= 1 }
    }
    let cut = |s: &str, n: usize| {
        let mut end = n.min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    };
    match name2 {
        Some(n) => format!("{}_{}_{label}", cut(name1, n1), cut(n, n2)),
        None => format!("{}_{label}", cut(name1, n1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_type_normalize_to_one_name() {
        for (spelling, want) in [
            ("integer", "int4"),
            ("INT", "int4"),
            ("serial", "int4"),
            ("int4", "int4"),
            ("character  varying", "varchar"),
            ("Timestamp With Time Zone", "timestamptz"),
            ("double precision", "float8"),
            ("bigserial", "int8"),
            ("jsonb", "jsonb"),
        ] {
            assert_eq!(normalize_type_name(spelling), want, "{spelling}");
        }
    }

    #[test]
    fn object_names_shorten_the_longer_name_to_fit() {
        assert_eq!(object_name("cake", Some("name"), "key"), "cake_name_key");
        assert_eq!(object_name("cake", None, "pkey"), "cake_pkey");
        let long = "a".repeat(40);
        let name = object_name(&long, Some(&"b".repeat(40)), "key");
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_key", "a".repeat(29), "b".repeat(29)));
    }
}
