//! Questions for the live database before a plan runs: for each data-dependent step, one
//! `SELECT count(*)` that counts the rows standing in its way (NULLs for SET NOT NULL,
//! duplicate groups for a unique key, orphans for a foreign key, violators for a check), with
//! the sentence that reports the answer. Pure: the caller runs the queries, each on its own.
//!
//! The database is asked before the plan runs, so a probe names tables and columns as they
//! are now (a step after a rename is asked about the old names), and nothing is asked about
//! what the plan itself creates: a new table has no rows, a new column no values yet.

use std::collections::{BTreeMap, BTreeSet};

use sealift_ir::{Column, Dialect};

use crate::change::{Change, Part, TableOp};
use crate::dialect::{literal, quote, table_ref};
use crate::hazard::HazardKind;
use crate::plan::Plan;

/// One count to read and how to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// A query returning one integer.
    pub sql: String,
    /// The finding, with `{n}` where the count goes.
    pub sentence: String,
}

impl Probe {
    /// The finding with its count filled in.
    pub fn finding(&self, n: i64) -> String {
        self.sentence.replace("{n}", &n.to_string())
    }

    /// The finding when the count could not be read.
    pub fn finding_unknown(&self) -> String {
        self.sentence.replace("{n}", "?")
    }
}

/// The probes of the plan's data-dependent up steps, in plan order.
pub fn probes(plan: &Plan) -> Vec<Probe> {
    let mut now = Now::default();
    let mut out = Vec::new();
    for s in &plan.up {
        let data_dependent = s
            .hazards
            .iter()
            .any(|h| h.kind == HazardKind::DataDependent);
        // A step that fills its column first has no rows in its way.
        if data_dependent
            && s.backfill.is_none()
            && let Some(c) = now.before(&s.change)
        {
            out.extend(
                for_change(&c, plan.dialect)
                    .into_iter()
                    .map(|(sql, sentence)| Probe { sql, sentence }),
            );
        }
        now.follow(&s.change);
    }
    out
}

/// What the plan has done so far, to ask the database about what is there now.
#[derive(Default)]
struct Now {
    /// Tables renamed so far: (schema, new name) -> old name.
    tables: BTreeMap<(String, String), String>,
    /// Columns renamed so far: (schema, table as named now, new name) -> old name.
    columns: BTreeMap<(String, String, String), String>,
    /// Tables the plan created, and columns it added: not there yet.
    created: BTreeSet<(String, String)>,
    added: BTreeSet<(String, String, String)>,
}

impl Now {
    fn follow(&mut self, c: &Change) {
        match c {
            Change::Table {
                schema,
                table: to,
                op: TableOp::Rename { from },
            } => {
                let old = self.table(schema, from);
                self.tables.insert((schema.clone(), to.clone()), old);
            }
            Change::Table {
                schema,
                table,
                op: TableOp::RenameColumn { from, to },
            } => {
                let old = self.column(schema, table, from);
                self.columns
                    .insert((schema.clone(), table.clone(), to.clone()), old);
            }
            Change::Table {
                schema,
                op: TableOp::Create { def: table },
                ..
            } => {
                self.created.insert((schema.clone(), table.name.clone()));
            }
            Change::Table {
                schema,
                table,
                op: TableOp::Add {
                    part: Part::Column(column),
                },
            } => {
                self.added
                    .insert((schema.clone(), table.clone(), column.name.clone()));
            }
            _ => {}
        }
    }

