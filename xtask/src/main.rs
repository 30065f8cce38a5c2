//! Project tasks, run as `cargo xtask <task>`.
//!
//! - `ci`: what CI runs: start the test databases if they are down, then formatting, lints and
//!   the whole test suite against the real servers (with cargo-nextest when it is installed,
//!   so the test binaries run side by side).
//! - `bench [--tables N] [--backend postgres|sqlite|mysql] [--runs R] [--alembic]`: the
//!   benchmark (release builds), phase by phase, against the floor and optionally Alembic; see
//!   docs/performance.md.
//! - `quickstart`: `sealift autogen` end to end on the SQLite example in `examples/quickstart`,
//!   in a copy under the system's temp folder (the example itself stays as it is).
//! - `proptest [CASES]`: the diff round trip on real databases over many generated schema pairs
//!   (default 500 per dialect; the normal suite runs a few).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    match task.as_str() {
        "ci" => ci(&root),
        "quickstart" => quickstart(&root),
        "bench" => {
            let rest: Vec<String> = std::env::args().skip(2).collect();
            bench(&root, &rest)
        }
        "proptest" => {
            let cases = std::env::args().nth(2).unwrap_or_else(|| "500".to_owned());
            run(&root, "bash", &["scripts/ensure-databases.sh"])?;
            let status = Command::new("cargo")
                .args([
                    "test",
                    "--release",
                    "-p",
                    "sealift-diff",
                    "--test",
                    "roundtrip",
                ])
                .env("PROPTEST_CASES", &cases)
                .current_dir(&root)
                .status()
                .context("cannot run cargo test")?;
            if !status.success() {
                bail!("the round-trip property test failed ({status})");
            }
            Ok(())
        }
        "" | "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <task>\n\ntasks:\n  ci           start the test databases, check formatting and lints, run every test\n  quickstart   run `sealift autogen` on the SQLite example project (in a temp copy)\n  proptest [N] the diff round-trip property test with N cases per dialect\n  bench [--tables N] [--backend postgres|sqlite|mysql] [--runs R] [--alembic]   timings, see docs/performance.md"
            );
            Ok(())
        }
        other => bail!("unknown task `{other}`; run `cargo xtask help` for the list"),
    }
}

/// The workspace root (the folder above xtask/).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn ci(root: &Path) -> Result<()> {
    run(root, "bash", &["scripts/ensure-databases.sh"])?;
    run(root, "cargo", &["fmt", "--all", "--check"])?;
    run(
        root,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if nextest {
        // The test binaries side by side: most tests wait on a database or on cargo, and one
        // after another the slowest binaries add up.
        run(
            root,
            "cargo",
            &[
                "nextest",
                "run",
                "--workspace",
                "--locked",
                "--no-fail-fast",
            ],
        )?;
        // nextest does not run documentation tests.
        run(root, "cargo", &["test", "--workspace", "--locked", "--doc"])?;
    } else {
        eprintln!(
            "xtask: cargo-nextest is not installed: the test binaries run one after another \
             (slower; `cargo install cargo-nextest --locked` runs them side by side)"
        );
        run(root, "cargo", &["test", "--workspace", "--locked"])?;
    }
    Ok(())
}

/// Release builds of `sealift` and the benchmark, then the benchmark.
fn bench(root: &Path, args: &[String]) -> Result<()> {
    run(root, "bash", &["scripts/ensure-databases.sh"])?;
    run(
        root,
        "cargo",
        &[
            "build",
            "--release",
            "-q",
            "-p",
            "sealift-cli",
            "-p",
            "sealift-bench",
        ],
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");
    let sealift = release.join("sealift");
    let status = Command::new(release.join("sealift-bench"))
        .args(args)
        .arg("--sealift")
        .arg(&sealift)
        .current_dir(root)
        .status()
        .context("cannot run the benchmark")?;
    if !status.success() {
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}

/// Copies the example project to a fresh folder, runs `sealift autogen AddPosts` there and
/// prints the migration it wrote.
fn quickstart(root: &Path) -> Result<()> {
    let example = root.join("examples/quickstart");
    let dir = std::env::temp_dir().join(format!("sealift-quickstart-{}", std::process::id()));
    copy_dir(&example, &dir).with_context(|| format!("cannot copy {}", example.display()))?;
    let config = dir.join("sealift.toml");
    let config = config.to_string_lossy();
    run(
        root,
        "cargo",
        &[
            "run",
            "-q",
            "-p",
            "sealift-cli",
            "--",
            "autogen",
            "AddPosts",
            "--config",
            &config,
        ],
    )?;
    let src = dir.join("migration/src");
    for entry in std::fs::read_dir(&src)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with("m2")) {
            println!("\n{}:\n", path.display());
            println!("{}", std::fs::read_to_string(&path)?);
        }
    }
    println!(
        "The project is in {}; apply the migration with\n  sealift upgrade --config {}/sealift.toml\n(or `cargo run -- up` in its migration crate), then see it with `sealift history`",
        dir.display(),
        dir.display()
    );
    Ok(())
}

/// Copies a folder tree, leaving out build output.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Runs a command in `root`, failing with its name when it fails.
fn run(root: &Path, program: &str, args: &[&str]) -> Result<()> {
    let shown = format!("{program} {}", args.join(" "));
    eprintln!("xtask: {shown}");
    let status = Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}
