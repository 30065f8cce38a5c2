//! The statements of each change, per backend: what `--sql` prints and what the migration file
//! runs (the file writes the same [`Statement`] values as Rust, in `sealift-codegen`).
//!
//! A plan is made against one database (its dialect spells the plan's types and defaults); its
//! migration runs on any backend SeaORM supports. So every change is turned into statements for
//! a [`Target`]: the backend that runs them, the plan's dialect, and the namespace the
//! connection is set to. Columns are written with SeaORM's logical types (`.big_integer()`), so
//! sea-query spells them for the backend; a column known only from a catalog maps back to the
//! closest logical type of its dialect. What a backend has no use for is [`Statement::Nothing`]
//! with the reason; what cannot run there as planned is [`Statement::Unsupported`], which the
//! migration returns as an error, never a silent no-op.
//!
//! Statements sea-query can build (tables, columns, indexes, foreign keys, PostgreSQL types)
//! are [`SchemaStatement`] values; text is written here only where sea-query has no statement:
//! `ALTER COLUMN ... TYPE ... USING`, `ADD`/`DROP CONSTRAINT` for keys and checks, comments,
//! renaming an enum type, indexes with expressions, operator classes, collations or NULLS
//! order, and deferrable foreign keys.
//!
//! SQLite changes that cannot be made in place arrive here as `TableOp::Rebuild` and are
//! rendered as the batch-mode sequence (`rebuild.rs`): create the new table, copy the rows,
//! drop the old one, rename, recreate its indexes and triggers. On the other backends the same
//! step runs the plain changes it stands for.

use sealift_dialect::postgres as pg;
use sealift_ir::{
    Check, Column, Deferrable, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey, Table,
};

mod rebuild;

use crate::change::{Change, Part, TableOp};
use crate::dialect::{Target, backend, column_spec, needs_rebuild, quote};
use crate::statement::{CreateTable, ForeignKeySpec, IndexSpec, SchemaStatement, Statement};

/// The statements of one change on the target's backend.
pub fn statements(c: &Change, t: &Target) -> Vec<Statement> {
    built(c, t)
        .into_iter()
        .map(|s| s.spelled_for(t.backend, |name| t.quote(name)))
        .collect()
}

