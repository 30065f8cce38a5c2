//! `cargo xtask bench`: how long sealift takes on a schema of N tables, phase by phase.
//!
//! 1. Writes N entity files that look like an application's (5 to 9 columns of mixed types, a
//!    foreign key to the previous table, a unique and an indexed column, an enum), lowers them
//!    and creates them in a fresh database with sealift's own SQL.
//! 2. Drifts one table in a hundred in the files on disk (an added column, a changed
//!    nullability, a new index), so the plan has work to do.
//! 3. Times, each over several runs: parsing the entities, reflecting the database, diffing,
//!    rendering (SQL and the migration file), the floor (the same catalog queries alone, rows
//!    fetched and dropped), and the whole `sealift diff` as a process, with its peak memory.
//! 4. Against an empty database: planning all N tables as new (ordering N creates by their
//!    foreign keys) and the whole `sealift autogen` as a process, writing the migration.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_diff::{DiffOptions, render_steps};
use sealift_entity::{LowerOptions, Lowered, SourceFile};
use sealift_ir::{Dialect, Schema};
use sealift_testkit::{TempDir, TestDb, e2e_env};

mod compile;
mod online;
mod tenants;

/// The allocator the `sealift` binary uses, so the phases are timed as they run there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Times sealift on a synthetic schema.
#[derive(Debug, Parser)]
struct Args {
    /// How many tables.
    #[arg(long, default_value_t = 1000)]
    tables: usize,
    /// Which database.
    #[arg(long, default_value_t = Dialect::Postgres)]
    backend: Dialect,
    /// Runs per phase; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Keep the database and the entity files afterwards (both are printed), e.g. to profile
    /// `sealift diff` or EXPLAIN the catalog queries.
    #[arg(long)]
    keep_database: bool,
    /// Also time Alembic's autogenerate on the same database (`scripts/alembic-autogen.py`;
    /// needs python3 with alembic, sqlalchemy, pymysql and psycopg).
    #[arg(long)]
    alembic: bool,
    /// The `sealift` binary to time end to end (a release build).
    #[arg(long)]
    sealift: PathBuf,
    /// Instead: N tenant schemas of --tables tables each on PostgreSQL (`check` and
    /// `upgrade` over all of them; see `tenants.rs`).
    #[arg(long)]
    tenants: Option<usize>,
    /// With --tenants: how many tenants sealift works on at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// With --tenants: skip the loop of single-schema checks.
    #[arg(long)]
    no_loop: bool,
    /// Instead: the first migration of --tables new tables, written by `sealift autogen` and
    /// built with cargo: the build's time and rustc's peak memory (see `compile.rs`).
    #[arg(long)]
    compile: bool,
    /// Instead: the writers' latency while `sealift upgrade` adds an index, a foreign key, a
    /// NOT NULL and a unique key to a table of --rows rows, the plain plan against the online
    /// one (PostgreSQL, pgbench; see `online.rs`).
    #[arg(long)]
    online: bool,
    /// With --online: the table's rows.
    #[arg(long, default_value_t = 8_000_000)]
    rows: u64,
    /// Instead: a database of your own (a real schema such as MusicBrainz) with its entities
    /// (--entities): `sealift diff` against the floor, with and without TLS.
    #[arg(long, value_name = "URL", requires = "entities")]
    database_url: Option<String>,
    /// With --database-url: the entity folder.
    #[arg(long, value_name = "DIR")]
    entities: Option<PathBuf>,
    /// With --database-url: the schema to compare (default: the connection's).
    #[arg(long, value_name = "NAME")]
    schema: Option<String>,
}

/// How a drifted table differs in the entity files from the database.
#[derive(Debug, Clone, Copy)]
enum Drift {
    AddedColumn,
    Nullability,
    NewIndex,
}

