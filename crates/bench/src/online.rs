//! `cargo xtask bench --online [--rows N] [--backend mysql]`: what an upgrade costs the
//! application's writers, the plain plan against the online one, in one run on one table.
//!
//! 1. A PostgreSQL (or MariaDB) database with `author` and `post` (made by `sealift autogen`
//!    and `upgrade`), `post` filled with N rows (8,000,000 by default) and analyzed.
//! 2. The entity gains what a busy table's migration typically adds: an index, a foreign
//!    key, a NOT NULL and a unique key. `sealift autogen --no-online` writes the plain plan.
//! 3. pgbench runs writers the whole time (8 clients inserting a post and updating another),
//!    logging every transaction (on MariaDB: the same transactions from 8 connections of a
//!    small client here, each write timed); `sealift upgrade` runs in the middle of it (its runner built
//!    beforehand, so the time is the migration's). Then `downgrade -1`, the plain migration
//!    forgotten, `sealift autogen --online` writes the online plan, and the same again.
//! 4. Reported for each: the upgrade's duration, and of the writes that overlapped it the
//!    slowest, the p99 and how many there were; writes that failed; and afterwards whether
//!    every index is valid and every constraint validated.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use sealift_ir::Dialect;
use sealift_testkit::{MyDb, PgDb, TempDir, e2e_env, seed_lockfile};

/// The database the benchmark runs on.
enum Db {
    Pg(PgDb),
    My(MyDb),
}

impl Db {
    fn url(&self) -> &str {
        match self {
            Db::Pg(d) => d.url(),
            Db::My(d) => d.url(),
        }
    }

    async fn execute(&self, sql: &str) {
        match self {
            Db::Pg(d) => d.execute(sql).await,
            Db::My(d) => d.execute(sql).await,
        }
    }
}

const AUTHOR: &str = include_str!("../../../fixtures/online/author.rs");

const POST_BEFORE: &str = include_str!("../../../fixtures/online/post_before.rs");

const POST_AFTER: &str = include_str!("../../../fixtures/online/post_after.rs");

/// What the writers run, each transaction one insert and one update.
const WRITES: &str = "\\set id random(1, :rows)\n\
BEGIN;\n\
INSERT INTO post (author_id, slug, title) VALUES (1 + :id % 100, gen_random_uuid()::text, 'new');\n\
UPDATE post SET title = 'updated' WHERE id = :id;\n\
END;\n";

/// The writers: pgbench clients.
const CLIENTS: u32 = 8;

/// How long the writers run before and after the upgrade.
const MARGIN: Duration = Duration::from_secs(3);

/// One upgrade under the writers.
struct Measured {
    plan: &'static str,
    upgrade: Duration,
    writes: usize,
    slowest: Duration,
    p99: Duration,
    failed: Vec<String>,
    /// PostgreSQL: what is not valid afterwards (MySQL keeps no such state).
    invalid: Option<Vec<String>>,
}

