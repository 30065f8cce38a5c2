//! SQL for a plan, per dialect: what `--sql` prints and what the round-trip tests run.
//!
//! Statements sea-query can build (tables, columns, indexes, foreign keys, PostgreSQL types)
//! are built with sea-query's builders and rendered by its backend for the dialect. Text is
//! written here only where sea-query has no statement: `ALTER COLUMN ... TYPE ... USING`,
//! `ADD`/`DROP CONSTRAINT` for keys and checks, comments, renaming an enum type, indexes with
//! expressions, operator classes, collations or NULLS order, and deferrable foreign keys.
//!
//! SQLite changes that cannot be made in place arrive here as `RebuildTable` and are rendered
//! as the batch-mode sequence: create the new table, copy the rows, drop the old one, rename,
//! recreate its indexes.

use sea_query::extension::postgres::Type;
use sea_query::{
    Alias, Check as SqCheck, ColumnDef, ColumnType, ConditionalStatement, Expr,
    ForeignKey as SqForeignKey, ForeignKeyAction, Index as SqIndex, IndexOrder, IndexType,
    IntoIden, IntoTableRef, MysqlQueryBuilder, PostgresQueryBuilder, SchemaStatementBuilder,
    SqliteQueryBuilder, Table as SqTable, TableRef,
};
use sealift_ir::{
    Check, Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey,
    Table, TypeKind,
};

use crate::change::{Change, EnumPosition};
use crate::plan::Step;

/// The statements of a sequence of steps.
pub fn render_steps(steps: &[Step], dialect: Dialect) -> Vec<String> {
    steps
        .iter()
        .flat_map(|s| render(&s.change, dialect))
        .collect()
}

