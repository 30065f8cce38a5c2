//! Written by sealift on every `upgrade`/`downgrade`: applies the migrations of the crate named
//! below one at a time, each in its own transaction where the backend has transactional DDL,
//! recording each in the migration history table in the same transaction. A migration that runs
//! without one (every one on MySQL) is recorded as started (`sealift_dirty`) before it runs and
//! as finished after, so one that stops part way stays visible. Or prints the SQL they would
//! run, without a database. Do not edit: sealift rewrites it.
//!
//! Usage: `serve TABLE` (SEALIFT_LOCK_TIMEOUT_MS), then one job per line on stdin:
//! `job ID URL SEARCH_PATH STEP...`, tab-separated, URL and SEARCH_PATH in hex (`-` for no
//! search path): the jobs run side by side, each on its own connection, and every line this
//! prints starts with its job's ID. `sql BACKEND TABLE STEP...` prints the SQL; `table` prints
//! the history table `Migrator` names. STEP is
//! `DIRECTION:NAME:CHECKSUM:FLAGS`: `up` or `down`, the checksum to record (up only), and
//! `k` in FLAGS when the migration rebuilds SQLite tables (its file says `PRAGMA
//! foreign_keys`), so it runs with foreign keys off on the connection, SQLite's procedure;
//! `o` when it runs online (its header says `//! Online:`): on PostgreSQL without a
//! transaction, marked `up+`/`down+`, and run again over that mark, or after a lock timeout.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use __CRATE__::__MIGRATOR__ as Migrator;

/// The column sealift adds to the history table: each migration's checksum when applied.
const CHECKSUM: &str = "sealift_checksum";
/// The column sealift adds to the history table: the direction a migration run without a
/// transaction started in and has not finished.
const DIRTY: &str = "sealift_dirty";
/// How long to wait for SQLite's write lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(600);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("serve") if args.len() == 2 => {
            same_table(&args[1])?;
            serve(args[1].clone()).await
        }
        Some("sql") if args.len() >= 3 => {
            let backend = match args[1].as_str() {
                "postgres" => DbBackend::Postgres,
                "sqlite" => DbBackend::Sqlite,
                "mysql" => DbBackend::MySql,
                other => return Err(format!("unknown backend {other}")),
            };
            same_table(&args[2])?;
            sql(backend, &args[2], &steps(&args[3..])?).await
        }
        Some("table") => {
            println!("{}", Migrator::migration_table_name().to_string());
            Ok(())
        }
        _ => Err("usage: serve TABLE | sql BACKEND TABLE STEP... | table".to_owned()),
    }
}

/// One job: the steps to run on one database (and schema), under sealift's lock for it.
struct Job {
    id: String,
    url: String,
    search_path: Option<String>,
    steps: Vec<Step>,
}

fn unhex(text: &str) -> Result<String, String> {
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect();
    bytes
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| format!("bad hex field {text}"))
}

fn job(line: &str) -> Result<Job, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    match fields.as_slice() {
        ["job", id, url, path, steps @ ..] => Ok(Job {
            id: (*id).to_owned(),
            url: unhex(url)?,
            search_path: if *path == "-" { None } else { Some(unhex(path)?) },
            steps: self::steps(&steps.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())?,
        }),
        _ => Err(format!("bad job line {line}")),
    }
}

/// Runs the jobs sealift writes to stdin, each as soon as it arrives. sealift holds each
/// job's lock and keeps stdin open until every job has ended; when sealift goes (killed,
/// even with SIGKILL), stdin ends and this process exits at once: the server rolls back the
/// open transactions, and no migration runs without its lock.
async fn serve(table: String) -> Result<(), String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
        // Nothing printed: stderr may have gone with sealift, and a failed eprintln! would
        // panic this thread instead of stopping the process.
        std::process::exit(3);
    });
    let lock_timeout = std::env::var("SEALIFT_LOCK_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
        .filter(|ms| *ms > 0);
    let retries = std::env::var("SEALIFT_LOCK_RETRIES")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let locks = Locks { timeout: lock_timeout, retries };
    while let Some(line) = rx.recv().await {
        let job = job(&line)?;
        let table = table.clone();
        let id = job.id.clone();
        let run = tokio::spawn(async move { apply(&job, &table, locks).await });
        // Awaited in a task of its own, so a migration that panics still ends its job.
        tokio::spawn(async move {
            let failure = match run.await {
                Ok(Ok(())) => return say(&id, "ok".to_owned()),
                Ok(Err(e)) => e,
                Err(e) if e.is_panic() => {
                    let panic = e.into_panic();
                    let text = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    format!("the migration panicked: {text}")
                }
                Err(e) => e.to_string(),
            };
            say(&id, format!("fail\t{}", failure.replace(['\n', '\r'], " | ")));
        });
    }
    Ok(())
}