    fn table(&self, schema: &str, name: &str) -> String {
        self.tables
            .get(&(schema.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    fn column(&self, schema: &str, table: &str, name: &str) -> String {
        self.columns
            .get(&(schema.to_owned(), table.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// True when the plan itself makes the column (or its whole table).
    fn is_new(&self, schema: &str, table: &str, column: &str) -> bool {
        self.created
            .contains(&(schema.to_owned(), table.to_owned()))
            || self
                .added
                .contains(&(schema.to_owned(), table.to_owned(), column.to_owned()))
    }

    /// The change with the names the database has before the plan runs; `None` when it is
    /// about something the plan creates, or names a renamed column inside an expression.
    fn before(&self, c: &Change) -> Option<Change> {
        let mut c = c.clone();
        let (schema, table) = {
            let (s, t) = c.subject();
            (s.to_owned(), t.to_owned())
        };
        if self.created.contains(&(schema.clone(), table.clone())) {
            return None;
        }
        let col = |name: &mut String| -> Option<()> {
            if self.is_new(&schema, &table, name) {
                return None;
            }
            *name = self.column(&schema, &table, name);
            Some(())
        };
        match &mut c {
            Change::Table {
                op: TableOp::AlterColumn { from, to },
                ..
            } => {
                col(&mut from.name)?;
                to.name = from.name.clone();
            }
            Change::Table {
                op: TableOp::Add {
                    part: Part::Unique(unique),
                },
                ..
            } => {
                unique.columns.iter_mut().try_for_each(col)?;
            }
            Change::Table {
                op: TableOp::Add {
                    part: Part::Index(index),
                },
                ..
            } => {
                for p in &mut index.parts {
                    if let sealift_ir::IndexKey::Column(name) = &mut p.key {
                        col(name)?;
                    }
                }
            }
            Change::Table {
                op: TableOp::Add {
                    part: Part::ForeignKey(fk),
                },
                ..
            } => {
                fk.columns.iter_mut().try_for_each(col)?;
                let target_schema = fk
                    .referenced_table
                    .schema
                    .clone()
                    .unwrap_or_else(|| schema.clone());
                let target = fk.referenced_table.name.clone();
                if self
                    .created
                    .contains(&(target_schema.clone(), target.clone()))
                {
                    return None;
                }
                for r in &mut fk.referenced_columns {
                    if self.is_new(&target_schema, &target, r) {
                        return None;
                    }
                    *r = self.column(&target_schema, &target, r);
                }
                fk.referenced_table.name = self.table(&target_schema, &target);
            }
            Change::Table {
                op: TableOp::Add {
                    part: Part::Check(check),
                },
                ..
            } => {
                // An expression is not rewritten: one naming a new or renamed column is not
                // asked about.
                let touched: Vec<&str> = self
                    .columns
                    .keys()
                    .chain(self.added.iter())
                    .filter(|(s, t, _)| *s == schema && *t == table)
                    .map(|(_, _, c)| c.as_str())
                    .collect();
                if !crate::expr::columns_used(&check.expression, touched.into_iter()).is_empty() {
                    return None;
                }
            }
            Change::Table {
                op: TableOp::Rebuild { from, to, .. },
                ..
            } => {
                // Rebuilds start from the table as renamed in place: ask about the old names.
                for c in from.columns.iter_mut() {
                    let old = self.column(&schema, &table, &c.name);
                    if let Some(t) = to.columns.iter_mut().find(|t| t.name == c.name) {
                        t.name = old.clone();
                    }
                    for u in &mut to.uniques {
                        for n in u.columns.iter_mut().filter(|n| **n == c.name) {
                            *n = old.clone();
                        }
                    }
                    c.name = old;
                }
            }
            _ => {}
        }
        let old_table = self.table(&schema, &table);
        set_table(&mut c, old_table);
        Some(c)
    }
}

/// Points a per-table change at another name of its table.
fn set_table(c: &mut Change, name: String) {
    match c {
        Change::Table {
            table,
            op: TableOp::AlterColumn { .. },
            ..
        }
        | Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Column(..),
            },
            ..
        }
        | Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Unique(..),
            },
            ..
        }
        | Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Index(..),
            },
            ..
        }
        | Change::Table {
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(..),
            },
            ..
        }
        | Change::Table {
            table,
            op: TableOp::Add {
                part: Part::Check(..),
            },
            ..
        } => *table = name,
        Change::Table {
            op: TableOp::Rebuild { from, .. },
            ..
        } => from.name = name,
        _ => {}
    }
}

