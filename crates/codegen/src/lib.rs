//! Writes sea-orm-migration files and registers them in the migration crate's `lib.rs`.
//!
//! Pure: text in, text out. It never writes files and never reads the clock; the caller passes
//! the timestamp and writes what it gets back.

mod arms;
mod migration;

use migration::space_items;
pub use migration::{MigrationOptions, ONLINE_LINE, migration_file};

use heck::ToSnakeCase;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Expr, ImplItem, Item, Macro, Token, punctuated::Punctuated};

/// loco's marker in `migrations()`: new entries go right above it.
const LOCO_MARKER: &str = "// inject-above";

/// What can be wrong with a migration name or a `lib.rs`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The name cannot be a Rust module name.
    #[error(
        "invalid migration name `{0}`; use letters, digits and underscores, starting with a letter (e.g. AddUserTable or add_user_table)"
    )]
    InvalidName(String),
    /// `lib.rs` does not parse.
    #[error("the migration crate's lib.rs is not valid Rust ({0}); fix it, then run again")]
    LibDoesNotParse(String),
    /// `lib.rs` has no `fn migrations()` with a `vec![...]`.
    #[error(
        "the migration crate's lib.rs has no `fn migrations() -> Vec<Box<dyn MigrationTrait>>` returning `vec![...]`; register the migration by hand"
    )]
    NoMigrationsVec,
    /// The module is registered already.
    #[error("migration `{0}` is already registered in lib.rs")]
    AlreadyRegistered(String),
    /// The file holds a git conflict marker: a merge was left half done.
    #[error(
        "line {line} is a git conflict marker (`{marker}`): the merge is not finished. In lib.rs keep the lines of both sides (each registers its own migration); in a migration file keep the side you mean. Remove the markers, then run `sealift heads`"
    )]
    ConflictMarker {
        /// The line's number, from 1.
        line: usize,
        /// The marker.
        marker: String,
    },
}

/// The first git conflict marker in `text` (`<<<<<<<`, `=======`, `>>>>>>>` or diff3's
/// `|||||||` at the start of a line): its line number and the marker.
pub fn conflict_marker(text: &str) -> Option<(usize, String)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let marker = ["<<<<<<<", "|||||||", "=======", ">>>>>>>"]
            .into_iter()
            .find(|m| {
                line.strip_prefix(m)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
            })?;
        Some((i + 1, marker.to_owned()))
    })
}

/// An error for the first conflict marker in `text`, if it holds one.
fn no_conflict_markers(text: &str) -> Result<(), Error> {
    match conflict_marker(text) {
        Some((line, marker)) => Err(Error::ConflictMarker { line, marker }),
        None => Ok(()),
    }
}

/// A migration's module name: `m{YYYYMMDD_HHMMSS}_{snake_name}`. `timestamp` is `YYYYMMDD_HHMMSS`.
pub fn module_name(name: &str, timestamp: &str) -> Result<String, Error> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::InvalidName(name.to_owned()));
    }
    Ok(format!("m{timestamp}_{}", name.to_snake_case()))
}

/// An empty migration to fill in by hand (data migrations): `up` and `down` do nothing yet.
pub fn empty_migration() -> String {
    let file: syn::File = syn::parse2(quote! {
        use sea_orm_migration::prelude::*;

        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
                Ok(())
            }

            async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
                Ok(())
            }
        }
    })
    .expect("the template is valid Rust");
    let body = space_items(&prettyplease::unparse(&file));
    format!(
        "//! Written by `sealift create`: fill in `up` and `down` (for example a data migration),\n\
         //! using `_manager` (rename it to `manager`) to run statements.\n\n{body}"
    )
}

