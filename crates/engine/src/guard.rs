//! The head guard: `check` and `autogen` plan only against a database whose migrations are
//! all applied, so a plan never proposes what a pending migration does.

use anyhow::{Result, bail};
use sealift_catalog::DatabaseUrl;
use sealift_workflow::config::Project;
use sealift_workflow::{MigrationCrate, Status, Tenant};

/// Stops `autogen` and `check` when the database is not at head: planning against a database
/// that lacks migrations the crate has would write them again. Skipped when there is no
/// migration crate.
pub async fn require_head(project: &Project, url: &DatabaseUrl, command: &str) -> Result<()> {
    if !project.migration_dir.join("src/lib.rs").exists() {
        return Ok(());
    }
    let krate = MigrationCrate::load(&project.migration_dir)?;
    let tenant = Tenant {
        url: url.clone(),
        schema: project.migration_schema.clone(),
    };
    let status = sealift_workflow::status_for_planning(&krate, &tenant).await?;
    match not_at_head(&status, command) {
        Some(problem) => bail!("{problem}"),
        None => Ok(()),
    }
}

/// Why `command` must not plan against a database at `status`: two heads, a run in
/// progress, a migration that stopped part way, pending migrations, or applied ones the crate
/// lacks.
pub fn not_at_head(status: &Status, command: &str) -> Option<String> {
    if let Err(e) = sealift_workflow::require_one_head(status) {
        return Some(e.to_string());
    }
    // A run part way through looks applied (MySQL marks a migration before it runs) or
    // pending; either way the catalog is between two states.
    if let Some(holder) = &status.running {
        return Some(format!(
            "a migration run is in progress on this database (it holds the migration lock: {holder}); wait for it to finish, then run `sealift {command}`"
        ));
    }
    if let Some(advice) = status.dirty_advice() {
        return Some(format!(
            "the database is not at head: {advice}; then run `sealift {command}`"
        ));
    }
    let pending: Vec<&str> = status.pending().map(|e| e.name.as_str()).collect();
    if !pending.is_empty() {
        return Some(format!(
            "the database is not up to date: {} pending ({}); run `sealift upgrade` first, then `sealift {command}`",
            match pending.len() {
                1 => "1 migration".to_owned(),
                n => format!("{n} migrations"),
            },
            pending.join(", ")
        ));
    }
    if !status.missing.is_empty() {
        return Some(format!(
            "the database has migrations the crate does not ({}); restore their files, or `sealift stamp` the database to a migration the crate has",
            status
                .missing
                .iter()
                .map(|m| m.version.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    None
}