/// sealift reads the history table's name from lib.rs; it must be the one `Migrator` uses.
fn same_table(table: &str) -> Result<(), String> {
    let actual = Migrator::migration_table_name().to_string();
    if actual == table {
        return Ok(());
    }
    Err(format!(
        "sealift read the history table `{table}` from lib.rs, but Migrator::migration_table_name() is `{actual}`; return a string literal or a constant of lib.rs there (e.g. \"{actual}\".into_iden())"
    ))
}

/// One migration to run: up (with the checksum to record) or down.
struct Step {
    name: String,
    up: bool,
    checksum: String,
    /// It rebuilds SQLite tables: foreign keys go off on the connection before its
    /// transaction (inside one SQLite ignores the pragma, and dropping the old table would
    /// run every child's ON DELETE), are checked before it commits, and come back after.
    keys_off: bool,
    /// It runs online: on PostgreSQL without a transaction, every step safe to run again, so
    /// it runs again after a lock timeout or a stop part way. Elsewhere it runs as any other.
    rerun: bool,
}

fn steps(args: &[String]) -> Result<Vec<Step>, String> {
    args.iter()
        .map(|a| {
            let parts: Vec<&str> = a.splitn(4, ':').collect();
            let up = match parts.first() {
                Some(&"up") => true,
                Some(&"down") => false,
                _ => return Err(format!("bad step {a}")),
            };
            match parts.as_slice() {
                [_, name, checksum, flags] if !name.is_empty() => Ok(Step {
                    name: (*name).to_owned(),
                    up,
                    checksum: (*checksum).to_owned(),
                    keys_off: flags.contains('k'),
                    rerun: flags.contains('o'),
                }),
                _ => Err(format!("bad step {a}")),
            }
        })
        .collect()
}

fn find<'a>(
    migrations: &'a [Box<dyn MigrationTrait>],
    name: &str,
) -> Result<&'a dyn MigrationTrait, String> {
    migrations
        .iter()
        .find(|m| m.name() == name)
        .map(|m| m.as_ref())
        .ok_or_else(|| format!("migration {name} is not in Migrator::migrations()"))
}

/// Transactional where the backend has transactional DDL, unless the migration opts out. An
/// online migration opts out for PostgreSQL only: SQLite still runs it in a transaction.
fn transactional(m: &dyn MigrationTrait, backend: DbBackend, step: &Step) -> bool {
    if step.rerun && backend != DbBackend::Postgres {
        return backend != DbBackend::MySql;
    }
    m.use_transaction().unwrap_or(backend != DbBackend::MySql)
}

/// One line of a job's report: `ID\tWHAT...`.
fn say(id: &str, line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{id}\t{line}");
    let _ = out.flush();
}

/// A job's connections, kept between jobs on the same database: connecting costs a TLS
/// handshake or more, and a fan-out runs one job per tenant. No session state is relied on:
/// on PostgreSQL every transaction sets its own `search_path` (`SET LOCAL`).
struct Connections {
    url: String,
    db: DatabaseConnection,
    /// Watches the first one wait for locks, to say which table (PostgreSQL).
    watcher: Option<DatabaseConnection>,
    /// The search paths whose history table is prepared, and which of sealift's columns it
    /// has: sealift sends one job per migration, and the table is made ready once.
    prepared: Vec<(Option<String>, Kept)>,
}

/// Connections whose job ended well, ready for the next job on their database.
static IDLE: std::sync::Mutex<Vec<Connections>> = std::sync::Mutex::new(Vec::new());

