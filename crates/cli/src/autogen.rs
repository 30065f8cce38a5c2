//! `sealift autogen <Name>`: plan, then write the migration file and register it in lib.rs.
//!
//! Everything that can fail is checked before the first write: the name, the migration crate's
//! lib.rs, the plan, the destructive-change guard. Then the file is written and lib.rs replaced,
//! each through a temporary file; if the second write fails the first is removed.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use sealift_diff::{HazardKind, Plan};
use sealift_engine::autogen::Verdict;
use sealift_engine::prove::{Proof, Prover};

use crate::args::AutogenArgs;
use crate::files;
use crate::report::{self, Console, Style, print};
use sealift_workflow::config::Project;

/// Exit code when the plan would lose data and `--allow-destructive` was not given.
const EXIT_REFUSED: u8 = 1;

/// Writes the migration for the current drift.
pub async fn run(args: AutogenArgs) -> Result<ExitCode> {
    let mut project = Project::load(&args.project.with_tenants(&args.tenants))?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    sealift_engine::tenants::plan_on_first(&mut project, &Console).await?;
    // Held from reading lib.rs to writing it: a second autogen waits, then finds this one's
    // migration pending and refuses, instead of writing it twice.
    sealift_codegen::module_name(&args.name, "00000000_000000")?;
    let _held = files::lock_crate(&project.migration_dir)?;
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = files::read_lib(&lib_path)?;
    let module = files::new_module(&project.migration_dir, &args.name, &lib)?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    let url = project.database_url()?;
    sealift_engine::autogen::backend_listed(&project, &url)?;
    // The proof's scratch database is made while the plan is worked out, and dropped however
    // this ends.
    // Ctrl-C stops the planning or the proof (nothing is written before both are done) and
    // the scratch database is dropped.
    let interrupted = crate::verify::interrupted()?;
    let mut prover = (!args.no_verify).then(|| Prover::start(&url));
    let work = write(
        &args,
        &project,
        &lib,
        &lib_path,
        &module,
        &new_lib,
        prover.as_mut(),
    );
    let written = tokio::select! {
        written = work => Some(written),
        () = interrupted => None,
    };
    if let Some(prover) = prover {
        prover.finish(&Console).await;
    }
    match written {
        Some(written) => written,
        None => {
            eprintln!("Interrupted: nothing was written");
            Ok(ExitCode::from(crate::verify::EXIT_INTERRUPTED))
        }
    }
}

/// Plans, proves (with `prover`), and writes the migration.
async fn write(
    args: &AutogenArgs,
    project: &Project,
    lib: &str,
    lib_path: &std::path::Path,
    module: &str,
    new_lib: &str,
    prover: Option<&mut Prover>,
) -> Result<ExitCode> {
    let url = project.database_url()?;
    sealift_engine::require_head(project, &url, "autogen").await?;
    let parent = sealift_codegen::registered(lib)?.pop();
    let renames = sealift_engine::parse_renames(&args.policy.renames)?;
    // The reflected schema is kept only for the proof; otherwise freed aside, as `plan` does.
    let (mut planned, current) = match prover {
        Some(_) => {
            let (planned, current) =
                sealift_engine::plan::plan_keeping_current(project, renames, &Console).await?;
            (planned, Some(current))
        }
        None => (
            sealift_engine::plan(project, renames, &Console).await?,
            None,
        ),
    };
    let fills = args.online.fills()?;
    let sizes = sealift_engine::online::apply(&mut planned, args.online.over(project.online)).await;
    sealift_engine::online::backfill(&mut planned, &fills, false)?;
    let mut verdict = sealift_engine::autogen::judge(&planned, args.allow_destructive).await;
    // NULLs in the way of a column made NOT NULL whose entity has a default: filled with it.
    if matches!(verdict, Verdict::FailsOnRows(_))
        && sealift_engine::online::backfill(&mut planned, &[], true)?
    {
        verdict = sealift_engine::autogen::judge(&planned, args.allow_destructive).await;
    }
    let plan = &planned.plan;
    let style = Style::stdout();
    let findings = match verdict {
        Verdict::Write(findings) => [sizes.findings(plan), findings].concat(),
        Verdict::Empty => {
            print(&format!(
                "No changes detected{}\n",
                report::notes_suffix(plan)
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        Verdict::LosesData => {
            print(&refusal(plan, style))?;
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
        Verdict::Blocked => {
            print(&blocked(plan, style))?;
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
        Verdict::FailsOnRows(in_the_way) => {
            print(&fails_on_rows(&in_the_way, style))?;
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    // Proven on a scratch copy of what it touches: a statement the server rejects is a refusal.
    let proof = match (prover, &current) {
        (Some(prover), Some(current)) => Some(prover.prove(plan, current, &Console).await),
        _ => None,
    };
    sealift_engine::plan::free_aside(current);
    match &proof {
        Some(Proof::Rejected {
            down,
            statement,
            error,
        }) => {
            print(&rejected(plan, *down, statement, error, style))?;
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
        Some(Proof::NotProven(why)) => {
            eprintln!("note: the plan was not proven on a scratch database: {why}");
        }
        _ => {}
    }
    let command = format!("sealift autogen {}", args.name);
    let text = sealift_codegen::migration_file(
        plan,
        &sealift_codegen::MigrationOptions {
            command,
            findings: findings.clone(),
            backends: project.backends.clone(),
            revises: Some(parent.unwrap_or_else(|| "base".to_owned())),
        },
    );
    let file = project
        .migration_dir
        .join("src")
        .join(format!("{module}.rs"));
    files::write_new(&file, &text)?;
    if let Err(e) = files::replace(lib_path, new_lib) {
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

/// The statement the server rejected on the scratch copy, and what to do.
fn rejected(plan: &Plan, down: bool, statement: &str, error: &str, style: Style) -> String {
    format!(
        "{}\n  {statement}\nfailed with: {error}\nIt was run on a scratch copy of the tables the migration touches; the development database is untouched. Change the entities so that {} accepts the change (or write the migration by hand with `sealift create`); --no-verify writes it anyway.\n",
        style.danger(&format!(
            "Nothing written: {} rejects this migration's {}:",
            plan.dialect.product(),
            if down { "down" } else { "up" }
        )),
        plan.dialect.product()
    )
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

/// What would make the migration fail, and what to do.
fn blocked(plan: &Plan, style: Style) -> String {
    let mut out = format!(
        "{}\n",
        style.danger("Nothing written: this migration would fail as planned.")
    );
    for h in plan.hazards().filter(|h| h.kind == HazardKind::Blocked) {
        let _ = writeln!(out, "  - {}", h.message);
    }
    out.push_str(
        "Change or drop what stands in the way first (by hand, or in a migration from `sealift create`), then run again.\n",
    );
    out
}

/// Why the migration would fail on the rows there now, and the ways out.
fn fails_on_rows(in_the_way: &[String], style: Style) -> String {
    let mut out = format!(
        "{}
",
        style.danger(
            "Nothing written: this migration would fail on the rows the database holds now."
        )
    );
    for f in in_the_way {
        let _ = writeln!(out, "  - {f}");
    }
    out.push_str(
        "Ways out:\n\
         \x20 - a NOT NULL column new to a table with rows, or a column made NOT NULL over NULLs: fill it in the same migration with --backfill table.column=<SQL expression> (added nullable, filled in batches, then made NOT NULL), or give the field a default (#[sea_orm(default_value = ...)]), or make it nullable (Option<T>)\n\
         \x20 - NULLs, duplicates, orphans or values the new type drops: fix those rows first, by hand or in a migration from `sealift create`, then run again\n",
    );
    out
}
