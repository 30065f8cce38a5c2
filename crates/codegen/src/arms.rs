//! Backends whose code differs only in a literal or two (an index's name, a constraint's) share
//! one arm: the code is written once and the literals are chosen per backend before it, so a
//! reviewer reads one 40-line `create_table` and the names it takes on each backend, not two
//! copies to compare line by line.

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};

/// At most this many literals may differ for the code to be shared.
const MAX_DIFFERENCES: usize = 2;

/// Code shorter than this many tokens (a single `execute_unprepared` of one statement) is
/// clearer written out per backend than split into a choice and a use.
const MIN_TOKENS: usize = 24;

/// One token of a stream, flattened: a group's edges, a literal, anything else.
#[derive(PartialEq)]
enum Leaf {
    Open(Delimiter),
    Close,
    Literal(String),
    Other(String),
}

fn leaves(ts: &TokenStream, out: &mut Vec<Leaf>) {
    for tt in ts.clone() {
        match tt {
            TokenTree::Group(g) => {
                out.push(Leaf::Open(g.delimiter()));
                leaves(&g.stream(), out);
                out.push(Leaf::Close);
            }
            TokenTree::Literal(l) => out.push(Leaf::Literal(l.to_string())),
            other => out.push(Leaf::Other(other.to_string())),
        }
    }
}

/// The places where `bodies` differ, when the code can be shared: they differ only in the
/// names they give (`.name(..)` arguments), in at most [`MAX_DIFFERENCES`] places. SQL text
/// that differs per backend stays in an arm of its own, next to the backend that runs it.
pub(crate) fn shareable(bodies: &[&TokenStream]) -> Option<Vec<usize>> {
    let places = literal_differences(bodies)?;
    variable_names(bodies[0], &places)
        .iter()
        .all(|n| n.to_string().starts_with("name"))
        .then_some(places)
}

/// The places (leaf indexes) where `bodies` differ, when they differ only in literals, in at
/// most [`MAX_DIFFERENCES`] places, and are long enough to be worth sharing; `None`
/// otherwise.
fn literal_differences(bodies: &[&TokenStream]) -> Option<Vec<usize>> {
    let flat: Vec<Vec<Leaf>> = bodies
        .iter()
        .map(|b| {
            let mut v = Vec::new();
            leaves(b, &mut v);
            v
        })
        .collect();
    let first = flat.first()?;
    if first.len() < MIN_TOKENS || flat.iter().any(|f| f.len() != first.len()) {
        return None;
    }
    let mut places = Vec::new();
    for (i, leaf) in first.iter().enumerate() {
        if flat.iter().all(|f| f[i] == *leaf) {
            continue;
        }
        if !flat.iter().all(|f| matches!(f[i], Leaf::Literal(_))) {
            return None;
        }
        places.push(i);
    }
    (!places.is_empty() && places.len() <= MAX_DIFFERENCES).then_some(places)
}

/// The literal tokens of `body` at `places`, in order.
pub(crate) fn literals_at(body: &TokenStream, places: &[usize]) -> Vec<Literal> {
    let mut found = Vec::new();
    walk(body, &mut 0, &mut |i, tt| {
        if let TokenTree::Literal(l) = tt
            && places.contains(&i)
        {
            found.push(l.clone());
        }
        None
    });
    found
}

/// A name for the variable that holds each place's literal, from the call it is passed to
/// (`.name(..)` gives `name`, `execute_unprepared(..)` gives `sql`), else `value`; numbered
/// when two places would share one.
pub(crate) fn variable_names(body: &TokenStream, places: &[usize]) -> Vec<Ident> {
    let mut calls = Vec::new();
    let mut last_ident = String::new();
    calls_of(body, places, &mut 0, &mut last_ident, &mut calls);
    let base: Vec<&str> = calls
        .iter()
        .map(|c| match c.as_str() {
            "name" => "name",
            "execute_unprepared" => "sql",
            _ => "value",
        })
        .collect();
    base.iter()
        .enumerate()
        .map(|(k, b)| {
            let shared = base.iter().filter(|x| *x == b).count() > 1;
            let text = if shared {
                format!("{b}_{}", k + 1)
            } else {
                (*b).to_owned()
            };
            Ident::new(&text, Span::call_site())
        })
        .collect()
}

