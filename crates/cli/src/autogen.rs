//! `sealift autogen <Name>`: plan, then write the migration file and register it in lib.rs.
//!
//! Everything that can fail is checked before the first write: the name, the migration crate's
//! lib.rs, the plan, the destructive-change guard. Then the file is written and lib.rs replaced,
//! each through a temporary file; if the second write fails the first is removed.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sealift_diff::{Change, HazardKind, Plan};
use sealift_ir::{Column, Dialect};

use crate::args::AutogenArgs;
use crate::config::Project;
use crate::files;
use crate::plan::{self, Planned, print};
use crate::report::{self, Style};

/// Exit code when the plan would lose data and `--allow-destructive` was not given.
const EXIT_REFUSED: u8 = 1;

/// Writes the migration for the current drift.
pub async fn run(args: AutogenArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project)?.with_policy(&args.policy);
    let module = sealift_codegen::module_name(&args.name, &files::timestamp())?;
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path).with_context(|| {
        format!(
            "cannot read {}; run `sealift init` first, or pass --migration-dir",
            lib_path.display()
        )
    })?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    let planned = plan::plan(&project, &args.policy).await?;
    let plan = &planned.plan;
    if plan.is_empty() {
        print(&format!(
            "No changes detected{}\n",
            plan::notes_suffix(plan)
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Style::stdout();
    if plan.is_destructive() && !args.allow_destructive {
        print(&refusal(plan, style))?;
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    let findings = findings(&planned).await;
    let command = format!("sealift autogen {}", args.name);
    let text = sealift_codegen::migration_file(
        plan,
        &sealift_codegen::MigrationOptions {
            default_schema: planned.default_schema.clone(),
            command,
            findings: findings.clone(),
        },
    );
    let file = project
        .migration_dir
        .join("src")
        .join(format!("{module}.rs"));
    files::write_new(&file, &text)?;
    if let Err(e) = files::replace(&lib_path, &new_lib) {
        files::undo(&[file]);
        return Err(e);
    }
    print(&format!(
        "{}{}\n",
        report::plan_text(plan, &findings, style),
        style.bold(&format!(
            "Wrote {} and registered it in {}",
            file.display(),
            lib_path.display()
        ))
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// What would be lost and how to keep it.
fn refusal(plan: &Plan, style: Style) -> String {
    let mut out = format!(
        "{}\n",
        style.danger("Nothing written: this migration would lose data.")
    );
    for h in plan.hazards().filter(|h| h.kind == HazardKind::Destructive) {
        let _ = writeln!(out, "  - {}", h.message);
    }
    out.push_str(
        "To keep the data:\n\
         \x20 - a renamed column: mark the field #[sea_orm(renamed_from = \"old_name\")], or pass --rename table.old=new\n\
         \x20 - a renamed table: pass --rename old_table=new_table\n\
         To drop it on purpose: run again with --allow-destructive\n",
    );
    out
}

/// Row and NULL counts for the data-dependent steps, read from the live database. Counting is
/// best effort: when it fails the reviewer is told, and the migration is still written.
async fn findings(planned: &Planned) -> Vec<String> {
    let d = planned.plan.dialect;
    let asks: Vec<(String, String)> = planned
        .plan
        .up
        .iter()
        .filter(|s| {
            s.hazards
                .iter()
                .any(|h| h.kind == HazardKind::DataDependent)
        })
        .flat_map(|s| count_queries(&s.change, d))
        .collect();
    if asks.is_empty() {
        return Vec::new();
    }
    let sql: Vec<String> = asks.iter().map(|(q, _)| q.clone()).collect();
    match sealift_catalog::counts(&planned.url, &sql).await {
        Ok(counts) => asks
            .iter()
            .zip(counts)
            .map(|((_, what), n)| what.replace("{n}", &n.to_string()))
            .collect(),
        Err(e) => vec![format!("row counts unavailable: {e}")],
    }
}

/// `(query, sentence with {n})` pairs for one change.
fn count_queries(c: &Change, d: Dialect) -> Vec<(String, String)> {
    let t = |schema: &str, table: &str| qualified(schema, table, d);
    let q = |n: &str| quote(n);
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
    let list: Vec<String> = cols.iter().map(|c| quote(c)).collect();
    // Rows with a NULL in the key never collide.
    let present: Vec<String> = list.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    (
        format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} GROUP BY {} HAVING count(*) > 1) d",
            qualified(schema, table, d),
            present.join(" AND "),
            list.join(", ")
        ),
        format!(
            "{{n}} group(s) of duplicate rows in {schema}.{table} ({})",
            cols.join(", ")
        ),
    )
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn qualified(schema: &str, table: &str, d: Dialect) -> String {
    if d == Dialect::Sqlite && (schema == "main" || schema.is_empty()) {
        quote(table)
    } else {
        format!("{}.{}", quote(schema), quote(table))
    }
}
