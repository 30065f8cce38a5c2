//! Online plans on PostgreSQL: steps that keep a busy table writable, and a migration that
//! can be run again after it stopped part way.
//!
//! An online step cannot share one transaction with the others (`CREATE INDEX CONCURRENTLY`
//! refuses to run inside one), so a migration holding one runs without a transaction on
//! PostgreSQL, and each of its steps must be safe to run again:
//!
//! - a step with an online form ([`Run::Online`]) uses it: an index built `CONCURRENTLY` (an
//!   invalid one left by a failed build dropped first), a unique key or primary key attached
//!   to such an index (`USING INDEX`), a foreign key or check added `NOT VALID` then validated,
//!   `SET NOT NULL` proven first by a validated `CHECK (col IS NOT NULL)`;
//! - every other step ([`Run::Guarded`]) runs as one `DO` block: atomic, and skipped when the
//!   catalog shows it done (the table, column, key, index or type it adds is there; the one
//!   it drops or renames is gone).
//!
//! The other backends run the plain statements: MySQL's DDL has no transaction to leave,
//! and SQLite's runs in one as always.

use sealift_ir::{Column, Dialect};

use crate::change::{Change, EnumOp, Part, TableOp};
use crate::dialect::{Target, literal};
use crate::hazard::HazardKind;
use crate::plan::{Plan, Run, Step};
use crate::sql::{constraint_name_on_server, statements};
use crate::statement::Statement;

/// Whether a change has an online form: what it builds or checks reads the whole table.
pub fn has_online_form(c: &Change) -> bool {
    match c {
        Change::Table {
            op: TableOp::Add { part },
            ..
        } => !matches!(part, Part::Column(_)),
        Change::Table {
            op: TableOp::Remove {
                part: Part::Index(_),
            },
            ..
        } => true,
        Change::Table {
            op: TableOp::AlterColumn { from, to },
            ..
        } => from.nullable && !to.nullable,
        _ => false,
    }
}

impl Plan {
    /// Marks the steps on the tables `big` names (namespace, table) to run online, and every
    /// other step to be safe to run again, when any step runs online. True when one does.
    pub fn go_online(&mut self, big: impl Fn(&str, &str) -> bool) -> bool {
        let mut any = false;
        for s in self.up.iter_mut().chain(self.down.iter_mut()) {
            let (schema, table) = s.change.subject();
            if matches!(s.change, Change::Table { .. })
                && has_online_form(&s.change)
                && big(schema, table)
            {
                s.run = Run::Online;
                // The build no longer blocks writes.
                if matches!(
                    s.change.part(),
                    Some(Part::Index(_) | Part::Unique(_) | Part::PrimaryKey(_))
                ) {
                    s.hazards.retain(|h| h.kind != HazardKind::Blocking);
                }
                any = true;
            }
        }
        if any {
            for s in self.up.iter_mut().chain(self.down.iter_mut()) {
                if s.run == Run::Plain {
                    s.run = Run::Guarded;
                }
            }
        }
        any
    }

    /// True when the migration runs without a transaction on PostgreSQL, each step safe to
    /// run again: it holds an online step.
    pub fn is_online(&self) -> bool {
        self.up
            .iter()
            .chain(&self.down)
            .any(|s| s.run != Run::Plain)
    }
}