/// `(query, sentence with {n})` pairs for one change.
fn for_change(c: &Change, d: Dialect) -> Vec<(String, String)> {
    let t = |schema: &str, table: &str| table_ref(schema, table, d);
    let q = |n: &str| quote(n, d);
    let null_count = |schema: &str, table: &str, col: &Column| {
        (
            format!(
                "SELECT count(*) FROM {} WHERE {} IS NULL",
                t(schema, table),
                q(&col.name)
            ),
            format!("{{n}} row(s) of {schema}.{table} hold NULL in {}", col.name),
        )
    };
    match c {
        Change::Table {
            schema,
            table,
            op: TableOp::AlterColumn { from, to },
        } => {
            let mut out = Vec::new();
            if from.nullable && !to.nullable {
                out.push(null_count(schema, table, to));
            }
            let removed = crate::dialect::removed_enum_values(&from.data_type, &to.data_type)
                .unwrap_or_default();
            if !removed.is_empty() {
                let values: Vec<String> = removed.iter().map(|v| literal(v)).collect();
                out.push((
                    format!(
                        "SELECT count(*) FROM {} WHERE {} IN ({})",
                        t(schema, table),
                        q(&from.name),
                        values.join(", ")
                    ),
                    format!(
                        "{{n}} row(s) of {schema}.{table} hold {} in {}, which the new type drops",
                        values.join(" or "),
                        from.name
                    ),
                ));
            } else if from.data_type != to.data_type {
                out.push((
                    format!(
                        "SELECT count(*) FROM {} WHERE {} IS NOT NULL",
                        t(schema, table),
                        q(&from.name)
                    ),
                    format!(
                        "{{n}} value(s) of {schema}.{table}.{} to convert to {}",
                        to.name, to.data_type
                    ),
                ));
            }
            out
        }
        Change::Table {
            schema,
            op: TableOp::Rebuild {
                from, to, fills, ..
            },
            ..
        } => {
            // The copy fills these: no row stands in their way.
            let filled = |c: &Column| fills.iter().any(|f| f.column == c.name);
            let mut out: Vec<(String, String)> = to
                .columns
                .iter()
                .filter(|c| {
                    !c.nullable
                        && !filled(c)
                        && from.columns.iter().any(|f| f.name == c.name && f.nullable)
                })
                .map(|c| null_count(schema, &from.name, c))
                .collect();
            // A NOT NULL column the copy cannot fill: every row stands in the way.
            if to.columns.iter().any(|c| {
                !c.nullable
                    && !filled(c)
                    && c.default.is_none()
                    && c.generated.is_none()
                    && c.identity.is_none()
                    && from.column(&c.name).is_none()
            }) {
                out.push((
                    format!("SELECT count(*) FROM {}", t(schema, &from.name)),
                    format!("{schema}.{} has {{n}} row(s)", from.name),
                ));
            }
            let existing = |cols: &[String]| cols.iter().all(|c| from.column(c).is_some());
            for u in to.uniques.iter().filter(|u| !from.uniques.contains(u)) {
                if existing(&u.columns) {
                    out.push(duplicates(schema, &from.name, &u.columns, d));
                }
            }
            out
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Column(..),
            },
            ..
        } => vec![(
            format!("SELECT count(*) FROM {}", t(schema, table)),
            format!("{schema}.{table} has {{n}} row(s)"),
        )],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Unique(unique),
            },
        } => vec![duplicates(schema, table, &unique.columns, d)],
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Index(index),
            },
        } if index.unique => {
            let cols = index.key_columns();
            if cols.len() == index.parts.len() {
                vec![duplicates(schema, table, &cols, d)]
            } else {
                Vec::new()
            }
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::ForeignKey(fk),
            },
        } => {
            let target = t(
                fk.referenced_table.schema.as_deref().unwrap_or(schema),
                &fk.referenced_table.name,
            );
            let matches: Vec<String> = fk
                .columns
                .iter()
                .zip(&fk.referenced_columns)
                .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
                .collect();
            let present: Vec<String> = fk
                .columns
                .iter()
                .map(|c| format!("c.{} IS NOT NULL", q(c)))
                .collect();
            vec![(
                format!(
                    "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {target} p WHERE {})",
                    t(schema, table),
                    present.join(" AND "),
                    matches.join(" AND ")
                ),
                format!(
                    "{{n}} row(s) of {schema}.{table} reference no row of {}",
                    fk.referenced_table.name
                ),
            )]
        }
        Change::Table {
            schema,
            table,
            op: TableOp::Add {
                part: Part::Check(check),
            },
        } => vec![(
            format!(
                "SELECT count(*) FROM {} WHERE NOT ({})",
                t(schema, table),
                check.expression
            ),
            format!(
                "{{n}} row(s) of {schema}.{table} violate check ({})",
                check.expression
            ),
        )],
        _ => Vec::new(),
    }
}

