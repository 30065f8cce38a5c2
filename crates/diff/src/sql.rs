//! SQL for a plan, per dialect: what `--sql` prints and what the round-trip tests run.
//!
//! SQLite changes that cannot be made in place arrive here as `RebuildTable` and are rendered
//! as the batch-mode sequence: create the new table, copy the rows, drop the old one, rename,
//! recreate its indexes.

use sealift_ir::{
    Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey, Table,
    TypeKind,
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
        CreateEnum { schema, def } => pg_only(d, || {
            vec![format!(
                "CREATE TYPE {} AS ENUM ({})",
                table_ref(schema, &def.name, d),
                literals(&def.values)
            )]
        }),
        DropEnum { schema, def } => pg_only(d, || {
            vec![format!("DROP TYPE {}", table_ref(schema, &def.name, d))]
        }),
        AddEnumValue {
            schema,
            def,
            value,
            position,
            ..
        } => pg_only(d, || {
            let pos = match position {
                EnumPosition::Before(v) => format!("BEFORE {}", literal(v)),
                EnumPosition::After(v) => format!("AFTER {}", literal(v)),
            };
            vec![format!(
                "ALTER TYPE {} ADD VALUE {} {pos}",
                table_ref(schema, &def.name, d),
                literal(value)
            )]
        }),
        ReplaceEnum {
            schema,
            from,
            to,
            columns,
        } => pg_only(d, || {
            let ty = table_ref(schema, &to.name, d);
            let old_name = format!("{}_old", from.name);
            let mut out = vec![
                format!(
                    "ALTER TYPE {} RENAME TO {}",
                    table_ref(schema, &from.name, d),
                    q(&old_name)
                ),
                format!("CREATE TYPE {ty} AS ENUM ({})", literals(&to.values)),
            ];
            for (t, col) in columns {
                out.push(format!(
                    "ALTER TABLE {} ALTER COLUMN {c} TYPE {ty} USING {c}::text::{ty}",
                    tbl(schema, t),
                    c = q(col)
                ));
            }
            out.push(format!("DROP TYPE {}", table_ref(schema, &old_name, d)));
            out
        }),
        CreateTable { schema, table } => create_table(schema, table, d),
        DropTable { schema, table } => vec![format!("DROP TABLE {}", tbl(schema, &table.name))],
        RenameTable { schema, from, to } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            tbl(schema, from),
            q(to)
        )],
        AddColumn {
            schema,
            table,
            column,
        } => {
            let mut out = vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                tbl(schema, table),
                column_def(column, d, false)
            )];
            out.extend(column_comment(schema, table, column, d));
            out
        }
        DropColumn {
            schema,
            table,
            column,
        } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            tbl(schema, table),
            q(&column.name)
        )],
        RenameColumn {
            schema,
            table,
            from,
            to,
        } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                tbl(schema, table),
                q(from),
                q(to)
            )]
        }
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
            "ALTER TABLE {} ADD {}UNIQUE ({})",
            tbl(schema, table),
            constraint_name(&unique.name, d),
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
        DropIndex { schema, index, .. } => {
            vec![format!("DROP INDEX {}", table_ref(schema, &index.name, d))]
        }
        AddForeignKey { schema, table, fk } => {
            vec![format!(
                "ALTER TABLE {} ADD {}",
                tbl(schema, table),
                foreign_key(schema, fk, d)
            )]
        }
        DropForeignKey { schema, table, fk } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            tbl(schema, table),
            q(fk.name.as_deref().unwrap_or_default())
        )],
        AddCheck {
            schema,
            table,
            check,
        } => vec![format!(
            "ALTER TABLE {} ADD {}CHECK ({})",
            tbl(schema, table),
            constraint_name(&check.name, d),
            check.expression
        )],
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

fn pg_only(d: Dialect, f: impl FnOnce() -> Vec<String>) -> Vec<String> {
    if d == Dialect::Postgres {
        f()
    } else {
        Vec::new()
    }
}

