//! What `autogen` refuses to write, decided before anything is written: a plan that loses
//! data without `--allow-destructive`, one the database would reject as planned, one that
//! would fail on the rows the database holds now.

use anyhow::{Result, bail};
use sealift_catalog::DatabaseUrl;
use sealift_diff::HazardKind;
use sealift_workflow::config::Project;

use crate::plan::Planned;

/// Refuses to plan against a database of a backend the project does not list in `backends`:
/// the migration written would have no code for the database it was planned on.
pub fn backend_listed(project: &Project, url: &DatabaseUrl) -> Result<()> {
    let dialect = url.dialect();
    if project.backends.is_empty() || project.backends.contains(&dialect) {
        return Ok(());
    }
    let listed: Vec<&str> = project.backends.iter().map(|d| d.as_str()).collect();
    bail!(
        "the database is {}, which `backends` in sealift.toml does not list ({}); add {} to backends, or plan against a database of a listed backend",
        dialect.product(),
        listed.join(", "),
        dialect.as_str()
    )
}

/// What to do with a plan.
pub enum Verdict {
    /// Nothing to write: the database matches the entities.
    Empty,
    /// The plan loses data and that was not allowed.
    LosesData,
    /// A step would fail as planned (a blocked hazard).
    Blocked,
    /// Steps that would fail on rows the database holds now, as findings.
    FailsOnRows(Vec<String>),
    /// Write it, with the row and NULL counts of its data-dependent steps.
    Write(Vec<String>),
}

/// Judges `planned`: the first reason not to write it, or the findings to write it with.
pub async fn judge(planned: &Planned, allow_destructive: bool) -> Verdict {
    let plan = &planned.plan;
    if plan.is_empty() {
        return Verdict::Empty;
    }
    if plan.is_destructive() && !allow_destructive {
        return Verdict::LosesData;
    }
    if plan.hazards().any(|h| h.kind == HazardKind::Blocked) {
        return Verdict::Blocked;
    }
    let (findings, in_the_way) = findings(planned).await;
    if in_the_way.is_empty() {
        Verdict::Write(findings)
    } else {
        Verdict::FailsOnRows(in_the_way)
    }
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