fn duplicates(schema: &str, table: &str, cols: &[String], d: Dialect) -> (String, String) {
    let list: Vec<String> = cols.iter().map(|c| quote(c, d)).collect();
    // Rows with a NULL in the key never collide.
    let present: Vec<String> = list.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    (
        format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} GROUP BY {} HAVING count(*) > 1) d",
            table_ref(schema, table, d),
            present.join(" AND "),
            list.join(", ")
        ),
        format!(
            "{{n}} group(s) of duplicate rows in {schema}.{table} ({})",
            cols.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use sealift_ir::{Check, Column, DataType, Dialect, Namespace, Schema, Table, Unique};

    use super::probes;
    use crate::change::{Change, Part, TableOp};

    fn current() -> Schema {
        let mut t = Table::new("person");
        t.columns.push(Column::new("id", DataType::builtin("int4")));
        t.columns
            .push(Column::new("nick", DataType::builtin("text")));
        let mut ns = Namespace::new("public");
        ns.tables.insert(t.name.clone(), t);
        let mut s = Schema::new(Dialect::Postgres);
        s.namespaces.insert("public".into(), ns);
        s
    }

    fn sql_of(changes: Vec<Change>) -> Vec<String> {
        let plan = crate::planner::plan(
            changes,
            &current(),
            &crate::DiffOptions::new(Dialect::Postgres),
            Vec::new(),
        );
        probes(&plan).into_iter().map(|p| p.sql).collect()
    }

    #[test]
    fn probes_ask_about_names_as_they_are_before_the_plan() {
        let nick = Column::new("nick", DataType::builtin("text"));
        let mut handle = nick.clone();
        handle.name = "handle".into();
        let mut required = handle.clone();
        required.nullable = false;
        let sql = sql_of(vec![
            Change::Table {
                schema: "public".into(),
                table: "member".into(),
                op: TableOp::Rename {
                    from: "person".into(),
                },
            },
            Change::Table {
                schema: "public".into(),
                table: "member".into(),
                op: TableOp::RenameColumn {
                    from: "nick".into(),
                    to: "handle".into(),
                },
            },
            Change::Table {
                schema: "public".into(),
                table: "member".into(),
                op: TableOp::AlterColumn {
                    from: handle,
                    to: required,
                },
            },
        ]);
        assert_eq!(
            sql,
            [r#"SELECT count(*) FROM "public"."person" WHERE "nick" IS NULL"#]
        );
    }

    #[test]
    fn nothing_is_asked_about_what_the_plan_adds() {
        let added = Column::new("code", DataType::builtin("text"));
        let sql = sql_of(vec![
            Change::add("public", "person", Part::Column(added)),
            Change::Table {
                schema: "public".into(),
                table: "person".into(),
                op: TableOp::Add {
                    part: Part::Unique(Unique::new(
                        Some("person_code_key".into()),
                        vec!["code".into()],
                    )),
                },
            },
            Change::add(
                "public",
                "person",
                Part::Check(Check::new(None, "code <> ''")),
            ),
            Change::add(
                "public",
                "person",
                Part::Check(Check::new(None, "nick <> ''")),
            ),
        ]);
        // The new, NULL-only column never collides and is not there yet; the check on the
        // existing column is asked about.
        assert_eq!(
            sql,
            [r#"SELECT count(*) FROM "public"."person" WHERE NOT (nick <> '')"#]
        );
    }
}
