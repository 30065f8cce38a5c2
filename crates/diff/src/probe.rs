//! Questions for the live database before a plan runs: for each data-dependent step, one
//! `SELECT count(*)` that counts the rows standing in its way (NULLs for SET NOT NULL,
//! duplicate groups for a unique key, orphans for a foreign key, violators for a check), with
//! the sentence that reports the answer. Pure: the caller runs the queries.

use sealift_ir::{Column, Dialect};

use crate::change::Change;
use crate::hazard::HazardKind;
use crate::plan::Plan;
use crate::sql::{quote, table_ref};

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
}

/// The probes of the plan's data-dependent up steps, in plan order.
pub fn probes(plan: &Plan) -> Vec<Probe> {
    plan.up
        .iter()
        .filter(|s| {
            s.hazards
                .iter()
                .any(|h| h.kind == HazardKind::DataDependent)
        })
        .flat_map(|s| for_change(&s.change, plan.dialect))
        .map(|(sql, sentence)| Probe { sql, sentence })
        .collect()
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
        Change::AlterColumn {
            schema,
            table,
            from,
            to,
        } => {
            let mut out = Vec::new();
            if from.nullable && !to.nullable {
                out.push(null_count(schema, table, to));
            }
            if from.data_type != to.data_type {
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
        Change::RebuildTable { schema, from, to } => {
            let mut out: Vec<(String, String)> = to
                .columns
                .iter()
                .filter(|c| {
                    !c.nullable && from.columns.iter().any(|f| f.name == c.name && f.nullable)
                })
                .map(|c| null_count(schema, &from.name, c))
                .collect();
            let existing = |cols: &[String]| cols.iter().all(|c| from.column(c).is_some());
            for u in to.uniques.iter().filter(|u| !from.uniques.contains(u)) {
                if existing(&u.columns) {
                    out.push(duplicates(schema, &from.name, &u.columns, d));
                }
            }
            out
        }
        Change::AddColumn { schema, table, .. } => vec![(
            format!("SELECT count(*) FROM {}", t(schema, table)),
            format!("{schema}.{table} has {{n}} row(s)"),
        )],
        Change::AddUnique {
            schema,
            table,
            unique,
        } => vec![duplicates(schema, table, &unique.columns, d)],
        Change::AddIndex {
            schema,
            table,
            index,
        } if index.unique => {
            let cols: Vec<String> = index
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    sealift_ir::IndexKey::Column(c) => Some(c.clone()),
                    sealift_ir::IndexKey::Expression(_) => None,
                })
                .collect();
            if cols.len() == index.parts.len() {
                vec![duplicates(schema, table, &cols, d)]
            } else {
                Vec::new()
            }
        }
        Change::AddForeignKey { schema, table, fk } => {
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
        Change::AddCheck {
            schema,
            table,
            check,
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
