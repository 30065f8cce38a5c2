//! `sealift autogen <Name>`: plan, then write the migration file and register it in lib.rs.
//!
//! Everything that can fail is checked before the first write: the name, the migration crate's
//! lib.rs, the plan, the destructive-change guard. Then the file is written and lib.rs replaced,
//! each through a temporary file; if the second write fails the first is removed.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sealift_diff::{HazardKind, Plan};

use crate::args::AutogenArgs;
use crate::files;
use crate::plan::{self, Planned, print};
use crate::report::{self, Style};
use sealift_workflow::config::Project;

/// Exit code when the plan would lose data and `--allow-destructive` was not given.
const EXIT_REFUSED: u8 = 1;

/// Writes the migration for the current drift.
pub async fn run(args: AutogenArgs) -> Result<ExitCode> {
    let mut project = Project::load(&args.project.inputs())?.with_policy(
        args.policy.compare_server_defaults,
        args.policy.drop_unknown_tables,
    );
    crate::tenants::plan_on_first(&mut project).await?;
    // Held from reading lib.rs to writing it: a second autogen waits, then finds this one's
    // migration pending and refuses, instead of writing it twice.
    sealift_codegen::module_name(&args.name, "00000000_000000")?;
    let _held = files::lock_crate(&project.migration_dir)?;
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path).with_context(|| {
        format!(
            "cannot read {}; run `sealift init` first, or pass --migration-dir",
            lib_path.display()
        )
    })?;
    let module = files::new_module(&project.migration_dir, &args.name, &lib)?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    crate::workflow::require_head(&project, &project.database_url()?, "autogen").await?;
    let parent = sealift_codegen::registered(&lib)?.pop();
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
    if plan.hazards().any(|h| h.kind == HazardKind::Blocked) {
        print(&blocked(plan, style))?;
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    let (findings, in_the_way) = findings(&planned).await;
    if !in_the_way.is_empty() {
        print(&fails_on_rows(&in_the_way, style))?;
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    let command = format!("sealift autogen {}", args.name);
    let text = sealift_codegen::set_revises(
        &sealift_codegen::migration_file(
            plan,
            &sealift_codegen::MigrationOptions {
                command,
                findings: findings.clone(),
            },
        ),
        parent.as_deref(),
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

/// Row and NULL counts for the data-dependent steps, read from the live database, and those
/// among them that are not zero: each counts rows on which its step fails, so the migration
/// would fail as the database is now. Counting is best effort: when it fails the reviewer is
/// told, and the migration is still written.
async fn findings(planned: &Planned) -> (Vec<String>, Vec<String>) {
    let probes = sealift_diff::probes(&planned.plan);
    if probes.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let sql: Vec<String> = probes.iter().map(|p| p.sql.clone()).collect();
    let mut in_the_way = Vec::new();
    let findings = match sealift_catalog::counts(&planned.url, &sql).await {
        Ok(counts) => probes
            .iter()
            .zip(counts)
            .map(|(p, n)| match n {
                Ok(n) => {
                    if n > 0 {
                        in_the_way.push(p.finding(n));
                    }
                    p.finding(n)
                }
                Err(e) => format!("{} (not counted: {e})", p.finding_unknown()),
            })
            .collect(),
        Err(e) => vec![format!("row counts unavailable: {e}")],
    };
    (findings, in_the_way)
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
         \x20 - a NOT NULL column new to a table with rows: give the field a default (#[sea_orm(default_value = ...)]), or make it nullable (Option<T>)\n\
         \x20 - or fill it first: add it nullable now, write a migration from `sealift create` that fills it (UPDATE ...), then make it NOT NULL with `sealift autogen`\n\
         \x20 - NULLs, duplicates, orphans or values the new type drops: fix those rows first, by hand or in a migration from `sealift create`, then run again\n",
    );
    out
}