async fn connections(url: &str) -> Result<Connections, String> {
    let idle = {
        let mut idle = IDLE.lock().expect("idle connections");
        idle.iter().position(|c| c.url == url).map(|i| idle.swap_remove(i))
    };
    if let Some(c) = idle {
        return Ok(c);
    }
    let db = connect(url, None).await?;
    let watcher = match db.get_database_backend() {
        DbBackend::Postgres => connect(url, None).await.ok(),
        _ => None,
    };
    Ok(Connections { url: url.to_owned(), db, watcher, prepared: Vec::new() })
}

/// A pool of one connection, so that every statement goes to the same session; with a
/// search path, every connection it makes gets it.
async fn connect(url: &str, search_path: Option<&str>) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    if let Some(path) = search_path {
        options.set_schema_search_path(path.to_owned());
    }
    Database::connect(options).await.map_err(|e| format!("cannot connect: {e}"))
}

/// How a migration waits for locks: `timeout` ms per statement (none: no limit), and how many
/// times a migration rolled back for waiting longer runs again.
#[derive(Clone, Copy)]
struct Locks {
    timeout: Option<u64>,
    retries: u32,
}

async fn apply(job: &Job, table: &str, locks: Locks) -> Result<(), String> {
    let mut c = connections(&job.url).await?;
    run_job(job, &mut c, table, locks).await?;
    IDLE.lock().expect("idle connections").push(c);
    Ok(())
}

async fn run_job(job: &Job, c: &mut Connections, table: &str, locks: Locks) -> Result<(), String> {
    let lock_timeout = locks.timeout;
    let (id, path) = (job.id.as_str(), job.search_path.as_deref());
    let backend = c.db.get_database_backend();
    let kept = match c.prepared.iter().find(|(p, _)| p.as_deref() == path) {
        Some((_, kept)) => *kept,
        None => {
            let kept = prepare(id, &c.db, backend, path, table).await?;
            c.prepared.push((path.map(str::to_owned), kept));
            kept
        }
    };
    let db = &c.db;
    let migrations = Migrator::migrations();
    for step in &job.steps {
        let m = find(&migrations, &step.name)?;
        say(id, format!("start\t{}", step.name));
        limit_lock_waits(db, backend, lock_timeout).await?;
        let watch = match &c.watcher {
            Some(w) => Some(tokio::spawn(watch_locks(id.to_owned(), w.clone(), backend_pid(db).await?))),
            None => None,
        };
        let started = Instant::now();
        let ran = if transactional(m, backend, step) {
            let mut attempt = 0;
            loop {
                let keys_were_on = backend == DbBackend::Sqlite && step.keys_off && foreign_keys_off(db).await?;
                let ran = run_transaction(id, db, backend, path, m, step, table, kept, keys_were_on).await;
                if keys_were_on {
                    // Back on whatever happened: the connection serves the next job.
                    db.execute_unprepared("PRAGMA foreign_keys = ON")
                        .await
                        .map_err(|e| format!("cannot turn foreign keys back on: {e}"))?;
                }
                match ran {
                    // Rolled back after waiting too long for a lock: nothing of it is applied,
                    // so it runs again, after a pause that doubles each time.
                    Err(e) if e.contains("lock timeout") && attempt < locks.retries => {
                        attempt += 1;
                        let wait_ms = 1000u64 << Ord::min(attempt - 1, 5u32);
                        say(id, format!("retry\t{}\t{attempt} {} {wait_ms}", step.name, locks.retries));
                        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                        limit_lock_waits(db, backend, lock_timeout).await?;
                    }
                    ran => break ran?,
                }
            }
        } else {
            // Outside a transaction the search path must hold on every connection the pool
            // makes: a connection of its own.
            let own = match path {
                Some(_) => Some(connect(&job.url, path).await?),
                None => None,
            };
            let conn = own.as_ref().unwrap_or(db);
            limit_lock_waits(conn, backend, lock_timeout).await?;
            let mut attempt = 0;
            let ran = loop {
                match run_marked(id, conn, m, step, table, kept).await {
                    // An online migration that gave up waiting for a lock stopped part way:
                    // each of its steps is safe to run again, so it runs again.
                    Err(e) if step.rerun && backend == DbBackend::Postgres && e.contains("lock timeout") && attempt < locks.retries => {
                        attempt += 1;
                        let wait_ms = 1000u64 << Ord::min(attempt - 1, 5u32);
                        say(id, format!("retry\t{}\t{attempt} {} {wait_ms}", step.name, locks.retries));
                        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                    }
                    ran => break ran,
                }
            };
            if let Some(own) = own {
                let _ = own.close().await;
            }
            ran?
        };
        if let Some(w) = watch {
            w.abort();
        }
        if ran {
            say(id, format!("done\t{}\t{}", step.name, started.elapsed().as_millis()));
        } else {
            say(id, format!("skip\t{}", step.name));
        }
    }
    Ok(())
}