fn main() -> Result<()> {
    let mut args = Args::parse();
    // The runs happen in other folders.
    args.sealift = std::fs::canonicalize(&args.sealift)
        .with_context(|| format!("no sealift binary at {}", args.sealift.display()))?;
    if args.tables == 0 || args.runs == 0 {
        bail!("--tables and --runs must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.online {
        return runtime.block_on(online::bench(
            &args.sealift,
            args.rows,
            args.backend,
            args.keep_database,
        ));
    }
    if args.compile {
        return compile::bench(&args.sealift, args.tables, args.keep_database);
    }
    if let Some(tenants) = args.tenants {
        return runtime.block_on(tenants::bench(tenants::Options {
            sealift: &args.sealift,
            tenants,
            tables: args.tables,
            runs: args.runs,
            jobs: args.jobs,
            no_loop: args.no_loop,
            keep: args.keep_database,
        }));
    }
    if let Some(url) = args.database_url.clone() {
        return runtime.block_on(real_schema(&args, &url));
    }
    runtime.block_on(bench(args))
}

/// `sealift diff` on a database of the user's against the floor: its catalog queries alone,
/// connection included, runs alternating; and what TLS costs there.
async fn real_schema(args: &Args, raw_url: &str) -> Result<()> {
    let url = DatabaseUrl::parse(raw_url)?;
    let entities = std::fs::canonicalize(args.entities.as_deref().unwrap_or(Path::new(".")))?;
    let entities = entities.display().to_string();
    let options = ReflectOptions {
        schemas: args.schema.iter().cloned().collect(),
        history_table: None,
    };
    let cwd = TempDir::new("bench_real");
    let mut command = vec!["diff", "--database-url", raw_url, "--entities", &entities];
    if let Some(s) = &args.schema {
        command.extend(["--schema", s]);
    }
    let (mut floors, mut e2es, mut ratios, mut peak_kb) = (Vec::new(), Vec::new(), Vec::new(), 0);
    let mut rows = 0;
    run_measured(&args.sealift, &command, cwd.path())?;
    for _ in 0..args.runs {
        let t = Instant::now();
        let catalog = sealift_catalog::open(&url, &options).await?;
        rows = catalog.floor().await?;
        let floor = t.elapsed();
        let (wall, kb) = run_measured(&args.sealift, &command, cwd.path())?;
        floors.push(floor);
        e2es.push(wall);
        ratios.push(wall.as_secs_f64() / floor.as_secs_f64());
        peak_kb = peak_kb.max(kb);
    }
    let (floor, e2e) = (mid(floors), mid(e2es));
    ratios.sort_by(f64::total_cmp);
    println!(
        "sealift bench: {url}{}; median of {} runs",
        args.schema
            .as_deref()
            .map(|s| format!(", schema {s}"))
            .unwrap_or_default(),
        args.runs
    );
    let row = |name: &str, d: Duration| println!("  {name:<34} {:>9.1} ms", ms(d));
    row(&format!("floor (the catalog queries, {rows} rows)"), floor);
    end_to_end_rows(e2e, floor, ratios[ratios.len() / 2], peak_kb);
    row(
        "sealift diff, nothing cached",
        uncached(&args.sealift, &command, cwd.path(), args.runs)?,
    );
    if url.dialect() == Dialect::Postgres {
        let mut tls_command = command.clone();
        let joint = if raw_url.contains('?') { '&' } else { '?' };
        let prefer = format!("{raw_url}{joint}sslmode=prefer");
        tls_command[2] = &prefer;
        if let Some(t) =
            tls_costs(raw_url, &args.sealift, &tls_command, cwd.path(), args.runs).await?
        {
            row("connect, no TLS", t.connect);
            row("connect with TLS (sslmode=require)", t.connect_tls);
            row("sealift diff, TLS as sqlx prefers it", t.e2e_prefer);
        }
    }
    Ok(())
}

async fn bench(args: Args) -> Result<()> {
    let dialect = args.backend;
    let n = args.tables;
    let drifted = |i: usize| {
        (i % 100 == 50)
            .then(|| [Drift::AddedColumn, Drift::Nullability, Drift::NewIndex][(i / 100) % 3])
    };

    // 1. The database, created from the undrifted entities.
    eprintln!("bench: writing {n} entity files and loading them into a fresh {dialect} database");
    let db_files: Vec<SourceFile> = (1..=n)
        .map(|i| source(i, None))
        .chain([status_enum()])
        .collect();
    let db = TestDb::create("bench", dialect).await;
    let url = db.url();
    // Entities without `schema_name` live in the connection's namespace: on MySQL that is the
    // database, whose name the test database chose.
    let default_schema = match &db {
        TestDb::My(d) => d.name().to_owned(),
        _ => LowerOptions::new(dialect).default_schema,
    };
    let lower_options = LowerOptions {
        default_schema: default_schema.clone(),
        ..LowerOptions::new(dialect)
    };
    let options = DiffOptions {
        default_schema,
        ..DiffOptions::new(dialect)
    };
    let db_schema = lower(&db_files, &lower_options)?;
    let create = sealift_diff::diff(&db_schema, &Schema::new(dialect), &options);
    let statements = render_steps(&create.up, &create.target());
    let load = Instant::now();
    // In batches: one script is one transaction, and PostgreSQL's lock table has a limit.
    for batch in statements.chunks(400) {
        db.run(batch).await;
    }
    if let TestDb::Pg(_) = &db {
        // As a live database would be, and so that autovacuum does not run during the timings.
        db.run(&["VACUUM ANALYZE".to_owned()]).await;
    }
    eprintln!("bench: loaded in {:.1} s", load.elapsed().as_secs_f64());

    // 2. The entity files on disk, a few tables drifted.
    let dir = TempDir::new("bench_entities");
    let mut drift_count = 0;
    for i in 1..=n {
        let d = drifted(i);
        drift_count += usize::from(d.is_some());
        let f = source(i, d);
        std::fs::write(dir.path().join(&f.path), f.text)?;
    }
    let e = status_enum();
    std::fs::write(dir.path().join(&e.path), e.text)?;

    // 3. The phases.
    let raw_url = url;
    let url = DatabaseUrl::parse(&raw_url)?;
    let reflect_options = ReflectOptions::default();
    let mut plan_len = 0;
    let mut columns = 0;
    let parse = median(args.runs, || {
        let t = Instant::now();
        let schema = load_dir(dir.path(), &lower_options)?;
        columns = schema.tables().map(|(_, t)| t.columns.len()).sum();
        Ok(t.elapsed())
    })?;
    let desired = load_dir(dir.path(), &lower_options)?;
    let mut reflect_times = Vec::new();
    let mut queries = 0;
    let mut current = Schema::new(dialect);
    for _ in 0..args.runs {
        let t = Instant::now();
        let r = sealift_catalog::reflect(&url, &reflect_options).await?;
        reflect_times.push(t.elapsed());
        queries = r.queries;
        current = r.schema;
    }
    let reflect = mid(reflect_times);
    let diff = median(args.runs, || {
        let t = Instant::now();
        let plan = sealift_diff::diff(&desired, &current, &options);
        plan_len = plan.up.len();
        Ok(t.elapsed())
    })?;
    let plan = sealift_diff::diff(&desired, &current, &options);
    let render = median(args.runs, || {
        let t = Instant::now();
        let up = render_steps(&plan.up, &plan.target());
        let down = render_steps(&plan.down, &plan.target());
        let file = sealift_codegen::migration_file(&plan, &Default::default());
        std::hint::black_box((up, down, file));
        Ok(t.elapsed())
    })?;
    // Floor and end-to-end runs alternate, so both see the machine in the same state (on a
    // shared or virtual machine its speed drifts over minutes).
    let dir_arg = dir.path().display().to_string();
    let mut floor_times = Vec::new();
    let mut e2e_times = Vec::new();
    let mut ratios = Vec::new();
    let mut peak_kb = 0;
    let diff_command = ["diff", "--database-url", &raw_url, "--entities", &dir_arg];
    run_measured(&args.sealift, &diff_command, dir.path())?;
    for _ in 0..args.runs {
        let t = Instant::now();
        sealift_catalog::open(&url, &reflect_options)
            .await?
            .floor()
            .await?;
        let floor = t.elapsed();
        let (wall, kb) = run_measured(&args.sealift, &diff_command, dir.path())?;
        floor_times.push(floor);
        e2e_times.push(wall);
        ratios.push(wall.as_secs_f64() / floor.as_secs_f64());
        peak_kb = peak_kb.max(kb);
    }
    let floor = mid(floor_times);
    let e2e = mid(e2e_times);
    let e2e_uncached = uncached(&args.sealift, &diff_command, dir.path(), args.runs)?;
    let tls = if dialect == Dialect::Postgres {
        let joint = if raw_url.contains('?') { '&' } else { '?' };
        let prefer = format!("{raw_url}{joint}sslmode=prefer");
        let command = ["diff", "--database-url", &prefer, "--entities", &dir_arg];
        tls_costs(&raw_url, &args.sealift, &command, dir.path(), args.runs).await?
    } else {
        None
    };
    ratios.sort_by(f64::total_cmp);
    let paired_ratio = ratios[ratios.len() / 2];
    let alembic = if args.alembic {
        Some(alembic(&raw_url, args.runs)?)
    } else {
        None
    };

    // 4. Every table new: an empty database, the plan and `sealift autogen`.
    let empty_db = TestDb::create("bench_empty", dialect).await;
    let empty_url = empty_db.url();
    let empty = sealift_catalog::reflect(&DatabaseUrl::parse(&empty_url)?, &reflect_options)
        .await?
        .schema;
    // On MySQL the empty database is another namespace: the entities go there.
    let (desired, options) = match &empty_db {
        TestDb::My(d) => (
            sealift_testkit::namespace_renamed(desired, d.name()),
            DiffOptions {
                default_schema: d.name().to_owned(),
                ..options
            },
        ),
        _ => (desired, options),
    };
    let mut creates = 0;
    let plan_new = median(args.runs, || {
        let t = Instant::now();
        let plan = sealift_diff::diff(&desired, &empty, &options);
        creates = plan.up.len();
        Ok(t.elapsed())
    })?;
    // Without the proof (as before it existed), then with it: its up and its down run on a
    // scratch database first.
    let mut autogen_times = Vec::new();
    let mut proven_times = Vec::new();
    let mut autogen_kb = 0;
    for proven in [false, true] {
        for _ in 0..args.runs {
            // A migration crate of its own each run: the file is written and registered.
            let project = TempDir::new("bench_autogen");
            for (rel, text) in sealift_codegen::new_migration_crate("migration") {
                let path = project.path().join("migration").join(rel);
                std::fs::create_dir_all(path.parent().unwrap_or(project.path()))?;
                std::fs::write(path, text)?;
            }
            let migration = project.path().join("migration");
            let migration = migration.display().to_string();
            let mut argv = vec![
                "autogen",
                "Initial",
                "--database-url",
                &empty_url,
                "--migration-dir",
                &migration,
                "--entities",
                &dir_arg,
            ];
            if !proven {
                argv.push("--no-verify");
            }
            let (wall, kb) = run_measured(&args.sealift, &argv, project.path())?;
            if proven {
                proven_times.push(wall);
            } else {
                autogen_times.push(wall);
                autogen_kb = autogen_kb.max(kb);
            }
        }
    }
    let autogen = mid(autogen_times);
    let proven = mid(proven_times);

    println!(
        "sealift bench: {dialect}, {n} tables, {columns} columns, {drift_count} drifted -> {plan_len} changes; median of {} runs",
        args.runs
    );
    let row = |name: &str, d: Duration| println!("  {name:<34} {:>9.1} ms", ms(d));
    row("parse entities (read + parse + lower)", parse);
    row(&format!("reflect ({queries} catalog queries)"), reflect);
    row("diff", diff);
    row("render (SQL up/down + migration file)", render);
    row("floor (the catalog queries alone)", floor);
    if let Some(t) = &tls {
        row("  of it: connect, no TLS", t.connect);
        row("  connect with TLS (sslmode=require)", t.connect_tls);
        row("sealift diff, TLS as sqlx prefers it", t.e2e_prefer);
    }
    end_to_end_rows(e2e, floor, paired_ratio, peak_kb);
    row("sealift diff, nothing cached", e2e_uncached);
    if let Some((wall, kb)) = alembic {
        row("Alembic autogenerate, end to end", wall);
        println!(
            "  {:<34} {:>9.1} MB",
            "peak memory, Alembic",
            kb as f64 / 1024.0
        );
        println!(
            "  {:<34} {:>9.2}x",
            "Alembic / sealift diff",
            wall.as_secs_f64() / e2e.as_secs_f64()
        );
        println!(
            "  {:<34} {:>9.2}x",
            "  nothing cached",
            wall.as_secs_f64() / e2e_uncached.as_secs_f64()
        );
    }
    println!("  every table new, against an empty database ({creates} changes):");
    row("  plan (order the creates)", plan_new);
    row("  sealift autogen --no-verify, end to end", autogen);
    row("  sealift autogen (proven on a scratch database)", proven);
    println!(
        "  {:<34} {:>9.1} MB",
        "  peak memory, autogen",
        autogen_kb as f64 / 1024.0
    );
    drop(empty_db);
    if args.keep_database {
        println!("  database kept: {raw_url}");
        println!("  entities kept: {}", dir.path().display());
        std::mem::forget(db);
        std::mem::forget(dir);
    }
    Ok(())
}

/// Alembic's autogenerate on the database at `url`, `runs` times: its wall time (median) and
/// peak memory as a process. Its models are the database's own tables, pickled once beforehand
/// (`scripts/alembic-autogen.py`).
fn alembic(url: &str, runs: usize) -> Result<(Duration, u64)> {
    let script = std::env::current_dir()?.join("scripts/alembic-autogen.py");
    let dir = TempDir::new("bench_alembic");
    let models = dir.path().join("models.pickle").display().to_string();
    let script_arg = script.display().to_string();
    eprintln!("bench: reflecting the Alembic models");
    let status = Command::new("python3")
        .args([script_arg.as_str(), "model", url, &models])
        .status()
        .context("cannot run python3")?;
    if !status.success() {
        bail!("{} model failed ({status})", script.display());
    }
    let mut walls = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (wall, kb) = run_measured(
            Path::new("python3"),
            &[script_arg.as_str(), "autogen", url, &models],
            dir.path(),
        )?;
        walls.push(wall);
        peak = peak.max(kb);
    }
    Ok((mid(walls), peak))
}