/// The statements of one change, without trailing semicolons.
pub fn render(c: &Change, d: Dialect) -> Vec<String> {
    use Change::*;
    let q = |s: &str| quote(s, d);
    let tbl = |schema: &str, t: &str| table_ref(schema, t, d);
    match c {
        CreateEnum { schema, def } => pg_only(d, || vec![create_enum(schema, def)]),
        DropEnum { schema, def } => pg_only(d, || {
            vec![
                Type::drop()
                    .name(type_name(schema, &def.name))
                    .to_owned()
                    .to_string(PostgresQueryBuilder),
            ]
        }),
        AddEnumValue {
            schema,
            def,
            value,
            position,
            ..
        } => pg_only(d, || {
            let add = Type::alter()
                .name(type_name(schema, &def.name))
                .add_value(Alias::new(value));
            let stmt = match position {
                EnumPosition::Before(v) => add.before(Alias::new(v)),
                EnumPosition::After(v) => add.after(Alias::new(v)),
            };
            vec![stmt.to_string(PostgresQueryBuilder)]
        }),
        ReplaceEnum {
            schema,
            from,
            to,
            columns,
        } => pg_only(d, || {
            let ty = table_ref(schema, &to.name, d);
            let old_name = old_type_name(&from.name);
            let mut out = vec![
                format!(
                    "ALTER TYPE {} RENAME TO {}",
                    table_ref(schema, &from.name, d),
                    q(&old_name)
                ),
                create_enum(schema, to),
            ];
            // A default names the type: it goes before the re-cast and comes back after it,
            // spelled as before, which now names the new type.
            for col in columns.iter().filter(|c| c.default.is_some()) {
                out.push(format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                    tbl(&col.schema, &col.table),
                    q(&col.column)
                ));
            }
            for col in columns {
                let dims = "[]".repeat(col.array_dims as usize);
                out.push(format!(
                    "ALTER TABLE {} ALTER COLUMN {c} TYPE {ty}{dims} USING {c}::text{dims}::{ty}{dims}",
                    tbl(&col.schema, &col.table),
                    c = q(&col.column)
                ));
            }
            for col in columns {
                if let Some(default) = &col.default {
                    out.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default}",
                        tbl(&col.schema, &col.table),
                        q(&col.column)
                    ));
                }
            }
            out.push(
                Type::drop()
                    .name(type_name(schema, &old_name))
                    .to_owned()
                    .to_string(PostgresQueryBuilder),
            );
            out
        }),
        CreateTable { schema, table } => create_table(schema, table, d),
        DropTable { schema, table } => vec![build(
            SqTable::drop().table(sq_table(schema, &table.name, d)),
            d,
        )],
        // The new name stays unqualified: a table is renamed within its schema.
        RenameTable { schema, from, to } => {
            vec![build(
                SqTable::rename().table(sq_table(schema, from, d), Alias::new(to)),
                d,
            )]
        }
        AddColumn {
            schema,
            table,
            column,
        } => {
            let mut def = sq_column(column, d, false);
            let mut out = vec![build(
                SqTable::alter()
                    .table(sq_table(schema, table, d))
                    .add_column(&mut def),
                d,
            )];
            out.extend(column_comment(schema, table, column, d));
            out
        }
        DropColumn {
            schema,
            table,
            column,
        } => {
            vec![build(
                SqTable::alter()
                    .table(sq_table(schema, table, d))
                    .drop_column(Alias::new(&column.name)),
                d,
            )]
        }
        RenameColumn {
            schema,
            table,
            from,
            to,
        } => vec![build(
            SqTable::alter()
                .table(sq_table(schema, table, d))
                .rename_column(Alias::new(from), Alias::new(to)),
            d,
        )],
        AlterColumn {
            schema,
            table,
            from,
            to,
        } => alter_column(schema, table, from, to, d),
        AddPrimaryKey { schema, table, key } => vec![format!(
            "ALTER TABLE {} ADD {}PRIMARY KEY ({})",
            tbl(schema, table),
            constraint_name(&key.name, d),
            idents(&key.columns, d)
        )],
        DropPrimaryKey { schema, table, key } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            tbl(schema, table),
            q(key.name.as_deref().unwrap_or_default())
        )],
        AddUnique {
            schema,
            table,
            unique,
        } => vec![format!(
            "ALTER TABLE {} ADD {}UNIQUE {}({})",
            tbl(schema, table),
            constraint_name(&unique.name, d),
            if unique.nulls_not_distinct {
                "NULLS NOT DISTINCT "
            } else {
                ""
            },
            idents(&unique.columns, d)
        )],
        DropUnique {
            schema,
            table,
            unique,
        } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            tbl(schema, table),
            q(unique.name.as_deref().unwrap_or_default())
        )],
        AddIndex {
            schema,
            table,
            index,
        } => vec![create_index(schema, table, index, d)],
        DropIndex {
            schema,
            table,
            index,
        } => {
            vec![build(
                SqIndex::drop()
                    .name(&index.name)
                    .table(sq_table(schema, table, d)),
                d,
            )]
        }
        AddForeignKey { schema, table, fk } if fk.deferrable == Deferrable::No && !fk.not_valid => {
            vec![build(&sq_foreign_key(schema, table, fk, d), d)]
        }
        AddForeignKey { schema, table, fk } => {
            vec![format!(
                "ALTER TABLE {} ADD {}",
                tbl(schema, table),
                foreign_key_text(schema, fk, d)
            )]
        }
        DropForeignKey { schema, table, fk } => vec![build(
            SqForeignKey::drop()
                .name(fk.name.as_deref().unwrap_or_default())
                .table(sq_table(schema, table, d)),
            d,
        )],
        AddCheck {
            schema,
            table,
            check,
        } => vec![check_text(schema, table, check, d)],
        DropCheck {
            schema,
            table,
            check,
        } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            tbl(schema, table),
            q(check.name.as_deref().unwrap_or_default())
        )],
        SetTableComment {
            schema, table, to, ..
        } => match d {
            Dialect::Postgres => vec![format!(
                "COMMENT ON TABLE {} IS {}",
                tbl(schema, table),
                comment_literal(to)
            )],
            Dialect::Mysql => vec![format!(
                "ALTER TABLE {} COMMENT = {}",
                tbl(schema, table),
                literal(to.as_deref().unwrap_or(""))
            )],
            Dialect::Sqlite => Vec::new(),
        },
        RebuildTable { schema, from, to } => rebuild(schema, from, to, d),
    }
}

/// The name an enum type has while it is replaced: `{name}_old`, short enough that
/// PostgreSQL keeps it whole (cut at 63 bytes it could be the name itself again).
fn old_type_name(name: &str) -> String {
    let mut end = name.len().min(59);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_old", &name[..end])
}