/// Turns SQLite's foreign keys off on the connection (outside any transaction, where the
/// pragma works); true when they were on, so the caller turns them back on.
async fn foreign_keys_off(db: &DatabaseConnection) -> Result<bool, String> {
    let on = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_keys"))
        .await
        .map_err(|e| format!("cannot read PRAGMA foreign_keys: {e}"))?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0)
        == 1;
    if on {
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .map_err(|e| format!("cannot turn foreign keys off: {e}"))?;
    }
    Ok(on)
}

/// One step in a transaction of its own, recorded in it. With `check_keys` (SQLite, a
/// rebuild run with foreign keys off), every foreign key must still hold before it commits.
#[allow(clippy::too_many_arguments)]
async fn run_transaction(
    id: &str,
    db: &DatabaseConnection,
    backend: DbBackend,
    path: Option<&str>,
    m: &dyn MigrationTrait,
    step: &Step,
    table: &str,
    kept: Kept,
    check_keys: bool,
) -> Result<bool, String> {
    let txn = begin(id, db, backend, path).await?;
    if !run_step(&txn, m, step, table, kept).await? {
        return Ok(false);
    }
    if check_keys {
        let broken = txn
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_key_check"))
            .await
            .map_err(|e| format!("{}: cannot check foreign keys: {e}", step.name))?;
        if !broken.is_empty() {
            let rows: Vec<String> = broken
                .iter()
                .take(5)
                .map(|r| {
                    let child = r.try_get_by_index::<String>(0).unwrap_or_default();
                    let rowid = r.try_get_by_index::<i64>(1).map(|n| n.to_string()).unwrap_or_default();
                    let parent = r.try_get_by_index::<String>(2).unwrap_or_default();
                    format!("{child} row {rowid} -> {parent}")
                })
                .collect();
            return Err(format!(
                "{}: {} row(s) would break a foreign key ({}); rolled back, nothing of it is applied. Fix those rows, then run it again",
                step.name,
                broken.len(),
                rows.join(", ")
            ));
        }
    }
    txn.commit()
        .await
        .map_err(|e| format!("{}: cannot commit: {e}", step.name))?;
    Ok(true)
}

/// Makes a statement that waits for a lock longer than `ms` fail instead of holding up every
/// query queued behind it (an `ALTER TABLE` waiting for a long transaction blocks the table's
/// readers too). PostgreSQL's `lock_timeout`; MySQL's `lock_wait_timeout` (metadata locks, in
/// whole seconds). Set again before each migration: the pool may have reconnected.
async fn limit_lock_waits(db: &DatabaseConnection, backend: DbBackend, ms: Option<u64>) -> Result<(), String> {
    let Some(ms) = ms else { return Ok(()) };
    let set = match backend {
        DbBackend::Postgres => format!("SET lock_timeout = {ms}"),
        DbBackend::MySql => format!("SET SESSION lock_wait_timeout = {}", ms.div_ceil(1000)),
        _ => return Ok(()),
    };
    db.execute_unprepared(&set)
        .await
        .map(|_| ())
        .map_err(|e| format!("cannot set the lock timeout: {e}"))
}

/// The server process of the migration's connection (PostgreSQL).
async fn backend_pid(db: &DatabaseConnection) -> Result<i32, String> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT pg_backend_pid()"))
        .await
        .map_err(|e| format!("cannot read the connection's process: {e}"))?;
    row.and_then(|r| r.try_get_by_index::<i32>(0).ok())
        .ok_or_else(|| "cannot read the connection's process".to_owned())
}

