//! PostgreSQL: types by `pg_type.typname`, enums and extension types in their schema,
//! defaults with the casts the server prints on them.

use sealift_ir::{DataType, TypeKind, normalize_pg_type_name};

use super::quoted;
use crate::model::{ColType, DefaultDef};

/// User types in `schema`, enums in `enum_schema`.
pub(super) fn data_type(ct: &ColType, enum_schema: &str, schema: &str) -> Result<DataType, String> {
    let b = |n: &str| DataType::builtin(n);
    Ok(match ct {
        ColType::Char(n) => b("bpchar").with_modifiers([n.unwrap_or(1)]),
        ColType::String(Some(n)) => b("varchar").with_modifiers([*n]),
        ColType::String(None) => b("varchar"),
        ColType::Text => b("text"),
        ColType::TinyInteger | ColType::TinyUnsigned | ColType::SmallInteger => b("int2"),
        ColType::Integer | ColType::SmallUnsigned => b("int4"),
        ColType::BigInteger | ColType::Unsigned | ColType::BigUnsigned => b("int8"),
        ColType::Float => b("float4"),
        ColType::Double => b("float8"),
        ColType::Decimal(Some((p, s))) => b("numeric").with_modifiers([*p, *s]),
        ColType::Decimal(None) => b("numeric"),
        ColType::Money(_) => b("money"),
        ColType::DateTime | ColType::Timestamp => b("timestamp"),
        ColType::TimestampWithTimeZone => b("timestamptz"),
        ColType::Time => b("time"),
        ColType::Date => b("date"),
        ColType::Interval => b("interval"),
        ColType::Binary(_) | ColType::VarBinary(_) | ColType::Blob => b("bytea"),
        ColType::Bit(n) => b("bit").with_modifiers([n.unwrap_or(1)]),
        ColType::VarBit(n) => b("varbit").with_modifiers([*n]),
        ColType::Boolean => b("bool"),
        ColType::Json => b("json"),
        ColType::JsonBinary => b("jsonb"),
        ColType::Uuid => b("uuid"),
        ColType::Cidr => b("cidr"),
        ColType::Inet => b("inet"),
        ColType::MacAddr => b("macaddr"),
        ColType::Year => return Err("the Year type is not available on PostgreSQL".into()),
        ColType::LTree => user_type("ltree", schema, TypeKind::Other),
        ColType::Vector(n) => user_type("vector", schema, TypeKind::Other)
            .with_modifiers(n.map(|n| vec![n]).unwrap_or_default()),
        ColType::Custom(name) => {
            let normalized = normalize_pg_type_name(name);
            if PG_BUILTINS.contains(&normalized.as_str()) {
                b(&normalized)
            } else {
                user_type(name, schema, TypeKind::Other)
            }
        }
        ColType::Enum { name, .. } => user_type(name, enum_schema, TypeKind::Enum),
        ColType::Array(inner) => {
            let t = data_type(inner, enum_schema, schema)?;
            let dims = t.array_dims + 1;
            t.array_of(dims)
        }
    })
}

/// Built-in PostgreSQL type names a `Custom` column type may spell.
const PG_BUILTINS: &[&str] = &[
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar",
    "bpchar",
    "bool",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "bytea",
    "json",
    "jsonb",
    "uuid",
    "inet",
    "cidr",
    "macaddr",
    "money",
    "xml",
    "tsvector",
    "tsquery",
    "oid",
    "point",
];

fn user_type(name: &str, schema: &str, kind: TypeKind) -> DataType {
    DataType {
        schema: Some(schema.to_owned()),
        kind,
        ..DataType::builtin(name)
    }
}

/// The default as PostgreSQL prints it back: a literal with its cast.
pub(super) fn default_text(d: &DefaultDef, t: &DataType) -> String {
    let cast = pg_cast_name(t);
    match d {
        DefaultDef::Str(s) => format!("{}::{cast}", quoted(s)),
        // A negative literal keeps its own type in the stored expression.
        DefaultDef::Int(i) if *i < 0 => {
            let literal = if i32::try_from(*i).is_ok() {
                "integer"
            } else {
                "bigint"
            };
            format!("'{i}'::{literal}")
        }
        DefaultDef::Int(i) => i.to_string(),
        DefaultDef::Float(f) if f.starts_with('-') => format!("'{f}'::numeric"),
        DefaultDef::Float(f) => f.clone(),
        DefaultDef::Bool(b) => b.to_string(),
        DefaultDef::Keyword(k) => k.clone(),
        DefaultDef::Sql(s) => s.clone(),
    }
}

/// How PostgreSQL spells a type in a cast it prints (`format_type`).
fn pg_cast_name(t: &DataType) -> String {
    let base = match t.name.as_str() {
        "varchar" => "character varying",
        "bpchar" => "bpchar",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "bool" => "boolean",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        other => other,
    };
    let plain = base
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ' ');
    let base = if plain {
        base.to_owned()
    } else {
        format!("\"{base}\"")
    };
    if t.array_dims > 0 {
        format!("{base}[]")
    } else {
        base
    }
}
