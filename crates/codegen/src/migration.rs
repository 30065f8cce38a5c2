//! A plan as a sea-orm-migration file: `up` and `down` written with sea-query's builders,
//! formatted with prettyplease.
//!
//! Each step's statements come from `sealift_diff::statements`, the values the SQL preview
//! renders, so the file runs on the plan's backend exactly what `sealift diff --format sql`
//! shows. They are worked out for every backend the project runs (`backends` in sealift.toml,
//! every backend SeaORM supports when it names none; a file for fewer stops on any other
//! before running anything): columns use SeaORM's logical types (`.big_integer()`,
//! `.string_len(45)`), so most steps are the same code everywhere; where the backends differ
//! (PostgreSQL enum types, SQLite rebuilds, SQL text quoted per backend) the step branches on
//! `manager.get_database_backend()`, with an arm per group of backends that share code:
//! statements, a comment saying why there is nothing to do, or an error naming the step and
//! the backend. Arms that differ only in a `.name(..)` are written once (`arms.rs`). Never a
//! silent no-op.

use std::fmt::Write as _;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use sealift_diff::{
    Change, ColumnSpec, CreateTable, ForeignKeySpec, HazardKind, Name, Plan, SchemaStatement,
    Statement, Step, TableOp, Target,
};
use sealift_ir::{Dialect, FkAction, LogicalDefault, LogicalType};

/// What the file is written for, besides the plan.
#[derive(Debug, Clone, Default)]
pub struct MigrationOptions {
    /// The command that wrote the file, for the header (`sealift autogen AddUserTable`).
    pub command: String,
    /// Findings about the live data to show the reviewer (row and NULL counts), one per line.
    pub findings: Vec<String>,
    /// The backends the project runs on (`backends` in sealift.toml); empty for every one
    /// SeaORM supports. The file has code for these only, and says so on any other.
    pub backends: Vec<Dialect>,
    /// The migration this one is written on top of (`base` for the first), for the header's
    /// `Revises:` line; none leaves the line out.
    pub revises: Option<String>,
}