/// Polls `pg_locks` while a migration runs: the first time the migration's connection waits
/// for a lock, says on what and who holds it (`lockwait\tpublic.post\tprocess 41 (idle in
/// transaction, open 12 s)`).
async fn watch_locks(id: String, db: DatabaseConnection, pid: i32) {
    const WAITING: &str = "SELECT coalesce(l.relation::regclass::text, l.locktype), \
        coalesce((SELECT string_agg(format('process %s (%s, open %s s)', a.pid, a.state, \
            coalesce(extract(epoch FROM now() - a.xact_start)::bigint, 0)), ', ') \
          FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1))), 'another session') \
        FROM pg_locks l WHERE l.pid = $1 AND NOT l.granted LIMIT 1";
    let mut said = None;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let stmt = Statement::from_sql_and_values(DbBackend::Postgres, WAITING, [pid.into()]);
        let Ok(Some(row)) = db.query_one_raw(stmt).await else { continue };
        let (Ok(what), Ok(by)) = (row.try_get_by_index::<String>(0), row.try_get_by_index::<String>(1)) else {
            continue;
        };
        if said.as_ref() != Some(&what) {
            say(&id, format!("lockwait\t{what}\t{by}"));
            said = Some(what);
        }
    }
}

/// Runs one step on `conn` unless another run did it already; false when it was skipped.
async fn run_step<C>(conn: &C, m: &dyn MigrationTrait, step: &Step, table: &str, kept: Kept) -> Result<bool, String>
where
    C: ConnectionTrait,
    for<'c> &'c C: sea_orm_migration::IntoSchemaManagerConnection<'c>,
{
    if is_recorded(conn, table, &step.name).await? == step.up {
        return Ok(false);
    }
    let manager = SchemaManager::new(conn);
    let result = if step.up { m.up(&manager).await } else { m.down(&manager).await };
    result.map_err(|e| format!("{}: {e}", step.name))?;
    conn.execute_raw(record(conn.get_database_backend(), table, step, kept))
        .await
        .map_err(|e| format!("{}: cannot record it in {table}: {e}", step.name))?;
    Ok(true)
}

/// Runs one step without a transaction, unless another run did it already: recorded as
/// started in this direction first, as finished after. A failure leaves the mark. Without
/// sealift's columns in the history table (not its owner) there is no mark: recorded after.
async fn run_marked(id: &str, db: &DatabaseConnection, m: &dyn MigrationTrait, step: &Step, table: &str, kept: Kept) -> Result<bool, String> {
    if !kept.dirty {
        return run_step(db, m, step, table, kept).await;
    }
    let backend = db.get_database_backend();
    // Only on PostgreSQL is each step of an online migration safe to run again: its mark
    // says so (`up+`, `down+`), and a run that stopped part way runs again to finish.
    let rerun = step.rerun && backend == DbBackend::Postgres;
    // The mark decides, as it does for `status`, whatever the file says now.
    let (recorded, dirty) = if backend == DbBackend::Postgres {
        row_state(db, table, &step.name).await?
    } else {
        (is_recorded(db, table, &step.name).await?, None)
    };
    let resume = dirty.as_deref().is_some_and(|d| d.ends_with('+'));
    if !resume && recorded == step.up {
        return Ok(false);
    }
    let start = if resume {
        say(id, format!("note\t{} stopped part way through its {}; running its {} again (each step skips what is done)", step.name, dirty.as_deref().unwrap_or("up").trim_end_matches('+'), if step.up { "up" } else { "down" }));
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new(DIRTY), if step.up { "up+" } else { "down+" })
            .and_where(Expr::col(Alias::new("version")).eq(step.name.as_str()))
            .to_owned();
        backend.build(&update)
    } else {
        mark(backend, table, step, kept, rerun)
    };
    let rerun = rerun || resume;
    db.execute_raw(start)
        .await
        .map_err(|e| format!("{}: cannot record it as started in {table}: {e}", step.name))?;
    say(id, format!("marked\t{}{}", step.name, if rerun { "\tresumable" } else { "" }));
    let manager = SchemaManager::new(db);
    let result = if step.up { m.up(&manager).await } else { m.down(&manager).await };
    result.map_err(|e| format!("{}: {e}", step.name))?;
    let finish = if step.up {
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new(DIRTY), Option::<String>::None)
            .value(Alias::new("applied_at"), now())
            .and_where(Expr::col(Alias::new("version")).eq(step.name.as_str()))
            .to_owned();
        backend.build(&update)
    } else {
        record(backend, table, step, kept)
    };
    db.execute_raw(finish)
        .await
        .map_err(|e| format!("{}: cannot record it as finished in {table}: {e}", step.name))?;
    Ok(true)
}

