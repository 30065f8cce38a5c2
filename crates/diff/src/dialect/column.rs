//! A column as a target's backend spells it: SeaORM's logical type where sea-query writes it
//! right there, else the plan's type as SQL text.

use std::cell::RefCell;
use std::collections::HashMap;

use sea_query::{Alias, ColumnDef, Table as SqTable};
use sealift_ir::{Column, DataType, Dialect, Identity, LogicalDefault, LogicalType, TypeKind};

use super::{Target, backend};
use crate::statement::{ColumnSpec, build};

/// A column as sea-query's builder writes it on the target: SeaORM's logical type (from the
/// entity, or mapped back from the plan's catalog), NOT NULL, default, auto-increment,
/// generation, comment.
pub(crate) fn column_spec(c: &Column, t: &Target, inline_pk: bool) -> ColumnSpec {
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    let ty = column_type(c, t);
    let (auto_increment, extra) = match &c.identity {
        None => (false, None),
        Some(identity) => backend(t.backend).identity(identity, &ty, inline_pk, t.native_backend()),
    };
    let default = match &c.default {
        _ if serial || c.generated.is_some() => None,
        None => None,
        Some(text) => Some(
            c.logical
                .as_ref()
                .and_then(|l| l.default.clone())
                .unwrap_or_else(|| catalog_default(text)),
        ),
    };
    let on_update = c
        .on_update
        .as_ref()
        .filter(|_| t.features().on_update)
        .map(|u| format!("ON UPDATE {u}"));
    let extra = match (extra, on_update) {
        (Some(e), Some(u)) => Some(format!("{e} {u}")),
        (e, u) => e.map(str::to_owned).or(u),
    };
    ColumnSpec {
        name: c.name.clone(),
        ty,
        not_null: !c.nullable,
        default,
        auto_increment,
        primary_key: inline_pk,
        extra,
        generated: c
            .generated
            .clone()
            .map(|g| (g, t.features().stored_generated)),
        comment: c.comment.clone().filter(|_| t.features().inline_comments),
    }
}

/// A default the catalog printed, as SeaORM would state it: a string literal (PostgreSQL's
/// cast on it dropped, the server adds it back), a boolean, or the text as it is.
fn catalog_default(text: &str) -> LogicalDefault {
    let untyped = crate::dialect::untyped_default(text);
    if let Some(inner) = untyped
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|s| !s.replace("''", "").contains('\''))
    {
        return LogicalDefault::Str(inner.replace("''", "'"));
    }
    match text.to_ascii_lowercase().as_str() {
        "true" => LogicalDefault::Bool(true),
        "false" => LogicalDefault::Bool(false),
        _ => LogicalDefault::Keyword(text.to_owned()),
    }
}

/// The column's type on the target. On the plan's own backend: the logical type when
/// sea-query renders it as exactly the column's type there, else the type as SQL text. On
/// another backend: the logical type, the closest one to a catalog type, or the text.
fn column_type(c: &Column, t: &Target) -> LogicalType {
    let native = t.native_backend();
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    if native && (c.collation.is_some() || serial) {
        return LogicalType::Custom(column_type_sql(c, t));
    }
    let logical = c
        .logical
        .as_ref()
        .map(|l| l.ty.clone())
        .or_else(|| crate::dialect::logical_of(&c.data_type, t.plan));
    match logical {
        Some(LogicalType::Enum { name, variants }) => enum_type(c, name, variants, t)
            .unwrap_or_else(|| LogicalType::Custom(type_sql(&c.data_type, None, t))),
        Some(l) if !native || renders_as(&l, &c.data_type, t.backend) => l,
        _ => LogicalType::Custom(type_sql(&c.data_type, None, t)),
    }
}