/// Runs `program <args>` in `cwd` and returns its wall time and peak resident memory (KiB).
/// The wall time ends when the child is reaped (`wait` blocks on it, so the clock stops at its
/// exit, not at the next look); the memory is `VmHWM` (a high-water mark) in
/// `/proc/<pid>/status`, read every 5 ms on a thread beside it.
fn run_measured(program: &Path, args: &[&str], cwd: &Path) -> Result<(Duration, u64)> {
    run_measured_with(program, args, cwd, &[])
}

/// [`run_measured`] with more environment variables.
fn run_measured_with(
    program: &Path,
    args: &[&str],
    cwd: &Path,
    envs: &[(&str, &str)],
) -> Result<(Duration, u64)> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let t = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("SEALIFT_NO_CACHE")
        .env_remove("SEALIFT_CACHE_DIR")
        .envs(envs.iter().copied())
        // Where `upgrade` builds the migration crate's runner.
        .envs(e2e_env())
        .stdout(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let (done, peak) = (AtomicBool::new(false), AtomicU64::new(0));
    let (status, wall) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Some(kb) = high_water_kb(&status_file) {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let status = child.wait();
        let wall = t.elapsed();
        done.store(true, Ordering::Relaxed);
        (status, wall)
    });
    let status = status?;
    if !status.success() {
        bail!("{} {} failed ({status})", program.display(), args.join(" "));
    }
    Ok((wall, peak.into_inner()))
}

