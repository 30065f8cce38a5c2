//! What rolling a migration back does to the data, read from its source without building it:
//! the `down` function, the helpers of the same file it calls, and the SQL text they run.
//! `downgrade` asks for `--yes` when a down certainly loses data and also when it cannot be
//! read with certainty (a helper in another file, SQL built at run time, an unknown macro).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use syn::visit::Visit;

/// What a migration's `down` does to the data.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DownEffect {
    /// What it certainly loses: `drops table post`, `runs DELETE on post`.
    pub loses: Vec<String>,
    /// What could not be read with certainty: `calls seed::undo (another file)`.
    pub unclear: Vec<String>,
}

impl DownEffect {
    /// Whether rolling back needs the user's `--yes`.
    pub fn needs_confirmation(&self) -> bool {
        !self.loses.is_empty() || !self.unclear.is_empty()
    }

    /// The migration's label: `reversible`, `lossy: drops table post`, or `unclear: calls
    /// seed::undo (another file)` when its down could not be read with certainty.
    pub fn label(&self) -> String {
        if !self.loses.is_empty() {
            format!("lossy: {}", self.summary())
        } else if !self.unclear.is_empty() {
            format!("unclear: {}", self.summary())
        } else {
            "reversible".to_owned()
        }
    }

    /// One line for a listing: `drops table post; calls seed::undo (another file)`.
    pub fn summary(&self) -> String {
        self.loses
            .iter()
            .chain(&self.unclear)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Reads the `down` of the migration whose source is `text` (at `file`, for `include_str!`).
pub fn read(text: &str, file: &Path) -> DownEffect {
    let Ok(parsed) = syn::parse_file(text) else {
        return DownEffect {
            unclear: vec!["the file does not parse".to_owned()],
            ..DownEffect::default()
        };
    };
    let mut reader = Reader {
        file,
        fns: HashMap::new(),
        consts: HashMap::new(),
        seen: BTreeSet::new(),
        sql: Vec::new(),
        loses: BTreeSet::new(),
        unclear: BTreeSet::new(),
        manager: None,
    };
    let mut down = None;
    collect(&parsed.items, &mut reader, &mut down);
    let Some(down) = down else {
        // The trait's default `down` fails without touching anything.
        return DownEffect::default();
    };
    reader.manager = down.sig.inputs.iter().find_map(|arg| match arg {
        syn::FnArg::Typed(t) => match &*t.pat {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    });
    reader.visit_block(&down.block);
    reader.finish()
}

/// The file's functions, methods and constants by name, and the `down` of its migration.
fn collect<'a>(
    items: &'a [syn::Item],
    reader: &mut Reader<'a>,
    down: &mut Option<&'a syn::ImplItemFn>,
) {
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                reader.fns.insert(f.sig.ident.to_string(), &f.block);
            }
            syn::Item::Const(c) => {
                reader.consts.insert(c.ident.to_string(), &c.expr);
            }
            syn::Item::Static(s) => {
                reader.consts.insert(s.ident.to_string(), &s.expr);
            }
            syn::Item::Impl(i) => {
                let migration = i.trait_.as_ref().is_some_and(|(_, path, _)| {
                    path.segments
                        .last()
                        .is_some_and(|s| s.ident == "MigrationTrait")
                });
                for ii in &i.items {
                    match ii {
                        syn::ImplItem::Fn(f) if migration && f.sig.ident == "down" => {
                            *down = Some(f);
                        }
                        syn::ImplItem::Fn(f) => {
                            reader.fns.insert(f.sig.ident.to_string(), &f.block);
                        }
                        syn::ImplItem::Const(c) => {
                            reader.consts.insert(c.ident.to_string(), &c.expr);
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect(inner, reader, down);
                }
            }
            _ => {}
        }
    }
}

/// Walks the `down` and whatever of the file it reaches.
struct Reader<'a> {
    file: &'a Path,
    fns: HashMap<String, &'a syn::Block>,
    consts: HashMap<String, &'a syn::Expr>,
    /// Functions and constants already walked.
    seen: BTreeSet<String>,
    /// Every string literal reached: SQL, or anything else.
    sql: Vec<String>,
    loses: BTreeSet<String>,
    unclear: BTreeSet<String>,
    /// The name of `down`'s `SchemaManager` parameter.
    manager: Option<String>,
}

