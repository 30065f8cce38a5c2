//! `sealift diff` and `sealift check`: reflect the database, read the entities, plan.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sealift_catalog::{Backend, DatabaseUrl, ReflectOptions};
use sealift_diff::{DiffOptions, Plan, Rename, render_steps};
use sealift_entity::LowerOptions;
use sealift_ir::Dialect;

use crate::args::{DiffArgs, DiffFormat, PlanArgs};
use crate::entities;

/// Exit code of `check` when the database drifts from the entities.
const EXIT_DRIFT: u8 = 1;

/// Prints the plan in the requested format; exit 0 whatever it holds.
pub async fn diff(args: DiffArgs) -> Result<ExitCode> {
    let plan = plan(&args.plan).await?;
    let text = match args.format {
        DiffFormat::Text if plan.is_empty() => {
            format!("No changes detected{}\n", notes_suffix(&plan))
        }
        DiffFormat::Text => plan.to_text(),
        DiffFormat::Sql => sql(&plan),
        DiffFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&plan).context("cannot serialize the plan as JSON")?;
            s.push('\n');
            s
        }
        DiffFormat::Markdown => markdown(&plan),
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 in sync, 1 on drift (printing the plan).
pub async fn check(args: PlanArgs) -> Result<ExitCode> {
    let plan = plan(&args).await?;
    if plan.is_empty() {
        print(&format!(
            "In sync: the database matches the entities{}\n",
            notes_suffix(&plan)
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    print(&format!(
        "Drift: the database differs from the entities in {} step(s)\n{}",
        plan.up.len(),
        plan.to_text()
    ))?;
    Ok(ExitCode::from(EXIT_DRIFT))
}

/// Reflects the database and reads the entities for its dialect, then plans.
async fn plan(args: &PlanArgs) -> Result<Plan> {
    let Some(raw) = args.database_url.as_deref() else {
        bail!("no database URL given; pass --database-url URL or set DATABASE_URL");
    };
    let url = DatabaseUrl::parse(raw)?;
    let dialect = match url.backend() {
        Backend::Postgres => Dialect::Postgres,
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Mysql => Dialect::Mysql,
    };
    let renames = args
        .renames
        .iter()
        .map(|r| parse_rename(r))
        .collect::<Result<Vec<_>>>()?;
    let current = sealift_catalog::reflect(
        &url,
        &ReflectOptions {
            schemas: args.schemas.clone(),
        },
    )
    .await?
    .schema;
    let mut lower = LowerOptions::new(dialect);
    if let Some(first) = args
        .schemas
        .first()
        .or_else(|| current.namespaces.keys().next())
    {
        lower.default_schema = first.clone();
    }
    let desired = entities::load(&args.entities, &lower)?;
    let options = DiffOptions {
        compare_server_defaults: args.compare_server_defaults,
        drop_unknown_tables: args.drop_unknown_tables,
        renames,
        ..DiffOptions::new(dialect)
    };
    Ok(sealift_diff::diff(&desired, &current, &options))
}

/// `old=new` (a table) or `table.old=new` (a column).
fn parse_rename(text: &str) -> Result<Rename> {
    let Some((from, to)) = text
        .split_once('=')
        .filter(|(f, t)| !f.is_empty() && !t.is_empty())
    else {
        bail!("invalid --rename `{text}`; write old=new for a table or table.old=new for a column");
    };
    let (table, from) = match from.split_once('.') {
        Some((t, f)) => (Some(t.to_owned()), f.to_owned()),
        None => (None, from.to_owned()),
    };
    Ok(Rename {
        table,
        from,
        to: to.to_owned(),
    })
}

fn notes_suffix(plan: &Plan) -> String {
    match plan.notes.len() {
        0 => String::new(),
        n => format!(" ({n} note(s) on what is left alone; see sealift diff --format markdown)"),
    }
}

fn sql(plan: &Plan) -> String {
    let mut out = String::from("-- up\n");
    for stmt in render_steps(&plan.up, plan.dialect) {
        let _ = writeln!(out, "{stmt};");
    }
    out.push_str("-- down\n");
    for stmt in render_steps(&plan.down, plan.dialect) {
        let _ = writeln!(out, "{stmt};");
    }
    out
}

/// A pull-request comment: a table of steps with hazards, then notes.
fn markdown(plan: &Plan) -> String {
    let mut out = String::from("### sealift plan\n\n");
    if plan.is_empty() {
        out.push_str("No changes detected.\n");
    } else {
        out.push_str("| # | change | hazards |\n|---|---|---|\n");
        for (i, s) in plan.up.iter().enumerate() {
            let hazards: Vec<String> = s
                .hazards
                .iter()
                .map(|h| format!("**{}**: {}", h.kind, h.message))
                .collect();
            let _ = writeln!(
                out,
                "| {} | `{}` | {} |",
                i + 1,
                s.change.to_string().replace('|', "\\|"),
                hazards.join("<br>").replace('|', "\\|")
            );
        }
        out.push_str("\n<details><summary>SQL</summary>\n\n```sql\n");
        out.push_str(&sql(plan));
        out.push_str("```\n\n</details>\n");
    }
    if !plan.notes.is_empty() {
        let _ = write!(
            out,
            "\n<details><summary>Left alone ({})</summary>\n\n",
            plan.notes.len()
        );
        for n in &plan.notes {
            let _ = writeln!(out, "- `{}`: {}", n.subject, n.message);
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn print(text: &str) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")
}