/// `VmHWM` of a running process, from its `/proc/<pid>/status`, in KiB.
fn high_water_kb(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let kb = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    kb.trim().trim_end_matches("kB").trim().parse().ok()
}

/// `sealift diff` as a first run in a folder is: no entity file parsed by an earlier run
/// (`SEALIFT_NO_CACHE=1`); the median of `runs`. The other end-to-end runs share one folder,
/// and so the parses the first of them (untimed) kept.
fn uncached(sealift: &Path, command: &[&str], cwd: &Path, runs: usize) -> Result<Duration> {
    let mut walls = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (wall, _) = run_measured_with(sealift, command, cwd, &[("SEALIFT_NO_CACHE", "1")])?;
        walls.push(wall);
    }
    Ok(mid(walls))
}

/// The report's rows for `sealift diff` end to end: its time, its peak memory, and its ratio
/// to the floor (of the medians, and the median of the paired runs' ratios).
fn end_to_end_rows(e2e: Duration, floor: Duration, paired_ratio: f64, peak_kb: u64) {
    println!("  {:<34} {:>9.1} ms", "sealift diff, end to end", ms(e2e));
    println!(
        "  {:<34} {:>9.1} MB",
        "peak memory, end to end",
        peak_kb as f64 / 1024.0
    );
    println!(
        "  {:<34} {:>9.2}x",
        "end to end / floor",
        e2e.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  {:<34} {:>9.2}x",
        "  median of the paired runs' ratios", paired_ratio
    );
}