/// `CREATE TYPE .. AS ENUM (..)`; sea-query leaves out the parentheses of an enum with no
/// labels, which PostgreSQL allows and needs them for.
fn create_enum(schema: &str, def: &sealift_ir::Enum) -> String {
    if def.values.is_empty() {
        return format!(
            "CREATE TYPE {} AS ENUM ()",
            table_ref(schema, &def.name, Dialect::Postgres)
        );
    }
    Type::create()
        .as_enum(type_name(schema, &def.name))
        .values(def.values.iter().map(Alias::new).collect::<Vec<_>>())
        .to_owned()
        .to_string(PostgresQueryBuilder)
}

fn pg_only(d: Dialect, f: impl FnOnce() -> Vec<String>) -> Vec<String> {
    if d == Dialect::Postgres {
        f()
    } else {
        Vec::new()
    }
}

/// Renders a sea-query schema statement with the dialect's backend.
fn build(stmt: &impl SchemaStatementBuilder, d: Dialect) -> String {
    match d {
        Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
        Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Dialect::Mysql => stmt.to_string(MysqlQueryBuilder),
    }
}

/// A table reference for sea-query: qualified unless the namespace is implicit.
fn sq_table(schema: &str, name: &str, d: Dialect) -> TableRef {
    if implicit_schema(schema, d) {
        Alias::new(name).into_table_ref()
    } else {
        (Alias::new(schema), Alias::new(name)).into_table_ref()
    }
}

fn type_name(schema: &str, name: &str) -> (Alias, Alias) {
    (Alias::new(schema), Alias::new(name))
}

/// True when a foreign key can be written inside `CREATE TABLE` (sea-query's builder): not on
/// PostgreSQL when it is deferrable or `NOT VALID`, which only `ALTER TABLE` can say.
pub fn inline_foreign_key(fk: &ForeignKey, d: Dialect) -> bool {
    d != Dialect::Postgres || (fk.deferrable == Deferrable::No && !fk.not_valid)
}

/// True when a check can be written inside `CREATE TABLE`: not a PostgreSQL `NOT VALID` one.
pub fn inline_check(c: &Check, d: Dialect) -> bool {
    d != Dialect::Postgres || !c.not_valid
}

/// `ALTER TABLE .. ADD [CONSTRAINT ..] CHECK (..) [NOT VALID]`.
fn check_text(schema: &str, table: &str, c: &Check, d: Dialect) -> String {
    format!(
        "ALTER TABLE {} ADD {}CHECK ({}){}",
        table_ref(schema, table, d),
        constraint_name(&c.name, d),
        c.expression,
        if c.not_valid && d == Dialect::Postgres {
            " NOT VALID"
        } else {
            ""
        }
    )
}

fn create_table(schema: &str, t: &Table, d: Dialect) -> Vec<String> {
    let mut out = create_table_statements(schema, t, d);
    for i in &t.indexes {
        out.push(create_index(schema, &t.name, i, d));
    }
    out.extend(t.triggers.iter().map(|tr| tr.definition.clone()));
    if d == Dialect::Postgres {
        if let Some(c) = &t.comment {
            out.push(format!(
                "COMMENT ON TABLE {} IS {}",
                table_ref(schema, &t.name, d),
                literal(c)
            ));
        }
        for c in &t.columns {
            out.extend(column_comment(schema, &t.name, c, d));
        }
    }
    out
}

