//! The expanded format: `impl EntityName for Entity`, `enum Column` with
//! `impl ColumnTrait { fn def() }`, `enum PrimaryKey` with `impl PrimaryKeyTrait`, and
//! `impl RelationTrait { fn def() }` builder chains.

use std::path::Path;

use heck::ToSnakeCase;
use heck::ToUpperCamelCase;
use syn::{Arm, Block, Expr, Fields, ImplItem, ItemEnum, ItemImpl, ItemStruct, Pat};

use super::compact::{expr_default, report_attr_errors};
use super::{column_variants, empty_relation, fk_action, target_path};
use crate::attrs::sea_orm_attrs;
use crate::coltype::{first_string, parse_column_type};
use crate::diagnostic::{Diagnostic, Pos};
use crate::model::{ColumnDef, EntityDef, Format, RelationDef, TypeRef};

/// The items an expanded entity is made of.
pub struct Pieces<'a> {
    pub name_impl: &'a ItemImpl,
    pub columns: &'a ItemEnum,
    pub column_trait: Option<&'a ItemImpl>,
    pub primary_key: Option<&'a ItemEnum>,
    pub primary_key_trait: Option<&'a ItemImpl>,
    pub relation_trait: Option<&'a ItemImpl>,
    /// The `DeriveModel` struct, read for `#[sea_orm(ignore)]` fields.
    pub model: Option<&'a ItemStruct>,
}

/// Assembles an expanded entity.
pub fn entity(path: &Path, module: &str, p: Pieces<'_>, diags: &mut Vec<Diagnostic>) -> EntityDef {
    let fn_string = |name: &str| fn_block(p.name_impl, name).and_then(block_string);
    let mut entity = EntityDef {
        file: path.to_path_buf(),
        module: module.to_owned(),
        location: Vec::new(),
        format: Format::Expanded,
        table_name: fn_string("table_name").unwrap_or_default(),
        schema_name: fn_string("schema_name"),
        comment: fn_string("comment"),
        columns: Vec::new(),
        auto_increment: p
            .primary_key_trait
            .and_then(|i| fn_block(i, "auto_increment"))
            .and_then(block_bool),
        relations: Vec::new(),
        pos: Pos::of(p.columns.ident.span()),
        features: Vec::new(),
    };
    if entity.table_name.is_empty() {
        diags.push(Diagnostic::error(
            path,
            Pos::of(p.name_impl.impl_token.span),
            "this entity's table_name() returns no string literal",
            "write fn table_name(&self) -> &str { \"my_table\" }",
        ));
    }
    let primary: Vec<String> = p
        .primary_key
        .map(|e| e.variants.iter().map(|v| v.ident.to_string()).collect())
        .unwrap_or_default();
    let defs: Vec<&Arm> = p
        .column_trait
        .and_then(|i| fn_block(i, "def"))
        .map(match_arms)
        .unwrap_or_default();

    for v in &p.columns.variants {
        let variant = v.ident.to_string();
        let (attrs, errors) = sea_orm_attrs(&v.attrs);
        report_attr_errors(path, errors, diags);
        let name = attrs
            .iter()
            .find(|a| a.key == "column_name")
            .and_then(|a| a.str())
            .unwrap_or_else(|| variant.trim_start_matches("r#").to_snake_case());
        let mut col = ColumnDef::new(
            variant.clone(),
            name,
            TypeRef::Column(crate::model::ColType::Text),
            Pos::of(v.ident.span()),
        );
        col.primary_key = primary.contains(&variant);
        match defs
            .iter()
            .find(|a| arm_variant(a).as_deref() == Some(variant.as_str()))
        {
            Some(arm) => read_column_def(path, &arm.body, &mut col, diags),
            None => diags.push(Diagnostic::error(
                path,
                col.pos,
                format!("column `{variant}` has no arm in ColumnTrait::def()"),
                format!("add `Self::{variant} => ColumnType::...def()` to the match in fn def()"),
            )),
        }
        entity.columns.push(col);
    }

    // Fields the Model keeps but SeaORM does not manage.
    if let Some(Fields::Named(fields)) = p.model.map(|m| &m.fields) {
        for f in &fields.named {
            let (attrs, _) = sea_orm_attrs(&f.attrs);
            let Some(ident) = &f.ident else { continue };
            if attrs.iter().any(|a| a.key == "ignore") {
                let name = ident.to_string().trim_start_matches("r#").to_owned();
                let mut col = ColumnDef::new(
                    name.to_upper_camel_case(),
                    name,
                    TypeRef::Column(crate::model::ColType::Text),
                    Pos::of(ident.span()),
                );
                col.ignore = true;
                entity.columns.push(col);
            }
        }
    }

    if let Some(arms) = p
        .relation_trait
        .and_then(|i| fn_block(i, "def"))
        .map(match_arms)
    {
        for arm in arms {
            if let Some(rel) = relation_chain(&arm.body) {
                entity.relations.push(rel);
            }
        }
    }
    entity
}

