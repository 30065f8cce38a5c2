//! A plan as a sea-orm-migration file: `up` and `down` written with sea-query's builders,
//! formatted with prettyplease.
//!
//! Every builder call here mirrors what `sealift_diff::render` builds for the same change, so
//! the file runs exactly the statements `sealift diff --format sql` shows. Where sea-query has
//! no statement (type changes, constraints added to existing tables, comments, enum re-casts,
//! SQLite rebuilds) the file runs that SQL text through `execute_unprepared`. Steps that only
//! mean something on one backend (PostgreSQL enum types, SQLite rebuilds) are wrapped in a
//! branch on `manager.get_database_backend()`.

use std::collections::HashMap;
use std::fmt::Write as _;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use sea_query::{
    Alias, ColumnDef, ColumnType, MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder,
    StringLen, Table as SqTable,
};
use sealift_diff::{Change, EnumPosition, HazardKind, Plan, Step};
use sealift_ir::{
    Column, DataType, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey, Table, TypeKind,
    normalize_pg_type_name, sqlite_declared_type,
};

/// What the file is written for, besides the plan.
#[derive(Debug, Clone, Default)]
pub struct MigrationOptions {
    /// The namespace tables live in unless they say otherwise (PostgreSQL: the current schema);
    /// tables in it are named without a schema, so the migration follows the search path.
    pub default_schema: String,
    /// The command that wrote the file, for the header (`sealift autogen AddUserTable`).
    pub command: String,
    /// Findings about the live data to show the reviewer (row and NULL counts), one per line.
    pub findings: Vec<String>,
}

/// The migration file for `plan`: header comment, `up` and `down`.
pub fn migration_file(plan: &Plan, options: &MigrationOptions) -> String {
    let mut g = Gen {
        d: plan.dialect,
        default_schema: &options.default_schema,
        comments: Vec::new(),
        types: HashMap::new(),
        uses_type: false,
    };
    let up = g.body(&plan.up);
    let down = g.body(&plan.down);
    // A direction with nothing to run on this backend must not warn about its parameter.
    let param = |body: &TokenStream| {
        if body.to_string().contains("manager") {
            quote!(manager)
        } else {
            quote!(_manager)
        }
    };
    let (up_param, down_param) = (param(&up), param(&down));
    let backend_import = (up.to_string() + &down.to_string())
        .contains("DbBackend")
        .then(|| quote! { use sea_orm_migration::sea_orm::DbBackend; });
    let type_import = g.uses_type.then(|| {
        quote! { use sea_orm_migration::sea_query::extension::postgres::Type; }
    });
    // Each item is laid out on its own and joined with a blank line; prettyplease drops blank
    // lines, and the code holds multi-line SQL literals that no line-based pass may touch.
    let uses = unparse(quote! {
        use sea_orm_migration::prelude::*;
        #backend_import
        #type_import
    });
    let migration = unparse(quote! {
        #[derive(DeriveMigrationName)]
        pub struct Migration;
    });
    let implementation = unparse(quote! {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, #up_param: &SchemaManager) -> Result<(), DbErr> {
                #up
            }

            async fn down(&self, #down_param: &SchemaManager) -> Result<(), DbErr> {
                #down
            }
        }
    });
    let implementation = g.restore_comments(&implementation).replacen(
        "\n    async fn down(",
        "\n\n    async fn down(",
        1,
    );
    format!(
        "{}\n{uses}\n{migration}\n{implementation}",
        header(plan, options)
    )
}