/// The history row that says a step started: up inserts the migration's row marked `up`,
/// down marks its row `down`.
fn mark(backend: DbBackend, table: &str, step: &Step, kept: Kept, rerun: bool) -> Statement {
    let (up, down) = if rerun { ("up+", "down+") } else { ("up", "down") };
    if step.up {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(table));
        if kept.checksum {
            insert
                .columns([Alias::new("version"), Alias::new("applied_at"), Alias::new(CHECKSUM), Alias::new(DIRTY)])
                .values_panic([step.name.clone().into(), now().into(), step.checksum.clone().into(), up.into()]);
        } else {
            insert
                .columns([Alias::new("version"), Alias::new("applied_at"), Alias::new(DIRTY)])
                .values_panic([step.name.clone().into(), now().into(), up.into()]);
        }
        backend.build(&insert)
    } else {
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new(DIRTY), down)
            .and_where(Expr::col(Alias::new("version")).eq(step.name.as_str()))
            .to_owned();
        backend.build(&update)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A transaction; on SQLite it takes the write lock first (`BEGIN IMMEDIATE`), waiting while
/// another writer holds it, so two runs never apply the same migration.
/// On PostgreSQL with a `search_path`, the transaction sets it first (`SET LOCAL`), so its
/// statements land in the tenant's schema whatever the session was used for before.
async fn begin(id: &str, db: &DatabaseConnection, backend: DbBackend, search_path: Option<&str>) -> Result<DatabaseTransaction, String> {
    if backend != DbBackend::Sqlite {
        let txn = db.begin().await.map_err(|e| format!("cannot begin a transaction: {e}"))?;
        if let Some(path) = search_path {
            txn.execute_unprepared(&format!("SET LOCAL search_path TO {path}"))
                .await
                .map_err(|e| format!("cannot set search_path to {path}: {e}"))?;
        }
        return Ok(txn);
    }
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let started = Instant::now();
    let mut waited = false;
    loop {
        match db.begin_with_options(options).await {
            Ok(txn) => return Ok(txn),
            Err(e) if e.to_string().contains("locked") && started.elapsed() < LOCK_WAIT => {
                if !waited {
                    say(id, "wait\t".to_owned());
                    waited = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(format!("cannot begin a transaction: {e}")),
        }
    }
}

/// Whether the history has a row for `name`, and what its `sealift_dirty` says.
async fn row_state<C: ConnectionTrait>(conn: &C, table: &str, name: &str) -> Result<(bool, Option<String>), String> {
    let query = Query::select()
        .column(Alias::new(DIRTY))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("version")).eq(name))
        .to_owned();
    let row = conn
        .query_one(&query)
        .await
        .map_err(|e| format!("cannot read {table}: {e}"))?;
    Ok(match row {
        Some(row) => (
            true,
            row.try_get_by_index::<Option<String>>(0)
                .map_err(|e| format!("cannot read {table}: {e}"))?,
        ),
        None => (false, None),
    })
}

async fn is_recorded<C: ConnectionTrait>(conn: &C, table: &str, name: &str) -> Result<bool, String> {
    let query = Query::select()
        .expr(Expr::col(Alias::new("version")).count())
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("version")).eq(name))
        .to_owned();
    let row = conn
        .query_one(&query)
        .await
        .map_err(|e| format!("cannot read {table}: {e}"))?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0).map_err(|e| format!("cannot read {table}: {e}"))?,
        None => 0,
    };
    Ok(count > 0)
}

/// Which of sealift's columns the history table has: a role that may write the table but
/// does not own it cannot add them, and migrations then run without them.
#[derive(Clone, Copy)]
struct Kept {
    checksum: bool,
    dirty: bool,
}

