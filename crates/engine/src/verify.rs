//! `verify` and `check --replay`: the migration history run on a scratch database
//! ([`sealift_workflow::scratch`]), never on the development one. `verify` applies it from base
//! to head one migration at a time: up, down (the catalog must be exactly what it was before
//! up), up again; at head the schema must match the entities, as `check` compares them.
//! `check --replay` only goes up to head and compares. The scratch database is dropped at the
//! end on every path; the caller races the work against Ctrl-C and drops it then too.

use anyhow::Result;
use sealift_catalog::DatabaseUrl;
use sealift_diff::Plan;
use sealift_ir::Schema;
use sealift_workflow::config::Project;
use sealift_workflow::runner::{Flavor, Runner, Served};
use sealift_workflow::scratch::Scratch;
use sealift_workflow::{Direction, MigrationCrate, Place, Progress, Request, Tenant};

use crate::observer::Observer;

/// How far a replay goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Each migration up, down and up again (`verify`).
    BothWays,
    /// Up to head only (`check --replay`).
    UpOnly,
}

/// What a replay found.
#[derive(Debug)]
pub enum Verdict {
    /// Every migration restored what its up changed, and head matches the entities.
    Holds {
        /// The migrations replayed.
        migrations: usize,
    },
    /// A migration's down did not give back the catalog its up started from.
    NotRestored {
        /// The migration.
        name: String,
        /// The catalog's lines before up and not after down (`-`), and after down and not
        /// before up (`+`), in the form `sealift inspect` prints.
        difference: Vec<String>,
    },
    /// At head, the schema the history makes differs from the entities.
    NotEntities {
        /// The plan from that schema to the entities.
        plan: Plan,
    },
}

/// A scratch database for a replay: `shadow` when given, else one made beside the project's
/// database. The caller drops it ([`Scratch::remove`]) however the replay ends.
pub async fn scratch(
    project: &Project,
    shadow: Option<DatabaseUrl>,
    observer: &dyn Observer,
) -> Result<Scratch> {
    let dev = project.database_url()?;
    let _progress = observer.working("making a scratch database");
    Ok(Scratch::create(&dev, shadow).await?)
}

/// Replays the crate's history on the scratch database at `url` and judges it. `on` hears
/// each migration as it starts (its name, its index, how many).
pub async fn replay(
    mut project: Project,
    krate: &MigrationCrate,
    url: &DatabaseUrl,
    how: Replay,
    observer: &dyn Observer,
    on: &mut (dyn FnMut(&str, usize, usize) + Send),
) -> Result<Verdict> {
    judge(&mut project, krate, url, how, observer, on).await
}

async fn judge(
    project: &mut Project,
    krate: &MigrationCrate,
    url: &DatabaseUrl,
    how: Replay,
    observer: &dyn Observer,
    on: &mut (dyn FnMut(&str, usize, usize) + Send),
) -> Result<Verdict> {
    // Where `--schema NAME` runs migrations, they run in the scratch database too.
    let tenant = Tenant {
        url: url.clone(),
        schema: project.migration_schema.clone(),
    };
    if let Some(schema) = &tenant.schema {
        sealift_workflow::scratch::create_schema(url, schema).await?;
    }
    let total = krate.migrations.len();
    // One runner serves every step of the replay.
    let runner = Runner::build(krate, Flavor::ONLINE)?;
    let served = runner.serve(&krate.history_table, None)?;
    let result = steps(project, krate, &tenant, &served, how, on).await;
    served.finish();
    if let Some(verdict) = result? {
        return Ok(verdict);
    }
    // At head: what `check` would say of the scratch database.
    let schema = project.migration_schema.clone();
    project.narrow_to(url.expose(), schema);
    let plan = crate::plan::plan(project, Vec::new(), observer).await?.plan;
    if plan.is_empty() {
        Ok(Verdict::Holds { migrations: total })
    } else {
        Ok(Verdict::NotEntities { plan })
    }
}

/// Moves the scratch database through the history: each migration up (and, for
/// [`Replay::BothWays`], down, compared, up again). `Some` is the first migration that does not
/// restore the schema.
async fn steps(
    project: &Project,
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    how: Replay,
    on: &mut (dyn FnMut(&str, usize, usize) + Send),
) -> Result<Option<Verdict>> {
    let total = krate.migrations.len();
    let mut quiet = |_: Progress| {};
    let request = |direction, target| Request {
        direction,
        target,
        lock_timeout: None,
        lock_wait: None,
        confirmed: true,
        expected: None,
    };
    let url = &tenant.url;
    for (i, m) in krate.migrations.iter().enumerate() {
        on(&m.name, i, total);
        let up = request(Direction::Up, Place::Name(m.name.clone()));
        if how == Replay::BothWays {
            let before = catalog(project, url).await?;
            sealift_workflow::run_served(krate, tenant, served, &up, &mut quiet).await?;
            let down = request(Direction::Down, Place::Relative(-1));
            sealift_workflow::run_served(krate, tenant, served, &down, &mut quiet).await?;
            let difference = lines_apart(&before, &catalog(project, url).await?);
            if !difference.is_empty() {
                return Ok(Some(Verdict::NotRestored {
                    name: m.name.clone(),
                    difference,
                }));
            }
        }
        sealift_workflow::run_served(krate, tenant, served, &up, &mut quiet).await?;
    }
    Ok(None)
}

/// The scratch database's catalog, as `inspect` prints it.
async fn catalog(project: &Project, url: &DatabaseUrl) -> Result<String> {
    let schema: Schema = sealift_catalog::reflect(url, &project.reflect_options())
        .await?
        .schema;
    Ok(sealift_ir::dump(&schema))
}

/// The lines of `before` missing from `after` (`- `) and the lines of `after` missing from
/// `before` (`+ `), each side in its order.
fn lines_apart(before: &str, after: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    for line in &b {
        if !a.contains(line) {
            out.push(format!("- {line}"));
        }
    }
    for line in &a {
        if !b.contains(line) {
            out.push(format!("+ {line}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::lines_apart;

    #[test]
    fn lines_apart_names_each_side() {
        assert!(lines_apart("a\nb\n", "a\nb\n").is_empty());
        assert_eq!(
            lines_apart("t\n  index i\n", "t\n  index j\n"),
            vec!["-   index i", "+   index j"]
        );
    }
}
