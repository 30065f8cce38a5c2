//! The crate-wide index of user types a column can use: `DeriveActiveEnum` enums,
//! `DeriveValueType` newtypes, `FromJsonQueryResult` structs and type aliases, found in any
//! file or module of the entities crate.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use serde::{Deserialize, Serialize};
use syn::{Expr, Fields, Item, Lit, Type};

use crate::attrs::{derives, sea_orm_attrs};
use crate::coltype::{column_type_text, rust_type_column_type};
use crate::diagnostic::{Diagnostic, Pos};
use crate::formats::compact::type_text;
use crate::model::{ColType, TypeRef};
use crate::modpath;

/// A user type and what column type it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserType {
    /// The type's name.
    pub ident: String,
    /// The module it is declared in.
    pub module: String,
    /// That module's place, which paths naming the type resolve against.
    pub location: Vec<String>,
    /// What it maps to.
    pub kind: UserTypeKind,
}

/// What a user type maps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserTypeKind {
    /// An active enum with its column type (an `Enum` with labels, or e.g. a `String`).
    ActiveEnum(ColType),
    /// A value type wrapping another type, or with an explicit column type.
    ValueType(TypeRef),
    /// A JSON struct.
    Json,
    /// `type X = Y;`
    Alias(TypeRef),
}

/// Collects the user type an item declares, if any.
pub fn collect(
    path: &Path,
    module: &str,
    location: &[String],
    item: &Item,
    out: &mut Vec<UserType>,
    diags: &mut Vec<Diagnostic>,
) {
    let push = |out: &mut Vec<UserType>, ident: String, kind| {
        out.push(UserType {
            ident,
            module: module.to_owned(),
            location: location.to_vec(),
            kind,
        })
    };
    match item {
        Item::Enum(e) => {
            let d = derives(&e.attrs);
            if d.iter().any(|x| x == "DeriveActiveEnum") {
                let (attrs, _) = sea_orm_attrs(&e.attrs);
                crate::keys::check(path, &attrs, crate::keys::Place::ActiveEnum, diags);
                for v in &e.variants {
                    let (vattrs, _) = sea_orm_attrs(&v.attrs);
                    crate::keys::check(path, &vattrs, crate::keys::Place::ActiveEnumVariant, diags);
                }
                match active_enum(e) {
                    Ok(t) => push(out, e.ident.to_string(), UserTypeKind::ActiveEnum(t)),
                    Err((pos, msg, hint)) => diags.push(Diagnostic::error(path, pos, msg, hint)),
                }
            } else if d.iter().any(|x| x == "DeriveValueType") {
                let t = explicit_column_type(&e.attrs).unwrap_or(ColType::String(None));
                push(
                    out,
                    e.ident.to_string(),
                    UserTypeKind::ValueType(TypeRef::Column(t)),
                );
            } else if d.iter().any(|x| x == "FromJsonQueryResult") {
                push(out, e.ident.to_string(), UserTypeKind::Json);
            }
        }
        Item::Struct(s) => {
            let d = derives(&s.attrs);
            if d.iter().any(|x| x == "DeriveValueType") {
                let inner = match (&s.fields, explicit_column_type(&s.attrs)) {
                    (_, Some(t)) => Some(TypeRef::Column(t)),
                    (Fields::Unnamed(f), None) if f.unnamed.len() == 1 => {
                        Some(type_ref(&f.unnamed[0].ty))
                    }
                    _ => None,
                };
                if let Some(inner) = inner {
                    push(out, s.ident.to_string(), UserTypeKind::ValueType(inner));
                }
            } else if d.iter().any(|x| x == "FromJsonQueryResult") {
                push(out, s.ident.to_string(), UserTypeKind::Json);
            }
        }
        Item::Type(t) => push(
            out,
            t.ident.to_string(),
            UserTypeKind::Alias(type_ref(&t.ty)),
        ),
        _ => {}
    }
}