fn built(c: &Change, t: &Target) -> Vec<Statement> {
    let d = t.backend;
    let q = |s: &str| t.quote(s);
    let sql = |s: String| Statement::Sql(s);
    let sea = |s: SchemaStatement| Statement::Schema(Box::new(s));
    if let Err(what) = backend(d).in_place(c) {
        return vec![needs_rebuild(what)];
    }
    match c {
        Change::Enum { .. } => backend(d).enum_change(c, t),
        Change::Table {
            op: TableOp::Create { def: table },
            ..
        }
        | Change::Table {
            op: TableOp::Drop { def: table },
            ..
        } if table.columns.is_empty() => match backend(d).no_columns() {
            Some(why) => vec![Statement::Nothing(why.to_owned())],
            None if matches!(
                c,
                Change::Table {
                    op: TableOp::Create { .. },
                    ..
                }
            ) =>
            {
                vec![sql(format!(
                    "CREATE TABLE {} ()",
                    t.table_ref(c.subject().0, &table.name)
                ))]
            }
            None => vec![sea(SchemaStatement::DropTable(
                t.name(c.subject().0, &table.name),
            ))],
        },
        Change::Table {
            schema,
            op: TableOp::Create { def: table },
            ..
        } => create_table(schema, table, t, &table.name),
        Change::Table {
            schema,
            op: TableOp::Drop { def: table },
            ..
        } => vec![sea(SchemaStatement::DropTable(t.name(schema, &table.name)))],
        // The new name stays unqualified: a table is renamed within its schema.
        Change::Table {
            schema,
            table: to,
            op: TableOp::Rename { from },
        } => vec![sea(SchemaStatement::RenameTable {
            table: t.name(schema, from),
            to: to.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Column(column),
            },
        } => {
            let mut out = vec![sea(SchemaStatement::AddColumn {
                table: t.name(schema, table),
                column: column_spec(column, t, false),
            })];
            out.extend(backend(d).column_comment(schema, table, column, t));
            out
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Column(column),
            },
        } => vec![sea(SchemaStatement::DropColumn {
            table: t.name(schema, table),
            column: column.name.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::RenameColumn { from, to },
        } => vec![sea(SchemaStatement::RenameColumn {
            table: t.name(schema, table),
            from: from.clone(),
            to: to.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::AlterColumn { from, to },
        } => match inline_enum_elsewhere(table, from, to, t) {
            Some(refused) => vec![refused],
            None => backend(d).alter_column(schema, table, from, to, t),
        },
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::PrimaryKey(key),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}PRIMARY KEY ({})",
            t.table_ref(schema, table),
            constraint_name(
                &t.given_name(
                    key.name.as_deref(),
                    |b| b.default_primary_key_name(table),
                    backend(d).names_primary_keys()
                ),
                d
            ),
            idents(&key.columns, d)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::PrimaryKey(key),
            },
        } => vec![sql(backend(d).drop_primary_key(
            &t.table_ref(schema, table),
            &t.name_on_server(key.name.as_deref(), |b| b.default_primary_key_name(table))
                .unwrap_or_else(|| pg::object_name(table, None, "pkey")),
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Unique(unique),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}UNIQUE {}({})",
            t.table_ref(schema, table),
            constraint_name(
                &t.given_name(
                    unique.name.as_deref(),
                    |b| b.default_unique_name(table, &unique.columns),
                    true
                ),
                d
            ),
            if unique.nulls_not_distinct && t.features().nulls_not_distinct {
                "NULLS NOT DISTINCT "
            } else {
                ""
            },
            idents(&unique.columns, d)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Unique(unique),
            },
        } => vec![sql(backend(d).drop_unique(
            &t.table_ref(schema, table),
            &t.name_on_server(unique.name.as_deref(), |b| {
                b.default_unique_name(table, &unique.columns)
            })
            .unwrap_or_else(|| pg::object_name(table, Some(&unique.columns.join("_")), "key")),
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Index(index),
            },
        } => vec![create_index(schema, table, index, t)],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Index(index),
            },
        } => vec![sea(SchemaStatement::DropIndex {
            table: t.name(schema, table),
            name: index.name.clone(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
        } if inline_foreign_key(fk, d) => {
            vec![sea(SchemaStatement::CreateForeignKey(foreign_key_spec(
                schema, table, fk, t,
            )))]
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} ADD {}",
            t.table_ref(schema, table),
            foreign_key_text(schema, table, fk, t)
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::ForeignKey(fk),
            },
        } => vec![sea(SchemaStatement::DropForeignKey {
            table: t.name(schema, table),
            name: fk_name(table, fk, d).unwrap_or_default(),
        })],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Check(check),
            },
        } => vec![sql(check_text(schema, table, check, t))],
        Change::Table {
            schema,
            table,
            op: TableOp::Remove {
                part: Part::Check(check),
            },
        } => vec![sql(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            t.table_ref(schema, table),
            q(&check
                .name
                .clone()
                .unwrap_or_else(|| pg_check_name(table, &check.expression)))
        ))],
        Change::Table {
            schema,
            table,
            op: TableOp::SetComment { to, .. },
            ..
        } => backend(d).table_comment(schema, table, to.as_deref(), t),
        Change::Table {
            schema,
            op: TableOp::Rebuild {
                from, to, fills, ..
            },
            ..
        } if t.features().rebuilds_tables => rebuild::statements(schema, from, to, fills, t),
        // A backend that alters in place runs the changes the rebuild stands for.
        // A column the rebuild fills is filled here too, then made NOT NULL.
        Change::Table {
            op: TableOp::Rebuild { changes, fills, .. },
            ..
        } => changes
            .iter()
            .flat_map(|c| {
                let column = match c.table_op() {
                    Some(TableOp::Add {
                        part: Part::Column(col),
                    }) => Some(&col.name),
                    Some(TableOp::AlterColumn { to, .. }) => Some(&to.name),
                    _ => None,
                };
                match fills.iter().find(|f| Some(&f.column) == column) {
                    Some(fill) => crate::backfill::filled(c, fill, crate::plan::Run::Plain, t),
                    None => statements(c, t),
                }
            })
            .collect(),
    }
}

