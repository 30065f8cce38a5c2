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
//!
//! Every command works on a [`Tenant`]: a database, or one PostgreSQL schema of it. The
//! `*_all` functions fan out over many with bounded concurrency, one runner process for all.

pub mod bundle;
pub mod config;
pub mod down;
pub mod error;
pub mod fresh;
pub mod history;
pub mod migrations;
pub mod runner;
pub mod scratch;
pub mod status;
pub mod time;

use std::time::Duration;

use futures_util::StreamExt;
use sealift_catalog::DatabaseUrl;
use sealift_ir::Dialect;

pub use error::{Error, Result};
use history::Store;
pub use migrations::MigrationCrate;
use runner::{Event, Flavor, Runner, Served, Step};
pub use status::{Place, Status};

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
    /// Another run holds the lock (who: `process 41 (psql, idle since ..)`); this one waits.
    Waiting(String),
    /// The runner's report on one migration.
    Runner(Event),
    /// An applied migration's file changed since it was applied.
    Edited(String),
}

impl MigrationCrate {
    /// Reads the crate at `dir` ([`migrations`]): `src/lib.rs` and every migration file it
    /// lists. A history table whose name the source does not show is asked of the compiled
    /// crate (its runner prints `Migrator::migration_table_name()`).
    pub fn load(dir: &std::path::Path) -> Result<MigrationCrate> {
        let (mut krate, unresolved) = MigrationCrate::read(dir)?;
        if unresolved {
            krate.history_table = Runner::build(&krate, Flavor::ONLINE)?.history_table()?;
        }
        Ok(krate)
    }
}

/// Where migrations run: a database and, on PostgreSQL, one schema of it, as
/// sea-orm-migration's `-s` does it (the connection's `search_path` set to that schema, so
/// unqualified names, the history table and the lock are the schema's). A SaaS application
/// with a schema or a database per customer has one tenant each.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The database.
    pub url: DatabaseUrl,
    /// The schema, or the connection's default.
    pub schema: Option<String>,
}

impl Tenant {
    /// The database's default schema.
    pub fn database(url: DatabaseUrl) -> Tenant {
        Tenant { url, schema: None }
    }

    /// How reports name it: the schema, the database (without a password), or both.
    pub fn label(&self, with_database: bool) -> String {
        match (&self.schema, with_database) {
            (Some(schema), false) => schema.clone(),
            (Some(schema), true) => format!("{} {schema}", self.url),
            (None, _) => self.url.to_string(),
        }
    }
}

/// Where the tenant stands against `krate`. A database without the history table has
/// nothing applied.
pub async fn status(krate: &MigrationCrate, tenant: &Tenant) -> Result<Status> {
    let mut store = open(krate, tenant).await?;
    let applied = store.applied().await;
    store.close().await;
    Ok(Status::new(krate, &applied?))
}

/// [`status`], and who holds the migration lock now ([`Status::running`]): what planning
/// against the database (`autogen`, `check`) must know, since a run part way through leaves
/// the catalog between two states.
pub async fn status_for_planning(krate: &MigrationCrate, tenant: &Tenant) -> Result<Status> {
    let mut store = open(krate, tenant).await?;
    let applied = store.applied().await;
    let running = match applied {
        Ok(_) => store.holder().await,
        Err(_) => None,
    };
    store.close().await;
    let mut status = Status::new(krate, &applied?);
    status.running = running;
    Ok(status)
}