/// The migration file for `plan`: header comment, `up` and `down`.
pub fn migration_file(plan: &Plan, options: &MigrationOptions) -> String {
    let backends: Vec<(Dialect, &'static str)> = BACKENDS
        .iter()
        .filter(|(d, _)| options.backends.is_empty() || options.backends.contains(d))
        .copied()
        .collect();
    let restricted = backends.len() < BACKENDS.len();
    let runs_on = products(&backends);
    let mut g = Gen {
        backends,
        target: plan.target(),
        comments: Vec::new(),
        uses_type: false,
        uses_other_backend: false,
        uses_sqlite_rebuild: false,
        uses_backfill: false,
        refusals: Vec::new(),
    };
    // The functions a long direction calls, laid out one after another in one buffer as they
    // are made: on tens of thousands of steps the file runs to tens of megabytes, held once.
    let mut parts = String::new();
    let mut up = g.direction(&plan.up, "up", &mut parts);
    let mut down = g.direction(&plan.down, "down", &mut parts);
    if restricted {
        up = quote! { only_on(manager)?; #up };
        down = quote! { only_on(manager)?; #down };
    }
    // A direction with nothing to run on this backend must not warn about its parameter.
    let param = |body: &TokenStream| {
        if body.to_string().contains("manager") {
            quote!(manager)
        } else {
            quote!(_manager)
        }
    };
    let (up_param, down_param) = (param(&up), param(&down));
    // `DbBackend` is named by the `only_on` guard and by every step with arms per backend.
    let backend_import = (restricted || g.uses_other_backend)
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
    // An online migration runs without a transaction on every backend that the migrator
    // would give one (PostgreSQL cannot build an index concurrently inside one); each of its
    // PostgreSQL steps is safe to run again, and sealift's runner still gives SQLite its
    // transaction.
    let no_transaction = plan.is_online().then(|| {
        quote! {
            fn use_transaction(&self) -> Option<bool> {
                Some(false)
            }
        }
    });
    let implementation = unparse(quote! {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            #no_transaction

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
    let rebuild_helper = if g.uses_sqlite_rebuild {
        format!(
            "\n{}",
            unparse(quote! {
                /// SQLite's procedure for a change it cannot make in place: foreign keys off on
                /// the connection (inside a transaction SQLite ignores the pragma, and dropping
                /// the old table would run every child table's ON DELETE), the statements in a
                /// transaction of their own (a savepoint inside the runner's), keys back on.
                async fn sqlite_rebuild(
                    manager: &SchemaManager<'_>,
                    statements: &[&str],
                ) -> Result<(), DbErr> {
                    let db = manager.get_connection();
                    db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
                    let txn = manager.begin().await?;
                    for statement in statements {
                        txn.get_connection().execute_unprepared(statement).await?;
                    }
                    txn.commit().await?;
                    db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                }
            })
        )
    } else {
        String::new()
    };
    let backfill_helper = if g.uses_backfill {
        format!("\n{}", backfill_helper())
    } else {
        String::new()
    };
    let mut helper = String::new();
    if g.uses_other_backend {
        let message = format!("step {{step}} of {{direction}} is written for {runs_on} only");
        helper.push('\n');
        helper.push_str(&unparse(quote! {
            /// A backend this file has no statements for.
            fn other_backend(direction: &str, step: usize) -> DbErr {
                DbErr::Migration(format!(#message))
            }
        }));
    }
    if restricted {
        let message = format!(
            "this migration is written for {runs_on} only (`backends` in sealift.toml); to run it on another backend, add that backend to `backends` and write the migration again with `sealift autogen`"
        );
        let pats = g.backends.iter().map(|(_, n)| {
            let n = proc_macro2::Ident::new(n, proc_macro2::Span::call_site());
            quote!(DbBackend::#n)
        });
        helper.push('\n');
        helper.push_str(&unparse(quote! {
            /// Stops on a backend the project does not run on, before anything runs.
            fn only_on(manager: &SchemaManager) -> Result<(), DbErr> {
                match manager.get_database_backend() {
                    #(#pats)|* => Ok(()),
                    _ => Err(DbErr::Migration(#message.to_owned())),
                }
            }
        }));
    }
    let prefix = format!(
        "{}\n{uses}\n{migration}\n{implementation}",
        header(plan, options, &g.refusals, &runs_on)
    );
    let mut text = parts;
    text.reserve(prefix.len() + helper.len() + rebuild_helper.len() + backfill_helper.len());
    text.insert_str(0, &prefix);
    text.push_str(&helper);
    text.push_str(&rebuild_helper);
    text.push_str(&backfill_helper);
    text
}

/// The helper a step that fills a column calls: the batches, their progress, and the resume.
/// `sealift create --backfill` writes the same helper for a hand-written data migration.
pub(crate) fn backfill_helper() -> String {
    let batch = Literal::i64_unsuffixed(i64::from(sealift_diff::BATCH_ROWS));
    unparse(quote! {
        /// Fills `column` of `table` with `value` (SQL) where it is NULL: in batches of
        /// `BATCH` rows along the integer `key`, each committed on its own when the migration
        /// runs without a transaction, so the table is never locked whole; with no key, in one
        /// `UPDATE`. Only rows still NULL are written, so a fill that stopped part way goes on
        /// where it was when it runs again. Prints its progress (rows done, rate, time left).
        async fn backfill(
            manager: &SchemaManager<'_>,
            table: &str,
            column: &str,
            value: &str,
            key: Option<&str>,
        ) -> Result<(), DbErr> {
            use sea_orm_migration::sea_orm::{DbBackend, Statement};
            const BATCH: i64 = #batch;
            let db = manager.get_connection();
            let backend = manager.get_database_backend();
            let number = |sql: String| async move {
                let row = db.query_one_raw(Statement::from_string(backend, sql)).await?;
                Ok::<Option<i64>, DbErr>(match row {
                    Some(row) => row.try_get_by_index::<Option<i64>>(0)?,
                    None => None,
                })
            };
            let as_int = |e: String| match backend {
                DbBackend::MySql => format!("CAST({e} AS SIGNED)"),
                _ => format!("CAST({e} AS BIGINT)"),
            };
            let todo = number(format!(
                "SELECT {}",
                as_int(format!("(SELECT count(*) FROM {table} WHERE {column} IS NULL)"))
            ))
            .await?
            .unwrap_or(0);
            // Nothing left to fill (run again after it finished): the value is not evaluated,
            // so a column it reads that a later step dropped is no matter.
            if todo == 0 {
                return Ok(());
            }
            let Some(key) = key else {
                db.execute_unprepared(&format!(
                    "UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"
                ))
                .await?;
                return Ok(());
            };
            let started = std::time::Instant::now();
            let (mut done, mut last) = (0u64, None::<i64>);
            loop {
                let after = last.map(|l| format!(" WHERE {key} > {l}")).unwrap_or_default();
                let Some(high) = number(format!(
                    "SELECT {}",
                    as_int(format!(
                        "(SELECT max({key}) FROM (SELECT {key} FROM {table}{after} ORDER BY {key} LIMIT {BATCH}) AS batch)"
                    ))
                ))
                .await?
                else {
                    break;
                };
                let from = last.map(|l| format!("{key} > {l} AND ")).unwrap_or_default();
                let filled = db
                    .execute_unprepared(&format!(
                        "UPDATE {table} SET {column} = {value} WHERE {from}{key} <= {high} AND {column} IS NULL"
                    ))
                    .await?;
                done += filled.rows_affected();
                last = Some(high);
                let seconds = started.elapsed().as_secs_f64().max(0.001);
                let rate = done as f64 / seconds;
                let left = (todo as f64 - done as f64).max(0.0) / rate.max(1.0);
                eprintln!(
                    "backfill {table}.{column}: {done} of {todo} rows, {rate:.0} rows/s, about {left:.0} s left"
                );
            }
            Ok(())
        }
    })
}

/// Steps per function in a long direction: `up` then calls `up_1`, `up_2`, ... in turn. One
/// function of thousands of steps makes rustc's memory and time grow much faster than the
/// code (an async function is one state machine); many small ones grow with it.
const STEPS_PER_FUNCTION: usize = 10;

/// The header line that says a migration runs online: on PostgreSQL without a transaction,
/// each step safe to run again (`sealift upgrade` runs it again after a lock timeout, and
/// after it stopped part way).
pub const ONLINE_LINE: &str =
    "//! Online: on PostgreSQL it runs without a transaction, and each step can run again\n";

/// The reviewer's summary: what changes, what can go wrong, what the data says.
/// `elsewhere` lists the steps that return an error on some backend, as the bodies found them.
fn header(plan: &Plan, options: &MigrationOptions, elsewhere: &[String], runs_on: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Written by `{}` for {}. Review it before applying.",
        comment_text(&options.command),
        plan.dialect.product()
    );
    if let Some(parent) = &options.revises {
        out.push_str(&crate::revises_line(Some(parent)));
    }
    if plan.is_online() {
        out.push_str(ONLINE_LINE);
    }
    out.push_str("//!\n//! Changes:\n");
    for s in &plan.up {
        let _ = writeln!(out, "//! - {}", comment_text(&s.change.to_string()));
        for c in s.change.rebuilt() {
            let _ = writeln!(out, "//!   - {}", comment_text(&c.to_string()));
        }
        for part in s.change.parts_created() {
            let _ = writeln!(out, "//!   - {}", comment_text(&part));
        }
    }
    if plan.is_online() {
        out.push_str(
            "//!\n//! Online on PostgreSQL: the steps below keep the table writable. A step that waits\n\
             //! longer than the lock timeout fails; `sealift upgrade` then runs the migration again\n\
             //! (each step skips what is done), as it does after any stop part way. Locks:\n",
        );
        for (i, s) in plan.up.iter().enumerate() {
            let locks = sealift_diff::locks(s);
            if locks.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "//! - step {} ({}):",
                i + 1,
                comment_text(&s.change.to_string())
            );
            for lock in locks {
                let _ = writeln!(out, "//!   {lock}");
            }
        }
    }
    let loses: Vec<_> = plan
        .down
        .iter()
        .flat_map(|s| &s.hazards)
        .filter(|h| h.kind == HazardKind::Destructive)
        .collect();
    if loses.is_empty() {
        out.push_str(
            "//!\n//! Rolling back: reversible (its down drops nothing that holds data)\n",
        );
    } else {
        out.push_str("//!\n//! Rolling back is lossy:\n");
        for h in loses {
            let _ = writeln!(out, "//! - {}", comment_text(&h.message));
        }
    }
    if !plan.transactional_ddl() {
        let _ = write!(
            out,
            "//!\n//! {} DDL is not transactional: each statement commits as it runs, so if one\n\
             //! fails the steps before it stay applied. `sealift upgrade` records this migration\n\
             //! as started before it runs and finished after; `sealift current` names one that\n\
             //! stopped part way and what to do.\n",
            plan.dialect.product()
        );
    }
    if !elsewhere.is_empty() {
        let _ = writeln!(
            out,
            "//!\n//! Runs on {runs_on}, but for these steps, which return an error:"
        );
        for line in elsewhere {
            let _ = writeln!(out, "//! - {}", comment_text(line));
        }
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
            let _ = writeln!(out, "//! - {mark}: {}", comment_text(&h.message));
        }
    }
    if !options.findings.is_empty() {
        out.push_str("//!\n//! The live data, when this file was written:\n");
        for f in &options.findings {
            let _ = writeln!(out, "//! - {}", comment_text(f));
        }
    }
    out
}

/// Text for a `//` or `//!` comment: names and expressions from the database or the entities
/// may hold line breaks (which would end the comment and let the rest be read as code) or
/// the bidirectional-text controls rustc rejects in comments; both are written escaped.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || !(c.is_control() || needs_escape(c)) {
                c.to_string()
            } else {
                c.escape_default().to_string()
            }
        })
        .collect()
}

/// Characters a raw literal cannot hold as they are: control characters but line feed and
/// tab, and the bidirectional-text controls (rustc's `text_direction_codepoint_in_literal`).
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
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

/// The marker a step comment stands on (`__sealift_comment!(N)`) until prettyplease has laid
/// the code out.
const COMMENT_MARKER: &str = "__sealift_comment!(";

/// Every backend a migration may run on, as the generated code names it.
const BACKENDS: [(Dialect, &str); 3] = [
    (Dialect::Postgres, "Postgres"),
    (Dialect::Mysql, "MySql"),
    (Dialect::Sqlite, "Sqlite"),
];

/// `PostgreSQL, MySQL and SQLite`: the backends' names as a list in a sentence.
fn products(backends: &[(Dialect, &str)]) -> String {
    let names: Vec<&str> = backends.iter().map(|(d, _)| d.product()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

struct Gen<'a> {
    /// The backends the file has code for, as the generated code names them.
    backends: Vec<(Dialect, &'static str)>,
    target: Target<'a>,
    comments: Vec<String>,
    uses_type: bool,
    uses_other_backend: bool,
    /// Some step rebuilds a SQLite table through the file's `sqlite_rebuild`.
    uses_sqlite_rebuild: bool,
    /// A step fills a column in batches: the file gets the `backfill` helper.
    uses_backfill: bool,
    /// Steps that return an error on some backend, for the header.
    refusals: Vec<String>,
}

impl Gen<'_> {
    /// One direction: the body of its trait method; when the direction is long, the functions
    /// that body calls in turn go to `parts` (each laid out on its own, comments restored).
    fn direction(&mut self, steps: &[Step], direction: &str, parts: &mut String) -> TokenStream {
        if steps.len() <= STEPS_PER_FUNCTION {
            return self.body(steps, direction, 0);
        }
        let mut calls = TokenStream::new();
        for (k, chunk) in steps.chunks(STEPS_PER_FUNCTION).enumerate() {
            let first = k * STEPS_PER_FUNCTION;
            let name = quote::format_ident!("{direction}_{}", k + 1);
            let body = self.body(chunk, direction, first);
            let doc = format!(
                " Steps {} to {} of `{direction}`.",
                first + 1,
                first + chunk.len()
            );
            let code = unparse(quote! {
                #[doc = #doc]
                async fn #name(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
                    #body
                }
            });
            parts.push('\n');
            parts.push_str(&self.restore_comments(&code));
            calls.extend(quote! { #name(manager).await?; });
        }
        quote! { #calls Ok(()) }
    }

    /// The statements of `steps` (numbered from `first + 1`), each under a comment naming it.
    fn body(&mut self, steps: &[Step], direction: &str, first: usize) -> TokenStream {
        let mut steps_code = TokenStream::new();
        for (i, s) in steps.iter().enumerate() {
            let n = first + i + 1;
            let label = format!("{n}. {}", s.change);
            let marker = self.comment(label.clone());
            steps_code.extend(quote! { __sealift_comment!(#marker); });
            steps_code.extend(self.step(s, &label, (direction, n)));
        }
        // The connection is named only when some statement runs as text.
        let db = steps_code
            .to_string()
            .contains("db . execute_unprepared")
            .then(|| quote! { let db = manager.get_connection(); });
        quote! { #db #steps_code Ok(()) }
    }

    fn comment(&mut self, text: String) -> Literal {
        let n = Literal::usize_unsuffixed(self.comments.len());
        self.comments.push(text);
        n
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
                let _ = writeln!(out, "{indent}// {}", comment_text(&self.comments[n]));
            } else {
                out.push_str(line);
            }
        }
        out
    }

    /// The code of one change: the same on every backend, or a branch per backend.
    fn step(&mut self, step: &Step, label: &str, (direction, n): (&str, usize)) -> TokenStream {
        let per_backend: Vec<(Dialect, &str, Vec<Statement>)> = self
            .backends
            .iter()
            .map(|&(d, name)| {
                let stmts = sealift_diff::step_statements(step, &self.target.on(d));
                (d, name, stmts)
            })
            .collect();
        for (d, _, stmts) in &per_backend {
            for stmt in stmts {
                if let Statement::Unsupported(why) = stmt {
                    self.refusals
                        .push(format!("{direction} step {n} on {}: {why}", d.product()));
                }
            }
        }
        // The change SQLite runs: a rebuild may stand in for the step.
        let c = match &step.on_sqlite {
            Some(sealift_diff::OnSqlite::Instead(c)) => c.as_ref(),
            _ => &step.change,
        };
        if per_backend
            .iter()
            .all(|(d, _, s)| renders_alike(&per_backend[0].2, s, *d))
        {
            return self.statements(c, per_backend[0].0, &per_backend[0].2, label);
        }
        // Backends on which the same code runs the same SQL share an arm, in the order above.
        let mut arms: Vec<(Vec<&str>, Dialect, &Vec<Statement>)> = Vec::new();
        for (d, name, stmts) in &per_backend {
            match arms
                .iter_mut()
                .find(|(_, _, s)| renders_alike(s, stmts, *d))
            {
                Some(arm) => arm.0.push(name),
                None => arms.push((vec![name], *d, stmts)),
            }
        }
        let arms: Vec<(Vec<&str>, TokenStream)> = arms
            .into_iter()
            .map(|(names, d, stmts)| (names, self.statements(c, d, stmts, label)))
            .collect();
        // Arms whose code differs only in a name or two are written once (never arms holding a
        // comment marker: its number is no `.name(..)`, and each arm's are its own).
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for k in 0..arms.len() {
            let joins = groups.iter_mut().find(|g| {
                let bodies: Vec<&TokenStream> = g.iter().chain([&k]).map(|&i| &arms[i].1).collect();
                crate::arms::shareable(&bodies).is_some()
            });
            match joins {
                Some(g) => g.push(k),
                None => groups.push(vec![k]),
            }
        }
        self.uses_other_backend = true;
        let n = Literal::usize_unsuffixed(n);
        let other = quote! { return Err(other_backend(#direction, #n)) };
        let patterns = |names: &[&str]| {
            let pats = names.iter().map(|n| {
                let n = proc_macro2::Ident::new(n, proc_macro2::Span::call_site());
                quote!(DbBackend::#n)
            });
            quote!(#(#pats)|*)
        };
        if let [group] = groups.as_slice() {
            return shared(&arms, group, Some(&other), &patterns);
        }
        let mut code = TokenStream::new();
        for group in &groups {
            let names: Vec<&str> = group.iter().flat_map(|&i| arms[i].0.clone()).collect();
            let pats = patterns(&names);
            let body = match group.as_slice() {
                [one] => arms[*one].1.clone(),
                _ => shared(&arms, group, None, &patterns),
            };
            code.extend(quote! { #pats => { #body } });
        }
        quote! {
            match manager.get_database_backend() {
                #code
                _ => #other,
            }
        }
    }

    /// The statements of one change on backend `d`.
    fn statements(
        &mut self,
        c: &Change,
        d: Dialect,
        stmts: &[Statement],
        label: &str,
    ) -> TokenStream {
        if d == Dialect::Sqlite
            && matches!(
                c,
                Change::Table {
                    op: TableOp::Rebuild { .. },
                    ..
                }
            )
            && !stmts.is_empty()
            && stmts
                .iter()
                .all(|s| matches!(s, Statement::Sql(_) | Statement::Schema(_)))
        {
            let texts: Vec<String> = stmts.iter().map(|s| s.to_sql(d)).collect();
            self.uses_sqlite_rebuild = true;
            return sqlite_rebuild(&texts);
        }
        let mut out = TokenStream::new();
        for s in stmts {
            out.extend(match s {
                Statement::Schema(s) => self.schema(s),
                Statement::Sql(text) => execute(text),
                Statement::Nothing(why) => {
                    let n = self.comment(format!("Nothing to do here: {why}."));
                    quote! { __sealift_comment!(#n); }
                }
                Statement::Unsupported(why) => {
                    let msg = format!("{label}: {why}");
                    quote! { return Err(DbErr::Migration(#msg.to_owned())); }
                }
                Statement::Backfill {
                    table,
                    column,
                    value,
                    key,
                } => {
                    self.uses_backfill = true;
                    let (table, column, value) =
                        (raw_literal(table), raw_literal(column), raw_literal(value));
                    let key = match key {
                        Some(k) => {
                            let k = raw_literal(k);
                            quote!(Some(#k))
                        }
                        None => quote!(None),
                    };
                    quote! { backfill(manager, #table, #column, #value, #key).await?; }
                }
            });
        }
        out
    }

    /// A sea-query statement, run through `SchemaManager`.
    fn schema(&mut self, s: &SchemaStatement) -> TokenStream {
        match s {
            SchemaStatement::CreateTable(t) => {
                let stmt = create_table(t);
                quote! { manager.create_table(#stmt).await?; }
            }
            SchemaStatement::DropTable(t) => {
                let t = name(t);
                quote! { manager.drop_table(Table::drop().table(#t).to_owned()).await?; }
            }
            SchemaStatement::RenameTable { table, to } => {
                let t = name(table);
                quote! { manager.rename_table(Table::rename().table(#t, #to).to_owned()).await?; }
            }
            SchemaStatement::AddColumn { table, column } => {
                let t = name(table);
                let col = column_def(column);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).add_column(#col).to_owned())
                        .await?;
                }
            }
            SchemaStatement::DropColumn { table, column } => {
                let t = name(table);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).drop_column(#column).to_owned())
                        .await?;
                }
            }
            SchemaStatement::RenameColumn { table, from, to } => {
                let t = name(table);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).rename_column(#from, #to).to_owned())
                        .await?;
                }
            }
            SchemaStatement::ModifyColumn { table, column } => {
                let t = name(table);
                let col = column_def(column);
                quote! {
                    manager
                        .alter_table(Table::alter().table(#t).modify_column(#col).to_owned())
                        .await?;
                }
            }
            SchemaStatement::CreateIndex { table, index } => {
                let t = name(table);
                let n = &index.name;
                let unique = index.unique.then(|| quote!(.unique()));
                let cols = index.columns.iter().map(|(c, desc)| {
                    if *desc {
                        quote!(.col((#c, IndexOrder::Desc)))
                    } else {
                        quote!(.col(#c))
                    }
                });
                quote! {
                    manager
                        .create_index(Index::create().name(#n).table(#t) #unique #(#cols)* .to_owned())
                        .await?;
                }
            }
            SchemaStatement::DropIndex { table, name: n } => {
                let t = name(table);
                quote! {
                    manager.drop_index(Index::drop().name(#n).table(#t).to_owned()).await?;
                }
            }
            SchemaStatement::CreateForeignKey(fk) => {
                let stmt = foreign_key(fk);
                quote! { manager.create_foreign_key(#stmt.to_owned()).await?; }
            }
            SchemaStatement::DropForeignKey { table, name: n } => {
                let t = name(table);
                quote! {
                    manager
                        .drop_foreign_key(ForeignKey::drop().name(#n).table(#t).to_owned())
                        .await?;
                }
            }
            SchemaStatement::CreateEnum { name: n, values } => {
                self.uses_type = true;
                let n = name(n);
                quote! {
                    manager
                        .create_type(Type::create().as_enum(#n).values([#(#values),*]).to_owned())
                        .await?;
                }
            }
            SchemaStatement::DropEnum(n) => {
                self.uses_type = true;
                let n = name(n);
                quote! { manager.drop_type(Type::drop().name(#n).to_owned()).await?; }
            }
            SchemaStatement::AddEnumValue {
                name: n,
                value,
                before,
                next_to,
            } => {
                self.uses_type = true;
                let n = name(n);
                let place = if *before {
                    quote!(.before(#next_to))
                } else {
                    quote!(.after(#next_to))
                };
                quote! {
                    manager
                        .alter_type(Type::alter().name(#n).add_value(#value) #place .to_owned())
                        .await?;
                }
            }
        }
    }
}

/// The code of several arms that differ only in literals, written once: the literals chosen
/// per backend first (the last arm takes every other backend within its outer arm, or the
/// backends none names get `other`), then the code with variables in their places.
fn shared(
    arms: &[(Vec<&str>, TokenStream)],
    group: &[usize],
    other: Option<&TokenStream>,
    patterns: &dyn Fn(&[&str]) -> TokenStream,
) -> TokenStream {
    let bodies: Vec<&TokenStream> = group.iter().map(|&i| &arms[i].1).collect();
    let places = crate::arms::shareable(&bodies).unwrap_or_default();
    let names = crate::arms::variable_names(bodies[0], &places);
    let mut choices = TokenStream::new();
    for (k, &i) in group.iter().enumerate() {
        let lits = crate::arms::literals_at(&arms[i].1, &places);
        let value = match lits.as_slice() {
            [one] => quote!(#one),
            many => quote!((#(#many),*)),
        };
        let pats = if other.is_none() && k + 1 == group.len() {
            quote!(_)
        } else {
            patterns(&arms[i].0)
        };
        choices.extend(quote! { #pats => #value, });
    }
    if let Some(other) = other {
        choices.extend(quote! { _ => #other, });
    }
    let binding = match names.as_slice() {
        [one] => quote!(#one),
        many => quote!((#(#many),*)),
    };
    let body = crate::arms::with_variables(bodies[0], &places, &names);
    quote! {
        let #binding = match manager.get_database_backend() {
            #choices
        };
        #body
    }
}

/// A table or type name: bare, or `(schema, name)`.
fn name(n: &Name) -> TokenStream {
    let t = &n.name;
    match &n.schema {
        Some(s) => quote!((#s, #t)),
        None => quote!(#t),
    }
}

/// `Table::create()` with columns, keys, uniques, checks and foreign keys.
fn create_table(t: &CreateTable) -> TokenStream {
    let table = name(&t.table);
    let mut out = quote! { Table::create().table(#table) };
    for c in &t.columns {
        let col = column_def(c);
        out.extend(quote! { .col(#col) });
    }
    if let Some((n, cols)) = &t.primary_key {
        let n = n.as_ref().map(|n| quote!(.name(#n)));
        out.extend(quote! { .primary_key(Index::create() #n #(.col(#cols))*) });
    }
    for (n, cols, nnd) in &t.uniques {
        let n = n.as_ref().map(|n| quote!(.name(#n)));
        let nnd = nnd.then(|| quote!(.nulls_not_distinct()));
        out.extend(quote! { .index(Index::create().unique() #nnd #n #(.col(#cols))*) });
    }
    for (n, e) in &t.checks {
        out.extend(match n {
            Some(n) => quote! { .check((#n, Expr::cust(#e))) },
            None => quote! { .check(Expr::cust(#e)) },
        });
    }
    for fk in &t.foreign_keys {
        let stmt = foreign_key(fk);
        out.extend(quote! { .foreign_key(#stmt) });
    }
    out.extend(quote! { .to_owned() });
    out
}

/// `ColumnDef::new(..)` with SeaORM's type call, NOT NULL, default, key, auto-increment,
/// extra, generation and comment.
fn column_def(c: &ColumnSpec) -> TokenStream {
    let n = &c.name;
    let mut out = match type_call(&c.ty) {
        Some(ty) => quote! { ColumnDef::new(#n) #ty },
        None => {
            let ct = column_type(&c.ty);
            quote! { ColumnDef::new_with_type(#n, #ct) }
        }
    };
    if c.not_null {
        out.extend(quote!(.not_null()));
    }
    if let Some(d) = &c.default {
        let d = default(d);
        out.extend(quote!(.default(#d)));
    }
    if c.primary_key {
        out.extend(quote!(.primary_key()));
    }
    if c.auto_increment {
        out.extend(quote!(.auto_increment()));
    }
    if let Some(e) = &c.extra {
        out.extend(quote!(.extra(#e)));
    }
    if let Some((g, stored)) = &c.generated {
        out.extend(quote!(.generated(Expr::cust(#g), #stored)));
    }
    if let Some(text) = &c.comment {
        out.extend(quote!(.comment(#text)));
    }
    out
}

/// SeaORM's builder call for a column type (`.big_integer()`, `.string_len(45)`), where it
/// has one.
fn type_call(t: &LogicalType) -> Option<TokenStream> {
    use LogicalType as L;
    Some(match t {
        L::Char(None) => quote!(.char()),
        L::Char(Some(n)) => quote!(.char_len(#n)),
        L::String(None) => quote!(.string()),
        L::String(Some(n)) => quote!(.string_len(#n)),
        L::Text => quote!(.text()),
        L::TinyInteger => quote!(.tiny_integer()),
        L::SmallInteger => quote!(.small_integer()),
        L::Integer => quote!(.integer()),
        L::BigInteger => quote!(.big_integer()),
        L::TinyUnsigned => quote!(.tiny_unsigned()),
        L::SmallUnsigned => quote!(.small_unsigned()),
        L::Unsigned => quote!(.unsigned()),
        L::BigUnsigned => quote!(.big_unsigned()),
        L::Float => quote!(.float()),
        L::Double => quote!(.double()),
        L::Decimal(None) => quote!(.decimal()),
        L::Decimal(Some((p, s))) => quote!(.decimal_len(#p, #s)),
        L::Money(None) => quote!(.money()),
        L::Money(Some((p, s))) => quote!(.money_len(#p, #s)),
        L::DateTime => quote!(.date_time()),
        L::Timestamp => quote!(.timestamp()),
        L::TimestampWithTimeZone => quote!(.timestamp_with_time_zone()),
        L::Time => quote!(.time()),
        L::Date => quote!(.date()),
        L::Year => quote!(.year()),
        L::Interval => quote!(.interval(None, None)),
        L::Binary(n) => quote!(.binary_len(#n)),
        L::VarBinary(Some(n)) => quote!(.var_binary(#n)),
        L::Blob => quote!(.blob()),
        L::Bit(None) => quote!(.bit(None)),
        L::Bit(Some(n)) => quote!(.bit(Some(#n))),
        L::VarBit(n) => quote!(.varbit(#n)),
        L::Boolean => quote!(.boolean()),
        L::Json => quote!(.json()),
        L::JsonBinary => quote!(.json_binary()),
        L::Uuid => quote!(.uuid()),
        L::Cidr => quote!(.cidr()),
        L::Inet => quote!(.inet()),
        L::MacAddr => quote!(.mac_address()),
        L::LTree => quote!(.ltree()),
        L::Vector(None) => quote!(.vector(None)),
        L::Vector(Some(n)) => quote!(.vector(Some(#n))),
        L::Custom(text) => quote!(.custom(#text)),
        L::Enum { name, variants } => quote!(.enumeration(#name, [#(#variants),*])),
        L::Array(inner) => {
            let inner = column_type(inner);
            quote!(.array(#inner))
        }
        L::VarBinary(None) => return None,
    })
}

/// A `ColumnType` value, for array elements and types without a builder call of their own.
fn column_type(t: &LogicalType) -> TokenStream {
    use LogicalType as L;
    let len = |n: &Option<u32>| match n {
        Some(n) => quote!(StringLen::N(#n)),
        None => quote!(StringLen::None),
    };
    let opt = |n: &Option<u32>| match n {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    };
    let pair = |p: &Option<(u32, u32)>| match p {
        Some((a, b)) => quote!(Some((#a, #b))),
        None => quote!(None),
    };
    match t {
        L::Char(n) => {
            let n = opt(n);
            quote!(ColumnType::Char(#n))
        }
        L::String(n) => {
            let n = len(n);
            quote!(ColumnType::String(#n))
        }
        L::VarBinary(n) => {
            let n = len(n);
            quote!(ColumnType::VarBinary(#n))
        }
        L::Decimal(p) => {
            let p = pair(p);
            quote!(ColumnType::Decimal(#p))
        }
        L::Money(p) => {
            let p = pair(p);
            quote!(ColumnType::Money(#p))
        }
        L::Bit(n) => {
            let n = opt(n);
            quote!(ColumnType::Bit(#n))
        }
        L::Vector(n) => {
            let n = opt(n);
            quote!(ColumnType::Vector(#n))
        }
        L::Binary(n) => quote!(ColumnType::Binary(#n)),
        L::VarBit(n) => quote!(ColumnType::VarBit(#n)),
        L::Interval => quote!(ColumnType::Interval(None, None)),
        L::Custom(text) => quote!(ColumnType::custom(#text)),
        L::Enum { name, variants } => quote! {
            ColumnType::Enum {
                name: #name.into_iden(),
                variants: vec![#(#variants.into_iden()),*],
            }
        },
        L::Array(inner) => {
            let inner = column_type(inner);
            quote!(ColumnType::Array(RcOrArc::new(#inner)))
        }
        unit => {
            let name = format!("{unit:?}");
            let ident = proc_macro2::Ident::new(&name, proc_macro2::Span::call_site());
            quote!(ColumnType::#ident)
        }
    }
}

/// A default as SeaORM's builder takes it: a value, or an expression written as it is.
fn default(d: &LogicalDefault) -> TokenStream {
    match d {
        LogicalDefault::Str(s) => quote!(#s),
        LogicalDefault::Int(i) => match i64::try_from(*i) {
            Ok(i) if i32::try_from(i).is_ok() => {
                let lit = Literal::i64_unsuffixed(i);
                quote!(#lit)
            }
            Ok(i) => {
                let lit = Literal::i64_suffixed(i);
                quote!(#lit)
            }
            Err(_) => {
                let text = i.to_string();
                quote!(Expr::custom_keyword(#text))
            }
        },
        LogicalDefault::Bool(b) => quote!(#b),
        LogicalDefault::Float(text) | LogicalDefault::Keyword(text) => {
            quote!(Expr::custom_keyword(#text))
        }
        LogicalDefault::Sql(text) => quote!(Expr::cust(#text)),
    }
}

fn foreign_key(fk: &ForeignKeySpec) -> TokenStream {
    let n = fk.name.as_ref().map(|n| quote!(.name(#n)));
    let from = name(&fk.from);
    let to = name(&fk.to);
    let cols = &fk.columns;
    let ref_cols = &fk.referenced;
    let mut out = quote! {
        ForeignKey::create() #n .from_tbl(#from) #(.from_col(#cols))* .to_tbl(#to) #(.to_col(#ref_cols))*
    };
    if let Some(a) = fk.on_update {
        let a = action(a);
        out.extend(quote!(.on_update(ForeignKeyAction::#a)));
    }
    if let Some(a) = fk.on_delete {
        let a = action(a);
        out.extend(quote!(.on_delete(ForeignKeyAction::#a)));
    }
    out
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

/// One statement run as text.
fn execute(statement: &str) -> TokenStream {
    let lit = raw_literal(statement);
    quote! { db.execute_unprepared(#lit).await?; }
}

/// SQLite batch mode: the rebuild's statements, run by the file's `sqlite_rebuild` (keys off
/// outside the transaction, the statements in one, keys on), one line each.
fn sqlite_rebuild(statements: &[String]) -> TokenStream {
    let inner: Vec<Literal> = statements
        .iter()
        .filter(|s| !s.starts_with("PRAGMA foreign_keys"))
        .map(|s| raw_literal(s))
        .collect();
    quote! {
        sqlite_rebuild(manager, &[#(#inner),*]).await?;
    }
}

/// Whether running `theirs` on backend `d` runs the SQL `mine` was planned to run there: the
/// same statements, or the same but for what sea-query leaves out on `d` (a foreign key's
/// name inside `CREATE TABLE` on SQLite). Sharing the code keeps long migrations small.
fn renders_alike(theirs: &[Statement], mine: &[Statement], d: Dialect) -> bool {
    theirs == mine || (d == Dialect::Sqlite && unnamed_keys(theirs) == unnamed_keys(mine))
}

/// The statements with the foreign keys of each `CREATE TABLE` unnamed.
fn unnamed_keys(stmts: &[Statement]) -> Vec<Statement> {
    stmts
        .iter()
        .map(|s| match s {
            Statement::Schema(schema) => match schema.as_ref() {
                sealift_diff::SchemaStatement::CreateTable(ct) => {
                    let mut ct = ct.clone();
                    for fk in &mut ct.foreign_keys {
                        fk.name = None;
                    }
                    Statement::Schema(Box::new(sealift_diff::SchemaStatement::CreateTable(ct)))
                }
                _ => s.clone(),
            },
            _ => s.clone(),
        })
        .collect()
}

/// A raw string literal, `r#"..."#` with enough hashes, so SQL reads as written; an escaped
/// one when the text holds what a raw string cannot (a carriage return) or what rustc rejects
/// unescaped (bidirectional-text controls) or other control characters.
pub(crate) fn raw_literal(text: &str) -> Literal {
    if text.chars().any(needs_escape) {
        return Literal::string(text);
    }
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_calls_are_seaorms_own() {
        let call = |t: LogicalType| type_call(&t).unwrap().to_string();
        assert_eq!(call(LogicalType::BigInteger), ". big_integer ()");
        assert_eq!(call(LogicalType::String(Some(45))), ". string_len (45u32)");
        assert_eq!(
            call(LogicalType::Decimal(Some((10, 2)))),
            ". decimal_len (10u32 , 2u32)"
        );
        assert_eq!(call(LogicalType::JsonBinary), ". json_binary ()");
        assert_eq!(
            call(LogicalType::Array(Box::new(LogicalType::Text))),
            ". array (ColumnType :: Text)"
        );
    }

    #[test]
    fn a_long_plan_is_written_as_functions_of_ten_steps() {
        use sealift_ir::{Column, DataType, Namespace, Schema, Table};
        let mut ns = Namespace::new("public");
        for i in 0..23 {
            let mut t = Table::new(format!("t{i:02}"));
            t.columns.push(Column::new("id", DataType::builtin("int4")));
            ns.tables.insert(t.name.clone(), t);
        }
        let mut desired = Schema::new(Dialect::Postgres);
        desired.namespaces.insert("public".into(), ns);
        let mut empty = Schema::new(Dialect::Postgres);
        empty
            .namespaces
            .insert("public".into(), Namespace::new("public"));
        let plan = sealift_diff::diff(
            &desired,
            &empty,
            &sealift_diff::DiffOptions::new(Dialect::Postgres),
        );
        assert_eq!(plan.up.len(), 23);
        let file = migration_file(&plan, &MigrationOptions::default());
        syn::parse_file(&file).expect("the file parses");
        for f in ["up_1", "up_2", "up_3", "down_1", "down_2", "down_3"] {
            assert!(
                file.contains(&format!("async fn {f}(manager: &SchemaManager<'_>)")),
                "{f}\n{file}"
            );
        }
        assert!(
            file.contains("up_1(manager).await?;\n        up_2(manager).await?;"),
            "{file}"
        );
        // No function holds more than ten steps, and every step is written once.
        for part in file.split("async fn ").skip(1) {
            let steps = part
                .lines()
                .filter(|l| l.trim_start().starts_with("// "))
                .count();
            assert!(steps <= 10, "{part}");
        }
        assert_eq!(file.matches("// 23. ").count(), 2, "{file}");
    }

    #[test]
    fn comments_cannot_end_early() {
        assert_eq!(comment_text("a\n#[x] fn f() {}\r"), "a\\n#[x] fn f() {}\\r");
        assert_eq!(comment_text("tab\tok \u{202E}"), "tab\tok \\u{202e}");
    }

    #[test]
    fn raw_literals_pick_enough_hashes() {
        assert_eq!(raw_literal("a").to_string(), "r\"a\"");
        assert_eq!(raw_literal("\"a\"").to_string(), "r#\"\"a\"\"#");
        assert_eq!(raw_literal("a\rb").to_string(), "\"a\\rb\"");
        assert_eq!(raw_literal("\u{202E}").to_string(), "\"\\u{202e}\"");
    }
}
