//! Running the user's migration code without touching their crate: sealift writes a small
//! crate under the target folder (`target/sealift/runner-<hash>/`) that depends on the migration
//! crate by path, builds it with cargo (its progress shown), and runs it to apply migrations one
//! at a time or to print the SQL they would run. The runner's source is `runner/main.rs`.
//!
//! It comes in two flavors ([`Flavor`]): the one `upgrade` and `downgrade` run adds no feature
//! to any crate the migration crate builds with, so it shares every compiled dependency (and
//! the migration crate itself) with the user's own build in the same target folder; the one
//! `--sql` and bundles run also renders SQL offline, on sea-orm's `mock` connection, a feature
//! that makes cargo build sea-orm, sea-orm-migration and the migration crate once more.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sealift_catalog::DatabaseUrl;
use sealift_ir::Dialect;

use crate::error::{Error, Result};
use crate::fresh;
use crate::migrations::MigrationCrate;

/// The runner's source, with `__CRATE__` and `__MIGRATOR__` to fill in.
const RUNNER_MAIN: &str = include_str!("runner/main.rs");

/// A built runner for one migration crate.
#[derive(Debug, Clone)]
pub struct Runner {
    binary: PathBuf,
    /// What must live while the runner may still be started (a bundle's runner, unpacked).
    _keep: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

/// Which runner to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    /// It also renders SQL without a database (`--sql`; sea-orm's `mock` feature).
    pub offline: bool,
    /// An optimized build (`cargo build --release`), for a bundle.
    pub release: bool,
}

impl Flavor {
    /// What `upgrade` and `downgrade` run: a debug build sharing the user's dependencies.
    pub const ONLINE: Flavor = Flavor {
        offline: false,
        release: false,
    };
    /// What `--sql` runs.
    pub const OFFLINE: Flavor = Flavor {
        offline: true,
        release: false,
    };
}

/// One migration to run.
#[derive(Debug, Clone)]
pub struct Step {
    /// The migration's name.
    pub name: String,
    /// Up (apply) or down (roll back).
    pub up: bool,
    /// The checksum to record with it (up only).
    pub checksum: String,
    /// It rebuilds SQLite tables ([`crate::migrations::Migration::rebuilds_tables`]): on
    /// SQLite it runs with foreign keys off on the connection, checked before it commits.
    pub keys_off: bool,
    /// It runs online ([`crate::migrations::Header::online`]): on PostgreSQL without a
    /// transaction and safe to run again, so the runner runs it again after a lock timeout
    /// or a stop part way.
    pub rerun: bool,
}

impl Step {
    /// The step for migration `name` of `krate`, in this direction.
    pub fn of(krate: &MigrationCrate, name: &str, up: bool) -> Step {
        let m = krate.get(name);
        Step {
            name: name.to_owned(),
            up,
            checksum: if up {
                m.map(|m| m.checksum.clone()).unwrap_or_default()
            } else {
                String::new()
            },
            keys_off: m.is_some_and(|m| m.rebuilds_tables),
            rerun: m.is_some_and(|m| m.header.online),
        }
    }

    fn arg(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            if self.up { "up" } else { "down" },
            self.name,
            self.checksum,
            match (self.keys_off, self.rerun) {
                (true, true) => "ko",
                (true, false) => "k",
                (false, true) => "o",
                (false, false) => "-",
            }
        )
    }
}

/// What the runner reports while it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A migration starts.
    Start(String),
    /// It is applied (or rolled back) and recorded, in this many milliseconds.
    Done(String, u64),
    /// Another run applied (or rolled back) it first: nothing done.
    Skipped(String),
    /// Waiting for another run's write lock (SQLite).
    Waiting,
    /// Something the user should know that does not stop the run.
    Note(String),
    /// The migration waits for a lock on `on` (a table, or the kind of lock), held by `by`
    /// (PostgreSQL).
    LockWait {
        /// What it waits for: `public.post`.
        on: String,
        /// Who holds it: `process 41 (idle in transaction, open 12 s)`.
        by: String,
    },
    /// The migration gave up waiting for a lock, was rolled back, and runs again after
    /// `wait_ms` (retry `attempt` of `of`).
    Retry {
        /// The migration.
        name: String,
        /// Which retry this is, from 1.
        attempt: u32,
        /// How many there may be.
        of: u32,
        /// How long it waits first.
        wait_ms: u64,
    },
}