/// What TLS costs on PostgreSQL: a connection with and without it, and `sealift diff` with the
/// URL saying `sslmode=prefer` (sqlx's default, which sealift used before it reached a server on
/// this machine without TLS).
struct TlsCosts {
    connect: Duration,
    connect_tls: Duration,
    e2e_prefer: Duration,
}

async fn tls_costs(
    raw_url: &str,
    sealift: &Path,
    command: &[&str],
    cwd: &Path,
    runs: usize,
) -> Result<Option<TlsCosts>> {
    let with = |mode: &str| {
        let joint = if raw_url.contains('?') { '&' } else { '?' };
        format!("{raw_url}{joint}sslmode={mode}")
    };
    let plain = DatabaseUrl::parse(&with("disable"))?;
    let tls = DatabaseUrl::parse(&with("require"))?;
    let (mut connect, mut connect_tls, mut e2e) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.max(5) {
        let t = Instant::now();
        drop(sealift_catalog::connect_postgres(&plain).await?);
        connect.push(t.elapsed());
        let t = Instant::now();
        match sealift_catalog::connect_postgres(&tls).await {
            Ok(conn) => drop(conn),
            // The server offers no TLS: nothing to measure.
            Err(_) => return Ok(None),
        }
        connect_tls.push(t.elapsed());
    }
    for _ in 0..runs {
        let (wall, _) = run_measured(sealift, command, cwd)?;
        e2e.push(wall);
    }
    Ok(Some(TlsCosts {
        connect: mid(connect),
        connect_tls: mid(connect_tls),
        e2e_prefer: mid(e2e),
    }))
}

