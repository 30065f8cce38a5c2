//! Many tenants at once (`--schema 'tenant_*'`, `--all-schemas`, or a list of databases),
//! printed: `upgrade`, `downgrade`, `current` and `history` fan out over the tenants the
//! engine selects, `--jobs` at a time through one runner. Each tenant gets its own result; one
//! failing never stops the others.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use sealift_engine::tenants::{resolve, with_database};
use sealift_workflow::config::Project;
use sealift_workflow::{Direction, MigrationCrate, Outcome, Progress, Request, Status, Tenant};

use crate::args::Format;
use crate::progress;
use crate::report::{self, print};
use crate::{EXIT_DRIFT, EXIT_FAILED};

/// `sealift upgrade` or `downgrade` over many tenants: the progress, then a table of every
/// tenant and a summary. Exit 0 when every tenant got there, 2 when some failed.
pub async fn run(
    project: &Project,
    krate: &MigrationCrate,
    request: &Request,
    jobs: usize,
) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    if request.direction == Direction::Down && !request.confirmed {
        // The same guard as for one database (and again under each tenant's lock): a down
        // that loses data, or going to base, needs --yes.
        let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
        let why = statuses.iter().flatten().find_map(|status| {
            let steps = sealift_workflow::steps_to(status, Direction::Down, &request.target)
                .unwrap_or_default();
            sealift_workflow::needs_confirmation(status, &request.target, &steps)
        });
        if let Some(why) = why {
            eprintln!(
                "Nothing was rolled back in {} tenant(s): {why}; run again with --yes to roll back",
                tenants.len()
            );
            return Ok(ExitCode::from(EXIT_DRIFT));
        }
    }
    let started = Instant::now();
    let verb = match request.direction {
        Direction::Up => "upgrading",
        Direction::Down => "downgrading",
    };
    let bar = progress::Bar::start(format!("{verb} {} tenant(s)", tenants.len()), tenants.len());
    let lines = !bar.shown();
    let on = |i: usize, p: Progress| {
        if let (true, Progress::Runner(sealift_workflow::runner::Event::Done(name, ms))) =
            (lines, &p)
        {
            println!("{}: {name} done ({ms} ms)", tenants[i].label(several));
        }
        if let Progress::Edited(name) = &p {
            println!(
                "{}: warning: {name} changed after it was applied; the database has the version applied then",
                tenants[i].label(several)
            );
        }
        if let (Progress::Waiting(holder), true) = (&p, lines) {
            println!(
                "{}: waiting, another run holds its migration lock: {holder}",
                tenants[i].label(several)
            );
        }
    };
    let outcomes =
        sealift_workflow::run_all(krate, &tenants, request, jobs, &on, &|_| bar.tick()).await?;
    drop(bar);
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    let moved = outcomes.iter().filter(|o| !o.done.is_empty()).count();
    let mut out = summary_table(&tenants, &outcomes, several);
    let _ = writeln!(
        out,
        "{} {} of {} tenant(s) in {:.1} s; {} already there, {failed} failed",
        match request.direction {
            Direction::Up => "Upgraded",
            Direction::Down => "Rolled back",
        },
        moved,
        tenants.len(),
        started.elapsed().as_secs_f64(),
        tenants.len() - moved - failed,
    );
    if failed > 0 {
        out.push_str("Run the command again to finish the failed tenants: it applies only what is still pending\n");
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// One row per tenant: migrations run, where it is now, and how it ended.
fn summary_table(tenants: &[Tenant], outcomes: &[Outcome], several: bool) -> String {
    let rows: Vec<[String; 4]> = tenants
        .iter()
        .zip(outcomes)
        .map(|(t, o)| {
            let at = o.status.as_ref().map_or_else(
                || "?".to_owned(),
                |s| s.current().map_or("base".to_owned(), |e| e.name.clone()),
            );
            let result = match &o.error {
                Some(e) => format!("failed: {e}"),
                None => "ok".to_owned(),
            };
            [t.label(several), o.done.len().to_string(), at, result]
        })
        .collect();
    table(&["tenant", "ran", "now at", "result"], &rows)
}

/// A plain text table, columns padded to their widest cell (the last one not).
fn table<const N: usize>(head: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = head.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(head.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `sealift current` over many tenants: a line each; exit 0 when all are at head, 1 when some
/// are behind or inconsistent, 2 when some could not be read.
pub async fn current(project: &Project, krate: &MigrationCrate, jobs: usize) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
    let mut rows = Vec::new();
    let (mut behind, mut failed) = (0, 0);
    for (t, status) in tenants.iter().zip(&statuses) {
        let (at, state) = match status {
            Ok(s) => {
                let at = s.current().map_or("base".to_owned(), |e| e.name.clone());
                let pending = s.pending().count();
                let mut problems = String::new();
                report::problems(s, &mut problems);
                let state = if pending == 0 && s.consistent() {
                    "at head".to_owned()
                } else {
                    behind += 1;
                    let mut parts = Vec::new();
                    if pending > 0 {
                        parts.push(format!("{pending} pending"));
                    }
                    parts.extend(problems.lines().map(str::to_owned));
                    parts.join("; ")
                };
                (at, state)
            }
            Err(e) => {
                failed += 1;
                ("?".to_owned(), format!("error: {e}"))
            }
        };
        rows.push([t.label(several), at, state]);
    }
    let mut out = table(&["tenant", "current", "state"], &rows);
    let _ = writeln!(
        out,
        "{} tenant(s): {} at head, {behind} behind or inconsistent, {failed} could not be read{}",
        tenants.len(),
        tenants.len() - behind - failed,
        if behind > 0 {
            "; run `sealift upgrade` with the same selection"
        } else {
            ""
        }
    );
    print(&sealift_catalog::redact(&out))?;
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else if behind > 0 {
        ExitCode::from(EXIT_DRIFT)
    } else {
        ExitCode::SUCCESS
    })
}

/// `sealift history` over many tenants: each migration with how many tenants have it applied
/// (and which do not, when few); `--format json`: every tenant's history.
pub async fn history(
    project: &Project,
    krate: &MigrationCrate,
    format: Format,
    jobs: usize,
) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
    if format == Format::Json {
        let list: Vec<serde_json::Value> = tenants
            .iter()
            .zip(&statuses)
            .map(|(t, s)| {
                let mut value = serde_json::json!({
                    "database": t.url.to_string(),
                    "schema": t.schema,
                });
                match s {
                    Ok(s) => value["status"] = serde_json::to_value(s).unwrap_or_default(),
                    Err(e) => value["error"] = e.to_string().into(),
                }
                value
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "tenants": list }))
            .context("cannot write JSON")?;
        text.push('\n');
        print(&sealift_catalog::redact(&text))?;
        return Ok(ExitCode::SUCCESS);
    }
    let read: Vec<(&Tenant, &Status)> = tenants
        .iter()
        .zip(&statuses)
        .filter_map(|(t, s)| s.as_ref().ok().map(|s| (t, s)))
        .collect();
    let mut out = String::new();
    let all = Status::new(krate, &[]);
    for e in &all.entries {
        let lacking: Vec<String> = read
            .iter()
            .filter(|(_, s)| {
                !s.entries
                    .iter()
                    .any(|x| x.name == e.name && x.is_applied() && x.dirty.is_none())
            })
            .map(|(t, _)| t.label(several))
            .collect();
        let applied = read.len() - lacking.len();
        let _ = write!(out, "[applied in {applied} of {}] {}", read.len(), e.name);
        if !lacking.is_empty() && lacking.len() <= 10 {
            let _ = write!(out, " (not in: {})", lacking.join(", "));
        }
        out.push('\n');
    }
    if all.entries.is_empty() {
        out.push_str("No migrations yet\n");
    }
    let mut missing: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, s) in &read {
        for m in &s.missing {
            *missing.entry(m.version.as_str()).or_default() += 1;
        }
    }
    for (name, n) in missing {
        let _ = writeln!(out, "[applied in {n}] {name} (missing file)");
    }
    for (t, s) in tenants.iter().zip(&statuses) {
        if let Err(e) = s {
            let _ = writeln!(out, "{}: error: {e}", t.label(several));
        }
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(if statuses.iter().any(Result::is_err) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
