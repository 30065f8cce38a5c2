//! The migration workflow on the user's own sea-orm-migration crate: where a database stands
//! (`current`, `history`), moving it (`upgrade`, `downgrade`), recording without running
//! (`stamp`), offline SQL, parallel branches (`heads`, `merge`), and the lock that keeps two
//! runs from applying a migration twice.
//!
//! - [`config`] finds the project's inputs: flags, the environment and `.env`, `sealift.toml`,
//!   the usual folders of a SeaORM project.
//! - [`migrations`] reads the crate (lib.rs order, files, headers, checksums) without building it.
//! - [`history`] reads and writes the history table sea-orm-migration keeps, per backend, and
//!   holds the lock. The catalog crate stays read-only; this is the one that writes.
//! - [`status`] is pure: the crate and the history rows in, where the database stands and what a
//!   target means out.
//! - [`runner`] builds and runs the small crate through which the user's migration code runs.

pub mod config;
pub mod error;
pub mod history;
pub mod migrations;
pub mod runner;
pub mod status;

use std::time::Duration;

use sealift_catalog::{Backend, DatabaseUrl};

pub use error::{Error, Result};
use history::Store;
pub use migrations::MigrationCrate;
use runner::{Event, Runner, Step};
pub use status::{Status, Target};

/// Which way a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply pending migrations.
    Up,
    /// Roll back applied ones.
    Down,
}

/// What a run reports as it goes, for the CLI to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Another run holds the lock; this one waits.
    Waiting,
    /// The runner's report on one migration.
    Runner(Event),
    /// An applied migration's file changed since it was applied.
    Edited(String),
}

/// Where the database at `url` stands against `krate`. A database without the history table
/// has nothing applied.
pub async fn status(krate: &MigrationCrate, url: &DatabaseUrl) -> Result<Status> {
    let mut store = Store::open(url, &krate.history_table).await?;
    let applied = store.applied().await;
    store.close().await;
    Ok(Status::new(krate, &applied?))
}

/// The steps a target means, names only, for listing before a run.
pub fn plan(status: &Status, direction: Direction, target: &Target) -> Result<Vec<String>> {
    let entries = match direction {
        Direction::Up => status.upgrade_steps(target)?,
        Direction::Down => status.downgrade_steps(target)?,
    };
    Ok(entries.into_iter().map(|e| e.name.clone()).collect())
}

/// Refuses to go on when `lib.rs` holds two branches nobody merged.
pub fn require_one_head(status: &Status) -> Result<()> {
    if status.heads.len() > 1 {
        return Err(Error::Target(format!(
            "multiple heads: {}; two branches each added a migration on top of the same one. Run `sealift merge` to put them in one line",
            status.heads.join(", ")
        )));
    }
    Ok(())
}

/// What `upgrade` or `downgrade` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Up or down.
    pub direction: Direction,
    /// Where to.
    pub target: Target,
    /// How long a migration's statement may wait for a lock before it fails (none: forever).
    pub lock_timeout: Option<Duration>,
}