fn median(runs: usize, mut f: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(f()?);
    }
    Ok(mid(times))
}

fn mid(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn lower(files: &[SourceFile], options: &LowerOptions) -> Result<Schema> {
    checked(sealift_entity::load(files, options))
}

/// Reads, parses and lowers a folder of entity files the way `sealift` does.
fn load_dir(dir: &Path, options: &LowerOptions) -> Result<Schema> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        paths.push(entry?.path());
    }
    paths.sort();
    let parsed = sealift_entity::read_and_parse(&paths, |p| std::fs::read_to_string(p))?;
    checked(sealift_entity::lower(&parsed, options))
}

fn checked(lowered: Lowered) -> Result<Schema> {
    if lowered.has_errors() {
        let first: Vec<String> = lowered
            .diagnostics
            .iter()
            .take(3)
            .map(ToString::to_string)
            .collect();
        bail!("the generated entities do not lower:\n{}", first.join("\n"));
    }
    Ok(lowered.schema)
}

pub(crate) fn status_enum() -> SourceFile {
    SourceFile {
        path: PathBuf::from("status.rs"),
        text: r#"use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "status")]
pub enum Status {
    #[sea_orm(string_value = "new")]
    New,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "gone")]
    Gone,
}
"#
        .to_owned(),
    }
}

/// Table `i`'s entity: 5 to 9 columns, a foreign key to table `i - 1`.
pub(crate) fn source(i: usize, drift: Option<Drift>) -> SourceFile {
    let name = format!("t{i:05}");
    let mut fields = vec![
        "    #[sea_orm(primary_key)]\n    pub id: i32,".to_owned(),
        "    #[sea_orm(unique)]\n    pub code: String,".to_owned(),
        match drift {
            Some(Drift::Nullability) => {
                "    #[sea_orm(indexed)]\n    pub label: String,".to_owned()
            }
            _ => "    #[sea_orm(indexed)]\n    pub label: Option<String>,".to_owned(),
        },
        match drift {
            Some(Drift::NewIndex) => {
                "    #[sea_orm(indexed)]\n    pub state: super::status::Status,".to_owned()
            }
            _ => "    pub state: super::status::Status,".to_owned(),
        },
    ];
    if i > 1 {
        fields.push("    pub parent_id: Option<i32>,".to_owned());
    }
    let extras = [
        "    #[sea_orm(column_type = \"Decimal(Some((10, 2)))\")]\n    pub amount: Decimal,",
        "    pub created_at: DateTime,",
        "    pub flag: bool,",
        "    pub score: f64,",
    ];
    fields.extend(extras.iter().take(i % 5).map(|s| (*s).to_owned()));
    if let Some(Drift::AddedColumn) = drift {
        fields.push("    pub extra_note: Option<String>,".to_owned());
    }
    let relation = if i > 1 {
        format!(
            "    #[sea_orm(belongs_to = \"super::t{p:05}::Entity\", from = \"Column::ParentId\", to = \"super::t{p:05}::Column::Id\", on_delete = \"Cascade\")]\n    Parent,\n",
            p = i - 1
        )
    } else {
        String::new()
    };
    let text = format!(
        "use sea_orm::entity::prelude::*;\n\n\
         #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n\
         #[sea_orm(table_name = \"{name}\")]\n\
         pub struct Model {{\n{}\n}}\n\n\
         #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\n\
         pub enum Relation {{\n{relation}}}\n\n\
         impl ActiveModelBehavior for ActiveModel {{}}\n",
        fields.join("\n")
    );
    SourceFile {
        path: PathBuf::from(format!("{name}.rs")),
        text,
    }
}