/// `SchemaManager` methods that keep the data (the ones that do not are named below).
const MANAGER_METHODS: &[&str] = &[
    "create_table",
    "alter_table",
    "rename_table",
    "create_index",
    "drop_index",
    "create_foreign_key",
    "drop_foreign_key",
    "create_type",
    "alter_type",
    "drop_type",
    "has_table",
    "has_column",
    "has_index",
    "get_connection",
    "get_database_backend",
    "exec_stmt",
    "begin",
    "transaction",
];

/// Calls that lose rows or columns whatever they are called on.
fn losing_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "drop_table" => "drops a table",
        "drop_column" => "drops a column",
        "truncate_table" => "empties a table",
        "delete_many" | "delete_by_id" | "delete" => "deletes rows",
        "update_many" => "rewrites rows",
        _ => return None,
    })
}

/// Macros whose arguments are expressions (walked) and literals (read).
const KNOWN_MACROS: &[&str] = &[
    "format",
    "vec",
    "println",
    "eprintln",
    "print",
    "eprint",
    "write",
    "writeln",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "matches",
    "panic",
    "todo",
    "unimplemented",
    "unreachable",
    "concat",
    "stringify",
    "format_args",
];

impl<'a> Reader<'a> {
    fn finish(mut self) -> DownEffect {
        // A SQLite rebuild drops the old table after copying it into `_sealift_new_<t>` and
        // renames the copy: that DROP loses nothing.
        let mut rebuilt = BTreeSet::new();
        for text in &self.sql {
            for statement in statements(text) {
                let words = words(&statement);
                if let [alter, table, from, rename, to, target, ..] = words.as_slice()
                    && alter == "ALTER"
                    && table == "TABLE"
                    && rename == "RENAME"
                    && to == "TO"
                    && last_part(from)
                        .eq_ignore_ascii_case(&format!("_sealift_new_{}", last_part(target)))
                {
                    rebuilt.insert(last_part(target).to_ascii_uppercase());
                }
            }
        }
        for text in std::mem::take(&mut self.sql) {
            for statement in statements(&text) {
                if let Some(loss) = sql_loss(&words(&statement), &rebuilt) {
                    self.loses.insert(loss);
                }
            }
        }
        DownEffect {
            loses: self.loses.into_iter().collect(),
            unclear: self.unclear.into_iter().collect(),
        }
    }

    fn walk_fn(&mut self, name: &str) -> bool {
        let Some(block) = self.fns.get(name).copied() else {
            return false;
        };
        if self.seen.insert(format!("fn {name}")) {
            self.visit_block(block);
        }
        true
    }

    fn walk_const(&mut self, name: &str) {
        if let Some(expr) = self.consts.get(name).copied()
            && self.seen.insert(format!("const {name}"))
        {
            self.visit_expr(expr);
        }
    }

    fn macro_args(&mut self, mac: &syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if name == "include_str" {
            let path = mac.parse_body::<syn::LitStr>().ok().map(|l| l.value());
            let text = path.as_ref().and_then(|p| {
                let dir = self.file.parent()?;
                std::fs::read_to_string(dir.join(p)).ok()
            });
            match text {
                Some(text) => self.sql.push(text),
                None => {
                    self.unclear.insert(format!(
                        "runs SQL from {} (cannot read it)",
                        path.unwrap_or_default()
                    ));
                }
            }
            return;
        }
        if !KNOWN_MACROS.contains(&name.as_str()) {
            self.unclear.insert(format!("uses the macro {name}!"));
            return;
        }
        let args = mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        );
        match args {
            Ok(args) => {
                for a in &args {
                    self.visit_expr(a);
                }
            }
            Err(_) => literals(mac.tokens.clone(), &mut self.sql),
        }
    }
}

