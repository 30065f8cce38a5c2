//! `Model` structs deriving `DeriveEntityModel` (compact, dense `#[sea_orm::model]`, and
//! `#[sea_orm::compact_model]`) and compact `Relation` enums.

use std::path::Path;

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase, ToUpperCamelCase,
};
use syn::{Expr, Fields, GenericArgument, ItemEnum, ItemStruct, Lit, PathArguments, Type};

use super::{apply_relation_attrs, empty_relation, target_path};
use crate::attrs::{AttrValue, has_path_attr, sea_orm_attrs};
use crate::coltype::{column_type_text, rust_type_column_type};
use crate::diagnostic::{Diagnostic, Pos};
use crate::keys::{self, Place};
use crate::model::{ColumnDef, DefaultDef, EntityDef, Format, RelationDef, TypeRef};

/// Reads a `Model` struct into an entity (relations from dense fields included).
pub fn model(path: &Path, module: &str, s: &ItemStruct, diags: &mut Vec<Diagnostic>) -> EntityDef {
    let format = if has_path_attr(&s.attrs, "model") {
        Format::Dense
    } else if has_path_attr(&s.attrs, "compact_model") {
        Format::CompactModel
    } else {
        Format::Compact
    };
    let (attrs, errors) = sea_orm_attrs(&s.attrs);
    report_attr_errors(path, errors, diags);
    keys::check(path, &attrs, Place::Model, diags);
    let mut entity = EntityDef {
        file: path.to_path_buf(),
        module: module.to_owned(),
        location: Vec::new(),
        format,
        table_name: String::new(),
        schema_name: None,
        comment: None,
        columns: match &s.fields {
            Fields::Named(f) => Vec::with_capacity(f.named.len()),
            _ => Vec::new(),
        },
        auto_increment: None,
        relations: Vec::new(),
        pos: Pos::of(s.ident.span()),
        features: Vec::new(),
    };
    let mut rename_all = None;
    for a in &attrs {
        match a.key.as_str() {
            "table_name" => entity.table_name = a.str().unwrap_or_default(),
            "schema_name" => entity.schema_name = a.str(),
            "comment" => entity.comment = a.str(),
            "rename_all" => rename_all = a.str(),
            _ => {}
        }
    }
    if entity.table_name.is_empty() {
        diags.push(Diagnostic::error(
            path,
            entity.pos,
            "this entity has no table_name",
            "add #[sea_orm(table_name = \"...\")] to the Model struct",
        ));
    }

    let Fields::Named(fields) = &s.fields else {
        return entity;
    };
    for field in &fields.named {
        let Some(ident) = &field.ident else { continue };
        let field_name = ident.to_string().trim_start_matches("r#").to_owned();
        let (fattrs, errors) = sea_orm_attrs(&field.attrs);
        report_attr_errors(path, errors, diags);
        keys::check(path, &fattrs, Place::Field, diags);
        let (inner, optional) = strip_option(&field.ty);

        if is_relation_field(inner) {
            if let Some(rel) = dense_relation(inner, &fattrs, Pos::of(ident.span())) {
                entity.relations.push(rel);
            }
            continue;
        }

        let upper = field_name.to_upper_camel_case();
        let mut column_name = match &rename_all {
            Some(style) => convert_case(&upper, style),
            None if field_name != upper.to_snake_case() => field_name.to_snake_case(),
            None => field_name.clone(),
        };
        let mut col = ColumnDef::new(
            upper,
            String::new(),
            crate::type_index::type_ref(inner),
            Pos::of(ident.span()),
        );
        col.nullable = optional;
        let mut column_type = None;
        for a in &fattrs {
            match a.key.as_str() {
                "primary_key" => col.primary_key = true,
                "auto_increment" => entity.auto_increment = a.bool(),
                "column_type" => column_type = Some(a),
                "column_name" => column_name = a.str().unwrap_or(column_name),
                "enum_name" => col.variant = a.str().unwrap_or(col.variant),
                "nullable" => col.nullable = true,
                "unique" => col.unique = true,
                "indexed" => col.indexed = true,
                "unique_key" => col.unique_key = a.str(),
                "default_value" => col.default = literal_default(&a.value),
                "default_expr" => {
                    col.default = a
                        .str()
                        .and_then(|s| syn::parse_str::<Expr>(&s).ok())
                        .and_then(|e| expr_default(&e));
                    if col.default.is_none() {
                        diags.push(Diagnostic::warning(
                            path,
                            a.pos,
                            "sealift cannot evaluate this default_expr; the column's default is left unmanaged",
                            "use Expr::current_timestamp(), Expr::cust(\"SQL\") or a literal default_value",
                        ));
                    }
                }
                "comment" => col.comment = a.str(),
                "extra" => col.extra = a.str(),
                "renamed_from" => col.renamed_from = a.str(),
                "ignore" => col.ignore = true,
                _ => {}
            }
        }
        col.name = column_name;
        // SeaORM never reads the type of an `ignore` field, whatever its `column_type` says
        // (sea-orm-cli writes `custom(""char"")` there for PostgreSQL's `"char"`).
        if let Some(a) = column_type.filter(|_| !col.ignore) {
            match a.str() {
                Some(text) => match column_type_text(&text) {
                    Ok(t) => col.ty = TypeRef::Column(t),
                    Err(what) => diags.push(unknown_column_type(path, a.pos, &text, &what)),
                },
                None => diags.push(unknown_column_type(path, a.pos, "", "a non-string value")),
            }
        } else if let Some(t) = rust_type_column_type(inner) {
            col.ty = TypeRef::Column(t);
        }
        // SeaORM turns auto-increment off for String and Uuid keys unless told otherwise.
        if col.primary_key && entity.auto_increment.is_none() {
            let text = type_text(inner);
            if text.ends_with("String") || text.ends_with("Uuid") {
                entity.auto_increment = Some(false);
            }
        }
        entity.columns.push(col);
    }
    entity
}