/// A data migration that fills columns in batches (`sealift create --backfill`): each of
/// `fills` (table, column, SQL value) filled where it is NULL, in batches along the integer
/// `key`, each committed on its own, with progress; safe to run again, it goes on where it
/// stopped. Its `down` leaves the values.
pub fn data_migration(fills: &[(String, String, String)], key: &str) -> String {
    let calls = fills.iter().map(|(table, column, value)| {
        let (table, column, value) = (
            migration::raw_literal(table),
            migration::raw_literal(column),
            migration::raw_literal(value),
        );
        let key = migration::raw_literal(key);
        quote! { backfill(manager, #table, #column, #value, Some(#key)).await?; }
    });
    let file: syn::File = syn::parse2(quote! {
        use sea_orm_migration::prelude::*;

        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            fn use_transaction(&self) -> Option<bool> {
                Some(false)
            }

            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                #(#calls)*
                Ok(())
            }

            async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
                Ok(())
            }
        }
    })
    .expect("the template is valid Rust");
    let body = space_items(&prettyplease::unparse(&file));
    let listed: Vec<String> = fills
        .iter()
        .map(|(t, c, v)| format!("//! - {t}.{c} = {}\n", v.replace(['\n', '\r'], " ")))
        .collect();
    format!(
        "//! Written by `sealift create --backfill`: a data migration. Each column below is filled\n\
         //! where it is NULL, in batches of {} rows along `{key}`, each committed on its own, so\n\
         //! the table is never locked whole; run again after a stop, it goes on where it was.\n\
         //! Its down leaves the filled values: write one if they must go back.\n\
         {}//!\n//! Fills:\n{}\n{body}\n{}",
        sealift_diff::BATCH_ROWS,
        migration::ONLINE_LINE,
        listed.concat(),
        migration::backfill_helper()
    )
}

/// What `lib.rs` says of the migration history table's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryTable {
    /// No `migration_table_name()`: sea-orm-migration's own `seaql_migrations`.
    Default,
    /// `migration_table_name()` returns this name: a string literal, or a `const`/`static`
    /// string of the file it names.
    Named(String),
    /// `migration_table_name()` computes its name in a way the source does not show (a call,
    /// a constant in another file): only the compiled crate can tell.
    Unresolved,
}

impl HistoryTable {
    /// The name, when the source shows it.
    pub fn name(&self) -> Option<&str> {
        match self {
            HistoryTable::Named(n) => Some(n),
            _ => None,
        }
    }
}

/// The history table `migration_table_name()` names in a migration crate's `lib.rs`.
pub fn history_table(lib_rs: &str) -> HistoryTable {
    let Ok(file) = syn::parse_file(lib_rs) else {
        return HistoryTable::Default;
    };
    let method = file.items.iter().find_map(|item| match item {
        Item::Impl(i) => i.items.iter().find_map(|ii| match ii {
            ImplItem::Fn(f) if f.sig.ident == "migration_table_name" => Some(f),
            _ => None,
        }),
        _ => None,
    });
    let Some(method) = method else {
        return HistoryTable::Default;
    };
    let block = &method.block;
    let tokens = quote!(#block);
    if let Some(name) = first_string(tokens.clone()) {
        return HistoryTable::Named(name);
    }
    let mut constants = std::collections::HashMap::new();
    string_constants(&file.items, &mut constants);
    idents(tokens)
        .iter()
        .find_map(|i| constants.get(i).cloned())
        .map_or(HistoryTable::Unresolved, HistoryTable::Named)
}

/// Every `const` and `static` of `items` (modules and impls included) whose value is a string
/// literal, by name.
fn string_constants(items: &[Item], out: &mut std::collections::HashMap<String, String>) {
    for item in items {
        let (name, expr) = match item {
            Item::Const(c) => (c.ident.to_string(), &*c.expr),
            Item::Static(s) => (s.ident.to_string(), &*s.expr),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    string_constants(inner, out);
                }
                continue;
            }
            Item::Impl(i) => {
                for ii in &i.items {
                    if let ImplItem::Const(c) = ii
                        && let Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) = &c.expr
                    {
                        out.insert(c.ident.to_string(), s.value());
                    }
                }
                continue;
            }
            _ => continue,
        };
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = expr
        {
            out.insert(name, s.value());
        }
    }
}

/// Every identifier in a token stream, in order.
fn idents(tokens: proc_macro2::TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => out.extend(idents(g.stream())),
            _ => {}
        }
    }
    out
}

/// The migration modules `fn migrations()` lists, in its order: the first path segment of each
/// `Box::new(module::Migration)` entry. This order is the order migrations apply in.
pub fn registered(lib_rs: &str) -> Result<Vec<String>, Error> {
    no_conflict_markers(lib_rs)?;
    let file = syn::parse_file(lib_rs).map_err(|e| Error::LibDoesNotParse(e.to_string()))?;
    let vec_mac = migrations_vec(&file).ok_or(Error::NoMigrationsVec)?;
    let elements: Punctuated<Expr, Token![,]> = vec_mac
        .parse_body_with(Punctuated::parse_terminated)
        .map_err(|e| Error::LibDoesNotParse(e.to_string()))?;
    Ok(elements.iter().filter_map(entry_module).collect())
}

