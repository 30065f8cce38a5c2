//! `sealift verify` and `sealift check --replay`: the history replayed on a scratch database
//! (the engine's `verify`), Ctrl-C raced against it, the scratch database dropped either way.

use std::process::ExitCode;

use anyhow::{Result, bail};
use sealift_catalog::DatabaseUrl;
use sealift_engine::verify::{Replay, Step, Verdict};
use sealift_workflow::MigrationCrate;
use sealift_workflow::config::Project;
use sealift_workflow::runner::{Flavor, Runner};

use crate::EXIT_DRIFT;
use crate::args::VerifyArgs;
use crate::report::{self, Console, Style, count, print};

/// Exit code when Ctrl-C stopped the work (a scratch database is dropped first).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// `sealift verify`.
pub async fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project.inputs())?;
    replay(project, args.shadow_url.as_deref(), Replay::BothWays).await
}

/// Replays the project's history on a scratch database and prints the verdict: exit 0 when it
/// holds, 1 naming what does not, 2 when it cannot run, 130 on Ctrl-C.
pub async fn replay(project: Project, shadow: Option<&str>, how: Replay) -> Result<ExitCode> {
    if project.fans_out() {
        bail!(
            "a replay runs on one scratch database: leave out the tenant selection (a schema glob, --all-schemas, --databases)"
        );
    }
    let krate = MigrationCrate::load(&project.migration_dir)?;
    let shadow = shadow
        .map(str::to_owned)
        .or_else(|| project.shadow_database_url.clone())
        .map(|u| DatabaseUrl::parse(&u))
        .transpose()?;
    // Built before the scratch database exists and before Ctrl-C is raced: a cargo build is
    // not something to interrupt half way.
    let runner = Runner::build(&krate, Flavor::ONLINE)?;
    let interrupted = interrupted()?;
    let scratch = sealift_engine::verify::scratch(&project, shadow, &Console).await?;
    let url = scratch.url.clone();
    eprintln!(
        "Replaying {} on the scratch database {url}",
        count(krate.migrations.len(), "migration")
    );
    let mut on = |name: &str, i: usize, n: usize| {
        let what = match how {
            Replay::BothWays => "up, down, up",
            Replay::UpOnly => "up",
        };
        eprintln!("  [{}/{n}] {name} ({what})", i + 1);
    };
    let work =
        sealift_engine::verify::replay(project, &krate, &runner, &url, how, &Console, &mut on);
    let outcome = tokio::select! {
        verdict = work => Some(verdict),
        () = interrupted => None,
    };
    let removed = scratch.remove().await;
    let Some(verdict) = outcome else {
        removed?;
        eprintln!("Interrupted: nothing was judged; the scratch database is dropped");
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    };
    let verdict = verdict?;
    removed?;
    let style = Style::stdout();
    match verdict {
        Verdict::Holds { migrations } => {
            let text = match how {
                Replay::BothWays => format!(
                    "Verified: each of {} restores the schema its up started from and keeps the rows of the tables it leaves, and head matches the entities\n",
                    count(migrations, "migration")
                ),
                Replay::UpOnly => format!(
                    "In sync: the history, replayed on a scratch database ({}), gives the entities' schema\n",
                    count(migrations, "migration")
                ),
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Verdict::NotRestored { name, difference } => {
            let mut text = style.warn(&format!(
                "{name} does not restore the schema: after its up and down the scratch database differs from before its up ({} line(s); - before, + after):",
                difference.len()
            ));
            text.push('\n');
            for line in &difference {
                text.push_str("  ");
                text.push_str(line);
                text.push('\n');
            }
            text.push_str("Make its down undo everything its up does, then verify again\n");
            print(&text)?;
            Ok(ExitCode::from(EXIT_DRIFT))
        }
        Verdict::NotEntities { plan } => {
            print(&format!(
                "{}\n{}",
                style.warn(&format!(
                    "Drift: the history, replayed from base to head, differs from the entities in {} change(s) (an entity with no migration, or a migration edited since it was written); `sealift autogen` writes the missing one",
                    plan.up.len()
                )),
                report::plan_text(&plan, &[], style)
            ))?;
            Ok(ExitCode::from(EXIT_DRIFT))
        }
        Verdict::Fails {
            name,
            step,
            error,
            rows,
        } => {
            let held = if rows > 0 {
                format!(" (its tables held {} then)", count(rows, "generated row"))
            } else {
                String::new()
            };
            let mut text = style.warn(&format!(
                "{name}: its {} failed on the scratch database{held}:",
                step.label()
            ));
            text.push('\n');
            for line in error.lines() {
                text.push_str("  ");
                text.push_str(line);
                text.push('\n');
            }
            let on_nulls = ["null value", "contains null", "cannot be null", "NOT NULL"]
                .iter()
                .any(|n| error.contains(n));
            text.push_str(if rows > 0 && step != Step::Down && on_nulls {
                "A migration must also run on tables that hold rows: give a new NOT NULL column a default, or add it nullable, fill it, then make it NOT NULL; then verify again\n"
            } else {
                "Fix the migration, then verify again\n"
            });
            print(&text)?;
            Ok(ExitCode::from(EXIT_DRIFT))
        }
        Verdict::RowsLost { name, tables } => {
            let mut text = style.warn(&format!(
                "{name} loses rows: after its down and up again, rows written before its down are gone or changed in {}:",
                count(tables.len(), "table")
            ));
            text.push('\n');
            for t in &tables {
                text.push_str(&format!(
                    "  {}: {} of {} (compared by {})\n",
                    t.table,
                    t.count,
                    count(t.of, "row"),
                    t.columns.join(", ")
                ));
                for row in &t.examples {
                    let cells: Vec<&str> =
                        row.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect();
                    text.push_str(&format!("    lost: ({})\n", cells.join(", ")));
                }
            }
            text.push_str(
                "Make its down keep the rows of the tables it leaves (no cascade; a rebuild copies every row), then verify again\n",
            );
            print(&text)?;
            Ok(ExitCode::from(EXIT_DRIFT))
        }
    }
}

/// Ctrl-C, listened for from now on: the handler is in place before the work starts.
pub(crate) fn interrupted() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigint = signal(SignalKind::interrupt())?;
        Ok(async move {
            sigint.recv().await;
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