/// The reviewer's summary: what changes, what can go wrong, what the data says.
fn header(plan: &Plan, options: &MigrationOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Written by `{}` for {}. Review it before applying.",
        options.command,
        dialect_name(plan.dialect)
    );
    out.push_str("//!\n//! Changes:\n");
    for s in &plan.up {
        let _ = writeln!(out, "//! - {}", s.change);
    }
    let hazards: Vec<_> = plan.hazards().collect();
    if !hazards.is_empty() {
        out.push_str("//!\n//! Hazards:\n");
        for h in hazards {
            let mark = if h.kind == HazardKind::Destructive {
                "DESTRUCTIVE".to_owned()
            } else {
                h.kind.to_string()
            };
            let _ = writeln!(out, "//! - {mark}: {}", h.message);
        }
    }
    if !options.findings.is_empty() {
        out.push_str("//!\n//! The live data, when this file was written:\n");
        for f in &options.findings {
            let _ = writeln!(out, "//! - {f}");
        }
    }
    out
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Sqlite => "SQLite",
        Dialect::Mysql => "MySQL",
    }
}

fn unparse(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("generated code is valid Rust");
    prettyplease::unparse(&file)
}

/// A blank line between top-level items and between methods, which prettyplease leaves out.
/// Line-based: only for code without multi-line string literals (the crate templates).
pub(crate) fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 64);
    let mut prev = "";
    for line in code.lines() {
        let continues = line.is_empty()
            || line.starts_with([' ', '}', '#'])
            || prev.starts_with('#')
            || (line.starts_with("use ") && prev.starts_with("use "));
        let top_level_item = !continues;
        let attribute_after_item = line.starts_with('#') && !prev.starts_with('#');
        let method = line.starts_with("    async fn ") && prev == "    }";
        if !prev.is_empty() && (top_level_item || attribute_after_item || method) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
    }
    out
}

/// The marker a step comment stands on until prettyplease has laid the code out.
const COMMENT_MARKER: &str = "__sealift_comment!(";

struct Gen<'a> {
    d: Dialect,
    default_schema: &'a str,
    comments: Vec<String>,
    /// Each type's builder call, worked out once.
    types: HashMap<DataType, TokenStream>,
    uses_type: bool,
}