/// `module` of `Box::new(module::Migration)` (or `Box::new(module::Migration {})`).
fn entry_module(expr: &Expr) -> Option<String> {
    let Expr::Call(call) = expr else { return None };
    let inner = call.args.first()?;
    let path = match inner {
        Expr::Path(p) => &p.path,
        Expr::Struct(s) => &s.path,
        _ => return None,
    };
    let segments: Vec<_> = path.segments.iter().collect();
    (segments.len() >= 2).then(|| segments[segments.len() - 2].ident.to_string())
}

/// The type `lib.rs` implements `MigratorTrait` for (usually `Migrator`).
pub fn migrator_type(lib_rs: &str) -> Option<String> {
    let file = syn::parse_file(lib_rs).ok()?;
    file.items.iter().find_map(|item| match item {
        Item::Impl(i)
            if i.trait_.as_ref().is_some_and(|(_, p, _)| {
                p.segments
                    .last()
                    .is_some_and(|s| s.ident == "MigratorTrait")
            }) =>
        {
            let ty = &i.self_ty;
            let path = quote!(#ty).to_string().replace(' ', "");
            Some(
                path.trim_start_matches("crate::")
                    .trim_start_matches("self::")
                    .to_owned(),
            )
        }
        _ => None,
    })
}

/// The header line that records which migration a file was written on top of.
pub const REVISES: &str = "//! Revises: ";

/// `text` with a `//! Revises: parent` line after its first line (`base` when it is the first
/// migration), replacing one that is there: how `heads` and `merge` tell parallel branches.
pub fn set_revises(text: &str, parent: Option<&str>) -> String {
    let line = revises_line(parent);
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with(REVISES))
        .collect();
    match kept.split_first() {
        Some((first, rest)) if first.starts_with("//!") => {
            format!("{first}{line}{}", rest.concat())
        }
        _ => format!("{line}{}", kept.concat()),
    }
}

/// The `//! Revises: parent` line (`base` for the first migration), as every file has it.
pub fn revises_line(parent: Option<&str>) -> String {
    format!("{REVISES}{}\n", parent.unwrap_or("base"))
}

/// The header line that names migrations this one needs besides its parent (Alembic's
/// `depends_on`), comma-separated.
pub const DEPENDS_ON: &str = "//! Depends-On: ";

/// The names a `Revises:` or `Depends-On:` value lists (`a, b`).
pub fn name_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A merge migration: it revises every head (`Revises: a, b`) and changes nothing; the
/// branches' migrations stay as they were written.
pub fn merge_migration(heads: &[String], command: &str) -> String {
    format!(
        "//! Written by `{command}`: joins {} into one line of history. It changes nothing.\n{REVISES}{}\n//!\n\n{}",
        heads.join(" and "),
        heads.join(", "),
        empty_migration()
    )
}

/// The first string literal in a token stream, looking inside groups.
fn first_string(tokens: proc_macro2::TokenStream) -> Option<String> {
    tokens.into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Literal(l) => match syn::parse_str::<syn::LitStr>(&l.to_string()) {
            Ok(s) => Some(s.value()),
            Err(_) => None,
        },
        proc_macro2::TokenTree::Group(g) => first_string(g.stream()),
        _ => None,
    })
}

