//! `#[sea_orm(...)]` attributes, also behind `#[cfg_attr(..., sea_orm(...))]`, as key/value
//! pairs. Unknown keys are kept: each format decides what it reads.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::parse::discouraged::Speculative;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, Meta, Token};

use crate::diagnostic::Pos;

/// One `key`, `key = value` or `key(...)` inside `sea_orm(...)`.
#[derive(Debug, Clone)]
pub struct Attr {
    /// The key.
    pub key: String,
    /// Its value.
    pub value: AttrValue,
    /// Where the key is.
    pub pos: Pos,
}

/// The value of an attribute key.
#[derive(Debug, Clone)]
pub enum AttrValue {
    /// `key` alone.
    Flag,
    /// `key = "text"`, `key = 1`, `key = true`.
    Lit(Lit),
    /// `key = some::path` or another expression.
    Expr(Box<Expr>),
}

impl Attr {
    /// The string value of `key = "..."`.
    pub fn str(&self) -> Option<String> {
        match &self.value {
            AttrValue::Lit(Lit::Str(s)) => Some(s.value()),
            _ => None,
        }
    }

    /// The boolean value of `key = true|false`; a bare flag is true.
    pub fn bool(&self) -> Option<bool> {
        match &self.value {
            AttrValue::Flag => Some(true),
            AttrValue::Lit(Lit::Bool(b)) => Some(b.value),
            _ => None,
        }
    }
}

/// Every `sea_orm` key of the given attributes, in order. Attributes that do not parse are
/// reported as `Err` with their position.
pub fn sea_orm_attrs(attrs: &[Attribute]) -> (Vec<Attr>, Vec<(Pos, String)>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for attr in attrs {
        let list = if attr.path().is_ident("sea_orm") {
            match &attr.meta {
                Meta::List(list) => vec![list.clone()],
                _ => continue,
            }
        } else if attr.path().is_ident("cfg_attr") {
            // cfg_attr(predicate, sea_orm(...), ...): read the sea_orm parts, whatever the cfg.
            match attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                Ok(metas) => metas
                    .into_iter()
                    .skip(1)
                    .filter_map(|m| match m {
                        Meta::List(l) if l.path.is_ident("sea_orm") => Some(l),
                        _ => None,
                    })
                    .collect(),
                Err(_) => continue,
            }
        } else {
            continue;
        };
        for l in list {
            if let Some(pairs) = simple_pairs(&l.tokens) {
                out.extend(pairs);
                continue;
            }
            let result = l.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                let pos = Pos::of(meta.path.span());
                let value = if meta.input.peek(Token![=]) {
                    let input = meta.value()?;
                    // Most values are one literal: read it without the expression parser
                    // (a negative number stays an expression, as the parser reads it).
                    let fork = input.fork();
                    match fork.parse::<Lit>() {
                        Ok(lit)
                            if !input.peek(Token![-])
                                && (fork.is_empty() || fork.peek(Token![,])) =>
                        {
                            input.advance_to(&fork);
                            AttrValue::Lit(lit)
                        }
                        _ => match input.parse::<Expr>()? {
                            Expr::Lit(l) => AttrValue::Lit(l.lit),
                            other => AttrValue::Expr(Box::new(other)),
                        },
                    }
                } else if meta.input.peek(syn::token::Paren) {
                    meta.parse_nested_meta(|inner| {
                        if inner.input.peek(Token![=]) {
                            let _: Expr = inner.value()?.parse()?;
                        }
                        Ok(())
                    })?;
                    AttrValue::Flag
                } else {
                    AttrValue::Flag
                };
                out.push(Attr { key, value, pos });
                Ok(())
            });
            if let Err(e) = result {
                errors.push((Pos::of(e.span()), e.to_string()));
            }
        }
    }
    (out, errors)
}

/// The keys of a list made only of `key` and `key = literal` items, read straight from the
/// tokens (most `sea_orm(...)` lists, on every field of every entity); `None` when it holds
/// anything else (paths, nested lists, negative numbers, `true`, expressions), which
/// [`sea_orm_attrs`] leaves to syn's parser.
fn simple_pairs(tokens: &TokenStream) -> Option<Vec<Attr>> {
    let mut out = Vec::new();
    let mut tokens = tokens.clone().into_iter();
    loop {
        let key = match tokens.next() {
            None => return Some(out),
            Some(TokenTree::Ident(key)) => key,
            Some(_) => return None,
        };
        let (value, more) = match tokens.next() {
            None => (AttrValue::Flag, false),
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => (AttrValue::Flag, true),
            Some(TokenTree::Punct(p)) if p.as_char() == '=' && p.spacing() == Spacing::Alone => {
                let Some(TokenTree::Literal(lit)) = tokens.next() else {
                    return None;
                };
                let more = match tokens.next() {
                    None => false,
                    Some(TokenTree::Punct(p)) if p.as_char() == ',' => true,
                    Some(_) => return None,
                };
                (AttrValue::Lit(Lit::new(lit)), more)
            }
            Some(_) => return None,
        };
        out.push(Attr {
            key: key.to_string(),
            value,
            pos: Pos::of(key.span()),
        });
        if !more {
            return Some(out);
        }
    }
}

/// The names listed in `#[derive(...)]` attributes (last path segment), also those behind
/// `#[cfg_attr(predicate, derive(...))]` whatever the predicate (Cargo features count as on;
/// [`gating_features`] says which ones a derive needs).
///
/// Read from the tokens directly (the identifier before each top-level comma), without parsing
/// paths: every struct and enum of every entity file comes through here.
pub fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("derive") {
            if let Meta::List(list) = &attr.meta {
                derive_names(&list.tokens, &mut out);
            }
        } else if attr.path().is_ident("cfg_attr")
            && let Ok(metas) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        {
            for m in metas.iter().skip(1) {
                if let Meta::List(l) = m
                    && l.path.is_ident("derive")
                {
                    derive_names(&l.tokens, &mut out);
                }
            }
        }
    }
    out
}