/// What one online step locks on PostgreSQL, for the reviewer, one line per statement kind.
pub fn locks(step: &Step) -> Vec<&'static str> {
    if step.run != Run::Online {
        return Vec::new();
    }
    const NOT_NULL: [&str; 3] = [
        "ADD CONSTRAINT .. CHECK (.. IS NOT NULL) NOT VALID: ACCESS EXCLUSIVE for a moment, no scan",
        "VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE while it reads the rows, writes go on",
        "SET NOT NULL: ACCESS EXCLUSIVE for a moment, no scan (the validated check proves it)",
    ];
    if step.backfill.is_some() {
        let mut out = Vec::new();
        if matches!(
            step.change,
            Change::Table {
                op: TableOp::Add { .. },
                ..
            }
        ) {
            out.push(
                "ADD COLUMN (nullable, no default): ACCESS EXCLUSIVE for a moment, no rewrite",
            );
        }
        out.push("UPDATE in batches of 10,000 rows by key: each batch's rows locked until it commits, the rest of the table writable");
        out.extend(NOT_NULL);
        return out;
    }
    const BUILD: &str = "CREATE INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE, reads and writes go on; it waits for the transactions open on the table";
    const ATTACH: &str = "ADD CONSTRAINT .. USING INDEX: ACCESS EXCLUSIVE for a moment, no scan";
    const VALIDATE: &str =
        "VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE while it reads the rows, writes go on";
    match &step.change {
        Change::Table {
            op: TableOp::Add { part },
            ..
        } => match part {
            Part::Index(_) => vec![BUILD],
            Part::Unique(_) | Part::PrimaryKey(_) => vec![BUILD, ATTACH],
            Part::ForeignKey(_) => vec![
                "ADD CONSTRAINT .. NOT VALID: SHARE ROW EXCLUSIVE on both tables for a moment, no scan",
                VALIDATE,
            ],
            Part::Check(_) => vec![
                "ADD CONSTRAINT .. NOT VALID: ACCESS EXCLUSIVE for a moment, no scan",
                VALIDATE,
            ],
            Part::Column(_) => Vec::new(),
        },
        Change::Table {
            op: TableOp::Remove { .. },
            ..
        } => vec!["DROP INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE, reads and writes go on"],
        Change::Table {
            op: TableOp::AlterColumn { .. },
            ..
        } => NOT_NULL.to_vec(),
        _ => Vec::new(),
    }
}

/// What MySQL and MariaDB are told for an online step: `ALGORITHM=INPLACE, LOCK=NONE`, so
/// that a server that would copy the table under a lock refuses at once instead.
const MYSQL_ONLINE: &str = ", ALGORITHM=INPLACE, LOCK=NONE";

/// The online form of a change on MySQL and MariaDB, where InnoDB has one: a B-tree index or
/// unique key built, an index dropped, a primary key added, a column made NOT NULL, in place
/// with writes going on. Foreign keys and checks have none (the hazard says so).
pub(crate) fn mysql(c: &Change, t: &Target) -> Option<Vec<Statement>> {
    let Change::Table { schema, table, op } = c else {
        return None;
    };
    let table_ref = t.table_ref(schema, table);
    let texts: Vec<String> = statements(c, t)
        .iter()
        .map(|s| match s {
            Statement::Schema(_) | Statement::Sql(_) => Some(s.to_sql(Dialect::Mysql)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let sql = |s: String| Statement::Sql(s);
    match op {
        TableOp::Add {
            part: Part::Index(i),
        } if i.method.as_deref().is_none_or(|m| m == "btree") => {
            let [create] = texts.as_slice() else {
                return None;
            };
            let unique = if i.unique { "UNIQUE " } else { "" };
            let name = t.quote(&i.name);
            let rest =
                create.strip_prefix(&format!("CREATE {unique}INDEX {name} ON {table_ref} "))?;
            Some(vec![sql(format!(
                "ALTER TABLE {table_ref} ADD {unique}INDEX {name} {rest}{MYSQL_ONLINE}"
            ))])
        }
        TableOp::Remove {
            part: Part::Index(i),
        } => Some(vec![sql(format!(
            "ALTER TABLE {table_ref} DROP INDEX {}{MYSQL_ONLINE}",
            t.quote(&i.name)
        ))]),
        TableOp::Add {
            part: Part::Unique(_) | Part::PrimaryKey(_),
        } => in_place(texts),
        TableOp::AlterColumn { from, to } if only_made_not_null(from, to) => in_place(texts),
        _ => None,
    }
}

/// True when the change makes the column NOT NULL and changes nothing else the server keeps
/// (the entity's logical type, which only the desired side has, aside).
fn only_made_not_null(from: &Column, to: &Column) -> bool {
    from.nullable
        && !to.nullable
        && from.data_type == to.data_type
        && from.default == to.default
        && from.identity == to.identity
        && from.generated == to.generated
        && from.collation == to.collation
        && from.comment == to.comment
        && from.on_update == to.on_update
}

/// `ALTER TABLE` statements told to run in place, without a lock.
fn in_place(texts: Vec<String>) -> Option<Vec<Statement>> {
    texts
        .into_iter()
        .map(|s| {
            s.starts_with("ALTER TABLE ")
                .then(|| Statement::Sql(format!("{s}{MYSQL_ONLINE}")))
        })
        .collect()
}

/// The statements of a step marked online or guarded, on PostgreSQL.
pub(crate) fn step_statements(step: &Step, t: &Target) -> Vec<Statement> {
    if step.run == Run::Online
        && let Some(online) = online(&step.change, t)
    {
        return online;
    }
    guarded(&step.change, t)
}

/// The step's plain statements as one `DO` block, run only when the catalog says it is not
/// done; a step with no such test (a column's type or default changed) is run again, which
/// sets what is set already.
fn guarded(c: &Change, t: &Target) -> Vec<Statement> {
    let c = &named(c, t);
    let plain = statements(c, t);
    if plain
        .iter()
        .any(|s| !matches!(s, Statement::Schema(_) | Statement::Sql(_)))
    {
        return plain;
    }
    let body: Vec<String> = plain.iter().map(|s| s.to_sql(Dialect::Postgres)).collect();
    if body.is_empty() {
        return plain;
    }
    vec![Statement::Sql(do_block(to_do(c, t).as_deref(), &body))]
}

/// A check added without a name gets the one PostgreSQL would give it, stated, so that the
/// guard asking for that name finds this check and no other (the server would pick another
/// name when one is taken; stated, the name taken is an error instead).
fn named(c: &Change, t: &Target) -> Change {
    match c {
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Check(check),
            },
        } if check.name.is_none() => {
            let mut check = check.clone();
            check.name = constraint_name_on_server(c, t);
            Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::Add {
                    part: Part::Check(check),
                },
            }
        }
        _ => c.clone(),
    }
}