/// True when a foreign key can be written inside `CREATE TABLE` (sea-query's builder): not
/// when it is deferrable or `NOT VALID` on a backend that has those, which only `ALTER TABLE`
/// can say.
pub(crate) fn inline_foreign_key(fk: &ForeignKey, d: Dialect) -> bool {
    let f = backend(d).features();
    !(f.deferrable && fk.deferrable != Deferrable::No || f.not_valid && fk.not_valid)
}

/// True when a check can be written inside `CREATE TABLE`: not a `NOT VALID` one.
pub(crate) fn inline_check(c: &Check, d: Dialect) -> bool {
    !(backend(d).features().not_valid && c.not_valid)
}

/// `ALTER TABLE .. ADD [CONSTRAINT ..] CHECK (..) [NOT VALID]`. A check without a name gets
/// PostgreSQL's, the name dropping it uses, where the server would give it a name of its own
/// (MariaDB `CONSTRAINT_1`, MySQL `{table}_chk_1`) that a down could not know.
fn check_text(schema: &str, table: &str, c: &Check, t: &Target) -> String {
    let name = c
        .name
        .clone()
        .or_else(|| (!t.features().names_unnamed).then(|| pg_check_name(table, &c.expression)));
    format!(
        "ALTER TABLE {} ADD {}CHECK ({}){}",
        t.table_ref(schema, table),
        constraint_name(&name, t.backend),
        t.expression(&c.expression),
        if c.not_valid && t.features().not_valid {
            " NOT VALID"
        } else {
            ""
        }
    )
}

