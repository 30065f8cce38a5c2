//! Finding entities in a parsed file, whatever format they are written in.
//!
//! A file is walked module by module (inline `mod x { ... }` included). Each module scope is
//! searched for the pieces of an entity; the format is decided by which pieces are there:
//! a `Model` deriving `DeriveEntityModel` (compact, dense, compact_model), or an
//! `impl EntityName for Entity` with an `enum Column` (expanded). User types (active enums,
//! value types, JSON structs, aliases) are collected on the way for the crate-wide index.

pub(crate) mod compact;
mod expanded;

use std::path::Path;

use syn::{Item, ItemEnum, ItemImpl, ItemStruct};

use crate::attrs::derives;
use crate::diagnostic::{Diagnostic, Pos};
use crate::model::{EntityDef, RelationDef};
use crate::modpath;
use crate::type_index::{self, UserType};
use sealift_ir::FkAction;

/// What one file declares.
#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileItems {
    /// Entities, one per module scope that has one.
    pub entities: Vec<EntityDef>,
    /// User types for the crate-wide index.
    pub types: Vec<UserType>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file's text; `module` is its module name.
pub fn parse_file(path: &Path, text: &str, module: &str) -> FileItems {
    let mut out = FileItems::default();
    let location = modpath::file_module(path);
    match syn::parse_file(text) {
        Ok(file) => {
            walk(path, module, &location, &file.items, &mut out);
            unread_models(path, &file, &mut out.diagnostics);
        }
        Err(e) => out.diagnostics.push(Diagnostic::error(
            path,
            Pos::of(e.span()),
            format!("this file is not valid Rust: {e}"),
            "fix the syntax error; the other entity files are still read",
        )),
    }
    // Every position is now a line and column: the thread's copy of this file's text, kept
    // for spans, is freed (with thousands of files it would be kept for all of them).
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

/// The items of one module scope that make up an entity.
#[derive(Default)]
struct Scope<'a> {
    model: Option<&'a ItemStruct>,
    plain_model: Option<&'a ItemStruct>,
    relation_enum: Option<&'a ItemEnum>,
    column_enum: Option<&'a ItemEnum>,
    primary_key_enum: Option<&'a ItemEnum>,
    entity_name_impl: Option<&'a ItemImpl>,
    column_trait_impl: Option<&'a ItemImpl>,
    primary_key_trait_impl: Option<&'a ItemImpl>,
    relation_trait_impl: Option<&'a ItemImpl>,
}

fn walk(path: &Path, module: &str, location: &[String], items: &[Item], out: &mut FileItems) {
    let mut scope = Scope::default();
    for item in items {
        match item {
            Item::Struct(s) => {
                let d = derives(&s.attrs);
                if s.ident == "Model" && d.iter().any(|x| x == "DeriveEntityModel") {
                    scope.model = Some(s);
                } else if s.ident == "Model" && d.iter().any(|x| x == "DeriveModel") {
                    scope.plain_model = Some(s);
                }
            }
            Item::Enum(e) => {
                let d = derives(&e.attrs);
                if e.ident == "Relation" && d.iter().any(|x| x == "DeriveRelation") {
                    scope.relation_enum = Some(e);
                } else if e.ident == "Column" && !d.iter().any(|x| x == "DeriveRelation") {
                    scope.column_enum = Some(e);
                } else if e.ident == "PrimaryKey" {
                    scope.primary_key_enum = Some(e);
                }
            }
            Item::Impl(i) => match impl_trait_name(i).as_deref() {
                Some("EntityName") => scope.entity_name_impl = Some(i),
                Some("ColumnTrait") => scope.column_trait_impl = Some(i),
                Some("PrimaryKeyTrait") => scope.primary_key_trait_impl = Some(i),
                Some("RelationTrait") => scope.relation_trait_impl = Some(i),
                _ => {}
            },
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let name = m.ident.to_string();
                    let mut inner_location = location.to_vec();
                    inner_location.push(name.clone());
                    walk(path, &name, &inner_location, inner, out);
                }
            }
            _ => {}
        }
        type_index::collect(
            path,
            module,
            location,
            item,
            &mut out.types,
            &mut out.diagnostics,
        );
    }

    if let Some(model) = scope.model {
        let mut entity = compact::model(path, module, model, &mut out.diagnostics);
        entity.location = location.to_vec();
        entity.features = crate::attrs::gating_features(&model.attrs, "DeriveEntityModel");
        if let Some(rel) = scope.relation_enum {
            entity
                .relations
                .extend(compact::relation_enum(path, rel, &mut out.diagnostics));
        }
        out.entities.push(entity);
    } else if let (Some(name_impl), Some(columns)) = (scope.entity_name_impl, scope.column_enum) {
        let mut entity = expanded::entity(
            path,
            module,
            expanded::Pieces {
                name_impl,
                columns,
                column_trait: scope.column_trait_impl,
                primary_key: scope.primary_key_enum,
                primary_key_trait: scope.primary_key_trait_impl,
                relation_trait: scope.relation_trait_impl,
                model: scope.plain_model,
            },
            &mut out.diagnostics,
        );
        entity.location = location.to_vec();
        out.entities.push(entity);
    }
}