/// `DO $sealift$ .. $sealift$`: the statements, under `IF condition` when there is one.
fn do_block(condition: Option<&str>, body: &[String]) -> String {
    let mut out = String::from("DO $sealift$ BEGIN\n");
    let indent = if condition.is_some() { "    " } else { "  " };
    if let Some(condition) = condition {
        out.push_str(&format!("  IF {condition} THEN\n"));
    }
    for s in body {
        for (i, line) in s.lines().enumerate() {
            out.push_str(indent);
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(line);
            out.push('\n');
        }
        out.pop();
        out.push_str(";\n");
    }
    if condition.is_some() {
        out.push_str("  END IF;\n");
    }
    out.push_str("END $sealift$");
    out
}

/// The condition under which a change still has to run, read from the catalog.
fn to_do(c: &Change, t: &Target) -> Option<String> {
    let (schema, subject) = c.subject();
    let relation = |name: &str| format!("to_regclass({})", literal(&t.table_ref(schema, name)));
    let table = relation(subject);
    let column = |name: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {table} AND attname = {} AND attnum > 0 AND NOT attisdropped)",
            literal(name)
        )
    };
    let constraint = |name: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {table} AND conname = {})",
            literal(name)
        )
    };
    let type_ref = format!("to_regtype({})", literal(&t.table_ref(schema, subject)));
    let names = |cols: &[String]| {
        let quoted: Vec<String> = cols.iter().map(|c| literal(c)).collect();
        format!("ARRAY[{}]::text[]", quoted.join(", "))
    };
    // A key's columns, in key order: what tells the old key from a new one of the same name.
    let key_columns = |name: &str| {
        format!(
            "(SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint c \
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             WHERE c.conrelid = {table} AND c.conname = {})",
            literal(name)
        )
    };
    // Whether the part is there as the change knows it: by name, and where a plan may drop a
    // part and add another of the same name (a changed key, an edited check, an index over
    // other columns), by what it holds, so that a run again never drops the new one.
    let part_there = |part: &Part| -> Option<String> {
        match part {
            Part::Column(col) => Some(column(&col.name)),
            Part::Index(i) => {
                let there = format!("{} IS NOT NULL", relation(&i.name));
                let cols: Option<Vec<String>> = i
                    .parts
                    .iter()
                    .map(|p| match &p.key {
                        sealift_ir::IndexKey::Column(c) => Some(c.clone()),
                        sealift_ir::IndexKey::Expression(_) => None,
                    })
                    .collect();
                Some(match cols {
                    Some(cols) => format!(
                        "{there} AND (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i \
                         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                         WHERE i.indexrelid = {} AND k.ord <= i.indnkeyatts) = {}",
                        relation(&i.name),
                        names(&cols)
                    ),
                    None => there,
                })
            }
            Part::PrimaryKey(k) => constraint_name_on_server(c, t)
                .map(|n| format!("{} = {}", key_columns(&n), names(&k.columns))),
            Part::Unique(u) => constraint_name_on_server(c, t)
                .map(|n| format!("{} = {}", key_columns(&n), names(&u.columns))),
            Part::ForeignKey(fk) => constraint_name_on_server(c, t)
                .map(|n| format!("{} = {}", key_columns(&n), names(&fk.columns))),
            // The expression as PostgreSQL prints it, when the plan read it there.
            Part::Check(check) => constraint_name_on_server(c, t).map(|n| {
                if t.plan == Dialect::Postgres {
                    format!(
                        "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {table} AND conname = {} AND pg_get_expr(conbin, conrelid) = {})",
                        literal(&n),
                        literal(&check.expression)
                    )
                } else {
                    constraint(&n)
                }
            }),
        }
    };
    let added = |part: &Part| -> Option<String> {
        match part {
            Part::Column(col) => Some(column(&col.name)),
            Part::Index(i) => Some(format!("{} IS NOT NULL", relation(&i.name))),
            _ => constraint_name_on_server(c, t).map(|n| constraint(&n)),
        }
    };
    match c {
        Change::Enum { op, .. } => match op {
            EnumOp::Create { .. } => Some(format!("{type_ref} IS NULL")),
            EnumOp::Drop { .. } => Some(format!("{type_ref} IS NOT NULL")),
            EnumOp::AddValue { value, .. } => Some(format!(
                "NOT EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = {type_ref} AND enumlabel = {})",
                literal(value)
            )),
            EnumOp::Replace { to, .. } => {
                let labels: Vec<String> = to.values.iter().map(|v| literal(v)).collect();
                Some(format!(
                    "(SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = {type_ref}) IS DISTINCT FROM ARRAY[{}]::text[]",
                    labels.join(", ")
                ))
            }
        },
        Change::Table { op, .. } => match op {
            TableOp::Create { .. } => Some(format!("{table} IS NULL")),
            TableOp::Drop { .. } => Some(format!("{table} IS NOT NULL")),
            TableOp::Rename { from } => Some(format!(
                "{} IS NOT NULL AND {table} IS NULL",
                relation(from)
            )),
            TableOp::RenameColumn { from, to } => {
                Some(format!("{} AND NOT {}", column(from), column(to)))
            }
            // Added unless one of its name is there (a name is one object's).
            TableOp::Add { part } => added(part).map(|p| format!("NOT ({p})")),
            TableOp::Remove { part } => part_there(part),
            // A type changed into another: unless the column has it already (a conversion
            // run again on converted values could fail, or convert them twice).
            TableOp::AlterColumn { from, to } if from.data_type.name != to.data_type.name => {
                let mut name = match &to.data_type.schema {
                    Some(s) => format!("{}.{}", t.quote(s), t.quote(&to.data_type.name)),
                    None => to.data_type.name.clone(),
                };
                for _ in 0..to.data_type.array_dims {
                    name.push_str("[]");
                }
                Some(format!(
                    "(SELECT atttypid FROM pg_attribute WHERE attrelid = {table} AND attname = {} AND NOT attisdropped) IS DISTINCT FROM to_regtype({})",
                    literal(&to.name),
                    literal(&name)
                ))
            }
            TableOp::AlterColumn { .. } | TableOp::SetComment { .. } => None,
            TableOp::Rebuild { .. } => None,
        },
    }
}