/// `CREATE TABLE` and what follows it: constraints sea-query cannot state inline, indexes,
/// triggers, comments. `named_for` is the table its key's default name comes from (a rebuild
/// creates the table under a temporary name).
pub(crate) fn create_table(
    schema: &str,
    table: &Table,
    t: &Target,
    named_for: &str,
) -> Vec<Statement> {
    let d = t.backend;
    if table.columns.is_empty() {
        // sea-query writes no parentheses for a table without columns; PostgreSQL wants `()`.
        return vec![Statement::Sql(format!(
            "CREATE TABLE {} ()",
            t.table_ref(schema, &table.name)
        ))];
    }
    let inline_pk = inline_primary_key(table, named_for);
    let mut stmt = CreateTable {
        table: t.name(schema, &table.name),
        columns: table
            .columns
            .iter()
            .map(|c| column_spec(c, t, inline_pk.as_deref() == Some(&c.name)))
            .collect(),
        primary_key: table
            .primary_key
            .as_ref()
            .filter(|_| inline_pk.is_none())
            .map(|pk| {
                // PostgreSQL's default name is no name elsewhere.
                let name = pk
                    .name
                    .clone()
                    .filter(|n| !t.foreign_pg_name(n, &pg::object_name(named_for, None, "pkey")));
                (name, pk.columns.clone())
            }),
        uniques: table
            .uniques
            .iter()
            .map(|u| {
                // PostgreSQL's default name is no name elsewhere.
                let default = || pg::object_name(named_for, Some(&u.columns.join("_")), "key");
                (
                    u.name.clone().filter(|n| !t.foreign_pg_name(n, &default())),
                    u.columns.clone(),
                    u.nulls_not_distinct && t.features().nulls_not_distinct,
                )
            })
            .collect(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
    };
    let mut after = Vec::new();
    for c in &table.checks {
        if inline_check(c, d) {
            // PostgreSQL's default name is no name elsewhere.
            let name = c
                .name
                .clone()
                .filter(|n| !t.foreign_pg_name(n, &pg_check_name(named_for, &c.expression)));
            stmt.checks.push((name, t.expression(&c.expression)));
        } else {
            after.push(Statement::Sql(check_text(schema, &table.name, c, t)));
        }
    }
    for fk in &table.foreign_keys {
        if inline_foreign_key(fk, d) {
            stmt.foreign_keys
                .push(foreign_key_spec(schema, &table.name, fk, t));
        } else {
            // sea-query cannot say DEFERRABLE or NOT VALID: add the key right after the table.
            after.push(Statement::Sql(format!(
                "ALTER TABLE {} ADD {}",
                t.table_ref(schema, &table.name),
                foreign_key_text(schema, &table.name, fk, t)
            )));
        }
    }
    let mut out = vec![Statement::Schema(Box::new(SchemaStatement::CreateTable(
        stmt,
    )))];
    out.extend(after);
    for i in &table.indexes {
        // The index the server makes for a foreign key written inside CREATE TABLE exists
        // once the table does; one the plan's server made for a key (InnoDB) is not wanted
        // on a backend that makes none.
        let implied = table
            .foreign_keys
            .iter()
            .any(|fk| inline_foreign_key(fk, d) && backend(d).index_for_foreign_key(fk, i));
        if !implied && !foreign_key_index_elsewhere(table, i, t) {
            out.push(create_index(schema, &table.name, i, t));
        }
    }
    for tr in &table.triggers {
        out.push(if t.native_backend() {
            Statement::Sql(tr.definition.clone())
        } else {
            Statement::Unsupported(format!(
                "trigger `{}` is written in {}'s SQL; create it by hand on this backend",
                tr.name, t.plan
            ))
        });
    }
    out.extend(backend(d).comments_after_create(schema, table, t));
    out
}

/// A change of the values of an enum a plan made on MySQL keeps in the column's type
/// (`enum('a','b')`), on a backend where enums are types of their own: the column's type is
/// not where the values live there, and changing it would change nothing. The step refuses.
fn inline_enum_elsewhere(table: &str, from: &Column, to: &Column, t: &Target) -> Option<Statement> {
    let inline = |c: &Column| c.data_type.name.starts_with("enum(");
    (t.away()
        && !backend(t.plan).features().enum_types
        && t.features().enum_types
        && from.data_type != to.data_type
        && (inline(from) || inline(to)))
    .then(|| {
        Statement::Unsupported(format!(
            "the values of enum column {table}.{} change in this migration, made against {}, where they live in the column's type; on {} they belong to an enum type of their own: regenerate the migration with `sealift autogen` against {}",
            to.name,
            t.plan.product(),
            t.backend.product(),
            t.backend.product()
        ))
    })
}

/// True for an index the plan's server made by itself for one of the table's foreign keys
/// (InnoDB's), when the plan runs on a backend that makes none: not wanted there.
pub(crate) fn foreign_key_index_elsewhere(table: &Table, i: &Index, t: &Target) -> bool {
    t.away()
        && table
            .foreign_keys
            .iter()
            .any(|fk| backend(t.plan).index_for_foreign_key(fk, i))
}

/// The column whose definition says `PRIMARY KEY`, as SeaORM writes an auto-increment key: a
/// one-column key on an auto-increment column, named as every backend names it by default.
/// SQLite needs it so (`AUTOINCREMENT` only follows `PRIMARY KEY`), and the others make the
/// same key from it.
fn inline_primary_key(table: &Table, named_for: &str) -> Option<String> {
    let pk = table.primary_key.as_ref()?;
    let [col] = pk.columns.as_slice() else {
        return None;
    };
    let column = table.column(col)?;
    let auto = matches!(
        column.identity,
        Some(Identity::AutoIncrement | Identity::ByDefault)
    );
    let default_name = pk
        .name
        .as_deref()
        .is_none_or(|n| n == "PRIMARY" || n == pg::object_name(named_for, None, "pkey"));
    (auto && default_name).then(|| col.clone())
}

/// PostgreSQL's name for a check made without one: `{table}_{column}_check`, after the first
/// column the expression names.
fn pg_check_name(table: &str, expression: &str) -> String {
    let column = crate::expr::first_identifier(expression);
    pg::object_name(table, column.as_deref(), "check")
}

/// True when sea-query's index builder says everything about `i`: plain columns, ascending or
/// descending, no method other than btree, no INCLUDE, no predicate, no NULLS NOT DISTINCT.
pub(crate) fn is_plain_index(i: &Index) -> bool {
    if i.nulls_not_distinct {
        return false;
    }
    i.parts.iter().all(|p| {
        matches!(p.key, IndexKey::Column(_))
            && p.opclass.is_none()
            && p.collation.is_none()
            && p.nulls_first.is_none()
    }) && i.method.as_deref().is_none_or(|m| m == "btree")
        && i.include.is_empty()
        && i.predicate.is_none()
}

/// An index: with sea-query when it is plain columns, as text otherwise.
pub(crate) fn create_index(schema: &str, table: &str, i: &Index, t: &Target) -> Statement {
    if i.nulls_not_distinct && !t.features().nulls_not_distinct {
        return Statement::Unsupported(format!(
            "index `{}` treats NULLs as equal (NULLS NOT DISTINCT), which {} does not have",
            i.name,
            t.backend.product()
        ));
    }
    if !is_plain_index(i) {
        return Statement::Sql(create_index_text(schema, table, i, t));
    }
    Statement::Schema(Box::new(SchemaStatement::CreateIndex {
        table: t.name(schema, table),
        index: IndexSpec {
            name: i.name.clone(),
            unique: i.unique,
            columns: i
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some((c.clone(), p.descending)),
                    IndexKey::Expression(_) => None,
                })
                .collect(),
        },
    }))
}