/// [`status`] of each tenant, in order: the PostgreSQL schemas of one database on one
/// connection in two queries ([`Store::applied_in`]), the other tenants one at a time,
/// `jobs` at once.
pub async fn status_all(
    krate: &MigrationCrate,
    tenants: &[Tenant],
    jobs: usize,
) -> Vec<Result<Status>> {
    // The schema tenants of each PostgreSQL database, by their index.
    let mut by_database: Vec<(&DatabaseUrl, Vec<usize>)> = Vec::new();
    for (i, t) in tenants.iter().enumerate() {
        if t.url.dialect() != Dialect::Postgres || t.schema.is_none() {
            continue;
        }
        match by_database
            .iter_mut()
            .find(|(u, _)| u.expose() == t.url.expose())
        {
            Some((_, list)) => list.push(i),
            None => by_database.push((&t.url, vec![i])),
        }
    }
    let mut out: Vec<Option<Result<Status>>> = tenants.iter().map(|_| None).collect();
    let bulk = futures_util::stream::iter(by_database.into_iter().map(|(url, list)| async move {
        let schemas: Vec<String> = list
            .iter()
            .map(|&i| tenants[i].schema.clone().unwrap_or_default())
            .collect();
        let read = async {
            let mut store = Store::open(url, None, &krate.history_table).await?;
            let lists = store.applied_in(&schemas).await;
            store.close().await;
            lists
        }
        .await;
        (list, read)
    }))
    .buffer_unordered(jobs.max(1))
    .collect::<Vec<_>>()
    .await;
    // Where the bulk read failed (one schema's table unreadable), each is read on its own
    // below, so the error is that tenant's alone.
    for (list, read) in bulk {
        if let Ok(lists) = read {
            for (i, applied) in list.into_iter().zip(lists) {
                out[i] = Some(Ok(Status::new(krate, &applied)));
            }
        }
    }
    let rest: Vec<(usize, Result<Status>)> = futures_util::stream::iter(
        (0..tenants.len())
            .filter(|&i| out[i].is_none())
            .map(|i| async move { (i, status(krate, &tenants[i]).await) }),
    )
    .buffer_unordered(jobs.max(1))
    .collect()
    .await;
    for (i, status) in rest {
        out[i] = Some(status);
    }
    out.into_iter()
        .map(|s| s.expect("every tenant read"))
        .collect()
}

async fn open(krate: &MigrationCrate, tenant: &Tenant) -> Result<Store> {
    Store::open(&tenant.url, tenant.schema.as_deref(), &krate.history_table).await
}

/// The migrations a run to `target` goes through, names only, for listing before it runs.
pub fn steps_to(status: &Status, direction: Direction, target: &Place) -> Result<Vec<String>> {
    let entries = match direction {
        Direction::Up => status.upgrade_steps(target)?,
        Direction::Down => status.downgrade_steps(target)?,
    };
    Ok(entries.into_iter().map(|e| e.name.clone()).collect())
}

/// Why rolling back `steps` (to `target`) needs the user's `--yes`, if it does: going to base,
/// or a down that loses data or cannot be read with certainty ([`down`]).
pub fn needs_confirmation(status: &Status, target: &Place, steps: &[String]) -> Option<String> {
    if *target == Place::Base && !steps.is_empty() {
        return Some("going to base undoes every migration".to_owned());
    }
    let risky: Vec<String> = steps
        .iter()
        .filter_map(|name| {
            let e = status.entries.iter().find(|e| &e.name == name)?;
            e.header
                .down
                .needs_confirmation()
                .then(|| format!("{name} {}", e.header.down.summary()))
        })
        .collect();
    (!risky.is_empty()).then(|| format!("rolling back may lose data: {}", risky.join("; ")))
}

