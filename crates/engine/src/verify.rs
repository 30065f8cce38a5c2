//! `verify` and `check --replay`: the migration history run on a scratch database
//! ([`sealift_workflow::scratch`]), never on the development one. `verify` applies it from base
//! to head one migration at a time: up, down (the catalog must be exactly what it was before
//! up), up again; at head the schema must match the entities, as `check` compares them.
//! `check --replay` only goes up to head and compares. The scratch database is dropped at the
//! end on every path; the caller races the work against Ctrl-C and drops it then too.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use sealift_catalog::DatabaseUrl;
use sealift_diff::Plan;
use sealift_ir::Schema;
use sealift_workflow::config::Project;
use sealift_workflow::runner::{Runner, Served};
use sealift_workflow::scratch::{self, Answer, Scratch};
use sealift_workflow::{Direction, MigrationCrate, Place, Progress, Request, Tenant};

use crate::observer::Observer;
use crate::sample;

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
    /// A migration's up or down failed on the scratch database.
    Fails {
        /// The migration.
        name: String,
        /// Which run of it failed.
        step: Step,
        /// What the run said.
        error: String,
        /// How many generated rows the tables held then.
        rows: usize,
    },
    /// Generated rows were not all there after a migration's down and up again.
    RowsLost {
        /// The migration.
        name: String,
        /// Each table that lost rows.
        tables: Vec<Lost>,
    },
}

/// Which run of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Its up, the first time.
    Up,
    /// Its down, after the up.
    Down,
    /// Its up again, after the down.
    UpAgain,
}

impl Step {
    /// How a sentence names it.
    pub fn label(self) -> &'static str {
        match self {
            Step::Up => "up",
            Step::Down => "down",
            Step::UpAgain => "up (run again after its down)",
        }
    }
}

/// Rows of one table missing after a migration's down and up again.
#[derive(Debug)]
pub struct Lost {
    /// The table.
    pub table: String,
    /// The columns compared (those the table had before the migration's up).
    pub columns: Vec<String>,
    /// How many rows are gone or changed.
    pub count: usize,
    /// How many rows the table held before the down.
    pub of: usize,
    /// Some of them, each value as the server prints it (`None` for NULL).
    pub examples: Vec<Vec<Option<String>>>,
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
    runner: &Runner,
    url: &DatabaseUrl,
    how: Replay,
    observer: &dyn Observer,
    on: &mut (dyn FnMut(&str, usize, usize) + Send),
) -> Result<Verdict> {
    judge(&mut project, krate, runner, url, how, observer, on).await
}