/// Reads the `belongs_to` variants of a compact `Relation` enum.
pub fn relation_enum(path: &Path, e: &ItemEnum, diags: &mut Vec<Diagnostic>) -> Vec<RelationDef> {
    let mut out = Vec::new();
    for v in &e.variants {
        let (attrs, errors) = sea_orm_attrs(&v.attrs);
        report_attr_errors(path, errors, diags);
        keys::check(path, &attrs, Place::Relation, diags);
        let Some(target) = attrs.iter().find(|a| a.key == "belongs_to") else {
            continue;
        };
        let mut rel = empty_relation(Pos::of(v.ident.span()));
        rel.target = target.str().and_then(|t| target_path(&t));
        apply_relation_attrs(&mut rel, &attrs);
        out.push(rel);
    }
    out
}

/// A dense relation field (`BelongsTo<..>`, `HasOne<..>`, `HasMany<..>`), not a column.
fn is_relation_field(ty: &Type) -> bool {
    let Type::Path(tp) = ty else { return false };
    tp.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "BelongsTo" || s.ident == "HasOne" || s.ident == "HasMany")
}

/// The foreign key a dense relation field declares: `belongs_to` (or a `self_ref` with
/// `from`/`to`) with `from`, `to` and actions.
fn dense_relation(ty: &Type, attrs: &[crate::attrs::Attr], pos: Pos) -> Option<RelationDef> {
    let belongs = attrs.iter().any(|a| a.key == "belongs_to");
    let self_ref = attrs.iter().any(|a| a.key == "self_ref");
    let has_from_to = attrs.iter().any(|a| a.key == "from") && attrs.iter().any(|a| a.key == "to");
    if !(belongs || (self_ref && has_from_to)) {
        return None;
    }
    let mut rel = empty_relation(pos);
    rel.target = generic_arg(ty).and_then(|t| target_path(&type_text(strip_option(t).0)));
    apply_relation_attrs(&mut rel, attrs);
    Some(rel)
}

fn generic_arg(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    match &tp.path.segments.last()?.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// `Option<T>` -> (`T`, true); anything else -> (itself, false).
pub(crate) fn strip_option(ty: &Type) -> (&Type, bool) {
    if let Type::Path(tp) = ty
        && let Some(last) = tp.path.segments.last()
        && last.ident == "Option"
        && let Some(inner) = generic_arg(ty)
    {
        return (inner, true);
    }
    (ty, false)
}

/// A type as text with whitespace removed, as SeaORM's macros compare it.
pub(crate) fn type_text(ty: &Type) -> String {
    let mut out = String::new();
    if !write_path_type(ty, &mut out) {
        out = quote::quote!(#ty).to_string().split_whitespace().collect();
    }
    out
}

/// Writes a plain path type (`a::B<C, D>`) the way [`type_text`] spells it, without going
/// through tokens and text; false for anything else (references, tuples, lifetimes, ...),
/// which the caller spells from tokens.
fn write_path_type(ty: &Type, out: &mut String) -> bool {
    let Type::Path(tp) = ty else { return false };
    if tp.qself.is_some() {
        return false;
    }
    if tp.path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, seg) in tp.path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        let ident = seg.ident.to_string();
        out.push_str(&ident);
        match &seg.arguments {
            PathArguments::None => {}
            PathArguments::AngleBracketed(a) => {
                if a.colon2_token.is_some() {
                    out.push_str("::");
                }
                out.push('<');
                for (j, arg) in a.args.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    match arg {
                        GenericArgument::Type(t) if write_path_type(t, out) => {}
                        _ => return false,
                    }
                }
                if a.args.trailing_punct() {
                    out.push(',');
                }
                out.push('>');
            }
            PathArguments::Parenthesized(_) => return false,
        }
    }
    true
}