/// `CREATE TABLE` and what must follow it at once (deferrable or `NOT VALID` constraints).
fn create_table_statements(schema: &str, t: &Table, d: Dialect) -> Vec<String> {
    if t.columns.is_empty() {
        // sea-query writes no parentheses for a table without columns; PostgreSQL wants `()`.
        return vec![format!("CREATE TABLE {} ()", table_ref(schema, &t.name, d))];
    }
    let inline_pk = d == Dialect::Sqlite
        && t.columns
            .iter()
            .any(|c| c.identity == Some(Identity::AutoIncrement))
        && t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1);
    let mut stmt = SqTable::create();
    stmt.table(sq_table(schema, &t.name, d));
    for c in &t.columns {
        stmt.col(sq_column(c, d, inline_pk));
    }
    if let Some(pk) = t.primary_key.as_ref().filter(|_| !inline_pk) {
        let mut idx = SqIndex::create();
        if let Some(n) = &pk.name {
            idx.name(n);
        }
        for c in &pk.columns {
            idx.col(Alias::new(c));
        }
        stmt.primary_key(&mut idx);
    }
    for u in &t.uniques {
        let mut idx = SqIndex::create();
        idx.unique();
        if u.nulls_not_distinct {
            idx.nulls_not_distinct();
        }
        if let Some(n) = &u.name {
            idx.name(n);
        }
        for c in &u.columns {
            idx.col(Alias::new(c));
        }
        stmt.index(&mut idx);
    }
    let mut deferred = Vec::new();
    for c in &t.checks {
        if inline_check(c, d) {
            stmt.check(match &c.name {
                Some(n) => SqCheck::named(Alias::new(n), Expr::cust(c.expression.clone())),
                None => Expr::cust(c.expression.clone()).into(),
            });
        } else {
            deferred.push(check_text(schema, &t.name, c, d));
        }
    }
    for fk in &t.foreign_keys {
        if inline_foreign_key(fk, d) {
            stmt.foreign_key(&mut sq_foreign_key(schema, &t.name, fk, d));
        } else {
            // sea-query cannot say DEFERRABLE or NOT VALID: add the key right after the table.
            deferred.push(format!(
                "ALTER TABLE {} ADD {}",
                table_ref(schema, &t.name, d),
                foreign_key_text(schema, fk, d)
            ));
        }
    }
    let mut out = vec![one_item_per_line(&build(&stmt, d))];
    out.extend(deferred);
    out
}

/// `CREATE TABLE t ( a, b )` -> one column or constraint per line, for reviewers.
fn one_item_per_line(sql: &str) -> String {
    let (Some(open), Some(close)) = (sql.find('('), sql.rfind(')')) else {
        return sql.to_owned();
    };
    let body = &sql[open + 1..close];
    let mut items = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, ch) in body.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(body[start..].trim());
    format!(
        "{}(\n  {}\n){}",
        &sql[..open],
        items.join(",\n  "),
        &sql[close + 1..]
    )
}

fn column_comment(schema: &str, table: &str, c: &Column, d: Dialect) -> Vec<String> {
    match (&c.comment, d) {
        (Some(text), Dialect::Postgres) => vec![format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            table_ref(schema, table, d),
            quote(&c.name, d),
            literal(text)
        )],
        _ => Vec::new(),
    }
}

/// A column as a sea-query definition: the type spelled by [`type_sql`] (with its collation),
/// NOT NULL, default, identity or auto-increment, generation.
fn sq_column(c: &Column, d: Dialect, inline_pk: bool) -> ColumnDef {
    let ty = column_type_sql(c, d);
    let mut def = ColumnDef::new_with_type(Alias::new(&c.name), ColumnType::custom(Alias::new(ty)));
    if !c.nullable {
        def.not_null();
    }
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    if let Some(default) = c
        .default
        .as_ref()
        .filter(|_| !serial && c.generated.is_none())
    {
        def.default(Expr::custom_keyword(Alias::new(default)));
    }
    match (&c.identity, d) {
        (Some(Identity::Always), Dialect::Postgres) => {
            def.extra("GENERATED ALWAYS AS IDENTITY");
        }
        (Some(Identity::ByDefault), Dialect::Postgres) => {
            def.extra("GENERATED BY DEFAULT AS IDENTITY");
        }
        (Some(Identity::AutoIncrement), Dialect::Sqlite) if inline_pk => {
            def.primary_key().auto_increment();
        }
        (Some(Identity::AutoIncrement), Dialect::Mysql) => {
            def.auto_increment();
        }
        _ => {}
    }
    if let Some(g) = &c.generated {
        def.generated(Expr::cust(g.clone()), d != Dialect::Sqlite);
    }
    if let (Some(text), Dialect::Mysql) = (&c.comment, d) {
        def.comment(text);
    }
    def
}