/// A declared Rust type: its column type when SeaORM maps the type itself (`i32`, `String`,
/// `DateTime`), otherwise its path, resolved against the user types when lowering. Deciding
/// here, while the parse is at hand (and cached), spares lowering a parse of every type.
pub(crate) fn type_ref(ty: &Type) -> TypeRef {
    match rust_type_column_type(ty) {
        Some(t) => TypeRef::Column(t),
        None => TypeRef::Rust(type_text(ty)),
    }
}

fn explicit_column_type(attrs: &[syn::Attribute]) -> Option<ColType> {
    let (attrs, _) = sea_orm_attrs(attrs);
    let text = attrs.iter().find(|a| a.key == "column_type")?.str()?;
    column_type_text(&text).ok()
}

/// The column type of a `DeriveActiveEnum`.
fn active_enum(e: &syn::ItemEnum) -> Result<ColType, (Pos, String, String)> {
    let (attrs, _) = sea_orm_attrs(&e.attrs);
    let get = |k: &str| attrs.iter().find(|a| a.key == k).and_then(|a| a.str());
    let pos = Pos::of(e.ident.span());
    let db_type = get("db_type").ok_or_else(|| {
        (
            pos,
            format!("active enum `{}` has no db_type", e.ident),
            "add #[sea_orm(db_type = \"Enum\")] or e.g. db_type = \"String(StringLen::N(1))\""
                .to_owned(),
        )
    })?;
    if db_type != "Enum" {
        return column_type_text(&db_type).map_err(|_| {
                (
                    pos,
                    format!("unknown db_type `{db_type}` on active enum `{}`", e.ident),
                    "use \"Enum\" or a SeaORM ColumnType such as \"String(StringLen::N(1))\" or \"Integer\"".to_owned(),
                )
            });
    }
    let name = get("enum_name").unwrap_or_else(|| e.ident.to_string().to_upper_camel_case());
    let rename_all = get("rename_all");
    let mut variants = Vec::new();
    for v in &e.variants {
        let (vattrs, _) = sea_orm_attrs(&v.attrs);
        let string_value = vattrs
            .iter()
            .find(|a| a.key == "string_value")
            .and_then(|a| a.str());
        let rename = vattrs
            .iter()
            .find(|a| a.key == "rename")
            .and_then(|a| a.str());
        let value = match (string_value, rename.or(rename_all.clone())) {
            (Some(s), _) => s,
            (None, Some(style)) => convert_variant(&v.ident.to_string(), &style),
            (None, None) => {
                let lit = v.discriminant.as_ref().and_then(|(_, d)| match d {
                    Expr::Lit(l) => match &l.lit {
                        Lit::Str(s) => Some(s.value()),
                        _ => None,
                    },
                    _ => None,
                });
                lit.ok_or_else(|| {
                    (
                        Pos::of(v.ident.span()),
                        format!("variant `{}` of active enum `{}` has no string_value", v.ident, e.ident),
                        "add #[sea_orm(string_value = \"...\")] to every variant, or rename_all on the enum".to_owned(),
                    )
                })?
            }
        };
        variants.push(value);
    }
    Ok(ColType::Enum { name, variants })
}

fn convert_variant(ident: &str, style: &str) -> String {
    match style {
        "camelCase" | "mixed_case" => ident.to_lower_camel_case(),
        "snake_case" | "snek_case" => ident.to_snake_case(),
        "SCREAMING_SNAKE_CASE" | "shouty_snake_case" => ident.to_shouty_snake_case(),
        "kebab-case" | "kebab_case" => heck::ToKebabCase::to_kebab_case(ident),
        "SCREAMING-KEBAB-CASE" => heck::ToKebabCase::to_kebab_case(ident).to_uppercase(),
        "lowercase" => ident.to_lowercase(),
        "UPPERCASE" => ident.to_uppercase(),
        "title_case" => heck::ToTitleCase::to_title_case(ident),
        _ => ident.to_upper_camel_case(),
    }
}