/// Creates the history table as sea-orm-migration does, and sealift's columns where the
/// role may add them (each in a transaction of its own where the backend has them, so a
/// refusal leaves the connection usable).
async fn prepare(id: &str, db: &DatabaseConnection, backend: DbBackend, path: Option<&str>, table: &str) -> Result<Kept, String> {
    let transactional = backend != DbBackend::MySql;
    if transactional {
        // Under SQLite's write lock: another program may be creating the table right now.
        let txn = begin(id, db, backend, path).await?;
        Migrator::install(&txn).await.map_err(|e| format!("cannot create {table}: {e}"))?;
        txn.commit().await.map_err(|e| format!("cannot create {table}: {e}"))?;
    } else {
        Migrator::install(db).await.map_err(|e| format!("cannot create {table}: {e}"))?;
    }
    let mut kept = [true, true];
    for (i, (column, len)) in [(CHECKSUM, 64), (DIRTY, 8)].into_iter().enumerate() {
        let added = if transactional {
            let txn = begin(id, db, backend, path).await?;
            let added = add_column(&txn, table, column, len).await;
            if added.is_ok() {
                txn.commit().await.map_err(|e| format!("cannot add {column} to {table}: {e}"))?;
            }
            added
        } else {
            add_column(db, table, column, len).await
        };
        if let Err(e) = added {
            let lower = e.to_lowercase();
            if !["owner", "denied", "permission", "privilege", "readonly", "read-only"].iter().any(|w| lower.contains(w)) {
                return Err(e);
            }
            kept[i] = false;
            say(id, format!("note\tthe history table {table} has no {column} column and this role may not add it ({}); migrations run and are recorded without it", e.replace(['\t', '\n'], " ")));
        }
    }
    Ok(Kept { checksum: kept[0], dirty: kept[1] })
}

/// Adds a nullable text column to the history table unless it has it.
async fn add_column<C: ConnectionTrait>(db: &C, table: &str, column: &str, len: u32) -> Result<(), String> {
    // Asked of the catalog: SQLite reads an unknown "column" in a SELECT as a string.
    let backend = db.get_database_backend();
    let probe = match backend {
        DbBackend::Sqlite => "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?",
        DbBackend::Postgres => "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
        _ => "SELECT count(*) FROM information_schema.columns WHERE table_schema = database() AND table_name = ? AND column_name = ?",
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, probe, [table.into(), column.into()]))
        .await
        .map_err(|e| format!("cannot read {table}: {e}"))?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0).map_err(|e| format!("cannot read {table}: {e}"))?,
        None => 0,
    };
    if count > 0 {
        return Ok(());
    }
    let add = Table::alter()
        .table(Alias::new(table))
        .add_column(ColumnDef::new(Alias::new(column)).string_len(len).null())
        .to_owned();
    match db.execute(&add).await {
        Ok(_) => Ok(()),
        // Another program added it a moment ago.
        Err(e) if e.to_string().to_lowercase().contains("duplicate column") => Ok(()),
        Err(e) => Err(format!("cannot add {column} to {table}: {e}")),
    }
}

/// The history row a step writes (up) or removes (down).
fn record(backend: DbBackend, table: &str, step: &Step, kept: Kept) -> Statement {
    if step.up {
        let now = now();
        let mut insert = Query::insert();
        insert.into_table(Alias::new(table));
        if step.checksum.is_empty() || !kept.checksum {
            insert
                .columns([Alias::new("version"), Alias::new("applied_at")])
                .values_panic([step.name.clone().into(), now.into()]);
        } else {
            insert
                .columns([Alias::new("version"), Alias::new("applied_at"), Alias::new(CHECKSUM)])
                .values_panic([step.name.clone().into(), now.into(), step.checksum.clone().into()]);
        }
        backend.build(&insert)
    } else {
        let delete = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("version")).eq(step.name.as_str()))
            .to_owned();
        backend.build(&delete)
    }
}

/// `sql`: what the steps would run, without a database. Only in the runner built with the
/// `offline` feature (sea-orm's mock connection), the one `--sql` and bundles run.
#[cfg(feature = "offline")]
mod offline_sql {
    use super::*;
    use sea_orm_migration::sea_orm::{MockDatabase, MockExecResult};

    /// An offline connection: sea-orm's mock database, which records every statement. A migration
    /// that reads (`has_table`, a query) gets no rows to read and fails with the mock's "buffer is
    /// empty" error, which is how a migration that needs a live database is told.
    fn offline(backend: DbBackend) -> DatabaseConnection {
        let results = std::iter::repeat_with(|| MockExecResult {
            last_insert_id: 0,
            rows_affected: 0,
        })
        .take(100_000);
        MockDatabase::new(backend)
            .append_exec_results(results)
            .into_connection()
    }

