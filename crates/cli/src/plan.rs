//! `sealift diff` and `sealift check`: reflect the database, read the entities, plan.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sealift_catalog::DatabaseUrl;
use sealift_diff::{DiffOptions, Plan, Rename, render_steps};
use sealift_entity::{LowerOptions, Lowered};
use sealift_ir::{Dialect, Schema};

use crate::args::{CheckArgs, DiffArgs, DiffFormat, Format, PolicyArgs};
use crate::report::{self, Style};
use crate::tenants::{CheckReport, Checked};
use crate::{entities, progress};
use sealift_workflow::config::Project;

/// Exit code of `check` when the database drifts from the entities.
const EXIT_DRIFT: u8 = 1;

/// A plan and what it was made from.
pub struct Planned {
    /// The plan.
    pub plan: Plan,
    /// The database it was planned against.
    pub url: DatabaseUrl,
}

/// Prints the plan in the requested format; exit 0 whatever it holds.
pub async fn diff(args: DiffArgs) -> Result<ExitCode> {
    let mut project = Project::load(&args.project.inputs())?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    crate::tenants::plan_on_first(&mut project).await?;
    let plan = plan(&project, &args.policy).await?.plan;
    let text = match args.format {
        DiffFormat::Text if plan.is_empty() => {
            format!("No changes detected{}\n", notes_suffix(&plan))
        }
        DiffFormat::Text => report::plan_text(&plan, &[], Style::stdout()),
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
pub async fn check(args: CheckArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project.inputs())?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    if project.fans_out() {
        return crate::tenants::check(
            &project,
            &args.policy,
            args.format,
            args.project.jobs.into(),
        )
        .await;
    }
    let url = project.database_url()?;
    if args.format == Format::Json {
        let checked = async {
            crate::workflow::require_head(&project, &url, "check").await?;
            plan(&project, &args.policy).await
        }
        .await;
        let (status, plan, error) = match checked {
            Ok(p) if p.plan.up.is_empty() => ("in_sync", None, None),
            Ok(p) => ("drift", Some(p.plan), None),
            Err(e) => (
                "error",
                None,
                Some(sealift_catalog::redact(&format!("{e:#}"))),
            ),
        };
        let schema = plan
            .as_ref()
            .map(|p| p.default_schema.clone())
            .unwrap_or_default();
        return CheckReport::new(vec![Checked {
            label: url.to_string(),
            database: url.to_string(),
            schema,
            status,
            plan,
            error,
        }])
        .print_json();
    }
    crate::workflow::require_head(&project, &url, "check").await?;
    let plan = plan(&project, &args.policy).await?.plan;
    if plan.is_empty() {
        print(&format!(
            "In sync: the database matches the entities{}\n",
            notes_suffix(&plan)
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Style::stdout();
    print(&format!(
        "{}\n{}",
        style.warn(&format!(
            "Drift: the database differs from the entities in {} change(s)",
            plan.up.len()
        )),
        report::plan_text(&plan, &[], style)
    ))?;
    Ok(ExitCode::from(EXIT_DRIFT))
}

/// Reflects the database and reads the entities for its dialect, then plans.
pub async fn plan(project: &Project, policy: &PolicyArgs) -> Result<Planned> {
    let url = project.database_url()?;
    let dirs = project.entity_dirs()?;
    let dialect = url.dialect();
    let renames = renames(policy)?;
    let progress =
        progress::Spinner::start(format!("reading the entity files and the catalog of {url}"));
    // The entity files are read, parsed and lowered on other threads while the catalog is
    // read; lowering waits for the default schema, which opening the catalog tells.
    let (lower_tx, lower_rx) = std::sync::mpsc::channel::<LowerOptions>();
    let lowering = {
        let dirs = dirs.to_vec();
        tokio::task::spawn_blocking(move || -> Result<Option<Lowered>> {
            let parsed = entities::read_and_parse(&dirs)?;
            let lowered = lower_rx
                .recv()
                .ok()
                .map(|options| sealift_entity::lower(&parsed, &options));
            // Not needed again, and freeing it piece by piece costs more than lowering did.
            std::mem::forget(parsed);
            Ok(lowered)
        })
    };
    let reflected = reflect(&url, project, dialect, lower_tx).await;
    let lowered = lowering
        .await
        .context("reading the entity files failed")??;
    let Reflected {
        schema: mut current,
        default_schema,
        available,
    } = reflected?;
    let mut desired =
        entities::report(lowered.context("the entity files were read but not lowered")?)?;
    reflect_named_schemas(&url, project, &desired, &available, &mut current).await?;
    drop(progress);
    project.filter(&mut current);
    project.filter(&mut desired);
    let options = DiffOptions {
        compare_server_defaults: project.compare_server_defaults,
        drop_unknown_tables: project.drop_unknown_tables,
        renames,
        default_schema,
        ..DiffOptions::new(dialect)
    };
    let plan = sealift_diff::diff(&desired, &current, &options);
    // The inputs are not needed again and the process ends soon: freeing tens of thousands of
    // small allocations one by one would cost more than the diff (docs/performance.md).
    std::mem::forget((desired, current));
    Ok(Planned { plan, url })
}

/// What [`reflect`] read.
struct Reflected {
    schema: Schema,
    /// The namespace entities without `schema_name` live in.
    default_schema: String,
    /// Every namespace the database has.
    available: Vec<String>,
}

/// Opens the catalog, sends the entities' lowering options (their default schema is the first
/// requested schema, or the connection's current one) to `lower_to`, then reads the catalog.
async fn reflect(
    url: &DatabaseUrl,
    project: &Project,
    dialect: Dialect,
    lower_to: std::sync::mpsc::Sender<LowerOptions>,
) -> Result<Reflected> {
    let catalog = sealift_catalog::open(url, &project.reflect_options()).await?;
    let mut lower = LowerOptions::new(dialect);
    if let Some(first) = project.schemas.first().or(catalog.schemas().first()) {
        lower.default_schema = first.clone();
    }
    // An `enum_name = "schema.type"` names a type of a schema the database has.
    lower.schemas = catalog.available().to_vec();
    lower.disabled_features = project.disabled_features.clone();
    let default_schema = lower.default_schema.clone();
    // The receiver is gone only when reading the entity files failed, which is reported.
    let _ = lower_to.send(lower);
    let available = catalog.available().to_vec();
    Ok(Reflected {
        schema: catalog.reflect().await?.schema,
        default_schema,
        available,
    })
}

/// The entities' `schema_name`s are compared too, whatever `--schema` says: a schema the
/// entities name and the first reflection left out is read now (one more round of the same
/// bulk queries), so its tables are never taken for new ones. A schema the database does not
/// have is an error naming it.
async fn reflect_named_schemas(
    url: &DatabaseUrl,
    project: &Project,
    desired: &Schema,
    available: &[String],
    current: &mut Schema,
) -> Result<()> {
    let missing: Vec<&String> = desired
        .namespaces
        .keys()
        .filter(|n| !current.namespaces.contains_key(*n))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let absent: Vec<&str> = missing
        .iter()
        .filter(|n| !available.contains(n))
        .map(|n| n.as_str())
        .collect();
    if !absent.is_empty() {
        bail!(
            "the entities name schema(s) {} that the database at {url} does not have (it has: {}); create them first (CREATE SCHEMA ...) or fix schema_name in the entities",
            absent.join(", "),
            available.join(", ")
        );
    }
    let mut options = project.reflect_options();
    options.schemas = missing.into_iter().cloned().collect();
    let more = sealift_catalog::reflect(url, &options).await?.schema;
    current.namespaces.extend(more.namespaces);
    Ok(())
}

/// The `--rename` flags, parsed.
pub fn renames(policy: &PolicyArgs) -> Result<Vec<Rename>> {
    policy.renames.iter().map(|r| parse_rename(r)).collect()
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

pub fn notes_suffix(plan: &Plan) -> String {
    match plan.notes.len() {
        0 => String::new(),
        n => format!(" ({n} note(s) on what is left alone; see sealift diff --format markdown)"),
    }
}

fn sql(plan: &Plan) -> String {
    let mut out = String::from("-- up\n");
    for stmt in render_steps(&plan.up, &plan.target()) {
        let _ = writeln!(out, "{stmt};");
    }
    out.push_str("-- down\n");
    for stmt in render_steps(&plan.down, &plan.target()) {
        let _ = writeln!(out, "{stmt};");
    }
    out
}

/// A pull-request comment: a table of steps with hazards, then notes. Every name is escaped
/// for where it lands (a code span, table cell text, a fenced block), so a hostile name
/// cannot end the span, the row or the block.
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
                .map(|h| format!("**{}**: {}", h.kind, md_text(&h.message)))
                .collect();
            let mut change = code_span(&s.change.to_string()).replace('|', "\\|");
            for c in s.change.rebuilt() {
                change.push_str("<br>- ");
                change.push_str(&code_span(&c.to_string()).replace('|', "\\|"));
            }
            let _ = writeln!(out, "| {} | {change} | {} |", i + 1, hazards.join("<br>"));
        }
        let sql = sql(plan);
        let fence = fence_for(&sql);
        let _ = write!(
            out,
            "\n<details><summary>SQL</summary>\n\n{fence}sql\n{sql}{fence}\n\n</details>\n"
        );
    }
    if !plan.notes.is_empty() {
        let _ = write!(
            out,
            "\n<details><summary>Left alone ({})</summary>\n\n",
            plan.notes.len()
        );
        for n in &plan.notes {
            let _ = writeln!(out, "- {}: {}", code_span(&n.subject), md_text(&n.message));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Line breaks as `\n` and `\r`, so a name stays on its line (a table row, a list item).
fn one_line(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}

/// `text` as a Markdown code span: fenced with one backtick more than its longest run of
/// backticks, padded when it starts or ends with one.
fn code_span(text: &str) -> String {
    let text = one_line(text);
    let run = longest_run(&text, '`');
    let ticks = "`".repeat(run + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `text` as plain Markdown text on one line: what Markdown or HTML would read as markup is
/// escaped (table pipes included).
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code fence longer than any run of backticks in `text`.
fn fence_for(text: &str) -> String {
    "`".repeat((longest_run(text, '`') + 1).max(3))
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut now) = (0, 0);
    for d in text.chars() {
        now = if d == c { now + 1 } else { 0 };
        best = best.max(now);
    }
    best
}

pub fn print(text: &str) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")
}

#[cfg(test)]
mod markdown_tests {
    use super::*;

    #[test]
    fn hostile_names_stay_in_their_span_row_and_block() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a\nb|c"), "`a\\nb|c`");
        // The break shows as `\n` (an escaped backslash, then n).
        assert_eq!(
            md_text("</details> *x* | y\nz"),
            "&lt;/details&gt; \\*x\\* \\| y\\\\nz"
        );
        assert_eq!(fence_for("a ```` b"), "`````");
        assert_eq!(fence_for("plain"), "```");
    }
}