/// A column's type as its definition spells it: the type (`serial` for a PostgreSQL serial) and
/// its collation.
pub fn column_type_sql(c: &Column, d: Dialect) -> String {
    let mut ty = type_sql(&c.data_type, c.identity.as_ref(), d);
    if let Some(coll) = &c.collation {
        let coll = if d == Dialect::Postgres {
            quote(coll, d)
        } else {
            coll.clone()
        };
        ty.push_str(&format!(" COLLATE {coll}"));
    }
    ty
}

/// True when sea-query's index builder says everything about `i`: plain columns, ascending or
/// descending, no method other than btree, no INCLUDE, no predicate, no NULLS NOT DISTINCT.
pub fn is_plain_index(i: &Index) -> bool {
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

/// An index: with sea-query when it is plain columns, as text when it has expressions,
/// operator classes, collations or a NULLS order.
fn create_index(schema: &str, table: &str, i: &Index, d: Dialect) -> String {
    let plain = i.parts.iter().all(|p| {
        matches!(p.key, IndexKey::Column(_))
            && p.opclass.is_none()
            && p.collation.is_none()
            && p.nulls_first.is_none()
    }) && !i.nulls_not_distinct;
    if !plain {
        return create_index_text(schema, table, i, d);
    }
    let mut stmt = SqIndex::create();
    stmt.name(&i.name).table(sq_table(schema, table, d));
    if i.unique {
        stmt.unique();
    }
    for p in &i.parts {
        let IndexKey::Column(c) = &p.key else {
            continue;
        };
        if p.descending {
            stmt.col((Alias::new(c), IndexOrder::Desc));
        } else {
            stmt.col(Alias::new(c));
        }
    }
    if let (Some(m), Dialect::Postgres) = (&i.method, d)
        && m != "btree"
    {
        stmt.index_type(IndexType::Custom(Alias::new(m).into_iden()));
    }
    for c in &i.include {
        stmt.include(Alias::new(c));
    }
    if let Some(p) = &i.predicate {
        stmt.and_where(Expr::cust(p.clone()));
    }
    build(&stmt, d)
}

fn sq_action(a: FkAction) -> ForeignKeyAction {
    match a {
        FkAction::NoAction => ForeignKeyAction::NoAction,
        FkAction::Restrict => ForeignKeyAction::Restrict,
        FkAction::Cascade => ForeignKeyAction::Cascade,
        FkAction::SetNull => ForeignKeyAction::SetNull,
        FkAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

/// A foreign key as a sea-query statement (inline in CREATE TABLE, or ALTER TABLE ADD).
fn sq_foreign_key(
    schema: &str,
    table: &str,
    fk: &ForeignKey,
    d: Dialect,
) -> sea_query::ForeignKeyCreateStatement {
    let mut stmt = SqForeignKey::create();
    if let Some(n) = &fk.name {
        stmt.name(n);
    }
    let target_schema = fk.referenced_table.schema.as_deref().unwrap_or(schema);
    stmt.from_tbl(sq_table(schema, table, d)).to_tbl(sq_table(
        target_schema,
        &fk.referenced_table.name,
        d,
    ));
    for c in &fk.columns {
        stmt.from_col(Alias::new(c));
    }
    for c in &fk.referenced_columns {
        stmt.to_col(Alias::new(c));
    }
    if fk.on_update != FkAction::NoAction {
        stmt.on_update(sq_action(fk.on_update));
    }
    if fk.on_delete != FkAction::NoAction {
        stmt.on_delete(sq_action(fk.on_delete));
    }
    stmt
}

/// The SQL spelling of a model type.
fn type_sql(t: &DataType, identity: Option<&Identity>, d: Dialect) -> String {
    if let (Some(Identity::Serial { .. }), Dialect::Postgres) = (identity, d) {
        return match t.name.as_str() {
            "int2" => "smallserial".into(),
            "int8" => "bigserial".into(),
            _ => "serial".into(),
        };
    }
    let mut s = match (&t.schema, &t.kind) {
        (Some(schema), TypeKind::Enum | TypeKind::Domain { .. } | TypeKind::Other) => {
            table_ref(schema, &t.name, d)
        }
        _ => t.name.clone(),
    };
    if !t.modifiers.is_empty() {
        let mods: Vec<String> = t.modifiers.iter().map(u32::to_string).collect();
        s.push_str(&format!("({})", mods.join(", ")));
    }
    for _ in 0..t.array_dims {
        s.push_str("[]");
    }
    s
}

fn alter_column(schema: &str, table: &str, from: &Column, to: &Column, d: Dialect) -> Vec<String> {
    let t = table_ref(schema, table, d);
    let c = quote(&to.name, d);
    if d == Dialect::Mysql {
        let mut def = sq_column(to, d, false);
        return vec![build(
            SqTable::alter()
                .table(sq_table(schema, table, d))
                .modify_column(&mut def),
            d,
        )];
    }
    let mut out = Vec::new();
    if from.data_type != to.data_type || from.collation != to.collation {
        let mut ty = type_sql(&to.data_type, None, d);
        if let Some(coll) = &to.collation {
            ty.push_str(&format!(" COLLATE {}", quote(coll, d)));
        }
        // A direct cast between numbers keeps rounding semantics; anything else goes through
        // text, which PostgreSQL accepts for every pair of types (rows decide).
        // Within a family PostgreSQL's assignment cast applies: it rejects values that do not
        // fit instead of truncating them, and skips the rewrite for in-place widenings. Across
        // families there is no assignment cast, so the value goes through text.
        let target = type_sql(&to.data_type, None, d);
        let across = family(&from.data_type) != family(&to.data_type);
        let using = if across {
            format!(" USING {c}::text::{target}")
        } else {
            String::new()
        };
        // PostgreSQL converts a default only with an assignment cast, which no pair of
        // families has: the default goes before the change and comes back after it, as an
        // untyped literal when it is one (PostgreSQL then reads it as the new type).
        let (restore, before) = match (&from.default, across) {
            (Some(_), true) => (
                to.default.as_deref().map(untyped_default),
                Some(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")),
            ),
            _ => (None, None),
        };
        out.extend(before);
        out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}{using}"));
        if from.default == to.default
            && let Some(default) = restore
        {
            out.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {default}"
            ));
        }
    }
    if from.nullable != to.nullable {
        let verb = if to.nullable { "DROP" } else { "SET" };
        out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"));
    }
    let dropped_for_type = from.data_type != to.data_type
        && from.default.is_some()
        && family(&from.data_type) != family(&to.data_type);
    if from.default != to.default && !(dropped_for_type && to.default.is_none()) {
        out.push(match &to.default {
            Some(def) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {def}"),
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        });
    }
    if from.comment != to.comment {
        out.push(format!(
            "COMMENT ON COLUMN {t}.{c} IS {}",
            comment_literal(&to.comment)
        ));
    }
    out
}

/// A default with the cast PostgreSQL printed on its literal taken off: `'5'::text` -> `'5'`,
/// `'{}'::jsonb` -> `'{}'`. Other expressions are kept as they are.
pub(crate) fn untyped_default(default: &str) -> String {
    let d = default.trim();
    if d.starts_with('\'')
        && let Some(end) = d.rfind("'::").filter(|e| *e > 0)
        && !d[1..end].replace("''", "").contains('\'')
    {
        return d[..=end].to_owned();
    }
    d.to_owned()
}

/// True when PostgreSQL has no assignment cast from one type to the other (different
/// families): the change goes through text with `USING`, and a default does not follow.
pub(crate) fn family_changes(from: &DataType, to: &DataType) -> bool {
    family(from) != family(to)
}

/// Types PostgreSQL converts between with an assignment cast.
fn family(t: &DataType) -> String {
    let name = match t.name.as_str() {
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" => "number",
        "varchar" | "text" | "bpchar" => "text",
        // No assignment cast reaches `time` from a date, nor a date from `time`.
        "timestamp" | "timestamptz" | "date" => "datetime",
        "time" | "timetz" => "clock",
        other => other,
    };
    format!("{name}{}", "[]".repeat(t.array_dims as usize))
}

/// SQLite batch mode for one table.
fn rebuild(schema: &str, from: &Table, to: &Table, d: Dialect) -> Vec<String> {
    let temp = format!("_sealift_new_{}", to.name);
    let mut staging = to.clone();
    staging.name = temp.clone();
    staging.indexes.clear();
    staging.triggers.clear();
    let mut out = vec!["PRAGMA foreign_keys = OFF".to_owned()];
    out.extend(create_table(schema, &staging, d));
    let kept: Vec<&Column> = to
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && from.columns.iter().any(|f| f.name == c.name))
        .collect();
    let cols: Vec<String> = kept.iter().map(|c| quote(&c.name, d)).collect();
    out.push(format!(
        "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
        table_ref(schema, &temp, d),
        table_ref(schema, &from.name, d),
        cols = cols.join(", ")
    ));
    out.push(format!("DROP TABLE {}", table_ref(schema, &from.name, d)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        table_ref(schema, &temp, d),
        quote(&to.name, d)
    ));
    for i in &to.indexes {
        out.push(create_index(schema, &to.name, i, d));
    }
    // Dropping the old table dropped its triggers: create them again on the new one.
    out.extend(to.triggers.iter().map(|tr| tr.definition.clone()));
    out.push("PRAGMA foreign_keys = ON".to_owned());
    out
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

/// An identifier, quoted for the dialect.
pub(crate) fn quote(name: &str, d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// True when a name needs no schema: SQLite's `main`, MySQL's current database.
fn implicit_schema(schema: &str, d: Dialect) -> bool {
    schema.is_empty() || (d == Dialect::Sqlite && schema == "main") || d == Dialect::Mysql
}

/// `"schema"."name"`; SQLite's `main` is left implicit.
pub(crate) fn table_ref(schema: &str, name: &str, d: Dialect) -> String {
    if implicit_schema(schema, d) {
        quote(name, d)
    } else {
        format!("{}.{}", quote(schema, d), quote(name, d))
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn comment_literal(c: &Option<String>) -> String {
    c.as_deref()
        .map(literal)
        .unwrap_or_else(|| "NULL".to_owned())
}

fn create_index_text(schema: &str, table: &str, i: &Index, d: Dialect) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(c, d),
                IndexKey::Expression(e) if parenthesized(e) => e.clone(),
                IndexKey::Expression(e) => format!("({e})"),
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
    let method = match (&i.method, d) {
        (Some(m), Dialect::Postgres) if m != "btree" => format!(" USING {m}"),
        _ => String::new(),
    };
    let mut s = format!(
        "CREATE {}INDEX {} ON {}{method} ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote(&i.name, d),
        table_ref(schema, table, d),
        parts.join(", ")
    );
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", idents(&i.include, d)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
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

fn foreign_key_text(schema: &str, fk: &ForeignKey, d: Dialect) -> String {
    let target = match (&fk.referenced_table.schema, d) {
        (_, Dialect::Sqlite) => quote(&fk.referenced_table.name, d),
        (Some(s), _) => table_ref(s, &fk.referenced_table.name, d),
        (None, _) => table_ref(schema, &fk.referenced_table.name, d),
    };
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {target} ({})",
        constraint_name(&fk.name, d),
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
    if fk.not_valid && d == Dialect::Postgres {
        s.push_str(" NOT VALID");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::one_item_per_line;

    #[test]
    fn a_replaced_enum_keeps_a_name_of_its_own_while_it_goes() {
        let long = "e".repeat(63);
        let old = super::old_type_name(&long);
        assert!(old.len() <= 63 && old != long[..old.len()], "{old}");
        assert_eq!(super::old_type_name("mood"), "mood_old");
    }

    #[test]
    fn defaults_lose_the_cast_on_their_literal_only() {
        use super::untyped_default;
        assert_eq!(untyped_default("'5'::text"), "'5'");
        assert_eq!(untyped_default("'it''s'::character varying"), "'it''s'");
        assert_eq!(untyped_default("now()"), "now()");
        assert_eq!(untyped_default("'::x'"), "'::x'");
        assert_eq!(
            untyped_default("'a'::text || 'b'::text"),
            "'a'::text || 'b'::text"
        );
    }

    #[test]
    fn time_is_not_in_the_date_family() {
        use sealift_ir::DataType;
        let b = DataType::builtin;
        assert!(super::family_changes(&b("date"), &b("time")));
        assert!(!super::family_changes(&b("date"), &b("timestamp")));
        assert!(!super::family_changes(&b("int4"), &b("int8")));
    }

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