impl<'a, 'ast> Visit<'ast> for Reader<'a> {
    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.sql.push(lit.value());
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(ident) = p.path.get_ident() {
            self.walk_const(&ident.to_string());
        }
        syn::visit::visit_expr_path(self, p);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let segments: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segments.last().cloned().unwrap_or_default();
            let parent = segments.len().checked_sub(2).map(|i| segments[i].as_str());
            let typed = parent.is_some_and(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
            match (parent, last.as_str()) {
                (Some("Table"), "drop") => {
                    self.loses.insert("drops a table".to_owned());
                }
                (Some("Table"), "truncate") => {
                    self.loses.insert("empties a table".to_owned());
                }
                (Some("Query"), "delete") => {
                    self.loses.insert("deletes rows".to_owned());
                }
                (Some("Query"), "update") => {
                    self.loses.insert("rewrites rows".to_owned());
                }
                (_, name) if losing_method(name).is_some() => {
                    self.loses
                        .insert(losing_method(name).unwrap_or_default().to_owned());
                }
                // A type's constructor or associated function (`Table::create`,
                // `Alias::new`), or an enum variant (`Ok`, `DbErr::Migration`).
                _ if typed || last.starts_with(|c: char| c.is_ascii_uppercase()) => {}
                (None, name) => {
                    if !self.walk_fn(name) {
                        self.unclear
                            .insert(format!("calls {name} (not defined in this file)"));
                    }
                }
                (Some(_), _) => {
                    let path = segments.join("::");
                    let known = matches!(
                        segments[0].as_str(),
                        "std" | "core" | "alloc" | "sea_orm" | "sea_query" | "sea_orm_migration"
                    );
                    let here = matches!(segments[0].as_str(), "self" | "Self" | "super")
                        && segments.len() == 2
                        && self.walk_fn(&last);
                    if !known && !here {
                        self.unclear
                            .insert(format!("calls {path} (not defined in this file)"));
                    }
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let name = call.method.to_string();
        if let Some(loss) = losing_method(&name) {
            self.loses.insert(loss.to_owned());
        } else if self.fns.contains_key(&name) {
            self.walk_fn(&name);
        } else if let syn::Expr::Path(p) = &*call.receiver
            && p.path.get_ident().map(ToString::to_string) == self.manager
            && !MANAGER_METHODS.contains(&name.as_str())
        {
            self.unclear.insert(format!("calls manager.{name}"));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_args(mac);
    }
}

/// Every string literal in a token stream.
fn literals(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Literal(l) => {
                if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                    out.push(s.value());
                }
            }
            proc_macro2::TokenTree::Group(g) => literals(g.stream(), out),
            _ => {}
        }
    }
}

/// The statements of a SQL text, comments left out.
fn statements(text: &str) -> Vec<String> {
    let mut clean = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split("--").next().unwrap_or_default();
        clean.push_str(line);
        clean.push('\n');
    }
    clean
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A statement's words, upper-cased, quotes taken off names, a qualified name as one word
/// (`PUBLIC.POST`); string literals skipped.
fn words(statement: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut chars = statement.chars().peekable();
    let mut join = false;
    let push = |out: &mut Vec<String>, word: String, join: &mut bool| {
        match out.last_mut() {
            Some(last) if *join => {
                last.push('.');
                last.push_str(&word);
            }
            _ => out.push(word),
        }
        *join = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => join = !out.is_empty(),
            '\'' => {
                // A string literal: its words are data, not SQL.
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                }
            }
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let name: String = chars.by_ref().take_while(|&d| d != close).collect();
                push(&mut out, name.to_ascii_uppercase(), &mut join);
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_string();
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' {
                        word.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                push(&mut out, word.to_ascii_uppercase(), &mut join);
            }
            c if c.is_whitespace() => {}
            _ => join = false,
        }
    }
    out
}