/// Refuses to go on when `lib.rs` holds two branches nobody merged.
pub fn require_one_head(status: &Status) -> Result<()> {
    if status.heads.len() > 1 {
        return Err(Error::Place(format!(
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
    pub target: Place,
    /// How long a migration's statement may wait for a lock before it fails (none: forever).
    pub lock_timeout: Option<Duration>,
    /// How many times a migration that timed out waiting for a lock (and was rolled back)
    /// runs again, after 1 s, 2 s, 4 s, ...
    pub lock_retries: u32,
    /// How long to wait for another run's migration lock (none: forever).
    pub lock_wait: Option<Duration>,
    /// The user said `--yes`: a down that loses data (or going to base) may run.
    pub confirmed: bool,
    /// The migrations the user was shown, when they were: under the lock they must still be
    /// the ones to run, or nothing runs.
    pub expected: Option<Vec<String>>,
}

/// Moves the tenant to the request's target: builds the runner, takes the lock, reads the
/// history again under it, and runs what is still to do, each migration in its own
/// transaction where the backend has transactional DDL. Returns the migrations it ran.
pub async fn run(
    krate: &MigrationCrate,
    tenant: &Tenant,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<String>> {
    if !work_to_do(krate, tenant, request, on).await? {
        return Ok(Vec::new());
    }
    let runner = Runner::build(krate, Flavor::ONLINE)?;
    let served = runner.serve(
        &krate.history_table,
        request.lock_timeout,
        request.lock_retries,
    )?;
    let result = run_tenant(krate, tenant, &served, request, on).await;
    served.finish();
    result.map(|(done, _)| done)
}

/// [`run`] through a runner already serving: one runner for a sequence of runs (`verify`
/// moves a scratch database three times per migration), built and started once. No history
/// read first: that spares [`run`] building a runner for nothing, and here one serves
/// already (the history is read under the lock either way).
pub async fn run_served(
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<String>> {
    run_tenant(krate, tenant, served, request, on)
        .await
        .map(|(done, _)| done)
}

/// Whether `request` has steps to run on the tenant now; when not, the edited files are told.
async fn work_to_do(
    krate: &MigrationCrate,
    tenant: &Tenant,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<bool> {
    let before = status(krate, tenant).await?;
    let needed = has_work(&before, request)?;
    if !needed {
        warn_edited(&before, on);
    }
    Ok(needed)
}

/// Whether `request` has steps to run from `status`; an error when it must not run (a dirty
/// migration, two heads going up).
fn has_work(status: &Status, request: &Request) -> Result<bool> {
    if let Some(advice) = status.dirty_advice() {
        return Err(Error::Place(advice));
    }
    refuse_down_over_part_applied(status, request.direction)?;
    if request.direction == Direction::Up {
        require_one_head(status)?;
    }
    Ok(!steps_to(status, request.direction, &request.target)?.is_empty())
}

/// A part-applied online migration is finished first: rolling back past it would run the
/// down of the one before it with it half done.
fn refuse_down_over_part_applied(status: &Status, direction: Direction) -> Result<()> {
    match status.entries.iter().find(|e| e.part_applied) {
        Some(e) if direction == Direction::Down => Err(Error::Place(format!(
            "{} stopped part way (part applied); finish it with `sealift upgrade` (each of its steps skips what is done), then roll back",
            e.name
        ))),
        _ => Ok(()),
    }
}

/// Tells of every applied migration whose file changed since, whether or not anything runs.
fn warn_edited(status: &Status, on: &mut (dyn FnMut(Progress) + Send)) {
    for e in status.entries.iter().filter(|e| e.edited) {
        on(Progress::Edited(e.name.clone()));
    }
}

/// How one tenant of [`run_all`] ended.
#[derive(Debug)]
pub struct Outcome {
    /// The migrations it ran.
    pub done: Vec<String>,
    /// Where it stands afterwards; `None` when its history could not be read.
    pub status: Option<Status>,
    /// Why it stopped, when it did.
    pub error: Option<Error>,
}

/// [`run`] on every tenant, `jobs` at a time, through one runner process: each tenant under
/// its own lock (keyed by database, schema and history table), a tenant's failure reported in
/// its [`Outcome`] while the others carry on. `on` hears each tenant's progress by its index,
/// `ended` each tenant's end. Errs only when the runner cannot be built.
pub async fn run_all(
    krate: &MigrationCrate,
    tenants: &[Tenant],
    request: &Request,
    jobs: usize,
    on: &(dyn Fn(usize, Progress) + Sync),
    ended: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Outcome>> {
    let before = status_all(krate, tenants, jobs).await;
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(tenants.len());
    let mut work = Vec::new();
    for (i, status) in before.into_iter().enumerate() {
        let checked = status.and_then(|s| has_work(&s, request).map(|w| (s, w)));
        outcomes.push(match checked {
            Ok((status, needed)) => {
                if needed {
                    work.push(i);
                } else {
                    warn_edited(&status, &mut |p| on(i, p));
                    ended(i);
                }
                Outcome {
                    done: Vec::new(),
                    status: Some(status),
                    error: None,
                }
            }
            Err(e) => {
                ended(i);
                Outcome {
                    done: Vec::new(),
                    status: None,
                    error: Some(e),
                }
            }
        });
    }
    if work.is_empty() {
        return Ok(outcomes);
    }
    let runner = Runner::build(krate, Flavor::ONLINE)?;
    let server = runner.serve(
        &krate.history_table,
        request.lock_timeout,
        request.lock_retries,
    )?;
    let served = &server;
    let stores = &Stores::default();
    let mut runs = futures_util::stream::iter(work.into_iter().map(|i| async move {
        let mut hear = |p: Progress| on(i, p);
        let tenant = &tenants[i];
        let ran = async {
            let mut store = stores.take(krate, tenant).await?;
            let result = run_in(krate, tenant, served, &mut store, request, &mut hear).await;
            stores.give(store, result.is_ok()).await;
            result
        };
        let outcome = match ran.await {
            Ok((done, status)) => Outcome {
                done,
                status: Some(status),
                error: None,
            },
            Err(e) => Outcome {
                done: Vec::new(),
                status: status(krate, &tenants[i]).await.ok(),
                error: Some(e),
            },
        };
        (i, outcome)
    }))
    .buffer_unordered(jobs.max(1));
    while let Some((i, outcome)) = runs.next().await {
        ended(i);
        outcomes[i] = outcome;
    }
    drop(runs);
    server.finish();
    stores.close().await;
    Ok(outcomes)
}

/// History connections kept between the tenants of a fan-out, by database: each tenant's
/// schema is set on one that is free (PostgreSQL), so connecting (a TLS handshake or more)
/// happens once per job slot rather than once per tenant.
#[derive(Default)]
struct Stores {
    idle: std::sync::Mutex<Vec<(String, Store)>>,
}

impl Stores {
    async fn take(&self, krate: &MigrationCrate, tenant: &Tenant) -> Result<Store> {
        let found = {
            let mut idle = self.idle.lock().expect("idle stores");
            let at = idle.iter().position(|(u, _)| u == tenant.url.expose());
            at.map(|i| idle.swap_remove(i).1)
        };
        if let (Some(mut store), Some(schema)) = (found, &tenant.schema)
            && store.use_schema(schema).await?
        {
            return Ok(store);
        }
        open(krate, tenant).await
    }

    /// Keeps `store` for the next tenant when its run went well and its lock is released;
    /// closes it otherwise.
    async fn give(&self, mut store: Store, well: bool) {
        if well && store.unlock().await {
            let url = store.url().to_owned();
            self.idle.lock().expect("idle stores").push((url, store));
        } else {
            store.close().await;
        }
    }

    async fn close(&self) {
        let all: Vec<(String, Store)> =
            std::mem::take(&mut *self.idle.lock().expect("idle stores"));
        for (_, store) in all {
            store.close().await;
        }
    }
}

/// One tenant's run on a runner that is up: lock, re-read, apply, read where it stands.
async fn run_tenant(
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<(Vec<String>, Status)> {
    let mut store = open(krate, tenant).await?;
    let result = run_in(krate, tenant, served, &mut store, request, on).await;
    store.close().await;
    result
}

/// [`run_tenant`] on an open store: lock, re-read, apply, read where it stands.
async fn run_in(
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    store: &mut Store,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<(Vec<String>, Status)> {
    let done = run_locked(krate, tenant, served, store, request, on).await?;
    // On a connection of its own when the server dropped this one while the runner worked.
    let after = match store.applied().await {
        Ok(applied) => Status::new(krate, &applied),
        Err(_) => status(krate, tenant).await?,
    };
    Ok((done, after))
}

async fn run_locked(
    krate: &MigrationCrate,
    tenant: &Tenant,
    served: &Served,
    store: &mut Store,
    request: &Request,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<String>> {
    let (direction, target) = (request.direction, &request.target);
    store
        .lock(request.lock_wait, &mut |holder| {
            on(Progress::Waiting(holder.to_owned()))
        })
        .await?;
    // Everything is decided here, under the lock: what another run did meanwhile counts.
    let now = Status::new(krate, &store.applied().await?);
    if let Some(advice) = now.dirty_advice() {
        return Err(Error::Place(advice));
    }
    refuse_down_over_part_applied(&now, direction)?;
    warn_edited(&now, on);
    let names = steps_to(&now, direction, target)?;
    if let Some(expected) = &request.expected
        && *expected != names
    {
        return Err(Error::Refused(format!(
            "nothing was run: the history changed while this command waited for the migration lock (another run moved the database). It was to run {}; it would now run {}. Run the command again to see the new list",
            list_or_nothing(expected),
            list_or_nothing(&names)
        )));
    }
    if direction == Direction::Down
        && !request.confirmed
        && let Some(why) = needs_confirmation(&now, target, &names)
    {
        return Err(Error::Refused(format!(
            "nothing was rolled back: {why}; run again with --yes to roll back"
        )));
    }
    let mut done = Vec::new();
    for name in names {
        // A lock lost while the runner worked (the server closed the idle connection) would
        // let a second run in: checked before each migration.
        store.still_locked().await?;
        let step = Step::of(krate, &name, direction == Direction::Up);
        served
            .apply(
                &tenant.url,
                tenant.schema.as_deref(),
                std::slice::from_ref(&step),
                &mut |event| {
                    if let Event::Done(name, _) = &event {
                        done.push(name.clone());
                    }
                    on(Progress::Runner(event));
                },
            )
            .await?;
    }
    Ok(done)
}

fn list_or_nothing(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

/// Records the database as being at `target` without running anything: the migrations up to
/// it become applied, those after it pending. Returns (recorded, removed).
pub async fn stamp(
    krate: &MigrationCrate,
    tenant: &Tenant,
    target: &Place,
    lock_wait: Option<Duration>,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<(Vec<String>, Vec<String>)> {
    let mut store = open(krate, tenant).await?;
    let result = async {
        store
            .lock(lock_wait, &mut |holder| {
                on(Progress::Waiting(holder.to_owned()))
            })
            .await?;
        let now = Status::new(krate, &store.applied().await?);
        let end = match target {
            Place::Head => now.entries.len(),
            Place::Base => 0,
            Place::Name(n) => now.resolve(n)? + 1,
            Place::Relative(_) => {
                return Err(Error::Place(
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
    backend: Dialect,
    direction: Direction,
    from: Option<&Place>,
    to: &Place,
) -> Result<String> {
    let all = Status::new(krate, &[]);
    let up = direction == Direction::Up;
    let (from, to) = match (direction, from) {
        (Direction::Up, from) => (from.cloned(), to.clone()),
        (Direction::Down, from) => (Some(from.cloned().unwrap_or(Place::Head)), to.clone()),
    };
    let to = match (&to, up) {
        (Place::Relative(n), false) if *n > 0 => Place::Relative(-n),
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
            checksum: String::new(),
            ..Step::of(krate, n, up)
        })
        .collect();
    let runner = Runner::build(krate, Flavor::OFFLINE)?;
    runner.sql(backend, &krate.history_table, &steps)
}