/// Registers `module` in a migration crate's `lib.rs`: a `mod` line after the last migration
/// module and a `Box::new(module::Migration)` entry at the end of the `vec![...]` in
/// `migrations()` (above loco's `// inject-above` marker when it is there). Only those lines
/// change; everything else stays byte for byte.
pub fn register(lib_rs: &str, module: &str) -> Result<String, Error> {
    no_conflict_markers(lib_rs)?;
    let file = syn::parse_file(lib_rs).map_err(|e| Error::LibDoesNotParse(e.to_string()))?;
    let already = file
        .items
        .iter()
        .any(|i| matches!(i, Item::Mod(m) if m.ident == module));
    if already {
        return Err(Error::AlreadyRegistered(module.to_owned()));
    }
    let lines: Vec<&str> = lib_rs.split_inclusive('\n').collect();
    let vec_mac = migrations_vec(&file).ok_or(Error::NoMigrationsVec)?;

    // Where the new entry goes: above loco's marker, after the last element, or inside `[]`.
    let entry = format!("Box::new({module}::Migration),");
    let open_line = vec_mac.span().start().line;
    let close = vec_mac.delimiter.span().close().start();
    let marker_line = (open_line..=close.line)
        .find(|l| lines.get(l - 1).is_some_and(|t| t.contains(LOCO_MARKER)));
    let elements: Punctuated<Expr, Token![,]> = vec_mac
        .parse_body_with(Punctuated::parse_terminated)
        .map_err(|e| Error::LibDoesNotParse(e.to_string()))?;

    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let indent_of = |line: usize| -> String {
        lines
            .get(line - 1)
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_default()
    };
    let open = vec_mac.delimiter.span().open().start();
    if let Some(marker) = marker_line {
        let indent = indent_of(marker);
        out.insert(marker - 1, format!("{indent}{entry}\n"));
    } else if open.line == close.line {
        // `vec![]` or `vec![a, b]` on one line: lay it out the way sea-orm-cli writes it.
        let base = indent_of(open.line);
        let line = &mut out[open.line - 1];
        let (from, to) = (
            char_to_byte(line, open.column),
            char_to_byte(line, close.column),
        );
        let mut items: Vec<String> = elements
            .iter()
            .map(|e| {
                quote!(#e)
                    .to_string()
                    .replace(" :: ", "::")
                    .replace(" (", "(")
                    .replace("( ", "(")
                    .replace(" )", ")")
            })
            .collect();
        items.push(entry.trim_end_matches(',').to_owned());
        let body: String = items.iter().map(|i| format!("{base}    {i},\n")).collect();
        line.replace_range(from..=to, &format!("[\n{body}{base}]"));
    } else if let Some(last) = elements.last() {
        let end = last.span().end();
        let indent = indent_of(last.span().start().line);
        let line = &mut out[end.line - 1];
        let comma = !elements.trailing_punct();
        if comma {
            let byte = char_to_byte(line, end.column);
            line.insert(byte, ',');
        }
        if close.line == end.line {
            // `..last)]` with the bracket on the last element's line: the entry goes on a
            // line of its own between them, and the bracket under `vec!`.
            let byte = char_to_byte(line, close.column + usize::from(comma));
            let base = indent_of(open.line);
            line.insert_str(byte, &format!("\n{indent}{entry}\n{base}"));
        } else {
            out.insert(end.line, format!("{indent}{entry}\n"));
        }
    } else {
        // `vec![\n]` with nothing inside.
        let indent = format!("{}    ", indent_of(close.line));
        out.insert(close.line - 1, format!("{indent}{entry}\n"));
    }

    // The `mod` line: after the last `mod x;` item, else before the first non-`use` item.
    let last_mod = file
        .items
        .iter()
        .filter(|i| matches!(i, Item::Mod(m) if m.content.is_none()))
        .map(|i| i.span().end().line)
        .max();
    let mod_line = format!("mod {module};\n");
    match last_mod {
        Some(line) => out.insert(line, mod_line),
        None => match file
            .items
            .iter()
            .find(|i| !matches!(i, Item::Use(_)))
            .map(item_start)
        {
            // The item starts its line: the `mod` line goes above it.
            Some(start)
                if lines
                    .get(start.line - 1)
                    .is_some_and(|l| l.chars().take(start.column).all(char::is_whitespace)) =>
            {
                out.insert(start.line - 1, format!("{mod_line}\n"));
            }
            // Something ends on the item's line before it (`;pub struct ..`): the line is split
            // there.
            Some(start) => {
                let line = &mut out[start.line - 1];
                let byte = char_to_byte(line, start.column);
                line.insert_str(byte, &format!("\n{mod_line}"));
            }
            None => out.push(format!("\n{mod_line}")),
        },
    }
    Ok(out.concat())
}

/// Where an item starts, its attributes included.
fn item_start(item: &Item) -> proc_macro2::LineColumn {
    let attrs = match item {
        Item::Struct(s) => &s.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Fn(f) => &f.attrs,
        Item::Mod(m) => &m.attrs,
        _ => return item.span().start(),
    };
    attrs
        .first()
        .map_or(item.span().start(), |a| a.span().start())
}

/// The `vec![...]` macro that `fn migrations()` returns.
fn migrations_vec(file: &syn::File) -> Option<&Macro> {
    file.items.iter().find_map(|item| {
        let Item::Impl(imp) = item else { return None };
        imp.items.iter().find_map(|ii| match ii {
            ImplItem::Fn(f) if f.sig.ident == "migrations" => {
                f.block.stmts.iter().find_map(|s| match s {
                    syn::Stmt::Expr(Expr::Macro(m), _) if m.mac.path.is_ident("vec") => {
                        Some(&m.mac)
                    }
                    syn::Stmt::Macro(m) if m.mac.path.is_ident("vec") => Some(&m.mac),
                    _ => None,
                })
            }
            _ => None,
        })
    })
}

fn char_to_byte(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column)
        .map_or(line.len(), |(b, _)| b)
}