/// The online form of a change, when it has one here.
fn online(c: &Change, t: &Target) -> Option<Vec<Statement>> {
    let Change::Table { schema, table, op } = c else {
        return None;
    };
    let table_ref = t.table_ref(schema, table);
    let sql = |s: String| Statement::Sql(s);
    let plain = |c: &Change| -> Option<Vec<String>> {
        statements(c, t)
            .iter()
            .map(|s| match s {
                Statement::Schema(_) | Statement::Sql(_) => Some(s.to_sql(Dialect::Postgres)),
                _ => None,
            })
            .collect()
    };
    match op {
        TableOp::Add {
            part: Part::Index(index),
        } => {
            let [create] = plain(c)?.try_into().ok()?;
            Some(
                build_index(schema, &index.name, &create, t)?
                    .into_iter()
                    .map(sql)
                    .collect(),
            )
        }
        TableOp::Remove {
            part: Part::Index(index),
        } => Some(vec![sql(format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            t.table_ref(schema, &index.name)
        ))]),
        TableOp::Add {
            part: part @ (Part::Unique(_) | Part::PrimaryKey(_)),
        } => {
            let name = constraint_name_on_server(c, t)?;
            let (columns, kind, nulls) = match part {
                Part::Unique(u) => (
                    &u.columns,
                    "UNIQUE",
                    if u.nulls_not_distinct {
                        " NULLS NOT DISTINCT"
                    } else {
                        ""
                    },
                ),
                Part::PrimaryKey(k) => (&k.columns, "PRIMARY KEY", ""),
                _ => return None,
            };
            let cols: Vec<String> = columns.iter().map(|c| t.quote(c)).collect();
            let create = format!(
                "CREATE UNIQUE INDEX {} ON {table_ref} ({}){nulls}",
                t.quote(&name),
                cols.join(", ")
            );
            let mut out = build_index(schema, &name, &create, t)?;
            let attach = format!(
                "ALTER TABLE {table_ref} ADD CONSTRAINT {} {kind} USING INDEX {}",
                t.quote(&name),
                t.quote(&name)
            );
            out.push(do_block(to_do(c, t).as_deref(), &[attach]));
            Some(out.into_iter().map(sql).collect())
        }
        TableOp::Add {
            part: Part::ForeignKey(fk),
        } => {
            let mut unchecked = fk.clone();
            unchecked.not_valid = true;
            let add = Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::Add {
                    part: Part::ForeignKey(unchecked),
                },
            };
            validated(c, &add, &table_ref, t)
        }
        TableOp::Add {
            part: Part::Check(check),
        } => {
            let mut unchecked = check.clone();
            unchecked.not_valid = true;
            unchecked.name = constraint_name_on_server(c, t);
            let add = Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::Add {
                    part: Part::Check(unchecked),
                },
            };
            validated(c, &add, &table_ref, t)
        }
        TableOp::AlterColumn { from, to } if from.nullable && !to.nullable => {
            let mut out = Vec::new();
            // What else changes, first, as one guarded step.
            let rest = Column {
                nullable: true,
                ..to.clone()
            };
            if rest != *from {
                let other = Change::Table {
                    schema: schema.clone(),
                    table: table.clone(),
                    op: TableOp::AlterColumn {
                        from: from.clone(),
                        to: rest,
                    },
                };
                out.extend(guarded(&other, t));
            }
            let name = sealift_dialect::postgres::object_name(table, Some(&to.name), "not_null");
            let check = Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::Add {
                    part: Part::Check(sealift_ir::Check {
                        name: Some(name.clone()),
                        expression: format!("{} IS NOT NULL", t.quote(&to.name)),
                        not_valid: true,
                    }),
                },
            };
            let add = plain(&check)?;
            // Once the column is NOT NULL, run again, nothing is added or read again.
            let nullable = format!(
                "NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped)",
                literal(&table_ref),
                literal(&to.name)
            );
            let unless_there = to_do(&check, t).unwrap_or_else(|| "true".to_owned());
            out.push(sql(do_block(
                Some(&format!("{nullable} AND {unless_there}")),
                &add,
            )));
            out.push(sql(do_block(
                Some(&nullable),
                &[format!(
                    "ALTER TABLE {table_ref} VALIDATE CONSTRAINT {}",
                    t.quote(&name)
                )],
            )));
            out.push(sql(format!(
                "ALTER TABLE {table_ref} ALTER COLUMN {} SET NOT NULL",
                t.quote(&to.name)
            )));
            out.push(sql(format!(
                "ALTER TABLE {table_ref} DROP CONSTRAINT IF EXISTS {}",
                t.quote(&name)
            )));
            Some(out)
        }
        _ => None,
    }
}