fn derive_names(tokens: &TokenStream, out: &mut Vec<String>) {
    let mut last = None;
    for token in tokens.clone() {
        match token {
            TokenTree::Ident(ident) => last = Some(ident),
            TokenTree::Punct(p) if p.as_char() == ',' => {
                out.extend(last.take().map(|i| i.to_string()));
            }
            _ => {}
        }
    }
    out.extend(last.map(|i| i.to_string()));
}

/// The Cargo features a `derive` of `name` needs: those named (`feature = "x"`, also inside
/// `all(...)`) by the predicates of the `cfg_attr`s that carry that derive. Empty when the
/// derive is plain.
pub fn gating_features(attrs: &[Attribute], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg_attr")) {
        let Ok(metas) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let carries = metas.iter().skip(1).any(|m| match m {
            Meta::List(l) if l.path.is_ident("derive") => {
                let mut names = Vec::new();
                derive_names(&l.tokens, &mut names);
                names.iter().any(|n| n == name)
            }
            _ => false,
        });
        if carries && let Some(predicate) = metas.first() {
            features_in(predicate, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `feature = "x"` in a cfg predicate, directly or under `all(...)`.
fn features_in(meta: &Meta, out: &mut Vec<String>) {
    match meta {
        Meta::NameValue(nv) if nv.path.is_ident("feature") => {
            if let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                out.push(s.value());
            }
        }
        Meta::List(l) if l.path.is_ident("all") => {
            if let Ok(inner) = l.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                for m in &inner {
                    features_in(m, out);
                }
            }
        }
        _ => {}
    }
}

/// True when an attribute like `#[sea_orm::model]` (or `#[model]`) is present.
pub fn has_path_attr(attrs: &[Attribute], last: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().segments.last().is_some_and(|s| s.ident == last)
            && (a.path().segments.len() == 1
                || a.path()
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "sea_orm"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item_attrs(src: &str) -> Vec<Attribute> {
        syn::parse_str::<syn::ItemStruct>(src).unwrap().attrs
    }

    #[test]
    fn derives_are_the_last_segment_of_each_listed_path() {
        let attrs = item_attrs(
            "#[derive(Clone, Debug)] #[serde(rename_all = \"camelCase\")] \
             #[derive(sea_orm::DeriveEntityModel, ::serde::Serialize,)] struct Model;",
        );
        assert_eq!(
            derives(&attrs),
            ["Clone", "Debug", "DeriveEntityModel", "Serialize"]
        );
    }

    #[test]
    fn simple_lists_read_from_tokens_equal_what_the_parser_reads() {
        for list in [
            "table_name = \"cake\", schema_name = \"s\"",
            "primary_key, auto_increment",
            "unique, column_type = \"Decimal(Some((10, 2)))\", nullable,",
            "belongs_to = \"super::a::Entity\", from = \"Column::AId\", on_delete = \"Cascade\"",
            "default_value = 5, num = 1.5, r#type = \"x\"",
        ] {
            let attr: Attribute = syn::parse_quote!(#[sea_orm(x)]);
            let Meta::List(mut l) = attr.meta else {
                unreachable!()
            };
            l.tokens = list.parse().unwrap();
            let fast = simple_pairs(&l.tokens).expect(list);
            let mut parsed = Vec::new();
            l.parse_nested_meta(|meta| {
                let key = meta.path.segments.last().unwrap().ident.to_string();
                let value = if meta.input.peek(Token![=]) {
                    AttrValue::Lit(meta.value()?.parse::<Lit>()?)
                } else {
                    AttrValue::Flag
                };
                parsed.push((key, value));
                Ok(())
            })
            .unwrap();
            let show = |v: &AttrValue| match v {
                AttrValue::Flag => "flag".to_owned(),
                AttrValue::Lit(l) => quote::quote!(#l).to_string(),
                AttrValue::Expr(_) => "expr".to_owned(),
            };
            let fast: Vec<(String, String)> = fast
                .iter()
                .map(|a| (a.key.clone(), show(&a.value)))
                .collect();
            let parsed: Vec<(String, String)> =
                parsed.iter().map(|(k, v)| (k.clone(), show(v))).collect();
            assert_eq!(fast, parsed, "{list}");
        }
        for other in [
            "a = -1",
            "a = true",
            "a(b)",
            "a::b = \"x\"",
            "a = b",
            "a = \"x\" \"y\"",
        ] {
            assert!(simple_pairs(&other.parse().unwrap()).is_none(), "{other}");
        }
    }

    #[test]
    fn literal_values_and_expressions_are_both_read() {
        let attrs = item_attrs(
            "#[sea_orm(table_name = \"t\", default_value = -1, column_type = Text, flag, \
             num = 5, expr = 1 + 2)] struct Model;",
        );
        let (attrs, errors) = sea_orm_attrs(&attrs);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<(&str, &str)> = attrs
            .iter()
            .map(|a| {
                let kind = match &a.value {
                    AttrValue::Flag => "flag",
                    AttrValue::Lit(_) => "lit",
                    AttrValue::Expr(_) => "expr",
                };
                (a.key.as_str(), kind)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("table_name", "lit"),
                ("default_value", "expr"),
                ("column_type", "expr"),
                ("flag", "flag"),
                ("num", "lit"),
                ("expr", "expr"),
            ]
        );
        assert_eq!(attrs[0].str().as_deref(), Some("t"));
    }
}