/// Reads `ColumnType::X.def().null().unique()...` into a column.
fn read_column_def(path: &Path, body: &Expr, col: &mut ColumnDef, diags: &mut Vec<Diagnostic>) {
    let (base, calls) = unchain(body);
    for (method, args) in &calls {
        let arg = args.first();
        match method.as_str() {
            "null" | "nullable" => col.nullable = true,
            "unique" => col.unique = true,
            "indexed" => col.indexed = true,
            "default" | "default_value" => col.default = arg.and_then(expr_default),
            "comment" => col.comment = arg.and_then(first_string),
            "extra" => col.extra = arg.and_then(first_string),
            "unique_key" => col.unique_key = arg.and_then(first_string),
            "renamed_from" => col.renamed_from = arg.and_then(first_string),
            _ => {}
        }
    }
    // `Mood::db_type()`: the active enum's own column type.
    if let Expr::Call(c) = base
        && let Expr::Path(p) = &*c.func
        && p.path.segments.last().is_some_and(|s| s.ident == "db_type")
    {
        let owner: Vec<String> = p
            .path
            .segments
            .iter()
            .take(p.path.segments.len() - 1)
            .map(|s| s.ident.to_string())
            .collect();
        col.ty = TypeRef::DbTypeOf(owner.join("::"));
        return;
    }
    match parse_column_type(base) {
        Ok(t) => col.ty = TypeRef::Column(t),
        Err(what) => diags.push(Diagnostic::error(
            path,
            col.pos,
            format!(
                "unknown column type `{what}` in def() of column `{}`",
                col.variant
            ),
            "use a SeaORM ColumnType variant, e.g. ColumnType::String(StringLen::N(255)).def()",
        )),
    }
}

/// `Entity::belongs_to(super::cake::Entity).from(..).to(..).on_delete(..).into()`.
fn relation_chain(body: &Expr) -> Option<RelationDef> {
    let (base, calls) = unchain(body);
    let Expr::Call(c) = base else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    if p.path
        .segments
        .last()
        .is_none_or(|s| s.ident != "belongs_to")
    {
        return None;
    }
    let mut rel = empty_relation(Pos::of(p.path.segments[0].ident.span()));
    rel.target = c.args.first().and_then(|a| target_path(&text(a)));
    for (method, args) in &calls {
        let arg = args.first();
        let arg_text = arg.map(text).unwrap_or_default();
        match method.as_str() {
            "from" => rel.from = column_variants(&arg_text),
            "to" => rel.to = column_variants(&arg_text),
            "on_update" => rel.on_update = fk_action(&arg_text),
            "on_delete" => rel.on_delete = fk_action(&arg_text),
            "fk_name" => rel.fk_name = arg.and_then(first_string),
            "skip_fk" => rel.skip_fk = true,
            _ => {}
        }
    }
    Some(rel)
}

fn text(e: &Expr) -> String {
    quote::quote!(#e)
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" :: ", "::")
}

/// Splits `base.a(x).b()` into `base` and `[("a", [x]), ("b", [])]`, innermost first.
fn unchain(e: &Expr) -> (&Expr, Vec<(String, Vec<Expr>)>) {
    let mut calls = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                calls.push((m.method.to_string(), m.args.iter().cloned().collect()));
                cur = &m.receiver;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
                syn::Stmt::Expr(inner, _) => cur = inner,
                _ => break,
            },
            _ => break,
        }
    }
    calls.reverse();
    (cur, calls)
}

/// The body of `fn name` in an impl.
fn fn_block<'a>(i: &'a ItemImpl, name: &str) -> Option<&'a Block> {
    i.items.iter().find_map(|item| match item {
        ImplItem::Fn(f) if f.sig.ident == name => Some(&f.block),
        _ => None,
    })
}

/// The arms of the `match` a function body consists of.
fn match_arms(b: &Block) -> Vec<&Arm> {
    for stmt in &b.stmts {
        if let syn::Stmt::Expr(Expr::Match(m), _) = stmt {
            return m.arms.iter().collect();
        }
    }
    Vec::new()
}

/// `Self::Id` / `Column::Id` / `Self::Id | ...` -> `Id`.
fn arm_variant(arm: &Arm) -> Option<String> {
    match &arm.pat {
        Pat::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Pat::Ident(i) => Some(i.ident.to_string()),
        _ => None,
    }
}

/// The string literal a function body returns (`"cake"`, `Some("public")`); none for `None`.
fn block_string(b: &Block) -> Option<String> {
    let tokens = quote::quote!(#b);
    let e: Expr = syn::parse2(quote::quote!(#tokens)).ok()?;
    first_string(&e)
}

fn block_bool(b: &Block) -> Option<bool> {
    match b.stmts.last()? {
        syn::Stmt::Expr(Expr::Lit(l), _) => match &l.lit {
            syn::Lit::Bool(v) => Some(v.value),
            _ => None,
        },
        _ => None,
    }
}