/// Whether a driver's message says the connection went (a server restart, a killed session,
/// a network failure) rather than that a statement failed.
fn connection_lost(detail: &str) -> bool {
    let detail = detail.to_lowercase();
    [
        "terminating connection",
        "server closed the connection",
        "connection reset",
        "connection refused",
        "broken pipe",
        "expected to read",
        "database system is shutting down",
        "server has gone away",
        "lost connection",
        "connection was killed",
    ]
    .iter()
    .any(|m| detail.contains(m))
}

/// What `cargo metadata` says about the migration crate.
#[derive(serde::Deserialize)]
struct Metadata {
    target_directory: PathBuf,
    workspace_root: PathBuf,
    packages: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
}

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(serde::Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

impl Runner {
    /// A runner built elsewhere (a bundle's): `keep` lives as long as the runner.
    pub(crate) fn prebuilt(binary: PathBuf, keep: Arc<dyn std::any::Any + Send + Sync>) -> Runner {
        Runner {
            binary,
            _keep: Some(keep),
        }
    }

    /// The executable.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// Writes the runner crate for `krate` and builds it, cargo's progress going to stderr;
    /// cargo is not asked when the last build is current ([`fresh`]). A bundle's crate
    /// carries its runner, which does everything: that one is used as it is.
    pub fn build(krate: &MigrationCrate, flavor: Flavor) -> Result<Runner> {
        if let Some(carried) = &krate.carried {
            return carried.runner();
        }
        let manifest = krate.dir.join("Cargo.toml");
        let manifest = std::fs::canonicalize(&manifest).map_err(|e| {
            Error::Crate(format!(
                "no Cargo.toml in the migration crate {} ({e}); pass --migration-dir",
                krate.dir.display()
            ))
        })?;
        let out = cargo()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest)
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| Error::Run(format!("cannot run cargo: {e}; is it on PATH?")))?;
        if !out.status.success() {
            return Err(Error::Crate(format!(
                "cargo cannot read {}: {}",
                manifest.display(),
                last_lines(&String::from_utf8_lossy(&out.stderr))
            )));
        }
        let meta: Metadata = serde_json::from_slice(&out.stdout)
            .map_err(|e| Error::Run(format!("cannot read cargo metadata: {e}")))?;
        let package = meta
            .packages
            .iter()
            .find(|p| p.manifest_path == manifest)
            .ok_or_else(|| Error::Crate(format!("{} is not a package", manifest.display())))?;

        let id = crate_id(&manifest);
        let suffix = if flavor.offline { "-sql" } else { "" };
        let name = format!("sealift-runner-{id}{suffix}");
        let dir = meta
            .target_directory
            .join("sealift")
            .join(format!("runner-{id}{suffix}"));
        std::fs::create_dir_all(dir.join("src"))
            .map_err(|e| Error::Run(format!("cannot create {}: {e}", dir.display())))?;
        let user_lock = meta.workspace_root.join("Cargo.lock");
        let versions = std::fs::read_to_string(&user_lock)
            .ok()
            .and_then(|t| toml::from_str::<Lock>(&t).ok())
            .map(|l| l.package)
            .unwrap_or_default();
        let pin = |crate_name: &str, fallback: &str| {
            versions
                .iter()
                .find(|p| p.name == crate_name)
                .map_or_else(|| fallback.to_owned(), |p| format!("={}", p.version))
        };
        let cargo_toml = format!(
            "# Written by sealift to run the migrations of {pkg}; rewritten on every run.\n\
             [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n\
             [features]\n\
             default = [{default}]\n\
             offline = [\"sea-orm/mock\"]\n\n\
             [dependencies]\n\
             user_migrations = {{ package = \"{pkg}\", path = {path} }}\n\
             sea-orm-migration = {{ version = \"{som}\", default-features = false }}\n\
             sea-orm = {{ version = \"{so}\", default-features = false }}\n\
             tokio = {{ version = \"{tokio}\", features = [\"rt\", \"time\", \"sync\"] }}\n",
            default = if flavor.offline { "\"offline\"" } else { "" },
            pkg = package.name,
            path = toml_string(
                &manifest
                    .parent()
                    .unwrap_or(Path::new("."))
                    .to_string_lossy()
            ),
            som = pin("sea-orm-migration", "2"),
            so = pin("sea-orm", "2"),
            tokio = pin("tokio", "1"),
        );
        let main = RUNNER_MAIN
            .replace("__CRATE__", "user_migrations")
            .replace("__MIGRATOR__", &krate.migrator);
        write_if_changed(&dir.join("Cargo.toml"), &cargo_toml)?;
        write_if_changed(&dir.join("src/main.rs"), &main)?;
        // The user's lock pins the shared dependencies to the versions their crate builds with.
        let lock = dir.join("Cargo.lock");
        if user_lock.exists() && newer(&user_lock, &lock) {
            std::fs::copy(&user_lock, &lock)
                .map_err(|e| Error::Run(format!("cannot copy {}: {e}", user_lock.display())))?;
        }

        let profile = if flavor.release { "release" } else { "debug" };
        let binary = meta
            .target_directory
            .join(profile)
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        let stamp = dir.join(format!("built-{profile}"));
        let mut read_too = vec![
            dir.join("Cargo.lock"),
            meta.workspace_root.join("Cargo.toml"),
        ];
        read_too.extend(user_lock.exists().then_some(user_lock));
        if fresh::is_fresh(&binary, &stamp, &read_too) {
            return Ok(Runner {
                binary,
                _keep: None,
            });
        }
        let started = std::time::SystemTime::now();
        let _ = std::fs::remove_file(&stamp);
        let status = cargo()
            .arg("build")
            .args(flavor.release.then_some("--release"))
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&meta.target_directory)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| Error::Run(format!("cannot run cargo: {e}")))?;
        if !status.success() {
            return Err(Error::Run(format!(
                "the migration crate {} does not build (cargo's errors above); fix it, then run again",
                krate.dir.display()
            )));
        }
        // Without the stamp the next run asks cargo again: nothing is lost but time.
        let _ = fresh::stamp(&stamp, started);
        Ok(Runner {
            binary,
            _keep: None,
        })
    }

    /// Starts the runner as a server of jobs ([`Served::apply`]): one process for every
    /// database and schema a command moves, each job on its own connection. A statement that
    /// waits longer than `lock_timeout` for a lock fails (PostgreSQL and MySQL).
    /// Such a migration, rolled back, runs again up to `lock_retries` times, after 1 s, 2 s,
    /// 4 s, ... (where it runs in a transaction).
    pub fn serve(
        &self,
        table: &str,
        lock_timeout: Option<Duration>,
        lock_retries: u32,
    ) -> Result<Served> {
        let timeout_ms = lock_timeout.map_or(0, |t| t.as_millis().max(1));
        let mut child = Command::new(&self.binary)
            .arg("serve")
            .arg(table)
            .env_remove("DATABASE_URL")
            .env("SEALIFT_LOCK_TIMEOUT_MS", timeout_ms.to_string())
            .env("SEALIFT_LOCK_RETRIES", lock_retries.to_string())
            // Jobs go in here; when sealift is gone it closes and the runner stops.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Run(format!("cannot start {}: {e}", self.binary.display())))?;
        let mut stderr = child.stderr.take().expect("piped");
        // Kept for the error; a migration's backfill progress (`backfill table.column: ...`,
        // the generated helper's) is shown as it comes.
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            for line in std::io::BufReader::new(&mut stderr).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("backfill ") {
                    eprintln!("  {line}");
                } else {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            text
        });
        let routes: Routes = Arc::default();
        let exit_text = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("piped");
        let reader = {
            let (routes, exit_text) = (Arc::clone(&routes), Arc::clone(&exit_text));
            std::thread::spawn(move || {
                for line in BufReader::new(stdout)
                    .lines()
                    .map_while(std::result::Result::ok)
                {
                    let Some((id, rest)) = line.split_once('\t') else {
                        continue;
                    };
                    let routes = routes.lock().expect("routes");
                    if let Some(to) = id.parse().ok().and_then(|id: u64| routes.get(&id)) {
                        let _ = to.send(rest.to_owned());
                    }
                }
                // The runner is gone: what it said last, then every waiting job hears it.
                *exit_text.lock().expect("exit text") = errors.join().unwrap_or_default();
                routes.lock().expect("routes").clear();
            })
        };
        Ok(Served {
            stdin: Mutex::new(child.stdin.take()),
            child,
            routes,
            next: AtomicU64::new(0),
            reader: Some(reader),
            exit_text,
            lock_timeout,
        })
    }

    /// The history table `Migrator::migration_table_name()` returns, asked of the compiled
    /// crate (for a name the source does not show).
    pub fn history_table(&self) -> Result<String> {
        let out = Command::new(&self.binary)
            .arg("table")
            .env_remove("DATABASE_URL")
            .output()
            .map_err(|e| Error::Run(format!("cannot start {}: {e}", self.binary.display())))?;
        let name = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !out.status.success() || name.is_empty() {
            return Err(Error::Run(format!(
                "cannot ask the migration crate for its history table: {}",
                last_lines(&String::from_utf8_lossy(&out.stderr))
            )));
        }
        Ok(name)
    }

    /// The SQL `steps` would run on `backend`, with the history-table statements, without a
    /// database. A migration that reads the database cannot be rendered: the error names it.
    pub fn sql(&self, backend: Dialect, table: &str, steps: &[Step]) -> Result<String> {
        let backend = match backend {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
        };
        let out = Command::new(&self.binary)
            .arg("sql")
            .arg(backend)
            .arg(table)
            .args(steps.iter().map(Step::arg))
            .env_remove("DATABASE_URL")
            .output()
            .map_err(|e| Error::Run(format!("cannot start {}: {e}", self.binary.display())))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let errors = String::from_utf8_lossy(&out.stderr);
        let offline = errors.lines().find_map(|l| l.strip_prefix("offline\t"));
        Err(Error::Run(match offline {
            Some(rest) => {
                let (name, what) = rest.split_once('\t').unwrap_or((rest, ""));
                format!(
                    "{name} reads the database ({what}), so its SQL cannot be written offline; apply it online with `sealift upgrade`, or render a range that leaves it out"
                )
            }
            None => format!("rendering SQL failed: {}", last_lines(&errors)),
        }))
    }
}

