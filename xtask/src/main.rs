//! Project tasks, run as `cargo xtask <task>`.
//!
//! - `ci`: what CI runs: start the test databases if they are down, then formatting, lints and
//!   the whole test suite against the real servers.
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
                "usage: cargo xtask <task>\n\ntasks:\n  ci    start the test databases, check formatting and lints, run every test"
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
    run(root, "cargo", &["test", "--workspace", "--locked"])?;
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