/// The name the server knows a key or check of `c` by (the one dropping it uses): for
/// guards that ask the catalog whether it is there.
pub(crate) fn constraint_name_on_server(c: &Change, t: &Target) -> Option<String> {
    let Change::Table { table, op, .. } = c else {
        return None;
    };
    let (TableOp::Add { part } | TableOp::Remove { part }) = op else {
        return None;
    };
    match part {
        Part::PrimaryKey(key) => Some(
            t.name_on_server(key.name.as_deref(), |b| b.default_primary_key_name(table))
                .unwrap_or_else(|| pg::object_name(table, None, "pkey")),
        ),
        Part::Unique(unique) => Some(
            t.name_on_server(unique.name.as_deref(), |b| {
                b.default_unique_name(table, &unique.columns)
            })
            .unwrap_or_else(|| pg::object_name(table, Some(&unique.columns.join("_")), "key")),
        ),
        Part::ForeignKey(fk) => fk_name(table, fk, t.backend),
        Part::Check(check) => Some(
            check
                .name
                .clone()
                .unwrap_or_else(|| pg_check_name(table, &check.expression)),
        ),
        Part::Column(_) | Part::Index(_) => None,
    }
}

/// A foreign key's name on the backend: its own, or for a key SQLite keeps unnamed, SeaORM's
/// (`fk-{table}-{columns}`), which the other backends keep.
fn fk_name(table: &str, fk: &ForeignKey, d: Dialect) -> Option<String> {
    match &fk.name {
        Some(n) => Some(n.clone()),
        None if !backend(d).features().named_foreign_keys => None,
        None => Some(format!("fk-{table}-{}", fk.columns.join("-"))),
    }
}