async fn judge(
    project: &mut Project,
    krate: &MigrationCrate,
    runner: &Runner,
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
    // Replayed from nothing: a shadow database the user names must be empty, or its
    // history and tables would make every step mean something else.
    let there: Vec<String> = catalog(project, url)
        .await?
        .tables()
        .map(|(ns, t)| format!("{}.{}", ns.name, t.name))
        .take(3)
        .collect();
    if !there.is_empty() {
        anyhow::bail!(
            "the scratch database {url} is not empty (it holds {}); a replay starts from nothing: name an empty shadow database, or empty this one",
            there.join(", ")
        );
    }
    let total = krate.migrations.len();
    // One runner serves every step of the replay.
    let served = runner.serve(&krate.history_table, None, 0)?;
    let result = steps(project, krate, &tenant, &served, how, observer, on).await;
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
/// [`Replay::BothWays`], generated rows written, down, compared, up again, the rows looked
/// for). `Some` is the first migration that does not hold.
async fn steps(
    project: &Project,
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    how: Replay,
    observer: &dyn Observer,
    on: &mut (dyn FnMut(&str, usize, usize) + Send),
) -> Result<Option<Verdict>> {
    let total = krate.migrations.len();
    let mut rows = Rows {
        next: 1,
        ..Rows::default()
    };
    for (i, m) in krate.migrations.iter().enumerate() {
        on(&m.name, i, total);
        let up = Place::Name(m.name.clone());
        let failed = |step, error, rows: &Rows| {
            Some(Verdict::Fails {
                name: m.name.clone(),
                step,
                error,
                rows: rows.held,
            })
        };
        if how == Replay::UpOnly {
            if let Some(error) = run(krate, tenant, served, Direction::Up, up).await? {
                return Ok(failed(Step::Up, error, &rows));
            }
            continue;
        }
        let url = &tenant.url;
        let before = catalog(project, url).await?;
        if let Some(error) = run(krate, tenant, served, Direction::Up, up.clone()).await? {
            return Ok(failed(Step::Up, error, &rows));
        }
        let after = catalog(project, url).await?;
        let (written, kept) = rows.write(url, &after, &before, observer).await?;
        let down = Place::Relative(-1);
        if let Some(error) = run(krate, tenant, served, Direction::Down, down).await? {
            return Ok(failed(Step::Down, error, &rows));
        }
        let difference = lines_apart(
            &sealift_ir::dump(&before),
            &sealift_ir::dump(&catalog(project, url).await?),
        );
        if !difference.is_empty() {
            return Ok(Some(Verdict::NotRestored {
                name: m.name.clone(),
                difference,
            }));
        }
        if let Some(error) = run(krate, tenant, served, Direction::Up, up).await? {
            return Ok(failed(Step::UpAgain, error, &rows));
        }
        let again = read(url, &written).await?;
        let tables = lost(&written, &kept, &again);
        if !tables.is_empty() {
            return Ok(Some(Verdict::RowsLost {
                name: m.name.clone(),
                tables,
            }));
        }
        // Gone again before the next migration, which meets the tables as the history leaves
        // them.
        rows.clear(url, &written).await?;
    }
    Ok(None)
}

/// Runs the crate one way to `target` on the scratch database; `Some` is what a migration's
/// failure said (other failures, of the runner or the connection, are errors).
async fn run(
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    direction: Direction,
    target: Place,
) -> Result<Option<String>> {
    let request = Request {
        direction,
        target,
        lock_timeout: None,
        lock_retries: 0,
        lock_wait: None,
        confirmed: true,
        expected: None,
    };
    let mut quiet = |_: Progress| {};
    match sealift_workflow::run_served(krate, tenant, served, &request, &mut quiet).await {
        Ok(_) => Ok(None),
        Err(sealift_workflow::Error::Run(said)) => Ok(Some(said)),
        Err(e) => Err(e.into()),
    }
}

/// The generated rows of a replay.
#[derive(Default)]
struct Rows {
    /// Rows the tables hold now.
    held: usize,
    /// The number of the next row to generate.
    next: usize,
    /// Tables already reported as getting none, with why.
    told: BTreeSet<(String, String)>,
}

impl Rows {
    /// Writes rows in the tables `after` has that `before` had. Answers the tables that took
    /// them, each with its rows that are sealift's: those read back after the write that were
    /// not there before it (a migration's own rows, which its up may write again under other
    /// keys, are not compared). A table that gets none is reported once.
    async fn write(
        &mut self,
        url: &DatabaseUrl,
        after: &Schema,
        before: &Schema,
        observer: &dyn Observer,
    ) -> Result<(Vec<sample::Insert>, Vec<Answer>)> {
        let planned = sample::rows(after, before, self.next);
        self.next = planned.next;
        let mut tell = |table: &sealift_ir::QualifiedName, why: String| {
            if self.told.insert((table.to_string(), why.clone())) {
                observer.note(&format!(
                    "no generated rows in {table}: {why}; its rows are not checked"
                ));
            }
        };
        for (table, why) in &planned.skipped {
            tell(table, why.clone());
        }
        let present = read(url, &planned.inserts).await?;
        let (sql, at) = planned.statements();
        let answers = scratch::run_each(url, &sql)
            .await
            .map_err(anyhow::Error::msg)?;
        let refused: Vec<&sealift_ir::QualifiedName> = planned
            .inserts
            .iter()
            .zip(&at)
            .filter(|(_, i)| answers[**i].is_err())
            .map(|(insert, _)| &insert.table)
            .collect();
        let mut written = Vec::new();
        let mut theirs = Vec::new();
        let mut dangling = Vec::new();
        for ((insert, i), present) in planned.inserts.iter().zip(&at).zip(present) {
            match &answers[*i] {
                // Written with checks off, pointing at rows another table then refused:
                // deleted again, so that no row points at nothing.
                Ok(_) if insert.needs.iter().any(|n| refused.contains(&n)) => {
                    dangling.extend(insert.delete.clone());
                    tell(&insert.table, "rows it references were refused".to_owned());
                }
                Ok(_) => {
                    self.held += sample::PER_TABLE;
                    written.push(insert.clone());
                    theirs.push(present);
                }
                Err(e) => tell(&insert.table, format!("the server refused them ({e})")),
            }
        }
        if !dangling.is_empty() {
            scratch::run_each(url, &dangling)
                .await
                .map_err(anyhow::Error::msg)?;
        }
        let now = read(url, &written).await?;
        let ours = now
            .into_iter()
            .zip(theirs)
            .map(|(now, theirs)| {
                let (now, theirs) = (now?, theirs.unwrap_or_default());
                Ok(sample::missing(&now, &theirs, usize::MAX).1)
            })
            .collect();
        Ok((written, ours))
    }

    /// Deletes the rows written in `tables`, children first.
    async fn clear(&mut self, url: &DatabaseUrl, tables: &[sample::Insert]) -> Result<()> {
        let sql: Vec<String> = tables
            .iter()
            .rev()
            .filter_map(|i| i.delete.clone())
            .collect();
        scratch::run_each(url, &sql)
            .await
            .map_err(anyhow::Error::msg)?;
        let deleted = tables.iter().filter(|i| i.delete.is_some()).count();
        self.held = self.held.saturating_sub(deleted * sample::PER_TABLE);
        Ok(())
    }
}

/// Every row of each table, as its read-back query gives them.
async fn read(url: &DatabaseUrl, tables: &[sample::Insert]) -> Result<Vec<Answer>> {
    let sql: Vec<String> = tables.iter().map(|i| i.read_back.clone()).collect();
    scratch::run_each(url, &sql)
        .await
        .map_err(anyhow::Error::msg)
}

/// The tables whose rows before the down are not all there after the up again.
fn lost(tables: &[sample::Insert], kept: &[Answer], again: &[Answer]) -> Vec<Lost> {
    let mut out = Vec::new();
    for ((insert, kept), again) in tables.iter().zip(kept).zip(again) {
        let Ok(kept) = kept else { continue };
        let (count, examples) = match again {
            Ok(again) => sample::missing(kept, again, 3),
            // The table cannot be read any more: every row is lost to the application.
            Err(_) => (kept.len(), kept.iter().take(3).cloned().collect()),
        };
        if count > 0 {
            out.push(Lost {
                table: insert.table.to_string(),
                columns: insert.columns.clone(),
                count,
                of: kept.len(),
                examples,
            });
        }
    }
    out
}

/// The scratch database's catalog.
async fn catalog(project: &Project, url: &DatabaseUrl) -> Result<Schema> {
    Ok(sealift_catalog::reflect(url, &project.reflect_options())
        .await?
        .schema)
}

/// The lines of `before` missing from `after` (`- `) and the lines of `after` missing from
/// `before` (`+ `), each side in its order, counted (a line twice on one side and once on the
/// other is a difference). An indented line (a column, an index) is named with the lines it
/// stands under (namespace, table), so that the same column line in two tables is told apart.
fn lines_apart(before: &str, after: &str) -> Vec<String> {
    fn keyed(text: &str) -> Vec<String> {
        // The lines each line stands under (less indented, above it): namespace, table.
        let mut above: Vec<(usize, &str)> = Vec::new();
        text.lines()
            .map(|line| {
                let body = line.trim_start();
                let indent = line.len() - body.len();
                while above.last().is_some_and(|(i, _)| *i >= indent) {
                    above.pop();
                }
                let mut key: Vec<&str> = above.iter().map(|(_, t)| *t).collect();
                key.push(body);
                above.push((indent, body));
                key.join(": ")
            })
            .collect()
    }
    fn missing(from: &[String], other: &[String], sign: &str, out: &mut Vec<String>) {
        let mut left: HashMap<&str, usize> = HashMap::new();
        for line in other {
            *left.entry(line).or_default() += 1;
        }
        for line in from {
            match left.get_mut(line.as_str()) {
                Some(n) if *n > 0 => *n -= 1,
                _ => out.push(format!("{sign} {line}")),
            }
        }
    }
    let (b, a) = (keyed(before), keyed(after));
    let mut out = Vec::new();
    missing(&b, &a, "-", &mut out);
    missing(&a, &b, "+", &mut out);
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
            vec!["- t: index i", "+ t: index j"]
        );
        // The same column line under two tables: one of them lost it.
        assert_eq!(
            lines_apart("a\n  c int\nb\n  c int\n", "a\nb\n  c int\n"),
            vec!["- a: c int"]
        );
        assert_eq!(lines_apart("a\n  x\n  x\n", "a\n  x\n"), vec!["- a: x"]);
    }
}
