//! PostgreSQL's values: types by `pg_type.typname`, enums by their labels, domains by their
//! base type; every literal an untyped string the column's type reads.

use sealift_ir::{DataType, Namespace, Schema, TypeKind};

use super::{Kind, bits, len};

/// What values a column of type `t` takes.
pub(super) fn kind(schema: &Schema, ns: &Namespace, t: &DataType) -> Kind {
    let t = t.resolved();
    if t.array_dims > 0 {
        return Kind::Array;
    }
    if t.kind == TypeKind::Enum {
        let home = t.schema.as_deref().unwrap_or(&ns.name);
        return schema
            .namespaces
            .get(home)
            .and_then(|n| n.enums.get(&t.name))
            .filter(|e| !e.values.is_empty())
            .map_or(Kind::Unknown, |e| Kind::Choice(e.values.clone()));
    }
    if t.kind != TypeKind::Builtin {
        return Kind::Unknown;
    }
    match t.name.as_str() {
        "int2" => Kind::Int {
            max: i64::from(i16::MAX),
        },
        "int4" => Kind::Int {
            max: i64::from(i32::MAX),
        },
        "int8" => Kind::Int { max: i64::MAX },
        "numeric" => Kind::Decimal {
            whole: match t.modifiers[..] {
                [p, s] => p > s,
                _ => true,
            },
        },
        "money" => Kind::Decimal { whole: true },
        "float4" | "float8" => Kind::Float,
        "bool" => Kind::Bool,
        "varchar" | "bpchar" => Kind::Text { len: len(t) },
        // The one-byte internal type.
        "char" => Kind::Text { len: Some(1) },
        "text" | "name" | "citext" | "tsvector" => Kind::Text { len: None },
        "bytea" => Kind::Bytes { len: None },
        "date" => Kind::Date,
        "time" | "timetz" => Kind::Time,
        "timestamp" => Kind::Timestamp,
        "timestamptz" => Kind::TimestampTz,
        "interval" => Kind::Interval,
        "uuid" => Kind::Uuid,
        "json" | "jsonb" => Kind::Json,
        "inet" => Kind::Inet,
        "cidr" => Kind::Cidr,
        "macaddr" => Kind::Mac { eight: false },
        "macaddr8" => Kind::Mac { eight: true },
        "bit" => Kind::Bits {
            len: len(t),
            varying: false,
        },
        "varbit" => Kind::Bits {
            len: len(t),
            varying: true,
        },
        "xml" => Kind::Xml,
        _ => Kind::Unknown,
    }
}

/// Row `n`'s literal of the kinds spelled differently on each backend.
pub(super) fn literal(kind: &Kind, n: usize) -> Option<String> {
    let (a, b) = ((n / 256) % 256, n % 256);
    Some(match kind {
        Kind::Bytes { .. } => format!("'\\x{b:02x}'"),
        Kind::TimestampTz => format!("'2024-01-{:02} 10:00:{:02}+00'", n % 28 + 1, n % 60),
        Kind::Interval => format!("'{n} days'"),
        Kind::Inet => format!("'10.0.{a}.{b}'"),
        Kind::Cidr => format!("'10.{a}.{b}.0/24'"),
        Kind::Mac { eight: false } => format!("'08:00:2b:00:{a:02x}:{b:02x}'"),
        Kind::Mac { eight: true } => format!("'08:00:2b:00:00:00:{a:02x}:{b:02x}'"),
        Kind::Bits { len, varying } => bits(n, *len, *varying),
        Kind::Array => "'{}'".to_owned(),
        Kind::Xml => "'<sealift/>'".to_owned(),
        _ => return None,
    })
}