/// The name without its schema.
fn last_part(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// What a statement loses, by its first words (`DROP TABLE`, `TRUNCATE`, `DELETE`, `UPDATE`,
/// `ALTER TABLE .. DROP [COLUMN]`, `DROP .. CASCADE`). `rebuilt` are tables a SQLite rebuild
/// replaces (dropping the old one loses nothing).
fn sql_loss(words: &[String], rebuilt: &BTreeSet<String>) -> Option<String> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    // A name after optional `IF EXISTS`, schema-qualified or not.
    let name_at = |i: usize| {
        let i = if w(i) == "IF" { i + 2 } else { i };
        w(i).to_ascii_lowercase()
    };
    match w(0) {
        "DROP" => match w(1) {
            "TABLE" => {
                let name = name_at(2);
                // The table a rebuild replaced, or a scratch table of sealift's own.
                let last = last_part(&name).to_ascii_uppercase();
                if rebuilt.contains(&last)
                    || last.starts_with("_SEALIFT_")
                    || name.starts_with("temp.")
                {
                    return None;
                }
                Some(format!("drops table {name}"))
            }
            "SCHEMA" | "DATABASE" => Some(format!("drops {} {}", w(1).to_lowercase(), name_at(2))),
            _ if words.iter().any(|x| x == "CASCADE") => Some(format!(
                "drops {} {} with CASCADE",
                w(1).to_lowercase(),
                name_at(2)
            )),
            _ => None,
        },
        "TRUNCATE" => Some(format!(
            "empties table {}",
            name_at(if w(1) == "TABLE" { 2 } else { 1 })
        )),
        "DELETE" => Some("deletes rows".to_owned()),
        "UPDATE" => Some(format!("rewrites rows of {}", name_at(1))),
        "WITH" if words.iter().any(|x| x == "DELETE" || x == "UPDATE") => {
            Some("deletes or rewrites rows".to_owned())
        }
        "ALTER" if w(1) == "TABLE" => {
            let table = name_at(2);
            let mut out = None;
            for (i, word) in words.iter().enumerate() {
                if word != "DROP" {
                    continue;
                }
                let what = w(i + 1);
                if matches!(
                    what,
                    "CONSTRAINT"
                        | "INDEX"
                        | "KEY"
                        | "FOREIGN"
                        | "PRIMARY"
                        | "CHECK"
                        | "DEFAULT"
                        | "NOT"
                        | "EXPRESSION"
                        | "IDENTITY"
                        | "SYSTEM"
                ) {
                    continue;
                }
                out = Some(if what == "PARTITION" {
                    format!("drops a partition of {table}")
                } else {
                    let column = if what == "COLUMN" {
                        name_at(i + 2)
                    } else {
                        what.to_ascii_lowercase()
                    };
                    format!("drops column {table}.{column}")
                });
            }
            if out.is_none() && words.iter().any(|x| x == "CASCADE") {
                out = Some(format!("alters {table} with CASCADE"));
            }
            out
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down_of(body: &str, rest: &str) -> DownEffect {
        let text = format!(
            "use sea_orm_migration::prelude::*;\npub struct Migration;\n#[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{ Ok(()) }}\n    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{body}\n        Ok(())\n    }}\n}}\n{rest}"
        );
        read(&text, Path::new("m.rs"))
    }

    #[test]
    fn sql_that_loses_rows_is_found() {
        for (sql, loss) in [
            ("TRUNCATE post", "empties table post"),
            ("truncate table \"post\"", "empties table post"),
            ("DELETE FROM post WHERE id > 3", "deletes rows"),
            ("DROP TABLE IF EXISTS \"precious\"", "drops table precious"),
            ("DROP TABLE \"app\".\"post\"", "drops table app.post"),
            ("DROP TYPE mood CASCADE", "drops type mood with CASCADE"),
            (
                "ALTER TABLE post DROP COLUMN body",
                "drops column post.body",
            ),
            ("ALTER TABLE `post` DROP `body`", "drops column post.body"),
            ("UPDATE post SET title = ''", "rewrites rows of post"),
            ("-- tidy\nDELETE FROM post", "deletes rows"),
        ] {
            let body = format!(
                "        manager.get_connection().execute_unprepared(r#\"{sql}\"#).await?;"
            );
            assert_eq!(down_of(&body, "").loses, [loss], "{sql}");
        }
    }

    #[test]
    fn sql_that_keeps_rows_is_not_flagged() {
        for sql in [
            "CREATE TABLE t (id int REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)",
            "ALTER TABLE post DROP CONSTRAINT post_pkey",
            "ALTER TABLE post ALTER COLUMN x DROP NOT NULL",
            "DROP INDEX idx_post_title",
            "INSERT INTO log (msg) VALUES ('DELETE everything')",
            "CREATE TABLE \"_sealift_new_post\" (id int); INSERT INTO \"_sealift_new_post\" SELECT * FROM \"post\"; DROP TABLE \"post\"; ALTER TABLE \"_sealift_new_post\" RENAME TO \"post\"",
            "DROP TABLE temp.\"_sealift_rebuild_guard\"",
            "CREATE TABLE \"_sealift_new_post\" (id int); DROP TABLE \"app\".\"post\"; ALTER TABLE \"app\".\"_sealift_new_post\" RENAME TO \"post\"",
        ] {
            let body = format!(
                "        manager.get_connection().execute_unprepared(r#\"{sql}\"#).await?;"
            );
            assert_eq!(down_of(&body, ""), DownEffect::default(), "{sql}");
        }
    }

    #[test]
    fn builder_calls_and_helpers() {
        let drop = "        manager.drop_table(Table::drop().table(Alias::new(\"post\")).to_owned()).await?;";
        assert!(
            down_of(drop, "")
                .loses
                .contains(&"drops a table".to_owned())
        );
        let delete = "        manager.exec_stmt(Query::delete().from_table(Alias::new(\"post\")).to_owned()).await?;";
        assert_eq!(down_of(delete, "").loses, ["deletes rows"]);
        // A helper of this file is read; one elsewhere cannot be.
        let local = down_of(
            "        wipe(manager).await?;",
            "async fn wipe(m: &SchemaManager<'_>) -> Result<(), DbErr> { m.get_connection().execute_unprepared(\"TRUNCATE post\").await?; Ok(()) }",
        );
        assert_eq!(local.loses, ["empties table post"]);
        assert!(local.unclear.is_empty(), "{local:?}");
        let elsewhere = down_of("        crate::seed::undo(manager).await?;", "");
        assert_eq!(
            elsewhere.unclear,
            ["calls crate::seed::undo (not defined in this file)"]
        );
        let custom = down_of("        manager.wipe_everything().await?;", "");
        assert_eq!(custom.unclear, ["calls manager.wipe_everything"]);
        let constant = down_of(
            "        manager.get_connection().execute_unprepared(SQL).await?;",
            "const SQL: &str = \"DELETE FROM post\";",
        );
        assert_eq!(constant.loses, ["deletes rows"]);
        let formatted = down_of(
            "        let t = \"post\"; manager.get_connection().execute_unprepared(&format!(\"DROP TABLE {t}\")).await?;",
            "",
        );
        assert_eq!(formatted.loses.len(), 1, "{formatted:?}");
        let harmless = down_of(
            "        manager.create_table(Table::create().table(Alias::new(\"post\")).col(ColumnDef::new(Alias::new(\"id\")).integer()).to_owned()).await?;\n        let _ = other_backend(\"down\", 1);",
            "fn other_backend(direction: &str, step: usize) -> DbErr { DbErr::Migration(format!(\"step {step} of {direction} is written for PostgreSQL only\")) }",
        );
        assert_eq!(harmless, DownEffect::default());
        let unknown_macro = down_of("        wipe!(manager);", "");
        assert_eq!(unknown_macro.unclear, ["uses the macro wipe!"]);
    }
}