/// An enum column's type: SeaORM's enumeration where sea-query spells it right on the
/// backend (PostgreSQL writes the type's name bare, so only a plain name in the connection's
/// schema; MySQL writes the values between quotes as they are, so only values without a quote
/// or a backslash), none where the type must be named as text.
fn enum_type(c: &Column, name: String, variants: Vec<String>, t: &Target) -> Option<LogicalType> {
    if t.features().inline_enums && variants.iter().any(|v| v.contains(['\'', '\\'])) {
        return None;
    }
    if t.features().enum_types {
        let plain = name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            && !name.starts_with(|ch: char| ch.is_ascii_digit());
        let here = c.data_type.schema.as_deref().is_none_or(|s| t.implicit(s));
        if !(plain && here) || (t.native_backend() && c.data_type.array_dims > 0) {
            return None;
        }
    }
    Some(LogicalType::Enum { name, variants })
}

/// True when sea-query writes `l` as exactly `t` on `d` (worked out once per pair).
fn renders_as(l: &LogicalType, t: &DataType, d: Dialect) -> bool {
    thread_local! {
        static RENDERED: RefCell<HashMap<(LogicalType, Dialect), Option<DataType>>> =
            RefCell::new(HashMap::new());
    }
    let key = (l.clone(), d);
    let rendered = RENDERED.with(|r| {
        r.borrow_mut()
            .entry(key)
            .or_insert_with(|| rendered_type(l, d))
            .clone()
    });
    rendered.as_ref() == Some(t)
}

/// The model type sea-query's backend writes for a logical type.
fn rendered_type(l: &LogicalType, d: Dialect) -> Option<DataType> {
    if matches!(l, LogicalType::Enum { .. } | LogicalType::Custom(_)) {
        return None;
    }
    let text = type_text(l, d)?;
    let text = text.as_str();
    let (text, dims) = match text.strip_suffix("[]") {
        Some(inner) => (inner, 1),
        None => (text, 0),
    };
    Some(backend(d).rendered_type(text).array_of(dims))
}

/// How sea-query spells a logical type on `d` in a column definition; none for a type the
/// backend does not have (sea-query panics on `Interval` for SQLite).
fn type_text(l: &LogicalType, d: Dialect) -> Option<String> {
    let stmt = SqTable::create()
        .table(Alias::new("t"))
        .col(ColumnDef::new_with_type(
            Alias::new("c"),
            crate::statement::sea_type(l),
        ))
        .to_owned();
    let sql = std::panic::catch_unwind(|| build(&stmt, d)).ok()?;
    let open = sql.find("( ")? + 2;
    let column = sql[open..].strip_suffix(" )")?;
    Some(column.split_once(' ')?.1.to_owned())
}

/// A column's type as its definition spells it: the type (`serial` for a PostgreSQL serial) and
/// its collation.
fn column_type_sql(c: &Column, t: &Target) -> String {
    let mut ty = type_sql(&c.data_type, c.identity.as_ref(), t);
    if let Some(coll) = &c.collation {
        let coll = if t.features().quoted_collations {
            t.quote(coll)
        } else {
            coll.clone()
        };
        ty.push_str(&format!(" COLLATE {coll}"));
    }
    ty
}

/// The SQL spelling of a model type, in the plan's dialect.
pub(crate) fn type_sql(ty: &DataType, identity: Option<&Identity>, t: &Target) -> String {
    if let Some(Identity::Serial { .. }) = identity
        && let Some(serial) = backend(t.backend).serial_type(ty)
    {
        return serial.to_owned();
    }
    let mut s = match (&ty.schema, &ty.kind) {
        (Some(schema), TypeKind::Enum | TypeKind::Domain { .. } | TypeKind::Other) => {
            t.table_ref(schema, &ty.name)
        }
        _ => ty.name.clone(),
    };
    if !ty.modifiers.is_empty() {
        let mods: Vec<String> = ty.modifiers.iter().map(u32::to_string).collect();
        s.push_str(&format!("({})", mods.join(", ")));
    }
    for _ in 0..ty.array_dims {
        s.push_str("[]");
    }
    s
}

/// A column's type as SQL text on the target: the plan's spelling on its own backend, else
/// how sea-query writes the column's logical type there.
pub(crate) fn target_type_sql(c: &Column, t: &Target) -> String {
    match column_type(c, t) {
        LogicalType::Custom(text) => text,
        l => type_text(&l, t.backend).unwrap_or_else(|| type_sql(&c.data_type, None, t)),
    }
}