/// The benchmark.
pub async fn bench(sealift: &Path, rows: u64, backend: Dialect, keep: bool) -> Result<()> {
    let db = match backend {
        Dialect::Postgres => Db::Pg(PgDb::create("bench_online").await),
        Dialect::Mysql => Db::My(MyDb::create("bench_online").await),
        Dialect::Sqlite => bail!("--online runs on PostgreSQL or MySQL/MariaDB"),
    };
    let dir = TempDir::new("bench_online");
    let root = dir.path();
    let entities = root.join("entity/src");
    std::fs::create_dir_all(&entities)?;
    std::fs::write(entities.join("mod.rs"), "pub mod author;\npub mod post;\n")?;
    std::fs::write(entities.join("author.rs"), AUTHOR)?;
    std::fs::write(entities.join("post.rs"), POST_BEFORE)?;
    let run = |args: &[&str]| -> Result<String> {
        let out = Command::new(sealift)
            .args(args)
            .current_dir(root)
            .env("DATABASE_URL", db.url())
            .env("NO_COLOR", "1")
            .envs(e2e_env())
            .output()
            .with_context(|| format!("cannot run sealift {args:?}"))?;
        if !out.status.success() {
            bail!(
                "sealift {args:?} failed\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    run(&["init"])?;
    seed_lockfile(&root.join("migration"));
    run(&["autogen", "CreateTables"])?;
    run(&["upgrade"])?;
    eprintln!("filling post with {rows} rows ...");
    let t = Instant::now();
    match &db {
        Db::Pg(_) => {
            db.execute(&format!(
                "INSERT INTO author (id, name) SELECT g, 'author ' || g FROM generate_series(1, 100) g; \
                 INSERT INTO post (id, author_id, slug, title) \
                   SELECT g, 1 + g % 100, 'post-' || g, 'title ' || g FROM generate_series(1, {rows}) g; \
                 SELECT setval(pg_get_serial_sequence('post', 'id'), {rows})"
            ))
            .await;
            db.execute("VACUUM ANALYZE post").await;
        }
        // MariaDB's sequence engine gives the numbers.
        Db::My(_) => {
            db.execute(&format!(
                "INSERT INTO author (id, name) SELECT seq, CONCAT('author ', seq) FROM seq_1_to_100; \
                 INSERT INTO post (id, author_id, slug, title) \
                   SELECT seq, 1 + seq % 100, CONCAT('post-', seq), CONCAT('title ', seq) FROM seq_1_to_{rows}; \
                 ANALYZE TABLE post"
            ))
            .await;
        }
    }
    eprintln!("filled in {:.1} s", t.elapsed().as_secs_f64());
    std::fs::write(entities.join("post.rs"), POST_AFTER)?;
    let script = root.join("writes.sql");
    std::fs::write(&script, WRITES)?;

    let mut results = Vec::new();
    for (plan, flag) in [("plain", "--no-online"), ("online", "--online")] {
        run(&["autogen", "AddKeys", flag, "--no-verify"])?;
        build_runner(sealift, root)?;
        results.push(measure(sealift, root, &db, rows, &script, plan).await?);
        run(&["downgrade", "-1"])?;
        forget_last(&root.join("migration"))?;
    }
    println!(
        "\nonline upgrade on {}: post with {rows} rows, {CLIENTS} writers (one insert and one update per transaction)\n",
        backend.product()
    );
    println!(
        "{:<8} {:>10} {:>10} {:>12} {:>10} {:>8}  afterwards",
        "plan", "upgrade", "writes", "slowest", "p99", "failed"
    );
    for m in &results {
        println!(
            "{:<8} {:>9.1}s {:>10} {:>10.0}ms {:>8.1}ms {:>8}  {}",
            m.plan,
            m.upgrade.as_secs_f64(),
            m.writes,
            m.slowest.as_secs_f64() * 1000.0,
            m.p99.as_secs_f64() * 1000.0,
            m.failed.len(),
            match &m.invalid {
                None => "applied".to_owned(),
                Some(names) if names.is_empty() => {
                    "every index valid, every constraint validated".to_owned()
                }
                Some(names) => format!("not valid: {}", names.join(", ")),
            }
        );
        for f in m.failed.iter().take(3) {
            println!("         failed: {f}");
        }
    }
    if keep {
        println!("database kept: {}", db.url());
        std::mem::forget(db);
        std::mem::forget(dir);
    }
    Ok(())
}

/// Builds the runner `upgrade` needs, on a scratch SQLite database, so that the timed upgrade
/// is the migration's alone.
fn build_runner(sealift: &Path, root: &Path) -> Result<()> {
    let scratch = root.join("runner_build.db");
    let _ = std::fs::remove_file(&scratch);
    let url = format!("sqlite://{}?mode=rwc", scratch.display());
    let out = Command::new(sealift)
        .args(["upgrade", "--database-url", &url])
        .current_dir(root)
        .envs(e2e_env())
        .output()?;
    if !out.status.success() {
        bail!(
            "building the runner failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Removes the last migration (rolled back) from the crate: its file and its lines in lib.rs.
fn forget_last(migration: &Path) -> Result<()> {
    let lib_rs = migration.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_rs)?;
    let module = sealift_codegen::registered(&lib)?
        .pop()
        .context("no migration to forget")?;
    std::fs::remove_file(migration.join(format!("src/{module}.rs")))?;
    let kept: String = lib
        .lines()
        .filter(|l| !l.contains(&module))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(lib_rs, kept)?;
    Ok(())
}

/// pgbench writing while `sealift upgrade` runs.
async fn measure(
    sealift: &Path,
    root: &Path,
    db: &Db,
    rows: u64,
    script: &Path,
    plan: &'static str,
) -> Result<Measured> {
    let logs = root.join(format!("pgbench_{plan}"));
    std::fs::create_dir_all(&logs)?;
    let (mut pg_writers, my_writers) = match db {
        Db::Pg(pg) => (Some(pgbench(pg, rows, script, &logs)?), None),
        Db::My(my) => (None, Some(MyWriters::start(my.url(), rows).await?)),
    };
    tokio::time::sleep(MARGIN).await;
    let from = now_us();
    let t = Instant::now();
    let out = Command::new(sealift)
        .args(["upgrade"])
        .current_dir(root)
        .env("DATABASE_URL", db.url())
        .envs(e2e_env())
        .output()?;
    let upgrade = t.elapsed();
    let to = now_us();
    tokio::time::sleep(MARGIN).await;
    // Each write: when it ended (µs since 1970) and how long it took (µs).
    let (writes, mut failed): Written = match (&mut pg_writers, my_writers) {
        (Some(child), _) => {
            let _ = child.kill();
            let output = pg_writers.take().expect("pgbench").wait_with_output()?;
            let failed = String::from_utf8_lossy(&output.stderr)
                .lines()
                .filter(|l| l.contains("aborted") || l.contains("ERROR"))
                .map(str::to_owned)
                .collect();
            (pgbench_log(&logs)?, failed)
        }
        (None, Some(w)) => w.stop().await,
        (None, None) => unreachable!("writers of one kind"),
    };
    if !out.status.success() {
        bail!(
            "the {plan} upgrade failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A write overlaps the upgrade when it ended after the upgrade started and began before
    // it ended.
    let mut latencies: Vec<u64> = writes
        .into_iter()
        .filter(|(end, latency)| *end >= from && end.saturating_sub(*latency) <= to)
        .map(|(_, latency)| latency)
        .collect();
    latencies.sort_unstable();
    if latencies.is_empty() {
        failed.push("no write overlapped the upgrade".to_owned());
    }
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1);
        Duration::from_micros(latencies.get(i).copied().unwrap_or(0))
    };
    Ok(Measured {
        plan,
        upgrade,
        writes: latencies.len(),
        slowest: pick(1.0),
        p99: pick(0.99),
        failed,
        invalid: invalid(db).await?,
    })
}

/// pgbench's transaction logs: each line is client, transaction, latency (µs), script, epoch
/// s, µs.
fn pgbench_log(logs: &Path) -> Result<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(logs)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            let f: Vec<u64> = line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if let [_, _, latency, _, s, us] = f.as_slice() {
                out.push((s * 1_000_000 + us, *latency));
            }
        }
    }
    Ok(out)
}

/// What writers did: each write's end (µs since 1970) and latency (µs); the failures.
type Written = (Vec<(u64, u64)>, Vec<String>);

/// The writers on MariaDB: the pgbench script's transaction from [`CLIENTS`] connections.
struct MyWriters {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Written>>,
}

impl MyWriters {
    async fn start(url: &str, rows: u64) -> Result<MyWriters> {
        use sqlx::Connection as _;
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let mut conn = sqlx::MySqlConnection::connect(url).await?;
            let stop = Arc::clone(&stop);
            tasks.push(tokio::spawn(async move {
                let (mut writes, mut failed) = (Vec::new(), Vec::new());
                let mut n: u64 = u64::from(client) * 7919;
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let id = 1 + (n >> 33) % rows;
                    let t = Instant::now();
                    let written = async {
                        let mut tx = sqlx::Connection::begin(&mut conn).await?;
                        sqlx::query("INSERT INTO post (author_id, slug, title) VALUES (1 + ? % 100, UUID(), 'new')")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("UPDATE post SET title = 'updated' WHERE id = ?")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await
                    }
                    .await;
                    let latency = t.elapsed().as_micros() as u64;
                    match written {
                        Ok(()) => writes.push((now_us(), latency)),
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                let _ = conn.close().await;
                (writes, failed)
            }));
        }
        Ok(MyWriters { stop, tasks })
    }

    async fn stop(self) -> Written {
        self.stop.store(true, Ordering::Relaxed);
        let (mut writes, mut failed) = (Vec::new(), Vec::new());
        for t in self.tasks {
            if let Ok((w, f)) = t.await {
                writes.extend(w);
                failed.extend(f);
            }
        }
        (writes, failed)
    }
}

/// The writers: pgbench with the script, logging every transaction into `logs`.
fn pgbench(db: &PgDb, rows: u64, script: &Path, logs: &Path) -> Result<Child> {
    Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &CLIENTS.to_string(),
            "-j",
            "2",
            "-T",
            "3600",
            "-l",
        ])
        .arg("-f")
        .arg(script)
        .args(["-D", &format!("rows={rows}")])
        .args(["-h", "127.0.0.1", "-U", "postgres", db.name()])
        .current_dir(logs)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run pgbench (it comes with PostgreSQL's client tools)")
}

/// Indexes that are not valid and constraints not validated on `post` (PostgreSQL; MySQL
/// has neither).
async fn invalid(db: &Db) -> Result<Option<Vec<String>>> {
    use sqlx::Connection as _;
    let Db::Pg(db) = db else {
        return Ok(None);
    };
    let mut conn = sqlx::PgConnection::connect(db.url()).await?;
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = 'post'::regclass AND NOT i.indisvalid \
         UNION ALL SELECT conname::text FROM pg_constraint \
         WHERE conrelid = 'post'::regclass AND NOT convalidated",
    )
    .fetch_all(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok(Some(names.into_iter().map(|(n,)| n).collect()))
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