/// Why a type did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// No user type of that name (the path as written).
    Missing(String),
    /// Several user types of that name fit the path, and they differ: the path as written and
    /// the modules that declare them.
    Ambiguous(String, Vec<String>),
    /// Type aliases that refer to each other.
    Cycle(String),
}

/// User types by name, for resolving column types across the whole entities crate.
#[derive(Debug, Default)]
pub struct TypeIndex {
    by_ident: HashMap<String, Vec<UserType>>,
    /// What each Rust type text seen so far is, parsed once: thousands of entities name the
    /// same few user types.
    shapes: Mutex<HashMap<String, Shape>>,
}

/// What a Rust type text is, before any user type is looked up.
#[derive(Debug, Clone)]
enum Shape {
    /// Not a type at all.
    Invalid,
    /// A type SeaORM maps itself.
    Mapped(ColType),
    /// `Vec<T>` of a type that is not: an array of what `T` (this text) is.
    VecOf(String),
    /// A path to look up among the user types.
    Path,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let Ok(parsed) = syn::parse_str::<Type>(text) else {
            return Shape::Invalid;
        };
        if let Some(t) = rust_type_column_type(&parsed) {
            return Shape::Mapped(t);
        }
        if let Type::Path(tp) = &parsed
            && let Some(last) = tp.path.segments.last()
            && last.ident == "Vec"
            && let syn::PathArguments::AngleBracketed(a) = &last.arguments
            && let Some(syn::GenericArgument::Type(inner)) = a.args.first()
        {
            return Shape::VecOf(type_text(inner));
        }
        Shape::Path
    }
}

impl TypeIndex {
    /// Indexes the collected types.
    pub fn new(types: Vec<UserType>) -> Self {
        let mut by_ident: HashMap<String, Vec<UserType>> = HashMap::new();
        for t in types {
            by_ident.entry(t.ident.clone()).or_default().push(t);
        }
        TypeIndex {
            by_ident,
            shapes: Mutex::default(),
        }
    }

    /// What `text` is, parsed the first time it is asked.
    fn shape(&self, text: &str) -> Shape {
        let mut shapes = self.shapes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(shape) = shapes.get(text) {
            return shape.clone();
        }
        let shape = Shape::of(text);
        shapes.insert(text.to_owned(), shape.clone());
        shape
    }

    /// The column type a declared type stands for, a path in it read from the module `from`.
    pub fn resolve(&self, ty: &TypeRef, from: &[String]) -> Result<ColType, Unresolved> {
        self.resolve_depth(ty, from, 0)
    }

    fn resolve_depth(
        &self,
        ty: &TypeRef,
        from: &[String],
        depth: u8,
    ) -> Result<ColType, Unresolved> {
        if depth > 16 {
            return Err(Unresolved::Cycle(format!("{ty:?}")));
        }
        match ty {
            TypeRef::Column(c) => Ok(c.clone()),
            TypeRef::DbTypeOf(path) => self.lookup(path, from, depth),
            TypeRef::Rust(text) => match self.shape(text) {
                Shape::Invalid => Err(Unresolved::Missing(text.clone())),
                Shape::Mapped(t) => Ok(t),
                // Vec<UserType> is an array of it.
                Shape::VecOf(inner) => {
                    let inner = self.resolve_depth(&TypeRef::Rust(inner), from, depth + 1)?;
                    Ok(ColType::Array(Box::new(inner)))
                }
                Shape::Path => self.lookup(text, from, depth),
            },
        }
    }

