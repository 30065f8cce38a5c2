//! Reading SeaORM column types: `column_type = "..."` strings and `ColumnType::...` expressions
//! in every spelling from SeaORM 0.10 to 2.x, and the column type SeaORM gives a Rust type when
//! none is stated (sea-query's `ValueType::column_type`).

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, GenericArgument, Lit, PathArguments, Type};

use crate::model::ColType;

/// A `column_type = "..."` (or `db_type`) text as a column type; the error says what was not
/// understood (the whole text when it is not an expression).
///
/// Schemas repeat the same few texts on many columns: each thread remembers what it has read.
pub fn column_type_text(text: &str) -> Result<ColType, String> {
    thread_local! {
        static READ: RefCell<HashMap<String, Result<ColType, String>>> =
            RefCell::new(HashMap::new());
    }
    if let Some(known) = READ.with(|r| r.borrow().get(text).cloned()) {
        return known;
    }
    let read = match syn::parse_str::<Expr>(text) {
        Ok(expr) => parse_column_type(&expr),
        Err(_) => Err(text.to_owned()),
    };
    READ.with(|r| r.borrow_mut().insert(text.to_owned(), read.clone()));
    read
}

/// Parses a `ColumnType` expression (`String(StringLen::N(255))`, `ColumnType::Decimal(Some((10,
/// 2)))`, `Custom("citext".to_owned())`...). The error names what was not understood.
pub fn parse_column_type(expr: &Expr) -> Result<ColType, String> {
    match expr {
        Expr::Path(p) => unit_type(&last_ident(&p.path)),
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return Err(quote::quote!(#expr).to_string());
            };
            let name = last_ident(&func.path);
            let arg = call.args.first();
            let len = || arg.and_then(eval_u32);
            Ok(match name.as_str() {
                "Char" => ColType::Char(len()),
                "String" => ColType::String(len()),
                "Decimal" => ColType::Decimal(arg.and_then(eval_pair)),
                "Money" => ColType::Money(arg.and_then(eval_pair)),
                // SeaORM 0.x wrote `Binary(BlobSize::Blob(None))`; sizes only mattered on MySQL.
                "Binary" if arg.is_some_and(|a| tokens(a).contains("BlobSize")) => ColType::Blob,
                "Binary" => ColType::Binary(len().unwrap_or(1)),
                "VarBinary" => ColType::VarBinary(len()),
                "Bit" => ColType::Bit(len()),
                "VarBit" => ColType::VarBit(len().unwrap_or(1)),
                "Vector" => ColType::Vector(len()),
                "Interval" => ColType::Interval,
                // SeaORM 0.x: `Enum(name, variants)`.
                "Enum" => {
                    let mut strings = all_strings(&tokens_of(expr)).into_iter();
                    ColType::Enum {
                        name: strings.next().unwrap_or_default(),
                        variants: strings.collect(),
                    }
                }
                "Custom" | "custom" => match arg.and_then(first_string) {
                    Some(s) => ColType::Custom(s),
                    None => return Err(format!("Custom({})", arg.map(tokens).unwrap_or_default())),
                },
                "Array" => match arg {
                    Some(a) => ColType::Array(Box::new(parse_column_type(unwrap_new(a))?)),
                    None => return Err("Array".into()),
                },
                _ => unit_type(&name)?,
            })
        }
        Expr::Struct(s) if last_ident(&s.path) == "Enum" => {
            let field = |n: &str| {
                s.fields
                    .iter()
                    .find(|f| quote::quote!(#f).to_string().starts_with(n))
            };
            let name = field("name")
                .and_then(|f| first_string(&f.expr))
                .unwrap_or_default();
            let variants = field("variants")
                .map(|f| all_strings(&tokens_of(&f.expr)))
                .unwrap_or_default();
            Ok(ColType::Enum { name, variants })
        }
        Expr::Paren(p) => parse_column_type(&p.expr),
        Expr::Group(g) => parse_column_type(&g.expr),
        other => Err(tokens(other)),
    }
}

/// Types written without arguments (`Text`, `ColumnType::Uuid`, and the old `String(None)` forms
/// handled by the caller).
fn unit_type(name: &str) -> Result<ColType, String> {
    Ok(match name {
        "Text" => ColType::Text,
        "TinyInteger" => ColType::TinyInteger,
        "SmallInteger" => ColType::SmallInteger,
        "Integer" => ColType::Integer,
        "BigInteger" => ColType::BigInteger,
        "TinyUnsigned" => ColType::TinyUnsigned,
        "SmallUnsigned" => ColType::SmallUnsigned,
        "Unsigned" => ColType::Unsigned,
        "BigUnsigned" => ColType::BigUnsigned,
        "Float" => ColType::Float,
        "Double" => ColType::Double,
        "DateTime" => ColType::DateTime,
        "Timestamp" => ColType::Timestamp,
        "TimestampWithTimeZone" => ColType::TimestampWithTimeZone,
        "Time" => ColType::Time,
        "Date" => ColType::Date,
        "Year" => ColType::Year,
        "Blob" => ColType::Blob,
        "Boolean" => ColType::Boolean,
        "Json" => ColType::Json,
        "JsonBinary" => ColType::JsonBinary,
        "Uuid" => ColType::Uuid,
        "Cidr" => ColType::Cidr,
        "Inet" => ColType::Inet,
        "MacAddr" => ColType::MacAddr,
        "LTree" => ColType::LTree,
        "Char" => ColType::Char(None),
        "String" => ColType::String(None),
        "Decimal" => ColType::Decimal(None),
        "Money" => ColType::Money(None),
        "Interval" => ColType::Interval,
        "Vector" => ColType::Vector(None),
        "Bit" => ColType::Bit(None),
        "VarBinary" => ColType::VarBinary(None),
        _ => return Err(name.to_owned()),
    })
}

fn last_ident(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn tokens(expr: &Expr) -> String {
    quote::quote!(#expr).to_string()
}

fn tokens_of(expr: &Expr) -> TokenStream {
    quote::quote!(#expr)
}

/// `RcOrArc::new(x)`, `Box::new(x)`, `Arc::new(x)`, `SeaRc::new(x)` -> `x`.
fn unwrap_new(expr: &Expr) -> &Expr {
    if let Expr::Call(call) = expr
        && let Expr::Path(p) = &*call.func
        && last_ident(&p.path) == "new"
        && let Some(inner) = call.args.first()
    {
        return unwrap_new(inner);
    }
    expr
}

/// A length: `255`, `255u32`, `Some(255)`, `StringLen::N(255)`; `None`, `StringLen::None`,
/// `StringLen::Max` are no length.
fn eval_u32(expr: &Expr) -> Option<u32> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i.base10_parse().ok(),
            _ => None,
        },
        Expr::Call(call) => call.args.first().and_then(eval_u32),
        Expr::Paren(p) => eval_u32(&p.expr),
        _ => None,
    }
}

/// A precision and scale: `Some((10, 2))`, `(10, 2)`.
fn eval_pair(expr: &Expr) -> Option<(u32, u32)> {
    match expr {
        Expr::Tuple(t) if t.elems.len() == 2 => {
            Some((eval_u32(&t.elems[0])?, eval_u32(&t.elems[1])?))
        }
        Expr::Call(call) => call.args.first().and_then(eval_pair),
        Expr::Paren(p) => eval_pair(&p.expr),
        _ => None,
    }
}

/// The first string literal anywhere in the expression (`"x".to_owned()`, `Alias::new("x")`).
pub fn first_string(expr: &Expr) -> Option<String> {
    all_strings(&tokens_of(expr)).into_iter().next()
}

fn all_strings(ts: &TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for tt in ts.clone() {
        match tt {
            TokenTree::Literal(l) => {
                if let Ok(Lit::Str(s)) = syn::parse_str::<Lit>(&l.to_string()) {
                    out.push(s.value());
                }
            }
            TokenTree::Group(g) => out.extend(all_strings(&g.stream())),
            _ => {}
        }
    }
    out
}

/// What sea-query's `ValueType::column_type()` gives a built-in Rust type, or `None` for a type
/// that must come from the crate's own types. `ty` is the type with `Option<>` removed.
pub fn rust_type_column_type(ty: &Type) -> Option<ColType> {
    let Type::Path(tp) = ty else {
        return None;
    };
    let segments: Vec<String> = tp
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    let generic = match &last.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    let in_module = |m: &str| segments.len() > 1 && segments[segments.len() - 2] == m;
    Some(match name.as_str() {
        "bool" => ColType::Boolean,
        "i8" => ColType::TinyInteger,
        "i16" => ColType::SmallInteger,
        "i32" => ColType::Integer,
        "i64" => ColType::BigInteger,
        "u8" => ColType::TinyUnsigned,
        "u16" => ColType::SmallUnsigned,
        "u32" => ColType::Unsigned,
        "u64" => ColType::BigUnsigned,
        "f32" => ColType::Float,
        "f64" => ColType::Double,
        "char" => ColType::Char(None),
        "String" | "TextUuid" => ColType::String(None),
        "Vec" => {
            let inner = generic?;
            if matches!(inner, Type::Path(p) if p.path.is_ident("u8")) {
                ColType::VarBinary(None)
            } else {
                ColType::Array(Box::new(rust_type_column_type(inner)?))
            }
        }
        "Decimal" | "BigDecimal" => ColType::Decimal(None),
        "NaiveDate" | "Date" | "ChronoDate" | "TimeDate" => ColType::Date,
        "NaiveTime" | "Time" | "ChronoTime" | "TimeTime" => ColType::Time,
        // jiff's civil::DateTime maps to `Timestamp`.
        "DateTime" if in_module("civil") => ColType::Timestamp,
        // chrono::DateTime<Tz> carries a zone; the prelude's `DateTime` is NaiveDateTime.
        "DateTime" if generic.is_some() => ColType::TimestampWithTimeZone,
        "NaiveDateTime" | "DateTime" | "ChronoDateTime" | "TimeDateTime" | "PrimitiveDateTime" => {
            ColType::DateTime
        }
        "DateTimeWithTimeZone"
        | "DateTimeUtc"
        | "DateTimeLocal"
        | "ChronoDateTimeUtc"
        | "ChronoDateTimeLocal"
        | "ChronoDateTimeWithTimeZone"
        | "TimeDateTimeWithTimeZone"
        | "OffsetDateTime"
        | "Timestamp"
        | "Zoned" => ColType::TimestampWithTimeZone,
        "ChronoUnixTimestamp"
        | "ChronoUnixTimestampMillis"
        | "TimeUnixTimestamp"
        | "TimeUnixTimestampMillis" => ColType::BigInteger,
        "Json" => ColType::Json,
        "Value" if in_module("serde_json") => ColType::Json,
        "Uuid" => ColType::Uuid,
        "IpNetwork" => ColType::Inet,
        "MacAddress" => ColType::MacAddr,
        "PgVector" => ColType::Vector(None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(text: &str) -> ColType {
        parse_column_type(&syn::parse_str(text).unwrap()).unwrap()
    }

    fn rt(text: &str) -> Option<ColType> {
        rust_type_column_type(&syn::parse_str(text).unwrap())
    }

    #[test]
    fn column_type_spellings_from_every_version() {
        assert_eq!(ct("String(StringLen::N(255))"), ColType::String(Some(255)));
        assert_eq!(
            ct("ColumnType::String(Some(255u32))"),
            ColType::String(Some(255))
        );
        assert_eq!(ct("String(None)"), ColType::String(None));
        assert_eq!(ct("String(StringLen::None)"), ColType::String(None));
        assert_eq!(
            ct("Decimal(Some((10, 2)))"),
            ColType::Decimal(Some((10, 2)))
        );
        assert_eq!(
            ct("Custom(\"citext\".to_owned())"),
            ColType::Custom("citext".into())
        );
        assert_eq!(ct("Binary(BlobSize::Blob(None))"), ColType::Blob);
        assert_eq!(ct("sea_orm::ColumnType::JsonBinary"), ColType::JsonBinary);
        assert_eq!(
            ct("Array(RcOrArc::new(ColumnType::Integer))"),
            ColType::Array(Box::new(ColType::Integer))
        );
        assert_eq!(
            ct(
                r#"Enum { name: Alias::new("mood").into_iden(), variants: vec![Alias::new("sad").into_iden(), Alias::new("ok").into_iden()] }"#
            ),
            ColType::Enum {
                name: "mood".into(),
                variants: vec!["sad".into(), "ok".into()]
            }
        );
        assert!(parse_column_type(&syn::parse_str("Strnig(None)").unwrap()).is_err());
    }

    #[test]
    fn rust_types_map_like_sea_query() {
        assert_eq!(rt("i32"), Some(ColType::Integer));
        assert_eq!(rt("Vec<u8>"), Some(ColType::VarBinary(None)));
        assert_eq!(
            rt("Vec<String>"),
            Some(ColType::Array(Box::new(ColType::String(None))))
        );
        assert_eq!(rt("DateTime"), Some(ColType::DateTime));
        assert_eq!(
            rt("chrono::DateTime<chrono::Utc>"),
            Some(ColType::TimestampWithTimeZone)
        );
        assert_eq!(
            rt("DateTimeWithTimeZone"),
            Some(ColType::TimestampWithTimeZone)
        );
        assert_eq!(rt("serde_json::Value"), Some(ColType::Json));
        assert_eq!(rt("jiff::civil::DateTime"), Some(ColType::Timestamp));
        assert_eq!(rt("u16"), Some(ColType::SmallUnsigned));
        assert_eq!(rt("u32"), Some(ColType::Unsigned));
        assert_eq!(rt("u64"), Some(ColType::BigUnsigned));
        assert_eq!(rt("char"), Some(ColType::Char(None)));
        assert_eq!(rt("BigDecimal"), Some(ColType::Decimal(None)));
        assert_eq!(
            rt("TimeDateTimeWithTimeZone"),
            Some(ColType::TimestampWithTimeZone)
        );
        assert_eq!(rt("time::PrimitiveDateTime"), Some(ColType::DateTime));
        assert_eq!(rt("jiff::Timestamp"), Some(ColType::TimestampWithTimeZone));
        assert_eq!(rt("jiff::civil::Date"), Some(ColType::Date));
        assert_eq!(rt("IpNetwork"), Some(ColType::Inet));
        assert_eq!(rt("ChronoUnixTimestamp"), Some(ColType::BigInteger));
        assert_eq!(rt("Mood"), None);
    }
}