fn foreign_key_spec(schema: &str, table: &str, fk: &ForeignKey, t: &Target) -> ForeignKeySpec {
    let target_schema = fk.referenced_table.schema.as_deref().unwrap_or(schema);
    let action = |a: FkAction| (a != FkAction::NoAction).then_some(a);
    ForeignKeySpec {
        name: fk_name(table, fk, t.backend),
        from: t.name(schema, table),
        columns: fk.columns.clone(),
        to: t.name(target_schema, &fk.referenced_table.name),
        referenced: fk.referenced_columns.clone(),
        on_update: action(fk.on_update),
        on_delete: action(fk.on_delete),
    }
}

fn constraint_name(name: &Option<String>, d: Dialect) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote(n, d)))
        .unwrap_or_default()
}

fn idents(names: &[String], d: Dialect) -> String {
    names
        .iter()
        .map(|n| quote(n, d))
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_index_text(schema: &str, table: &str, i: &Index, t: &Target) -> String {
    let d = t.backend;
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(c, d),
                IndexKey::Expression(e) if parenthesized(e) => t.expression(e),
                IndexKey::Expression(e) => format!("({})", t.expression(e)),
            };
            if let Some(coll) = &p.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            if let Some(op) = &p.opclass {
                s.push_str(&format!(" {op}"));
            }
            if p.descending {
                s.push_str(" DESC");
            }
            match p.nulls_first {
                Some(true) => s.push_str(" NULLS FIRST"),
                Some(false) => s.push_str(" NULLS LAST"),
                None => {}
            }
            s
        })
        .collect();
    let method = match &i.method {
        Some(m) if m != "btree" && t.features().index_methods => format!(" USING {m}"),
        _ => String::new(),
    };
    let mut s = format!(
        "CREATE {}INDEX {} ON {}{method} ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote(&i.name, d),
        t.table_ref(schema, table),
        parts.join(", ")
    );
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", idents(&i.include, d)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", t.expression(p)));
    }
    s
}

/// True when the whole text is one parenthesized group: `(a * 2)`, not `(a) * (2)`.
fn parenthesized(text: &str) -> bool {
    let t = text.trim();
    if !t.starts_with('(') || !t.ends_with(')') {
        return false;
    }
    let mut depth = 0i32;
    let mut quote = None;
    for (i, ch) in t.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 && i + 1 < t.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn foreign_key_text(schema: &str, table: &str, fk: &ForeignKey, t: &Target) -> String {
    let d = t.backend;
    let target = match &fk.referenced_table.schema {
        _ if !t.features().qualified_references => quote(&fk.referenced_table.name, d),
        Some(s) => t.table_ref(s, &fk.referenced_table.name),
        None => t.table_ref(schema, &fk.referenced_table.name),
    };
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {target} ({})",
        constraint_name(&fk_name(table, fk, d), d),
        idents(&fk.columns, d),
        idents(&fk.referenced_columns, d)
    );
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.as_sql()));
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.as_sql()));
    }
    match fk.deferrable {
        Deferrable::No => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    if fk.not_valid && t.features().not_valid {
        s.push_str(" NOT VALID");
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::statement::one_item_per_line;

    #[test]
    fn expressions_are_parenthesized_once() {
        assert!(super::parenthesized("(region * 2)"));
        assert!(super::parenthesized("((a) + (b))"));
        assert!(!super::parenthesized("(a) * (b)"));
        assert!(!super::parenthesized("lower(name)"));
        assert!(super::parenthesized("(')' || a)"));
    }

    #[test]
    fn create_table_gets_one_item_per_line() {
        let sql = r#"CREATE TABLE "t" ( "a" numeric(10, 2) DEFAULT 'x, y', CHECK (a > 0) )"#;
        assert_eq!(
            one_item_per_line(sql),
            "CREATE TABLE \"t\" (\n  \"a\" numeric(10, 2) DEFAULT 'x, y',\n  CHECK (a > 0)\n)"
        );
    }
}