/// Moves the database to the request's target: builds the runner, takes the lock, reads the
/// history again under it, and runs what is still to do, each migration in its own
/// transaction where the backend has transactional DDL. Returns the migrations it ran.
pub async fn run(
    krate: &MigrationCrate,
    url: &DatabaseUrl,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<String>> {
    let (direction, target) = (request.direction, &request.target);
    let before = status(krate, url).await?;
    if let Some(advice) = before.dirty_advice() {
        return Err(Error::Target(advice));
    }
    if direction == Direction::Up {
        require_one_head(&before)?;
    }
    if plan(&before, direction, target)?.is_empty() {
        return Ok(Vec::new());
    }
    let runner = Runner::build(krate)?;
    let mut store = Store::open(url, &krate.history_table).await?;
    let result = run_locked(krate, url, &runner, &mut store, request, on).await;
    store.close().await;
    result
}

async fn run_locked(
    krate: &MigrationCrate,
    url: &DatabaseUrl,
    runner: &Runner,
    store: &mut Store,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<String>> {
    let (direction, target) = (request.direction, &request.target);
    store.lock(&mut || on(Progress::Waiting)).await?;
    let now = Status::new(krate, &store.applied().await?);
    if let Some(advice) = now.dirty_advice() {
        return Err(Error::Target(advice));
    }
    for e in now.entries.iter().filter(|e| e.edited) {
        on(Progress::Edited(e.name.clone()));
    }
    let steps: Vec<Step> = plan(&now, direction, target)?
        .into_iter()
        .map(|name| Step {
            checksum: krate.checksum(&name),
            up: direction == Direction::Up,
            name,
        })
        .collect();
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let mut done = Vec::new();
    let result = runner.apply(
        url,
        &krate.history_table,
        &steps,
        request.lock_timeout,
        &mut |event| {
            if let Event::Done(name, _) = &event {
                done.push(name.clone());
            }
            on(Progress::Runner(event));
        },
    );
    result.map(|()| done)
}

/// Records the database as being at `target` without running anything: the migrations up to
/// it become applied, those after it pending. Returns (recorded, removed).
pub async fn stamp(
    krate: &MigrationCrate,
    url: &DatabaseUrl,
    target: &Target,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut store = Store::open(url, &krate.history_table).await?;
    let result = async {
        store.lock(&mut || {}).await?;
        let now = Status::new(krate, &store.applied().await?);
        let end = match target {
            Target::Head => now.entries.len(),
            Target::Base => 0,
            Target::Name(n) => now.resolve(n)? + 1,
            Target::Relative(_) => {
                return Err(Error::Target(
                    "stamp takes head, base or a migration, not a step count".to_owned(),
                ));
            }
        };
        let add: Vec<(String, String)> = now.entries[..end]
            .iter()
            .filter(|e| !e.is_applied())
            .map(|e| (e.name.clone(), krate.checksum(&e.name)))
            .collect();
        let mut remove: Vec<String> = now.entries[end..]
            .iter()
            .filter(|e| e.is_applied())
            .map(|e| e.name.clone())
            .collect();
        // Applied migrations whose files are gone: at base or head they go too.
        remove.extend(now.missing.iter().map(|m| m.version.clone()));
        store.stamp(&add, &remove).await?;
        Ok((add.into_iter().map(|(n, _)| n).collect(), remove))
    }
    .await;
    store.close().await;
    result
}

/// The SQL the migrations `from` (exclusive; base when `None`) to `to` would run on `backend`,
/// without a database: upward for [`Direction::Up`]; for [`Direction::Down`], `from` is where
/// the database is (head when `None`) and `to` where it goes.
pub fn offline_sql(
    krate: &MigrationCrate,
    backend: Backend,
    direction: Direction,
    from: Option<&Target>,
    to: &Target,
) -> Result<String> {
    let all = Status::new(krate, &[]);
    let up = direction == Direction::Up;
    let (from, to) = match (direction, from) {
        (Direction::Up, from) => (from.cloned(), to.clone()),
        (Direction::Down, from) => (Some(from.cloned().unwrap_or(Target::Head)), to.clone()),
    };
    let to = match (&to, up) {
        (Target::Relative(n), false) if *n > 0 => Target::Relative(-n),
        _ => to,
    };
    let range = all.range(from.as_ref(), &to)?;
    let mut names: Vec<&str> = all.entries[range].iter().map(|e| e.name.as_str()).collect();
    if !up {
        names.reverse();
    }
    let steps: Vec<Step> = names
        .iter()
        .map(|n| Step {
            name: (*n).to_owned(),
            up,
            checksum: String::new(),
        })
        .collect();
    let runner = Runner::build(krate)?;
    runner.sql(backend, &krate.history_table, &steps)
}
