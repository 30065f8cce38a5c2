//! `cargo xtask bench --tenants N [--tables T]`: a schema per tenant on PostgreSQL.
//!
//! 1. Writes T entity files (as the main benchmark does), makes a migration crate with
//!    `sealift init`, creates N empty schemas `tenant_0001`.., writes the first migration with
//!    `sealift autogen --schema tenant_0001` and applies it to every tenant with
//!    `sealift upgrade --schema 'tenant_*'` (timed once: N x T tables created).
//! 2. `sealift check --schema 'tenant_*'`, end to end as a process, against the floor (the
//!    catalog queries for every tenant alone, rows fetched and dropped), runs alternating; and
//!    against a loop of single-schema runs, `sealift check --schema tenant_i` for each tenant.
//! 3. One new migration (a column added to one table) applied across every tenant with
//!    `sealift upgrade --schema 'tenant_*'`, with its peak memory; rolled back between runs.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_testkit::{PgDb, TempDir, e2e_env, seed_lockfile};

use crate::{Drift, mid, ms, run_measured, source, status_enum};

/// What the tenant benchmark is asked.
pub struct Options<'a> {
    pub sealift: &'a Path,
    pub tenants: usize,
    pub tables: usize,
    pub runs: usize,
    pub jobs: usize,
    /// Skip the loop of single-schema runs (it takes minutes at 1,000 tenants).
    pub no_loop: bool,
    /// Keep the database and the project folder afterwards (both printed).
    pub keep: bool,
}

pub async fn bench(o: Options<'_>) -> Result<()> {
    let (n, t) = (o.tenants, o.tables);
    let db = PgDb::create("bench_tenants").await;
    let url = db.url().to_owned();
    let project = TempDir::new("bench_tenants");
    let root = project.path();
    let entities = root.join("entity/src");
    std::fs::create_dir_all(&entities)?;
    for f in (1..=t).map(|i| source(i, None)).chain([status_enum()]) {
        std::fs::write(entities.join(&f.path), f.text)?;
    }
    let sealift = |args: &[&str]| -> Result<String> {
        let out = Command::new(o.sealift)
            .args(args)
            .current_dir(root)
            .env("DATABASE_URL", &url)
            .envs(e2e_env())
            .output()
            .with_context(|| format!("cannot run {}", o.sealift.display()))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            bail!(
                "sealift {} failed ({}):\n{text}",
                args.join(" "),
                out.status
            );
        }
        Ok(text)
    };
    let timed = |args: &[&str]| -> Result<(Duration, u64)> {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database-url", &url]);
        run_measured(o.sealift, &full, root)
    };
    let jobs = o.jobs.to_string();
    let all = ["--schema", "tenant_*", "--jobs", jobs.as_str()];
    let with_all = |cmd: &[&'static str]| -> Vec<&str> {
        cmd.iter().copied().chain(all.iter().copied()).collect()
    };

    eprintln!("bench: {n} tenant schemas of {t} tables");
    sealift(&["init"])?;
    seed_lockfile(&root.join("migration"));
    let names: Vec<String> = (1..=n).map(|i| format!("tenant_{i:04}")).collect();
    let script: String = names
        .iter()
        .map(|s| format!("CREATE SCHEMA {s};\n"))
        .collect();
    db.execute(&script).await;
    sealift(&["autogen", "Initial", "--schema", "tenant_0001"])?;
    // The runner builds once, untimed.
    sealift(&["upgrade", "--schema", "tenant_0001"])?;
    let started = Instant::now();
    sealift(&with_all(&["upgrade"]))?;
    let initial = started.elapsed();
    db.execute("VACUUM ANALYZE").await;
    eprintln!(
        "bench: {} tables created through sealift upgrade in {:.1} s",
        n * t,
        initial.as_secs_f64()
    );

    // check, against the floor, alternating.
    let parsed = DatabaseUrl::parse(&url)?;
    let options = ReflectOptions {
        schemas: vec!["tenant_*".to_owned()],
        history_table: None,
    };
    let (mut floors, mut checks, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut check_kb = 0;
    for _ in 0..o.runs {
        let s = Instant::now();
        sealift_catalog::open(&parsed, &options)
            .await?
            .floor()
            .await?;
        let floor = s.elapsed();
        let (wall, kb) = timed(&with_all(&["check"]))?;
        floors.push(floor);
        checks.push(wall);
        ratios.push(wall.as_secs_f64() / floor.as_secs_f64());
        check_kb = check_kb.max(kb);
    }
    ratios.sort_by(f64::total_cmp);
    let paired = ratios[ratios.len() / 2];
    let (floor, check) = (mid(floors), mid(checks));
    let looped = if o.no_loop {
        None
    } else {
        eprintln!("bench: checking the {n} schemas one by one");
        let s = Instant::now();
        for name in &names {
            timed(&["check", "--schema", name])?;
        }
        Some(s.elapsed())
    };

    // One new migration across every tenant.
    let f = source(1, Some(Drift::AddedColumn));
    std::fs::write(entities.join(&f.path), f.text)?;
    sealift(&["autogen", "AddNote", "--schema", "tenant_0001"])?;
    // Builds the runner with the new migration, untimed; then tenant_0001 goes back.
    sealift(&["upgrade", "--schema", "tenant_0001"])?;
    sealift(&["downgrade", "--schema", "tenant_0001", "--yes"])?;
    let (mut ups, mut up_kb) = (Vec::new(), 0);
    for run in 0..o.runs {
        if run > 0 {
            sealift(&with_all(&["downgrade", "--yes"]))?;
        }
        let (wall, kb) = timed(&with_all(&["upgrade"]))?;
        ups.push(wall);
        up_kb = up_kb.max(kb);
    }
    let upgrade = mid(ups);

    println!(
        "sealift bench: postgres, {n} tenant schemas x {t} tables = {} tables; --jobs {}; median of {} runs",
        n * t,
        o.jobs,
        o.runs
    );
    let row = |name: &str, d: Duration| println!("  {name:<44} {:>9.1} ms", ms(d));
    row("first migration to every tenant (once)", initial);
    row("floor (the catalog queries alone)", floor);
    row("sealift check, every tenant, end to end", check);
    println!(
        "  {:<44} {:>9.2}x",
        "check / floor",
        check.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  {:<44} {:>9.2}x",
        "  median of the paired runs' ratios", paired
    );
    println!(
        "  {:<44} {:>9.1} MB",
        "peak memory, check",
        check_kb as f64 / 1024.0
    );
    if let Some(looped) = looped {
        row("loop of single-schema checks (once)", looped);
        println!(
            "  {:<44} {:>9.1}x",
            "loop / sealift check",
            looped.as_secs_f64() / check.as_secs_f64()
        );
    }
    row("sealift upgrade, one migration, every tenant", upgrade);
    println!(
        "  {:<44} {:>9.1} MB",
        "peak memory, upgrade",
        up_kb as f64 / 1024.0
    );
    if o.keep {
        println!("  database kept: {url}");
        println!("  project kept: {}", root.display());
        std::mem::forget(db);
        std::mem::forget(project);
    }
    Ok(())
}