/// Where each job's report lines go, by job id.
type Routes = Arc<Mutex<HashMap<u64, tokio::sync::mpsc::UnboundedSender<String>>>>;

/// A runner taking jobs ([`Runner::serve`]); dropping it (or [`Served::finish`]) ends it.
pub struct Served {
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
    routes: Routes,
    next: AtomicU64,
    reader: Option<std::thread::JoinHandle<()>>,
    /// What the runner printed on stderr, once it has exited.
    exit_text: Arc<Mutex<String>>,
    lock_timeout: Option<Duration>,
}

impl Served {
    /// Applies `steps` in order on the database at `url` (with `search_path` set to `schema`
    /// on PostgreSQL), each recorded in the history table in its own transaction where it
    /// has one; `on_event` hears each start and end. The caller holds the lock.
    pub async fn apply(
        &self,
        url: &DatabaseUrl,
        schema: Option<&str>,
        steps: &[Step],
        on_event: &mut (dyn FnMut(Event) + Send),
    ) -> Result<()> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        self.routes.lock().expect("routes").insert(id, tx);
        let path = schema.map_or_else(|| "-".to_owned(), |s| hex(&quote_ident(s)));
        let mut line = format!("job\t{id}\t{}\t{path}", hex(&url.driver_url()));
        for step in steps {
            line.push('\t');
            line.push_str(&step.arg());
        }
        line.push('\n');
        let sent = match self.stdin.lock().expect("stdin").as_mut() {
            Some(stdin) => stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        let mut state = JobState::default();
        if sent.is_ok() {
            while let Some(line) = rx.recv().await {
                let mut parts = line.split('\t');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("ok"), _, _) => {
                        self.routes.lock().expect("routes").remove(&id);
                        return Ok(());
                    }
                    (Some("fail"), Some(detail), _) => {
                        self.routes.lock().expect("routes").remove(&id);
                        let detail = url.scrub(detail);
                        return Err(state.failure(&detail, self.lock_timeout));
                    }
                    (Some("start"), Some(name), _) => {
                        state = JobState {
                            current: Some(name.to_owned()),
                            ..JobState::default()
                        };
                        on_event(Event::Start(name.to_owned()));
                    }
                    (Some("done"), Some(name), ms) => {
                        state.current = None;
                        on_event(Event::Done(
                            name.to_owned(),
                            ms.and_then(|m| m.parse().ok()).unwrap_or(0),
                        ));
                    }
                    (Some("skip"), Some(name), _) => {
                        state.current = None;
                        on_event(Event::Skipped(name.to_owned()));
                    }
                    (Some("marked"), Some(_), again) => {
                        state.marked = true;
                        state.resumable = again == Some("resumable");
                    }
                    (Some("wait"), _, _) => on_event(Event::Waiting),
                    (Some("note"), Some(text), _) => on_event(Event::Note(text.to_owned())),
                    (Some("retry"), Some(name), Some(rest)) => {
                        let mut n = rest.split(' ').map(|x| x.parse::<u64>().unwrap_or(0));
                        let (attempt, of, wait_ms) = (
                            n.next().unwrap_or(0),
                            n.next().unwrap_or(0),
                            n.next().unwrap_or(0),
                        );
                        state.retries = attempt as u32;
                        on_event(Event::Retry {
                            name: name.to_owned(),
                            attempt: attempt as u32,
                            of: of as u32,
                            wait_ms,
                        });
                    }
                    (Some("lockwait"), Some(on), Some(by)) => {
                        let event = Event::LockWait {
                            on: on.to_owned(),
                            by: by.to_owned(),
                        };
                        state.waited = Some(event.clone());
                        on_event(event);
                    }
                    _ => {}
                }
            }
        }
        // The runner stopped before the job ended.
        self.routes.lock().expect("routes").remove(&id);
        let said = self.exit_text.lock().expect("exit text").clone();
        let detail = url.scrub(&last_lines(&said));
        let detail = if detail.is_empty() {
            "the runner stopped".to_owned()
        } else {
            detail
        };
        Err(state.failure(&detail, self.lock_timeout))
    }

    /// Ends the runner once every job has ended.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.stdin.lock().expect("stdin").take();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a job's report said so far, to explain how it ended.