    /// The user type a path names, found from the module `from` (see `modpath`); several
    /// candidates that all mean the same column type are not ambiguous.
    fn lookup(&self, path: &str, from: &[String], depth: u8) -> Result<ColType, Unresolved> {
        let path = path.split('<').next().unwrap_or(path);
        let ident = path.rsplit("::").next().unwrap_or(path).trim();
        let candidates = self
            .by_ident
            .get(ident)
            .ok_or_else(|| Unresolved::Missing(path.to_owned()))?;
        let written = modpath::module_segments(path);
        let written = (!written.is_empty()).then_some(written.as_slice());
        let all = candidates.iter().map(|c| (c, c.location.as_slice()));
        let chosen = match modpath::find(from, written, all) {
            modpath::Found::One(c) => c,
            modpath::Found::Missing => return Err(Unresolved::Missing(path.to_owned())),
            modpath::Found::Ambiguous(several) => {
                let resolved: Vec<Result<ColType, Unresolved>> =
                    several.iter().map(|c| self.meaning(c, depth)).collect();
                if resolved.windows(2).all(|w| w[0] == w[1]) {
                    return resolved
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| Err(Unresolved::Missing(path.to_owned())));
                }
                return Err(Unresolved::Ambiguous(
                    path.to_owned(),
                    several.iter().map(|c| c.location.join("/")).collect(),
                ));
            }
        };
        self.meaning(chosen, depth)
    }

    /// The column type one user type stands for.
    fn meaning(&self, t: &UserType, depth: u8) -> Result<ColType, Unresolved> {
        match &t.kind {
            UserTypeKind::ActiveEnum(c) => Ok(c.clone()),
            UserTypeKind::Json => Ok(ColType::Json),
            UserTypeKind::ValueType(inner) | UserTypeKind::Alias(inner) => {
                self.resolve_depth(inner, &t.location, depth + 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(src: &str) -> TypeIndex {
        let file: syn::File = syn::parse_str(src).unwrap();
        let (mut types, mut diags) = (Vec::new(), Vec::new());
        for item in &file.items {
            collect(
                Path::new("t.rs"),
                "m",
                &["t".to_owned()],
                item,
                &mut types,
                &mut diags,
            );
        }
        assert!(diags.is_empty(), "{diags:?}");
        TypeIndex::new(types)
    }

    fn resolve(idx: &TypeIndex, ty: &str) -> ColType {
        idx.resolve(&TypeRef::Rust(ty.into()), &["t".to_owned()])
            .unwrap()
    }

    #[test]
    fn active_enums_value_types_json_and_aliases_resolve() {
        let idx = index(
            r#"
            #[derive(DeriveActiveEnum)]
            #[sea_orm(rs_type = "i32", db_type = "Integer")]
            pub enum Level { #[sea_orm(num_value = 1)] Low, #[sea_orm(num_value = 2)] High }

            #[derive(DeriveActiveEnum)]
            #[sea_orm(db_type = "Enum", rename_all = "snake_case")]
            pub enum TeaKind { EarlGrey, Green }

            #[derive(DeriveValueType)]
            pub struct Meters(pub f64);

            #[derive(DeriveValueType)]
            #[sea_orm(column_type = "Text")]
            pub struct Slug(pub String);

            #[derive(FromJsonQueryResult)]
            pub struct Settings { pub a: i32 }

            pub type Distance = Meters;
            "#,
        );
        assert_eq!(resolve(&idx, "Level"), ColType::Integer);
        assert_eq!(
            resolve(&idx, "super::enums::TeaKind"),
            ColType::Enum {
                name: "TeaKind".into(),
                variants: vec!["earl_grey".into(), "green".into()]
            }
        );
        assert_eq!(resolve(&idx, "Distance"), ColType::Double);
        assert_eq!(resolve(&idx, "Slug"), ColType::Text);
        assert_eq!(resolve(&idx, "Settings"), ColType::Json);
        assert_eq!(
            resolve(&idx, "Vec<Meters>"),
            ColType::Array(Box::new(ColType::Double))
        );
        assert_eq!(
            idx.resolve(&TypeRef::Rust("Unknown".into()), &[]),
            Err(Unresolved::Missing("Unknown".into()))
        );
    }

    #[test]
    fn an_alias_cycle_is_an_error_not_a_hang() {
        let idx = index("pub type A = B; pub type B = A;");
        assert!(idx.resolve(&TypeRef::Rust("A".into()), &[]).is_err());
    }
}