/// Every struct of the file that derives `DeriveEntityModel` (plainly or behind `cfg_attr`)
/// and is not read as an entity (not a `Model` at module level) is an error at its name: a check must never say "in
/// sync" while an entity went unread. SeaORM's derive itself takes only a `Model`; sealift
/// reads entities at module level.
fn unread_models(path: &Path, file: &syn::File, diagnostics: &mut Vec<Diagnostic>) {
    struct Models {
        found: Vec<(String, Pos, bool)>,
        depth: usize,
    }
    impl<'ast> syn::visit::Visit<'ast> for Models {
        fn visit_item_struct(&mut self, s: &'ast ItemStruct) {
            if derives(&s.attrs).iter().any(|d| d == "DeriveEntityModel") {
                self.found
                    .push((s.ident.to_string(), Pos::of(s.ident.span()), self.depth > 0));
            }
            syn::visit::visit_item_struct(self, s);
        }
        fn visit_block(&mut self, b: &'ast syn::Block) {
            self.depth += 1;
            syn::visit::visit_block(self, b);
            self.depth -= 1;
        }
    }
    let mut models = Models {
        found: Vec::new(),
        depth: 0,
    };
    syn::visit::Visit::visit_file(&mut models, file);
    for (name, pos, in_block) in models.found {
        let problem = if name != "Model" {
            format!(
                "`{name}` derives DeriveEntityModel, which takes only a struct named `Model` (SeaORM stops with \"Struct name must be Model\"); sealift did not read it"
            )
        } else if in_block {
            "this `Model` is declared inside a function; sealift reads entities declared in a module, and did not read it".to_owned()
        } else {
            // A `Model` at module level is read as its module's entity.
            continue;
        };
        diagnostics.push(Diagnostic::error(
            path,
            pos,
            problem,
            "rename it to `Model` in a module of its own, or move it to module level; nothing is compared while an entity goes unread",
        ));
    }
}

/// `impl Trait for X` -> `Trait` (last path segment).
fn impl_trait_name(i: &ItemImpl) -> Option<String> {
    i.trait_
        .as_ref()
        .and_then(|(_, p, _)| p.segments.last())
        .map(|s| s.ident.to_string())
}

/// The module path an entity path names: `super::cake::Entity` -> `Some(["super", "cake"])`,
/// `Entity` (this module) -> `None`.
pub(crate) fn target_path(path_text: &str) -> Option<Vec<String>> {
    let segments = modpath::module_segments(path_text);
    (!segments.is_empty() && segments != ["self"]).then_some(segments)
}

/// `Cascade`, `ForeignKeyAction::SetNull`, `"NoAction"` -> the action.
pub(crate) fn fk_action(text: &str) -> Option<FkAction> {
    let last = text
        .rsplit("::")
        .next()
        .unwrap_or(text)
        .trim()
        .trim_matches('"');
    Some(match last {
        "Cascade" => FkAction::Cascade,
        "SetNull" => FkAction::SetNull,
        "SetDefault" => FkAction::SetDefault,
        "Restrict" => FkAction::Restrict,
        "NoAction" => FkAction::NoAction,
        _ => return None,
    })
}

/// `Column::CakeId`, `(Column::A, Column::B)`, `"user_id"`, `"(a, b)"` -> Column variants.
pub(crate) fn column_variants(text: &str) -> Vec<String> {
    use heck::ToUpperCamelCase;
    text.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let last = p.rsplit("::").next().unwrap_or(p).trim();
            last.trim_start_matches("r#").to_upper_camel_case()
        })
        .collect()
}

/// A relation with nothing set but its place.
pub(crate) fn empty_relation(pos: Pos) -> RelationDef {
    RelationDef {
        target: None,
        from: Vec::new(),
        to: Vec::new(),
        on_update: None,
        on_delete: None,
        fk_name: None,
        skip_fk: false,
        pos,
    }
}

/// Reads `from`, `to`, `on_update`, `on_delete`, `fk_name` and `skip_fk` keys, as the compact
/// `Relation` enum and dense relation fields both spell them.
pub(crate) fn apply_relation_attrs(rel: &mut RelationDef, attrs: &[crate::attrs::Attr]) {
    for a in attrs {
        let text = a.str().unwrap_or_default();
        match a.key.as_str() {
            "from" => rel.from = column_variants(&text),
            "to" => rel.to = column_variants(&text),
            "on_update" => rel.on_update = fk_action(&text),
            "on_delete" => rel.on_delete = fk_action(&text),
            "fk_name" => rel.fk_name = Some(text),
            "skip_fk" => rel.skip_fk = true,
            _ => {}
        }
    }
}