/// A key or check added `NOT VALID` (no scan, a moment's lock) unless it is there, then
/// validated (a scan that lets writes go on; nothing to do when it is valid already).
fn validated(c: &Change, add: &Change, table_ref: &str, t: &Target) -> Option<Vec<Statement>> {
    let name = constraint_name_on_server(c, t)?;
    let texts: Vec<String> = statements(add, t)
        .iter()
        .map(|s| match s {
            Statement::Schema(_) | Statement::Sql(_) => Some(s.to_sql(Dialect::Postgres)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if !texts.iter().any(|s| s.contains("NOT VALID")) {
        return None;
    }
    Some(vec![
        Statement::Sql(do_block(to_do(c, t).as_deref(), &texts)),
        Statement::Sql(format!(
            "ALTER TABLE {table_ref} VALIDATE CONSTRAINT {}",
            t.quote(&name)
        )),
    ])
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS`, after dropping an invalid index of the
/// name that a failed concurrent build left behind. `create` is the plain `CREATE [UNIQUE]
/// INDEX name ON ..`.
fn build_index(schema: &str, name: &str, create: &str, t: &Target) -> Option<Vec<String>> {
    let index = t.table_ref(schema, name);
    let rest = create
        .strip_prefix("CREATE UNIQUE INDEX ")
        .map(|r| ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ", r))
        .or_else(|| {
            create
                .strip_prefix("CREATE INDEX ")
                .map(|r| ("CREATE INDEX CONCURRENTLY IF NOT EXISTS ", r))
        })?;
    let invalid = format!(
        "EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass({}) AND NOT indisvalid)",
        literal(&index)
    );
    Some(vec![
        do_block(Some(&invalid), &[format!("DROP INDEX {index}")]),
        format!("{}{}", rest.0, rest.1),
    ])
}

#[cfg(test)]
mod tests {
    use sealift_ir::{
        Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Index, IndexPart, Namespace,
        PrimaryKey, QualifiedName, Schema, Table, Unique,
    };

    use crate::{DiffOptions, diff, render_steps};

    fn schema(tables: Vec<Table>) -> Schema {
        let mut ns = Namespace::new("public");
        for t in tables {
            ns.tables.insert(t.name.clone(), t);
        }
        let mut s = Schema::new(Dialect::Postgres);
        s.namespaces.insert("public".to_owned(), ns);
        s
    }

    fn table(name: &str, columns: &[(&str, bool)]) -> Table {
        let mut t = Table::new(name);
        for (c, nullable) in columns {
            let mut col = Column::new(*c, DataType::builtin("int4"));
            col.nullable = *nullable;
            t.columns.push(col);
        }
        t.primary_key = Some(PrimaryKey {
            name: Some(format!("{name}_pkey")),
            columns: vec!["id".to_owned()],
        });
        t
    }

    /// `post` before and after: `title` made NOT NULL, an index, a unique key, a foreign key,
    /// and a new table beside it.
    fn schemas() -> (Schema, Schema) {
        let author = table("author", &[("id", false)]);
        let before = table(
            "post",
            &[("id", false), ("author_id", true), ("title", true)],
        );
        let mut after = table(
            "post",
            &[("id", false), ("author_id", true), ("title", false)],
        );
        after.indexes.push(Index {
            name: "post_title_idx".to_owned(),
            unique: false,
            parts: vec![IndexPart::column("title")],
            method: None,
            predicate: None,
            include: Vec::new(),
            nulls_not_distinct: false,
        });
        after.uniques.push(Unique::new(
            Some("post_author_title_key".to_owned()),
            vec!["author_id".to_owned(), "title".to_owned()],
        ));
        after.foreign_keys.push(ForeignKey {
            name: Some("post_author_fk".to_owned()),
            columns: vec!["author_id".to_owned()],
            referenced_table: QualifiedName::new("public", "author"),
            referenced_columns: vec!["id".to_owned()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Deferrable::No,
            not_valid: false,
        });
        let tag = table("tag", &[("id", false)]);
        (
            schema(vec![author.clone(), after, tag]),
            schema(vec![author, before]),
        )
    }

    #[test]
    fn big_tables_get_the_online_forms_and_every_other_step_a_guard() {
        let (desired, current) = schemas();
        let mut plan = diff(&desired, &current, &DiffOptions::new(Dialect::Postgres));
        assert!(!plan.is_online());
        assert!(plan.go_online(|_, table| table == "post"));
        let up = render_steps(&plan.up, &plan.target()).join(";\n");
        for expected in [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"post_title_idx\" ON \"post\" (\"title\")",
            "AND NOT indisvalid) THEN\n    DROP INDEX \"post_title_idx\";",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"post_author_title_key\" ON \"post\" (\"author_id\", \"title\")",
            "ADD CONSTRAINT \"post_author_title_key\" UNIQUE USING INDEX \"post_author_title_key\"",
            "REFERENCES \"author\" (\"id\") NOT VALID",
            "ALTER TABLE \"post\" VALIDATE CONSTRAINT \"post_author_fk\"",
            "CHECK (\"title\" IS NOT NULL) NOT VALID",
            "ALTER TABLE \"post\" VALIDATE CONSTRAINT \"post_title_not_null\"",
            "ALTER COLUMN \"title\" SET NOT NULL",
            "DROP CONSTRAINT IF EXISTS \"post_title_not_null\"",
            // The new table: created unless it is there.
            "IF to_regclass('\"tag\"') IS NULL THEN\n    CREATE TABLE \"tag\"",
        ] {
            assert!(up.contains(expected), "{expected}\n{up}");
        }
        assert!(!up.contains("BEGIN;"), "{up}");
        let down = render_steps(&plan.down, &plan.target()).join(";\n");
        for expected in [
            "DROP INDEX CONCURRENTLY IF EXISTS \"post_title_idx\"",
            // Dropped while it is the old key (its columns), never a new one of its name.
            "AND c.conname = 'post_author_fk') = ARRAY['author_id']::text[] THEN\n    ALTER TABLE \"post\" DROP CONSTRAINT \"post_author_fk\"",
            "IF to_regclass('\"tag\"') IS NOT NULL THEN\n    DROP TABLE \"tag\"",
        ] {
            assert!(down.contains(expected), "{expected}\n{down}");
        }
        // The build no longer blocks writes; the other hazards stay.
        assert!(
            plan.hazards()
                .all(|h| h.kind != crate::HazardKind::Blocking
                    || !h.message.contains("post_title_idx")),
            "{:?}",
            plan.hazards().collect::<Vec<_>>()
        );
        assert!(!crate::locks(&plan.up[0]).is_empty() || !crate::locks(&plan.up[1]).is_empty());
    }

    #[test]
    fn small_tables_stay_plain_and_other_backends_never_change() {
        let (desired, current) = schemas();
        let mut plan = diff(&desired, &current, &DiffOptions::new(Dialect::Postgres));
        let plain = render_steps(&plan.up, &plan.target());
        assert!(!plan.go_online(|_, _| false));
        assert_eq!(render_steps(&plan.up, &plan.target()), plain);
        assert!(plan.go_online(|_, _| true));
        // SQLite's statements never change; MySQL's are told to run in place, without a lock,
        // where InnoDB can (not the foreign key, which copies the table: a hazard says so).
        let mut plain_plan = diff(&desired, &current, &DiffOptions::new(Dialect::Postgres));
        let sqlite = render_steps(&plain_plan.up, &plain_plan.target().on(Dialect::Sqlite));
        plain_plan.go_online(|_, _| true);
        assert_eq!(
            render_steps(&plain_plan.up, &plain_plan.target().on(Dialect::Sqlite)),
            sqlite
        );
        let mysql = render_steps(&plan.up, &plan.target().on(Dialect::Mysql)).join(";\n");
        for expected in [
            "ALTER TABLE `post` ADD INDEX `post_title_idx` (`title`), ALGORITHM=INPLACE, LOCK=NONE",
            "MODIFY COLUMN `title` int NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
            "(`author_id`, `title`), ALGORITHM=INPLACE, LOCK=NONE",
        ] {
            assert!(mysql.contains(expected), "{expected}\n{mysql}");
        }
        assert!(!mysql.contains("`author` (`id`), ALGORITHM"), "{mysql}");
        let down = render_steps(&plan.down, &plan.target().on(Dialect::Mysql)).join(";\n");
        assert!(
            down.contains(
                "ALTER TABLE `post` DROP INDEX `post_title_idx`, ALGORITHM=INPLACE, LOCK=NONE"
            ),
            "{down}"
        );
    }

    #[test]
    fn a_volatile_default_added_to_a_table_with_rows_is_a_rewrite() {
        let before = table("post", &[("id", false)]);
        for (default, rewrites) in [
            ("gen_random_uuid()", true),
            ("nextval('s'::regclass)", true),
            ("now()", false),
            ("0", false),
        ] {
            let mut after = before.clone();
            let mut col = Column::new("token", DataType::builtin("int4"));
            col.default = Some(default.to_owned());
            after.columns.push(col);
            let plan = diff(
                &schema(vec![after]),
                &schema(vec![before.clone()]),
                &DiffOptions::new(Dialect::Postgres),
            );
            let found = plan.hazards().any(|h| {
                h.kind == crate::HazardKind::Blocking && h.message.contains("volatile default")
            });
            assert_eq!(
                found,
                rewrites,
                "{default}: {:?}",
                plan.hazards().collect::<Vec<_>>()
            );
        }
    }
}