fn calls_of(
    ts: &TokenStream,
    places: &[usize],
    i: &mut usize,
    last_ident: &mut String,
    out: &mut Vec<String>,
) {
    for tt in ts.clone() {
        match tt {
            TokenTree::Group(g) => {
                let call = last_ident.clone();
                *i += 1;
                let mut inner = call.clone();
                calls_of(&g.stream(), places, i, &mut inner, out);
                *i += 1;
                *last_ident = call;
            }
            TokenTree::Ident(id) => {
                *last_ident = id.to_string();
                *i += 1;
            }
            TokenTree::Literal(_) => {
                if places.contains(i) {
                    out.push(last_ident.clone());
                }
                *i += 1;
            }
            TokenTree::Punct(_) => *i += 1,
        }
    }
}

/// `body` with the literal at each of `places` replaced by the variable named for it.
pub(crate) fn with_variables(body: &TokenStream, places: &[usize], names: &[Ident]) -> TokenStream {
    walk(body, &mut 0, &mut |i, _| {
        places
            .iter()
            .position(|p| *p == i)
            .map(|k| TokenTree::Ident(names[k].clone()))
    })
}

/// Rebuilds `ts`, visiting every leaf with its index (group edges count, as in [`leaves`]);
/// `visit` may return a token to stand in its place.
fn walk(
    ts: &TokenStream,
    i: &mut usize,
    visit: &mut dyn FnMut(usize, &TokenTree) -> Option<TokenTree>,
) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in ts.clone() {
        match tt {
            TokenTree::Group(g) => {
                *i += 1;
                let inner = walk(&g.stream(), i, visit);
                *i += 1;
                let mut rebuilt = Group::new(g.delimiter(), inner);
                rebuilt.set_span(g.span());
                out.extend([TokenTree::Group(rebuilt)]);
            }
            leaf => {
                let replaced = visit(*i, &leaf).unwrap_or(leaf);
                *i += 1;
                out.extend([replaced]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn bodies_that_differ_in_one_name_share_their_code() {
        let a = quote! {
            manager.create_index(Index::create().name("post_title_idx").table("post").col("title").col("body").to_owned()).await?;
        };
        let b = quote! {
            manager.create_index(Index::create().name("title").table("post").col("title").col("body").to_owned()).await?;
        };
        let places = shareable(&[&a, &b]).expect("one name differs");
        assert_eq!(places.len(), 1);
        let names = variable_names(&a, &places);
        assert_eq!(names[0].to_string(), "name");
        assert_eq!(literals_at(&b, &places)[0].to_string(), "\"title\"");
        let shared = with_variables(&a, &places, &names).to_string();
        assert!(shared.contains(". name (name)"), "{shared}");
        assert!(!shared.contains("post_title_idx"), "{shared}");
    }

    #[test]
    fn other_differences_and_short_code_are_left_apart() {
        let long = |n: &str| {
            let n = Ident::new(n, Span::call_site());
            quote! {
                manager.create_index(Index::create().name("i").table("post").col("title").col("body").#n().to_owned()).await?;
            }
        };
        assert!(literal_differences(&[&long("unique"), &long("clone")]).is_none());
        let short = |s: &str| quote! { db.execute_unprepared(#s).await?; };
        assert!(literal_differences(&[&short("A"), &short("B")]).is_none());
        // SQL text that differs per backend stays with its backend.
        let sql = |s: &str| {
            quote! {
                db.execute_unprepared(#s).await?;
                manager.alter_table(Table::alter().table("t").drop_column("c").to_owned()).await?;
            }
        };
        let (pg, my) = (sql(r#"DROP INDEX "i""#), sql("DROP INDEX `i`"));
        assert!(literal_differences(&[&pg, &my]).is_some());
        assert!(shareable(&[&pg, &my]).is_none());
        let same = long("unique");
        assert!(literal_differences(&[&same, &same]).is_none());
    }
}