#[derive(Default)]
struct JobState {
    /// The migration running.
    current: Option<String>,
    /// It runs without a transaction and is recorded as started.
    marked: bool,
    /// Its mark says it can run again to finish (an online migration on PostgreSQL).
    resumable: bool,
    /// The last lock it waited for.
    waited: Option<Event>,
    /// How many times it ran again after a lock timeout.
    retries: u32,
}

impl JobState {
    fn failure(&self, detail: &str, lock_timeout: Option<Duration>) -> Error {
        let timed_out = detail.contains("lock timeout") || detail.contains("Lock wait timeout");
        let lock = match &self.waited {
            Some(Event::LockWait { on, by }) => format!("a lock on {on}, held by {by},"),
            _ => "a lock".to_owned(),
        };
        Error::Run(match &self.current {
            Some(name) if self.marked && self.resumable => format!(
                "{name} stopped part way: {detail}. It runs online: without a transaction on PostgreSQL, each of its steps safe to run again. Fix what stopped it, then run `sealift upgrade` again to finish it (`sealift current` shows it as part applied)"
            ),
            Some(name) if self.marked => format!(
                "{name} stopped part way: {detail}. It ran without a transaction (MySQL DDL commits statement by statement), so the statements before the failure are applied; the history records it as dirty. `sealift current` says what to do next"
            ),
            Some(name) if timed_out => format!(
                "{name} waited longer than the lock timeout ({}) for {lock} and gave up{}, so that the application's queries were not held up behind it; nothing of it is applied. Run the command again once that transaction ends, or allow a longer wait with --lock-timeout (lock_timeout in sealift.toml) or more tries with --lock-retries (lock_retries): {detail}",
                lock_timeout
                    .map(crate::config::show_duration)
                    .unwrap_or_default(),
                match self.retries {
                    0 => String::new(),
                    n => format!(" each of {} times", n + 1),
                }
            ),
            Some(name) if connection_lost(detail) => format!(
                "{name} was cut off: the connection to the database was lost while it ran ({detail}); its transaction was rolled back, so nothing of it is applied and it is not recorded. Run the command again once the server is back"
            ),
            Some(name) => format!(
                "{name} failed and was not recorded: {detail}; fix it, then run the command again"
            ),
            None => format!("applying migrations failed: {detail}"),
        })
    }
}

/// A PostgreSQL identifier between double quotes, as `search_path` takes it.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A short id for a migration crate's path, so each crate gets its own runner.
fn crate_id(manifest: &Path) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in manifest.to_string_lossy().bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes only when the text differs, so cargo does not rebuild for nothing.
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    std::fs::write(path, text)
        .map_err(|e| Error::Run(format!("cannot write {}: {e}", path.display())))
}

fn newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a > b,
        _ => true,
    }
}

/// The last non-empty lines of a process's error output (at most 5), joined.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