fn create_table(schema: &str, t: &Table, d: Dialect) -> Vec<String> {
    let inline_pk = d == Dialect::Sqlite
        && t.columns
            .iter()
            .any(|c| c.identity == Some(Identity::AutoIncrement))
        && t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1);
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, d, inline_pk))
        .collect();
    if let Some(pk) = t.primary_key.as_ref().filter(|_| !inline_pk) {
        parts.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(&pk.name, d),
            idents(&pk.columns, d)
        ));
    }
    for u in &t.uniques {
        parts.push(format!(
            "{}UNIQUE ({})",
            constraint_name(&u.name, d),
            idents(&u.columns, d)
        ));
    }
    for c in &t.checks {
        parts.push(format!(
            "{}CHECK ({})",
            constraint_name(&c.name, d),
            c.expression
        ));
    }
    for fk in &t.foreign_keys {
        parts.push(foreign_key(schema, fk, d));
    }
    let mut out = vec![format!(
        "CREATE TABLE {} (\n  {}\n)",
        table_ref(schema, &t.name, d),
        parts.join(",\n  ")
    )];
    for i in &t.indexes {
        out.push(create_index(schema, &t.name, i, d));
    }
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

/// `"name" type [COLLATE c] [NOT NULL] [DEFAULT x] [identity] [generated]`.
fn column_def(c: &Column, d: Dialect, inline_pk: bool) -> String {
    let mut s = format!(
        "{} {}",
        quote(&c.name, d),
        type_sql(&c.data_type, c.identity.as_ref(), d)
    );
    if let Some(coll) = &c.collation {
        s.push_str(&format!(
            " COLLATE {}",
            if d == Dialect::Postgres {
                quote(coll, d)
            } else {
                coll.clone()
            }
        ));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    let serial = matches!(c.identity, Some(Identity::Serial { .. }));
    if let Some(def) = c
        .default
        .as_ref()
        .filter(|_| !serial && c.generated.is_none())
    {
        s.push_str(&format!(" DEFAULT {def}"));
    }
    match (&c.identity, d) {
        (Some(Identity::Always), Dialect::Postgres) => s.push_str(" GENERATED ALWAYS AS IDENTITY"),
        (Some(Identity::ByDefault), Dialect::Postgres) => {
            s.push_str(" GENERATED BY DEFAULT AS IDENTITY")
        }
        (Some(Identity::AutoIncrement), Dialect::Sqlite) if inline_pk => {
            s.push_str(" PRIMARY KEY AUTOINCREMENT")
        }
        (Some(Identity::AutoIncrement), Dialect::Mysql) => s.push_str(" AUTO_INCREMENT"),
        _ => {}
    }
    if let Some(g) = &c.generated {
        let kind = if d == Dialect::Sqlite {
            "VIRTUAL"
        } else {
            "STORED"
        };
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) {kind}"));
    }
    if let (Some(text), Dialect::Mysql) = (&c.comment, d) {
        s.push_str(&format!(" COMMENT {}", literal(text)));
    }
    s
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
        return vec![format!(
            "ALTER TABLE {t} MODIFY COLUMN {}",
            column_def(to, d, false)
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
        let using = if family(&from.data_type) == family(&to.data_type) {
            String::new()
        } else {
            format!(" USING {c}::text::{target}")
        };
        out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}{using}"));
    }
    if from.nullable != to.nullable {
        let verb = if to.nullable { "DROP" } else { "SET" };
        out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"));
    }
    if from.default != to.default {
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

/// Types PostgreSQL converts between with an assignment cast.
fn family(t: &DataType) -> String {
    let name = match t.name.as_str() {
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" => "number",
        "varchar" | "text" | "bpchar" => "text",
        "timestamp" | "timestamptz" | "date" => "time",
        other => other,
    };
    format!("{name}{}", "[]".repeat(t.array_dims as usize))
}

fn create_index(schema: &str, table: &str, i: &Index, d: Dialect) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(c, d),
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
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

fn foreign_key(schema: &str, fk: &ForeignKey, d: Dialect) -> String {
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
    s
}

/// SQLite batch mode for one table.
fn rebuild(schema: &str, from: &Table, to: &Table, d: Dialect) -> Vec<String> {
    let temp = format!("_sealift_new_{}", to.name);
    let mut staging = to.clone();
    staging.name = temp.clone();
    staging.indexes.clear();
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

/// `"schema"."name"`; SQLite's `main` is left implicit.
fn table_ref(schema: &str, name: &str, d: Dialect) -> String {
    if schema.is_empty() || (d == Dialect::Sqlite && schema == "main") || d == Dialect::Mysql {
        quote(name, d)
    } else {
        format!("{}.{}", quote(schema, d), quote(name, d))
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn literals(values: &[String]) -> String {
    values
        .iter()
        .map(|v| literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn comment_literal(c: &Option<String>) -> String {
    c.as_deref()
        .map(literal)
        .unwrap_or_else(|| "NULL".to_owned())
}