    /// The statements an offline connection received, each ending in `;`.
    fn captured(db: DatabaseConnection) -> String {
        db.into_transaction_log()
            .iter()
            .flat_map(|t| t.statements())
            .map(|s| format!("{s};\n"))
            .collect()
    }

    /// What SQLite's procedure checks before a rebuild commits, as SQL a script can run: the
    /// insert fails, naming the problem, when a foreign key no longer holds.
    const KEY_CHECK: &str = "CREATE TEMP TABLE IF NOT EXISTS \"_sealift_key_check\" (\"broken\" INTEGER CONSTRAINT \"a foreign key no longer holds (PRAGMA foreign_key_check lists the rows)\" CHECK (\"broken\" = 0));\n\
    INSERT INTO temp.\"_sealift_key_check\" SELECT count(*) FROM pragma_foreign_key_check;\n\
    DROP TABLE temp.\"_sealift_key_check\";\n";

    pub(super) async fn sql(backend: DbBackend, table: &str, steps: &[Step]) -> Result<(), String> {
        let db = offline(backend);
        Migrator::install(&db).await.map_err(|e| format!("cannot render {table}: {e}"))?;
        let mut out = String::new();
        if backend == DbBackend::Sqlite {
            out.push_str("-- Run with `sqlite3 -bail`: without it sqlite3 goes on after a failed statement.\n");
        }
        out.push_str(&captured(db));
        let migrations = Migrator::migrations();
        let kept = Kept { checksum: false, dirty: false };
        for step in steps {
            let m = find(&migrations, &step.name)?;
            let db = offline(backend);
            let txn = transactional(m, backend, step);
            let keys_off = txn && backend == DbBackend::Sqlite && step.keys_off;
            let bookkeeping = Step { name: step.name.clone(), up: step.up, checksum: String::new(), keys_off, rerun: step.rerun };
            let ran = if txn {
                // In a transaction, as online: a nested one in the migration is a savepoint.
                let t = db.begin().await.map_err(|e| format!("{}: {e}", step.name))?;
                let ran = run_offline(&t, m, step).await;
                if ran.is_ok() {
                    t.execute_raw(record(backend, table, &bookkeeping, kept)).await.map_err(|e| format!("{}: {e}", step.name))?;
                    t.commit().await.map_err(|e| format!("{}: {e}", step.name))?;
                }
                ran
            } else {
                let ran = run_offline(&db, m, step).await;
                if ran.is_ok() {
                    db.execute_raw(record(backend, table, &bookkeeping, kept)).await.map_err(|e| format!("{}: {e}", step.name))?;
                }
                ran
            };
            ran?;
            let direction = if step.up { "up" } else { "down" };
            out.push_str(&format!("\n-- {direction}: {}\n", step.name));
            let mut text = captured(db);
            if keys_off {
                // SQLite's procedure: keys off outside the transaction, checked before it commits.
                out.push_str("PRAGMA foreign_keys = OFF;\n");
                if let Some(at) = text.rfind("COMMIT;\n") {
                    text.insert_str(at, KEY_CHECK);
                }
                text.push_str("PRAGMA foreign_keys = ON;\n");
            }
            out.push_str(&text);
        }
        print!("{out}");
        Ok(())
    }

    /// Runs one step on an offline connection; a migration that reads is named.
    async fn run_offline<C>(conn: &C, m: &dyn MigrationTrait, step: &Step) -> Result<(), String>
    where
        C: ConnectionTrait,
        for<'c> &'c C: sea_orm_migration::IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(conn);
        let result = if step.up { m.up(&manager).await } else { m.down(&manager).await };
        result.map_err(|e| {
            let text = e.to_string();
            if text.contains("query_results") {
                format!("offline\t{}\thas_table, a query or another read", step.name)
            } else {
                format!("{}: {text}", step.name)
            }
        })
    }
}

#[cfg(feature = "offline")]
use offline_sql::sql;

/// The runner `upgrade` runs renders no SQL (sealift builds the one that does for `--sql`).
#[cfg(not(feature = "offline"))]
async fn sql(_: DbBackend, _: &str, _: &[Step]) -> Result<(), String> {
    Err("this runner renders no SQL: it was built without the offline feature".to_owned())
}
