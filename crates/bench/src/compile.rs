//! `cargo xtask bench --compile N`: what the first migration of N new tables costs to compile.
//! sealift writes it (`autogen` against an empty SQLite database), then cargo builds the
//! migration crate in `target/e2e-bench` with the dev profile as a user has it (debug info
//! on), its dependencies built beforehand, so the figures are the generated code's own: the
//! build's wall time and the largest rustc's peak memory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sealift_testkit::{TempDir, seed_lockfile, workspace_dir};

use crate::{source, status_enum};

/// Writes N entities, autogens their migration and times its build.
pub fn bench(sealift: &Path, tables: usize, keep: bool) -> Result<()> {
    let dir = TempDir::new("bench_compile");
    let entities = dir.path().join("entity/src");
    std::fs::create_dir_all(&entities)?;
    let mut modules = String::new();
    for file in (1..=tables).map(|i| source(i, None)).chain([status_enum()]) {
        let stem = file
            .path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        modules.push_str(&format!("pub mod {stem};\n"));
        std::fs::write(entities.join(&file.path), &file.text)?;
    }
    std::fs::write(entities.join("mod.rs"), modules)?;
    let migration = dir.path().join("migration");
    for (rel, text) in sealift_codegen::new_migration_crate("migration") {
        let path = migration.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(&migration))?;
        std::fs::write(path, text)?;
    }
    seed_lockfile(&migration);
    // The dependencies first, so the timed build is the migration's own code.
    build(&migration).context("building the empty migration crate")?;
    let db = dir.path().join("empty.db");
    std::fs::File::create(&db)?;
    let url = format!("sqlite://{}", db.display());
    let t = Instant::now();
    let out = Command::new(sealift)
        .args(["autogen", "Initial", "--database-url", &url])
        .arg("--migration-dir")
        .arg(&migration)
        .arg("--entities")
        .arg(&entities)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .context("cannot run sealift")?;
    if !out.status.success() {
        bail!(
            "sealift autogen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let autogen = t.elapsed();
    let lines: usize = std::fs::read_dir(migration.join("src"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('m'))
        .map(|e| std::fs::read_to_string(e.path()).map_or(0, |t| t.lines().count()))
        .sum();
    let (wall, peak_kb) = build(&migration)?;
    println!("sealift bench --compile: the first migration of {tables} new tables ({lines} lines)");
    println!(
        "  {:<34} {:>9.1} s",
        "sealift autogen",
        autogen.as_secs_f64()
    );
    println!(
        "  {:<34} {:>9.1} s",
        "cargo build (the migration crate)",
        wall.as_secs_f64()
    );
    println!(
        "  {:<34} {:>9.1} MB",
        "peak memory of rustc",
        peak_kb as f64 / 1024.0
    );
    if keep {
        println!("  project kept: {}", dir.path().display());
        std::mem::forget(dir);
    }
    Ok(())
}

/// `cargo build` of the crate in the shared folder: wall time and the largest peak resident
/// memory (KiB) of any rustc running meanwhile, read from `/proc` every 20 ms.
fn build(krate: &Path) -> Result<(Duration, u64)> {
    let t = Instant::now();
    let mut child = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .arg("build")
        .arg("--manifest-path")
        .arg(krate.join("Cargo.toml"))
        // The dev profile as a user has it (debug info on), in a folder of its own.
        .env("CARGO_TARGET_DIR", workspace_dir().join("target/e2e-bench"))
        .spawn()
        .context("cannot run cargo")?;
    let mut peak = 0;
    let status = loop {
        peak = peak.max(rustc_peak());
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !status.success() {
        bail!("cargo build of {} failed ({status})", krate.display());
    }
    Ok((t.elapsed(), peak))
}

/// The largest `VmHWM` of the rustc processes running now.
fn rustc_peak() -> u64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|s| {
            s.lines()
                .next()
                .is_some_and(|l| l.trim_end().ends_with("rustc"))
        })
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0)
}