/// The files of a new migration crate, paths relative to its folder: `Cargo.toml`,
/// `src/lib.rs`, `src/main.rs` and a `.gitignore` for its build output. `crate_name` is
/// usually `migration`.
pub fn new_migration_crate(crate_name: &str) -> Vec<(String, String)> {
    let cargo = format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
name = "{lib}"
path = "src/lib.rs"

[dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[dependencies.sea-orm-migration]
version = "2.0.4"
features = ["runtime-tokio-rustls", "sqlx-postgres", "sqlx-sqlite", "sqlx-mysql"]
"#,
        lib = crate_name.replace('-', "_")
    );
    let lib = space_items(&prettyplease::unparse(
        &syn::parse2(quote! {
            pub use sea_orm_migration::prelude::*;

            pub struct Migrator;

            #[async_trait::async_trait]
            impl MigratorTrait for Migrator {
                fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                    vec![]
                }
            }
        })
        .expect("the template is valid Rust"),
    ));
    let krate = format_ident!("{}", crate_name.replace('-', "_"));
    let main = space_items(&prettyplease::unparse(
        &syn::parse2(quote! {
            use sea_orm_migration::prelude::*;

            #[tokio::main]
            async fn main() {
                cli::run_cli(#krate::Migrator).await;
            }
        })
        .expect("the template is valid Rust"),
    ));
    vec![
        ("Cargo.toml".to_owned(), cargo),
        ("src/lib.rs".to_owned(), lib),
        ("src/main.rs".to_owned(), main),
        (
            ".gitignore".to_owned(),
            "# What cargo builds here: this crate, and the runner `sealift upgrade` builds (target/sealift).\n/target\n"
                .to_owned(),
        ),
        (".gitattributes".to_owned(), GITATTRIBUTES.to_owned()),
    ]
}

/// The migration crate's `.gitattributes`: git merges `lib.rs` with its built-in `union`
/// driver, so two branches that each registered a migration (one `mod` line and one
/// `Box::new(..)` line each, appended at the same place) merge with both sides' lines and no
/// conflict. The order between the two comes from their `Revises:` lines.
pub const GITATTRIBUTES: &str = "# Two branches that each add a migration append to lib.rs at the same place: git keeps\n# the lines of both sides instead of a conflict (each is one line). `sealift heads` then\n# shows the two heads and `sealift merge` joins them.\nsrc/lib.rs merge=union\n";

/// The line of [`GITATTRIBUTES`] that matters.
pub const UNION_LINE: &str = "src/lib.rs merge=union";

#[cfg(test)]
mod tests {
    use super::{HistoryTable, history_table};

    #[test]
    fn conflict_markers_are_found_with_their_line() {
        let text = "mod a;\n<<<<<<< HEAD\nmod b;\n=======\nmod c;\n>>>>>>> other\n";
        assert_eq!(
            super::conflict_marker(text),
            Some((2, "<<<<<<<".to_owned()))
        );
        assert_eq!(super::conflict_marker("// ======= a rule\nmod a;\n"), None);
        assert!(matches!(
            super::registered(text),
            Err(super::Error::ConflictMarker { line: 2, .. })
        ));
        assert_eq!(super::name_list(" a, b ,"), ["a", "b"]);
    }

