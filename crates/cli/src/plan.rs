//! `sealift diff` and `sealift check`: the engine plans, this prints the plan (text, SQL,
//! JSON, Markdown) or the check's result.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sealift_diff::{Plan, render_steps};
use sealift_engine::{CheckReport, Checked};

use crate::args::{CheckArgs, DiffArgs, DiffFormat, Format};
use crate::report::{self, Console, Style, notes_suffix, print};
use crate::{EXIT_DRIFT, EXIT_FAILED};
use sealift_workflow::config::Project;

/// Prints the plan in the requested format; exit 0 whatever it holds.
pub async fn diff(args: DiffArgs) -> Result<ExitCode> {
    let mut project = Project::load(&args.project.with_tenants(&args.tenants))?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    sealift_engine::tenants::plan_on_first(&mut project, &Console).await?;
    let renames = sealift_engine::parse_renames(&args.policy.renames)?;
    let mut planned = sealift_engine::plan(&project, renames, &Console).await?;
    // The sizes are the reviewer's: the text says them, as autogen's header does.
    let fills = args.online.fills()?;
    let sizes = sealift_engine::online::apply(&mut planned, args.online.over(project.online)).await;
    sealift_engine::online::backfill(&mut planned, &fills, false)?;
    let sizes = sizes.findings(&planned.plan);
    let plan = planned.plan;
    let text = match args.format {
        DiffFormat::Text if plan.is_empty() => {
            format!("No changes detected{}\n", notes_suffix(&plan))
        }
        DiffFormat::Text => report::plan_text(&plan, &sizes, Style::stdout()),
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
    let project = Project::load(&args.project.with_tenants(&args.tenants))?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    if args.replay {
        return crate::verify::replay(
            project,
            args.shadow_url.as_deref(),
            sealift_engine::verify::Replay::UpOnly,
        )
        .await;
    }
    let renames = sealift_engine::parse_renames(&args.policy.renames)?;
    if project.fans_out() {
        let report =
            sealift_engine::check(&project, renames, args.tenants.jobs.into(), &Console).await?;
        return tenants_report(&report, args.format);
    }
    let url = project.database_url()?;
    if args.format == Format::Json {
        let checked = sealift_engine::check_one(&project, renames, &Console).await;
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
        let report = CheckReport::new(vec![Checked {
            label: url.to_string(),
            database: url.to_string(),
            schema,
            status,
            plan,
            error,
        }]);
        print(&report.json()?)?;
        return Ok(check_exit(&report));
    }
    let plan = sealift_engine::check_one(&project, renames, &Console)
        .await?
        .plan;
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

/// `check` over many tenants, printed: every tenant's result, then the counts.
fn tenants_report(report: &CheckReport, format: Format) -> Result<ExitCode> {
    if format == Format::Json {
        print(&report.json()?)?;
        return Ok(check_exit(report));
    }
    let style = Style::stdout();
    let mut out = String::new();
    for t in &report.tenants {
        let name = &t.label;
        match (&t.plan, &t.error) {
            (_, Some(e)) => {
                let _ = writeln!(out, "{name}: {}", style.warn(&format!("error: {e}")));
            }
            (Some(plan), None) => {
                let _ = writeln!(
                    out,
                    "{name}: {}",
                    style.warn(&format!("drift, {} change(s)", plan.up.len()))
                );
                for line in report::plan_text(plan, &[], style).lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            (None, None) => {
                let _ = writeln!(out, "{name}: in sync");
            }
        }
    }
    let _ = writeln!(
        out,
        "Checked {} tenant(s): {} in sync, {} drifted, {} could not be checked",
        report.tenants.len(),
        report.in_sync,
        report.drift,
        report.error
    );
    if !report.not_compared.is_empty() {
        let _ = writeln!(
            out,
            "Not compared per tenant: the entities naming schema(s) {} (schema_name); check those with `sealift check --schema NAME`",
            report.not_compared.join(", ")
        );
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(check_exit(report))
}

/// 0 all in sync, 1 some drift, 2 some could not be checked.
fn check_exit(report: &CheckReport) -> ExitCode {
    if report.error > 0 {
        ExitCode::from(EXIT_FAILED)
    } else if report.drift > 0 {
        ExitCode::from(EXIT_DRIFT)
    } else {
        ExitCode::SUCCESS
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