impl Gen<'_> {
    /// The statements of one direction, each step under a comment naming it.
    fn body(&mut self, steps: &[Step]) -> TokenStream {
        let mut steps_code = TokenStream::new();
        for (i, s) in steps.iter().enumerate() {
            let n = Literal::usize_unsuffixed(self.comments.len());
            self.comments.push(format!("{}. {}", i + 1, s.change));
            steps_code.extend(quote! { __sealift_comment!(#n); });
            steps_code.extend(self.step(&s.change));
        }
        // The connection is named only when some statement runs as text.
        let db = steps_code
            .to_string()
            .contains("db . execute_unprepared")
            .then(|| quote! { let db = manager.get_connection(); });
        quote! { #db #steps_code Ok(()) }
    }

    /// Replaces each marker line with its comment, at the marker's indentation.
    fn restore_comments(&self, code: &str) -> String {
        let mut out = String::with_capacity(code.len());
        for line in code.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix(COMMENT_MARKER)
                && let Some(n) = rest.split(')').next().and_then(|n| n.parse::<usize>().ok())
            {
                let indent = &line[..line.len() - trimmed.len()];
                let _ = writeln!(out, "{indent}// {}", self.comments[n]);
            } else {
                out.push_str(line);
            }
        }
        out
    }

    /// The SQL text a change needs beyond its builder statement (or instead of it).
    fn raw_statements(&self, c: &Change) -> Vec<String> {
        use Change::*;
        let d = self.d;
        match c {
            CreateTable { schema, table } => self.create_table_extras(schema, table),
            AddColumn {
                schema,
                table,
                column,
            } if column.comment.is_some() && d == Dialect::Postgres => {
                column_comment(schema, table, column, d)
            }
            AddColumn { .. } => Vec::new(),
            AlterColumn { .. } if d == Dialect::Mysql => Vec::new(),
            AddIndex { index, .. } if sealift_diff::is_plain_index(index) => Vec::new(),
            AddForeignKey { fk, .. } if sealift_diff::inline_foreign_key(fk, Dialect::Postgres) => {
                Vec::new()
            }
            CreateEnum { .. }
            | DropEnum { .. }
            | AddEnumValue { .. }
            | DropTable { .. }
            | RenameTable { .. }
            | DropColumn { .. }
            | RenameColumn { .. }
            | DropIndex { .. }
            | DropForeignKey { .. } => Vec::new(),
            _ => sealift_diff::render(c, d),
        }
    }

    /// The code of one change.
    fn step(&mut self, c: &Change) -> TokenStream {
        use Change::*;
        let d = self.d;
        match c {
            CreateEnum { def, .. } if def.values.is_empty() => {
                postgres_only(execute(&sealift_diff::render(c, d)))
            }
            CreateEnum { schema, def } => {
                self.uses_type = true;
                let name = self.table_ref(schema, &def.name);
                let values = &def.values;
                postgres_only(quote! {
                    manager
                        .create_type(Type::create().as_enum(#name).values([#(#values),*]).to_owned())
                        .await?;
                })
            }
            DropEnum { schema, def } => {
                self.uses_type = true;
                let name = self.table_ref(schema, &def.name);
                postgres_only(quote! {
                    manager.drop_type(Type::drop().name(#name).to_owned()).await?;
                })
            }
            AddEnumValue {
                schema,
                def,
                value,
                position,
                ..
            } => {
                self.uses_type = true;
                let name = self.table_ref(schema, &def.name);
                let place = match position {
                    EnumPosition::Before(v) => quote!(.before(#v)),
                    EnumPosition::After(v) => quote!(.after(#v)),
                };
                postgres_only(quote! {
                    manager
                        .alter_type(Type::alter().name(#name).add_value(#value) #place .to_owned())
                        .await?;
                })
            }
            ReplaceEnum { .. } => postgres_only(execute(&self.raw_statements(c))),
            RebuildTable { .. } => sqlite_rebuild(&self.raw_statements(c)),
            // sea-query writes no parentheses for a table without columns.
            CreateTable { table, .. } if table.columns.is_empty() => {
                execute(&sealift_diff::render(c, d))
            }
            CreateTable { schema, table } => {
                let stmt = self.create_table(schema, table);
                let mut out = quote! { manager.create_table(#stmt).await?; };
                out.extend(execute(&self.raw_statements(c)));
                out
            }
            DropTable { schema, table } => {
                let t = self.table_ref(schema, &table.name);
                quote! { manager.drop_table(Table::drop().table(#t).to_owned()).await?; }
            }
            RenameTable { schema, from, to } => {
                let t = self.table_ref(schema, from);
                quote! { manager.rename_table(Table::rename().table(#t, #to).to_owned()).await?; }
            }
            AddColumn {
                schema,
                table,
                column,
            } => {
                let t = self.table_ref(schema, table);
                let col = self.column(column, false);
                let mut out = quote! {
                    manager
                        .alter_table(Table::alter().table(#t).add_column(#col).to_owned())
                        .await?;
                };
                out.extend(execute(&self.raw_statements(c)));
                out
            }
            DropColumn {
                schema,
                table,
                column,
            } => {
                let t = self.table_ref(schema, table);
                let name = &column.name;
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).drop_column(#name).to_owned())
                        .await?;
                }
            }
            RenameColumn {
                schema,
                table,
                from,
                to,
            } => {
                let t = self.table_ref(schema, table);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).rename_column(#from, #to).to_owned())
                        .await?;
                }
            }
            AlterColumn {
                schema, table, to, ..
            } if d == Dialect::Mysql => {
                let t = self.table_ref(schema, table);
                let col = self.column(to, false);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).modify_column(#col).to_owned())
                        .await?;
                }
            }
            AddIndex {
                schema,
                table,
                index,
            } if sealift_diff::is_plain_index(index) => {
                let stmt = self.index(schema, table, index);
                quote! { manager.create_index(#stmt.to_owned()).await?; }
            }
            DropIndex {
                schema,
                table,
                index,
            } => {
                let t = self.table_ref(schema, table);
                let name = &index.name;
                quote! {
                    manager.drop_index(Index::drop().name(#name).table(#t).to_owned()).await?;
                }
            }
            AddForeignKey { schema, table, fk }
                if sealift_diff::inline_foreign_key(fk, Dialect::Postgres) =>
            {
                let stmt = self.foreign_key(schema, table, fk);
                quote! { manager.create_foreign_key(#stmt.to_owned()).await?; }
            }
            DropForeignKey { schema, table, fk } => {
                let t = self.table_ref(schema, table);
                let name = fk.name.as_deref().unwrap_or_default();
                quote! {
                    manager
                        .drop_foreign_key(ForeignKey::drop().name(#name).table(#t).to_owned())
                        .await?;
                }
            }
            _ => execute(&self.raw_statements(c)),
        }
    }

    /// `Table::create()` with columns, keys, uniques, checks and foreign keys, as
    /// `sealift_diff`'s `create_table` builds it.
    fn create_table(&mut self, schema: &str, t: &Table) -> TokenStream {
        let inline_pk = self.d == Dialect::Sqlite
            && t.columns
                .iter()
                .any(|c| c.identity == Some(Identity::AutoIncrement))
            && t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1);
        let name = self.table_ref(schema, &t.name);
        let mut out = quote! { Table::create().table(#name) };
        for c in &t.columns {
            let col = self.column(c, inline_pk);
            out.extend(quote! { .col(#col) });
        }
        if let Some(pk) = t.primary_key.as_ref().filter(|_| !inline_pk) {
            let name = pk.name.as_ref().map(|n| quote!(.name(#n)));
            let cols = &pk.columns;
            out.extend(quote! { .primary_key(Index::create() #name #(.col(#cols))*) });
        }
        for u in &t.uniques {
            let name = u.name.as_ref().map(|n| quote!(.name(#n)));
            let nnd = u.nulls_not_distinct.then(|| quote!(.nulls_not_distinct()));
            let cols = &u.columns;
            out.extend(quote! { .index(Index::create().unique() #nnd #name #(.col(#cols))*) });
        }
        for c in t
            .checks
            .iter()
            .filter(|c| sealift_diff::inline_check(c, self.d))
        {
            let e = &c.expression;
            out.extend(match &c.name {
                Some(n) => quote! { .check((#n, Expr::cust(#e))) },
                None => quote! { .check(Expr::cust(#e)) },
            });
        }
        for fk in &t.foreign_keys {
            if sealift_diff::inline_foreign_key(fk, self.d) {
                let stmt = self.foreign_key(schema, &t.name, fk);
                out.extend(quote! { .foreign_key(#stmt) });
            }
        }
        out.extend(quote! { .to_owned() });
        out
    }

    /// What follows a created table: `NOT VALID` checks, deferrable or `NOT VALID` foreign keys,
    /// indexes, triggers, comments.
    fn create_table_extras(&self, schema: &str, t: &Table) -> Vec<String> {
        let d = self.d;
        let mut out = Vec::new();
        for check in t
            .checks
            .iter()
            .filter(|c| !sealift_diff::inline_check(c, d))
        {
            out.extend(sealift_diff::render(
                &Change::AddCheck {
                    schema: schema.to_owned(),
                    table: t.name.clone(),
                    check: check.clone(),
                },
                d,
            ));
        }
        for fk in &t.foreign_keys {
            if !sealift_diff::inline_foreign_key(fk, d) {
                out.extend(sealift_diff::render(
                    &Change::AddForeignKey {
                        schema: schema.to_owned(),
                        table: t.name.clone(),
                        fk: fk.clone(),
                    },
                    d,
                ));
            }
        }
        for i in &t.indexes {
            out.extend(sealift_diff::render(
                &Change::AddIndex {
                    schema: schema.to_owned(),
                    table: t.name.clone(),
                    index: i.clone(),
                },
                d,
            ));
        }
        out.extend(t.triggers.iter().map(|tr| tr.definition.clone()));
        if d == Dialect::Postgres {
            if t.comment.is_some() {
                out.extend(sealift_diff::render(
                    &Change::SetTableComment {
                        schema: schema.to_owned(),
                        table: t.name.clone(),
                        from: None,
                        to: t.comment.clone(),
                    },
                    d,
                ));
            }
            for c in &t.columns {
                out.extend(column_comment(schema, &t.name, c, d));
            }
        }
        out
    }

    /// `ColumnDef::new(..)` with type, NOT NULL, default, identity and generation, as
    /// `sealift_diff`'s `sq_column` builds it.
    fn column(&mut self, c: &Column, inline_pk: bool) -> TokenStream {
        let d = self.d;
        let name = &c.name;
        let ty = self.column_type(c);
        // sea-query writes an auto-increment integer as an identity on PostgreSQL.
        let integer = [". integer ()", ". big_integer ()", ". small_integer ()"]
            .contains(&ty.to_string().as_str());
        let mut out = quote! { ColumnDef::new(#name) #ty };
        if !c.nullable {
            out.extend(quote!(.not_null()));
        }
        let serial = matches!(c.identity, Some(Identity::Serial { .. }));
        if let Some(default) = c
            .default
            .as_ref()
            .filter(|_| !serial && c.generated.is_none())
        {
            out.extend(quote!(.default(Expr::cust(#default))));
        }
        match (&c.identity, d) {
            (Some(Identity::Always), Dialect::Postgres) => {
                out.extend(quote!(.extra("GENERATED ALWAYS AS IDENTITY")));
            }
            (Some(Identity::ByDefault), Dialect::Postgres) if integer => {
                out.extend(quote!(.auto_increment()));
            }
            (Some(Identity::ByDefault), Dialect::Postgres) => {
                out.extend(quote!(.extra("GENERATED BY DEFAULT AS IDENTITY")));
            }
            (Some(Identity::AutoIncrement), Dialect::Sqlite) if inline_pk => {
                out.extend(quote!(.primary_key().auto_increment()));
            }
            (Some(Identity::AutoIncrement), Dialect::Mysql) => {
                out.extend(quote!(.auto_increment()));
            }
            _ => {}
        }
        if let Some(g) = &c.generated {
            let stored = d != Dialect::Sqlite;
            out.extend(quote!(.generated(Expr::cust(#g), #stored)));
        }
        if let (Some(text), Dialect::Mysql) = (&c.comment, d) {
            out.extend(quote!(.comment(#text)));
        }
        out
    }

    /// The type call: a portable one (`.integer()`, `.string_len(45)`) when sea-query renders
    /// it as exactly this type on this backend, else `.custom(..)` with the SQL spelling.
    fn column_type(&mut self, c: &Column) -> TokenStream {
        let d = self.d;
        let serial = matches!(c.identity, Some(Identity::Serial { .. }));
        if c.collation.is_none() && !serial {
            if let Some(t) = self.types.get(&c.data_type) {
                return t.clone();
            }
            let found = portable_type(&c.data_type, d);
            if let Some(t) = found {
                self.types.insert(c.data_type.clone(), t.clone());
                return t;
            }
        }
        let mut text = sealift_diff::column_type_sql(c, d);
        // A user type in the default schema with a plain lowercase name reads as written
        // (`mood`), found through the search path like the tables around it.
        if let Some(schema) = &c.data_type.schema {
            let name = &c.data_type.name;
            let plain = name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                && !name.starts_with(|ch: char| ch.is_ascii_digit());
            if plain && self.implicit(schema) {
                text = text.replacen(&format!("\"{schema}\".\"{name}\""), name, 1);
            }
        }
        quote!(.custom(#text))
    }

    fn index(&self, schema: &str, table: &str, i: &Index) -> TokenStream {
        let name = &i.name;
        let t = self.table_ref(schema, table);
        let mut out = quote! { Index::create().name(#name).table(#t) };
        if i.unique {
            out.extend(quote!(.unique()));
        }
        for p in &i.parts {
            let IndexKey::Column(c) = &p.key else {
                continue;
            };
            out.extend(if p.descending {
                quote!(.col((#c, IndexOrder::Desc)))
            } else {
                quote!(.col(#c))
            });
        }
        out
    }

    fn foreign_key(&self, schema: &str, table: &str, fk: &ForeignKey) -> TokenStream {
        let name = fk.name.as_ref().map(|n| quote!(.name(#n)));
        let from = self.table_ref(schema, table);
        let target_schema = fk.referenced_table.schema.as_deref().unwrap_or(schema);
        let to = self.table_ref(target_schema, &fk.referenced_table.name);
        let cols = &fk.columns;
        let ref_cols = &fk.referenced_columns;
        let mut out = quote! {
            ForeignKey::create() #name .from_tbl(#from) #(.from_col(#cols))* .to_tbl(#to) #(.to_col(#ref_cols))*
        };
        if fk.on_update != FkAction::NoAction {
            let a = action(fk.on_update);
            out.extend(quote!(.on_update(ForeignKeyAction::#a)));
        }
        if fk.on_delete != FkAction::NoAction {
            let a = action(fk.on_delete);
            out.extend(quote!(.on_delete(ForeignKeyAction::#a)));
        }
        out
    }

    /// A table or type name: bare in the default namespace, `(schema, name)` elsewhere.
    fn table_ref(&self, schema: &str, name: &str) -> TokenStream {
        if self.implicit(schema) {
            quote!(#name)
        } else {
            quote!((#schema, #name))
        }
    }

    fn implicit(&self, schema: &str) -> bool {
        schema.is_empty()
            || schema == self.default_schema
            || (self.d == Dialect::Sqlite && schema == "main")
            || self.d == Dialect::Mysql
    }
}

fn action(a: FkAction) -> proc_macro2::Ident {
    let name = match a {
        FkAction::NoAction => "NoAction",
        FkAction::Restrict => "Restrict",
        FkAction::Cascade => "Cascade",
        FkAction::SetNull => "SetNull",
        FkAction::SetDefault => "SetDefault",
    };
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}

fn column_comment(schema: &str, table: &str, c: &Column, d: Dialect) -> Vec<String> {
    let mut from = c.clone();
    from.comment = None;
    sealift_diff::render(
        &Change::AlterColumn {
            schema: schema.to_owned(),
            table: table.to_owned(),
            from,
            to: c.clone(),
        },
        d,
    )
}

/// Statements run as text, in order.
fn execute(statements: &[String]) -> TokenStream {
    let lits = statements.iter().map(|s| raw_literal(s));
    quote! { #(db.execute_unprepared(#lits).await?;)* }
}

fn postgres_only(body: TokenStream) -> TokenStream {
    quote! {
        if manager.get_database_backend() == DbBackend::Postgres {
            #body
        }
    }
}

/// SQLite batch mode: foreign keys off (only possible outside a transaction), the rebuild in a
/// transaction of its own so that a failure leaves the old table as it was, foreign keys on.
fn sqlite_rebuild(statements: &[String]) -> TokenStream {
    let inner: Vec<TokenStream> = statements
        .iter()
        .filter(|s| !s.starts_with("PRAGMA foreign_keys"))
        .map(|s| {
            let lit = raw_literal(s);
            quote! { txn.get_connection().execute_unprepared(#lit).await?; }
        })
        .collect();
    quote! {
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
            let txn = manager.begin().await?;
            #(#inner)*
            txn.commit().await?;
            db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        }
    }
}

/// A raw string literal, `r#"..."#` with enough hashes, so SQL reads as written.
fn raw_literal(text: &str) -> Literal {
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal")
}

/// The portable sea-query type call for `t`, if one renders as exactly `t` on `d`.
fn portable_type(t: &DataType, d: Dialect) -> Option<TokenStream> {
    if t.kind != TypeKind::Builtin || t.schema.is_some() || t.array_dims > 0 {
        return None;
    }
    let m = &t.modifiers;
    let one = m.first().copied();
    let two = (m.len() == 2).then(|| (m[0], m[1]));
    let mut candidates: Vec<(ColumnType, TokenStream)> = vec![
        (ColumnType::Integer, quote!(.integer())),
        (ColumnType::BigInteger, quote!(.big_integer())),
        (ColumnType::SmallInteger, quote!(.small_integer())),
        (ColumnType::TinyInteger, quote!(.tiny_integer())),
        (ColumnType::Text, quote!(.text())),
        (ColumnType::String(StringLen::None), quote!(.string())),
        (ColumnType::Char(None), quote!(.char())),
        (ColumnType::Boolean, quote!(.boolean())),
        (ColumnType::Float, quote!(.float())),
        (ColumnType::Double, quote!(.double())),
        (ColumnType::Decimal(None), quote!(.decimal())),
        (ColumnType::DateTime, quote!(.date_time())),
        (ColumnType::Timestamp, quote!(.timestamp())),
        (
            ColumnType::TimestampWithTimeZone,
            quote!(.timestamp_with_time_zone()),
        ),
        (ColumnType::Date, quote!(.date())),
        (ColumnType::Time, quote!(.time())),
        (ColumnType::Blob, quote!(.blob())),
        (ColumnType::Json, quote!(.json())),
        (ColumnType::JsonBinary, quote!(.json_binary())),
        (ColumnType::Uuid, quote!(.uuid())),
    ];
    if let Some(n) = one {
        candidates.push((ColumnType::String(StringLen::N(n)), quote!(.string_len(#n))));
        candidates.push((ColumnType::Char(Some(n)), quote!(.char_len(#n))));
    }
    if let Some((p, s)) = two {
        candidates.push((
            ColumnType::Decimal(Some((p, s))),
            quote!(.decimal_len(#p, #s)),
        ));
    }
    candidates
        .into_iter()
        .find(|(ct, _)| rendered_type(ct.clone(), d).as_ref() == Some(t))
        .map(|(_, tokens)| tokens)
}

/// The model type sea-query's backend writes for a column type.
fn rendered_type(ct: ColumnType, d: Dialect) -> Option<DataType> {
    let stmt = SqTable::create()
        .table(Alias::new("t"))
        .col(ColumnDef::new_with_type(Alias::new("c"), ct))
        .to_owned();
    let sql = match d {
        Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
        Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Dialect::Mysql => stmt.to_string(MysqlQueryBuilder),
    };
    let open = sql.find("( ")? + 2;
    let text = sql[open..].strip_suffix(" )")?;
    let text = text.split_once(' ')?.1;
    let mut t = sqlite_declared_type(text);
    if d == Dialect::Postgres {
        t.name = normalize_pg_type_name(&t.name);
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portable(t: DataType, d: Dialect) -> String {
        portable_type(&t, d)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn portable_types_render_as_the_same_type() {
        let b = DataType::builtin;
        let pg = Dialect::Postgres;
        assert_eq!(portable(b("int4"), pg), ". integer ()");
        assert_eq!(
            portable(b("varchar").with_modifiers([45]), pg),
            ". string_len (45u32)"
        );
        assert_eq!(
            portable(b("numeric").with_modifiers([10, 2]), pg),
            ". decimal_len (10u32 , 2u32)"
        );
        assert_eq!(
            portable(b("timestamptz"), pg),
            ". timestamp_with_time_zone ()"
        );
        assert_eq!(portable(b("float8"), pg), ". double ()");
        assert_eq!(portable(b("inet"), pg), "");
        let sqlite = Dialect::Sqlite;
        assert_eq!(portable(b("integer"), sqlite), ". integer ()");
        assert_eq!(portable(b("datetime_text"), sqlite), ". date_time ()");
        assert_eq!(portable(b("int"), sqlite), "");
    }

    #[test]
    fn raw_literals_pick_enough_hashes() {
        assert_eq!(raw_literal("a").to_string(), "r\"a\"");
        assert_eq!(raw_literal("\"a\"").to_string(), "r#\"\"a\"\"#");
    }
}