/// `default_value = ...`: the literal.
pub(crate) fn literal_default(value: &AttrValue) -> Option<DefaultDef> {
    match value {
        AttrValue::Lit(l) => lit_default(l),
        AttrValue::Expr(e) => match &**e {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                match literal_default(&AttrValue::Expr(u.expr.clone()))? {
                    DefaultDef::Int(i) => Some(DefaultDef::Int(-i)),
                    DefaultDef::Float(f) => Some(DefaultDef::Float(format!("-{f}"))),
                    _ => None,
                }
            }
            Expr::Lit(l) => lit_default(&l.lit),
            _ => None,
        },
        AttrValue::Flag => None,
    }
}

fn lit_default(l: &Lit) -> Option<DefaultDef> {
    Some(match l {
        Lit::Str(s) => DefaultDef::Str(s.value()),
        Lit::Int(i) => DefaultDef::Int(i.base10_parse().ok()?),
        Lit::Float(f) => DefaultDef::Float(f.base10_digits().to_owned()),
        Lit::Bool(b) => DefaultDef::Bool(b.value),
        _ => return None,
    })
}

/// A `default_expr` / `.default(...)` expression sealift can read.
pub(crate) fn expr_default(e: &Expr) -> Option<DefaultDef> {
    match e {
        Expr::Lit(l) => lit_default(&l.lit),
        Expr::Unary(_) => literal_default(&AttrValue::Expr(Box::new(e.clone()))),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let name = p.path.segments.last()?.ident.to_string();
            match name.as_str() {
                "cust" | "custom_keyword" => crate::coltype::first_string(e).map(DefaultDef::Sql),
                "val" | "value" | "from" | "Some" => c.args.first().and_then(expr_default),
                "current_timestamp" => Some(DefaultDef::Keyword("CURRENT_TIMESTAMP".into())),
                "current_date" => Some(DefaultDef::Keyword("CURRENT_DATE".into())),
                "current_time" => Some(DefaultDef::Keyword("CURRENT_TIME".into())),
                _ => None,
            }
        }
        Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "to_owned" | "to_string" | "into" => expr_default(&m.receiver),
            _ => None,
        },
        Expr::Paren(p) => expr_default(&p.expr),
        _ => None,
    }
}

fn convert_case(ident: &str, style: &str) -> String {
    match style {
        "camel_case" | "PascalCase" => ident.to_upper_camel_case(),
        "camelCase" => ident.to_lower_camel_case(),
        "snake_case" | "snek_case" => ident.to_snake_case(),
        "kebab_case" | "kebab-case" => ident.to_kebab_case(),
        "SCREAMING-KEBAB-CASE" => ident.to_kebab_case().to_uppercase(),
        "shouty_snake_case" | "shouty_snek_case" | "SCREAMING_SNAKE_CASE" => {
            ident.to_shouty_snake_case()
        }
        "title_case" => ident.to_title_case(),
        "mixed_case" => ident.to_lower_camel_case(),
        "lowercase" => ident.to_lowercase(),
        "UPPERCASE" => ident.to_uppercase(),
        _ => ident.to_owned(),
    }
}

fn unknown_column_type(path: &Path, pos: Pos, text: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        path,
        pos,
        format!("unknown column_type `{text}` (not understood: `{what}`)"),
        "use a SeaORM ColumnType variant, e.g. column_type = \"String(StringLen::N(255))\", \"Text\", \"Decimal(Some((10, 2)))\" or \"Custom(\\\"citext\\\".to_owned())\"",
    )
}

pub(crate) fn report_attr_errors(
    path: &Path,
    errors: Vec<(Pos, String)>,
    diags: &mut Vec<Diagnostic>,
) {
    for (pos, msg) in errors {
        diags.push(Diagnostic::error(
            path,
            pos,
            format!("cannot read this #[sea_orm(...)] attribute: {msg}"),
            "write it as #[sea_orm(key, key = \"value\", ...)]",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_text_spells_types_as_their_tokens_do() {
        for text in [
            "i32",
            "Option<String>",
            "super::status::Status",
            "::std::vec::Vec<u8>",
            "Option<Vec<Option<super::sea_orm_active_enums::Mood>>>",
            "HashMap<String,i64,>",
            "Vec::<u8>",
            "r#type::Thing",
            "&'static str",
            "(i32, String)",
            "[u8; 16]",
            "Box<dyn Fn(i32) -> i32>",
            "Cow<'static, str>",
            "<T as Trait>::Out",
        ] {
            let ty: Type = syn::parse_str(text).unwrap();
            let from_tokens: String = quote::quote!(#ty).to_string().split_whitespace().collect();
            assert_eq!(type_text(&ty), from_tokens, "{text}");
        }
    }
}