    #[test]
    fn registered_modules_come_in_vec_order() {
        let lib = "pub struct Migrator;\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m2_b::Migration), Box::new(m1_a::Migration {}), Box::new(self::m3_c::Migration)]\n    }\n}\n";
        assert_eq!(super::registered(lib).unwrap(), ["m2_b", "m1_a", "m3_c"]);
        assert_eq!(super::migrator_type(lib).as_deref(), Some("Migrator"));
        assert_eq!(
            super::registered("fn main() {}"),
            Err(super::Error::NoMigrationsVec)
        );
    }

    #[test]
    fn an_entry_goes_between_the_last_element_and_a_bracket_on_its_line() {
        let lib = "mod m1_a;\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n            Box::new(m1_a::Migration)]\n    }\n}\n";
        let out = super::register(lib, "m2_b").unwrap();
        assert_eq!(
            out,
            "mod m1_a;\nmod m2_b;\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n            Box::new(m1_a::Migration),\n            Box::new(m2_b::Migration),\n        ]\n    }\n}\n"
        );
        assert_eq!(super::registered(&out).unwrap(), ["m1_a", "m2_b"]);
    }

    #[test]
    fn the_mod_line_does_not_split_an_item() {
        let lib = "pub use sea_orm_migration::prelude::*\n\n;pub struct Migrator;\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![]\n    }\n}\n";
        let out = super::register(lib, "m1_a").unwrap();
        assert!(
            out.starts_with(
                "pub use sea_orm_migration::prelude::*\n\n;\nmod m1_a;\npub struct Migrator;\n"
            ),
            "{out}"
        );
        assert_eq!(super::registered(&out).unwrap(), ["m1_a"]);
    }

    #[test]
    fn revises_goes_after_the_first_line_once() {
        let file = "//! Written by x.\n//!\n//! Changes:\nuse a;\n";
        let once = super::set_revises(file, Some("m1_a"));
        assert_eq!(
            once,
            "//! Written by x.\n//! Revises: m1_a\n//!\n//! Changes:\nuse a;\n"
        );
        let again = super::set_revises(&once, Some("m2_b"));
        assert_eq!(again, once.replace("m1_a", "m2_b"));
        assert_eq!(
            super::set_revises("use a;\n", None),
            "//! Revises: base\nuse a;\n"
        );
    }

    #[test]
    fn the_history_table_is_read_from_migration_table_name() {
        let custom = r#"
            pub use sea_orm_migration::prelude::*;
            pub struct Migrator;
            #[async_trait::async_trait]
            impl MigratorTrait for Migrator {
                fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] }
                fn migration_table_name() -> sea_orm::DynIden {
                    Alias::new("app_migrations").into_iden()
                }
            }
        "#;
        let named = |n: &str| HistoryTable::Named(n.to_owned());
        assert_eq!(history_table(custom), named("app_migrations"));
        let short = custom.replace(
            r#"Alias::new("app_migrations").into_iden()"#,
            r#""my_history".into_iden()"#,
        );
        assert_eq!(history_table(&short), named("my_history"));
        let constant = custom.replace(
            r#"Alias::new("app_migrations").into_iden()"#,
            "Alias::new(HISTORY).into_iden()",
        ) + "const HISTORY: &str = \"app_history\";";
        assert_eq!(history_table(&constant), named("app_history"));
        let assoc = custom.replace(
            r#"Alias::new("app_migrations").into_iden()"#,
            "Alias::new(Self::TABLE).into_iden()",
        ) + "impl Migrator { const TABLE: &'static str = \"assoc_history\"; }";
        assert_eq!(history_table(&assoc), named("assoc_history"));
        let computed = custom.replace(
            r#"Alias::new("app_migrations").into_iden()"#,
            "Alias::new(crate::names::history()).into_iden()",
        );
        assert_eq!(history_table(&computed), HistoryTable::Unresolved);
        let plain = r#"
            pub struct Migrator;
            impl MigratorTrait for Migrator {
                fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec!["not this"] }
            }
        "#;
        assert_eq!(history_table(plain), HistoryTable::Default);
        assert_eq!(history_table("fn {"), HistoryTable::Default);
    }
}
