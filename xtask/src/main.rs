//! Project tasks, run as `cargo xtask <task>`.
//!
//! - `ci`: what CI runs: start the test databases if they are down, then formatting, lints and
//!   the whole test suite against the real servers (with cargo-nextest when it is installed,
//!   so the test binaries run side by side).
//! - `bench [--tables N] [--backend postgres|sqlite|mysql] [--runs R] [--alembic]`: the
//!   benchmark (release builds), phase by phase, against the floor and optionally Alembic;
//!   `--compile`: the first migration of N tables built with cargo; see docs/performance.md.
//! - `quickstart`: `sealift autogen` end to end on the SQLite example in `examples/quickstart`,
//!   in a copy under the system's temp folder (the example itself stays as it is).
//! - `proptest [CASES]`: the diff round trip on real databases over many generated schema pairs
//!   (default 500 per dialect; the normal suite runs a few).
//! - `fuzz [SECONDS] [TARGET...]`: each fuzz target (default: all) for SECONDS (default 60)
//!   with cargo-fuzz on the nightly toolchain, seeded from the fixtures; the corpus is then
//!   minimized into `fuzz/corpus/<target>`, which the normal suite replays.

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
        "fuzz" => {
            let rest: Vec<String> = std::env::args().skip(2).collect();
            fuzz(&root, &rest)
        }
        "" | "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <task>\n\ntasks:\n  ci           start the test databases, check formatting and lints, run every test\n  quickstart   run `sealift autogen` on the SQLite example project (in a temp copy)\n  proptest [N] the diff round-trip property test with N cases per dialect\n  fuzz [SECONDS] [TARGET...]   run the fuzz targets (cargo-fuzz, nightly), see fuzz/README.md\n  bench [--tables N] [--backend postgres|sqlite|mysql] [--runs R] [--alembic]   timings, see docs/performance.md\n  bench --tenants N [--tables T] [--jobs J] [--no-loop]   check and upgrade over N tenant schemas\n  bench --compile [--tables N]   the first migration of N new tables, built with cargo: time and rustc's peak memory\n  bench --online [--rows N]   writers' latency during an upgrade, plain plan against online (PostgreSQL, pgbench)"
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
        // nextest does not run documentation tests. rustdoc reads every crate to find them
        // (a minute here), so it runs when a doc comment holds Rust code to test.
        if has_doc_tests(root) {
            run(root, "cargo", &["test", "--workspace", "--locked", "--doc"])?;
        } else {
            eprintln!("xtask: no doc comment holds Rust code to test; `cargo test --doc` not run");
        }
    } else {
        eprintln!(
            "xtask: cargo-nextest is not installed: the test binaries run one after another \
             (slower; `cargo install cargo-nextest --locked` runs them side by side)"
        );
        run(root, "cargo", &["test", "--workspace", "--locked"])?;
    }
    Ok(())
}

/// True when a doc comment of the workspace's sources opens a code block rustdoc tests: one
/// with no language, `rust`, or only rustdoc's own attributes (`no_run`, `should_panic`, ..).
fn has_doc_tests(root: &Path) -> bool {
    ["crates", "snapshots", "xtask"]
        .iter()
        .any(|dir| sources_have_doc_tests(&root.join(dir)))
}

fn sources_have_doc_tests(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            entry.file_name() != "target" && sources_have_doc_tests(&path)
        } else {
            path.extension().is_some_and(|e| e == "rs")
                && std::fs::read_to_string(&path).is_ok_and(|text| holds_doc_test(&text))
        }
    })
}

/// True when a doc comment of `text` opens a code block rustdoc runs as a test (fences
/// alternate: an opening one, then its closing one).
fn holds_doc_test(text: &str) -> bool {
    let mut inside = false;
    for info in text.lines().filter_map(doc_fence) {
        if inside {
            inside = false;
        } else if is_rust(info) {
            return true;
        } else {
            inside = true;
        }
    }
    false
}

/// The info string of a doc comment line that is a code fence.
fn doc_fence(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let doc = line
        .strip_prefix("///")
        .or_else(|| line.strip_prefix("//!"))?;
    doc.trim_start().strip_prefix("```")
}

/// A code block's info string that rustdoc tests: no language, `rust`, or only its own
/// attributes.
fn is_rust(info: &str) -> bool {
    const RUSTDOC: [&str; 7] = [
        "rust",
        "ignore",
        "no_run",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
    ];
    info.split([',', ' '])
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .all(|word| RUSTDOC.contains(&word) || word.starts_with("edition"))
}

/// The fuzz targets, as `fuzz/Cargo.toml` names them.
const FUZZ_TARGETS: [&str; 5] = [
    "entity_source",
    "entity_tokens",
    "sqlite_ddl",
    "settings",
    "register",
];

/// Runs each fuzz target for a while from its saved corpus and fresh seeds, then minimizes
/// the corpus. A crash stops nothing: every target runs, and the task fails at the end naming
/// the targets that crashed (their inputs are in `fuzz/artifacts/<target>/`).
/// Fuzz the code as it ships: under `cfg(fuzzing)` proc-macro2 reports no line numbers, and
/// registering a migration in `lib.rs` edits by line.
const NO_CFG_FUZZING: &str = "--no-cfg-fuzzing";

fn fuzz(root: &Path, args: &[String]) -> Result<()> {
    let (seconds, targets) = match args.split_first() {
        Some((s, rest)) if s.parse::<u64>().is_ok() => (s.clone(), rest.to_vec()),
        _ => ("60".to_owned(), args.to_vec()),
    };
    let targets: Vec<String> = if targets.is_empty() {
        FUZZ_TARGETS.iter().map(|t| (*t).to_owned()).collect()
    } else {
        targets
    };
    if let Some(bad) = targets.iter().find(|t| !FUZZ_TARGETS.contains(&t.as_str())) {
        bail!("no fuzz target named `{bad}`; the targets are {FUZZ_TARGETS:?}");
    }
    let fuzz_dir = root.join("fuzz");
    let fuzz_ok = cargo_fuzz(&fuzz_dir, &["--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !fuzz_ok {
        bail!(
            "cargo-fuzz on a nightly toolchain is needed: `rustup toolchain install nightly` and `cargo install cargo-fuzz --locked`"
        );
    }
    let seeds = root.join("target/fuzz-seeds");
    write_seeds(root, &seeds, &targets)?;
    let mut crashed = Vec::new();
    for target in &targets {
        let corpus = format!("corpus/{target}");
        std::fs::create_dir_all(fuzz_dir.join(&corpus))?;
        let seed_dir = seeds.join(target);
        let status = cargo_fuzz(&fuzz_dir, &["run", "-O", NO_CFG_FUZZING, target, &corpus])
            .arg(&seed_dir)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-timeout=10",
                "-rss_limit_mb=2048",
                "-max_len=65536",
                "-print_final_stats=1",
            ])
            .status()
            .context("cannot run cargo fuzz")?;
        if !status.success() {
            eprintln!(
                "xtask: fuzz target {target} failed ({status}); see fuzz/artifacts/{target}/"
            );
            crashed.push(target.clone());
        }
        // Minimized by edges alone (not hit counts), so the saved corpus stays small enough to
        // keep in the repository and replay in every test run.
        let args = [
            "cmin",
            "-O",
            NO_CFG_FUZZING,
            target,
            &corpus,
            "--",
            "-use_counters=0",
        ];
        let status = cargo_fuzz(&fuzz_dir, &args).status()?;
        if !status.success() {
            bail!("`cargo fuzz {}` failed ({status})", args.join(" "));
        }
    }
    if !crashed.is_empty() {
        bail!("fuzz targets failed: {}", crashed.join(", "));
    }
    Ok(())
}

/// `cargo +nightly fuzz <args>` in `fuzz_dir`, in the environment `cargo xtask` was started
/// from: without the `CARGO*` and library-path variables `cargo run` set for xtask, which
/// would make the fuzz build differ from `cargo fuzz build`'s and rebuild everything.
fn cargo_fuzz(fuzz_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(["+nightly", "fuzz"])
        .args(args)
        .current_dir(fuzz_dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO") && key != "CARGO_HOME")
            || [
                "LD_LIBRARY_PATH",
                "RUSTUP_TOOLCHAIN",
                "RUST_RECURSION_COUNT",
            ]
            .contains(&&*key)
        {
            cmd.env_remove(&*key);
        }
    }
    cmd
}

/// Starting inputs from the fixtures: entity files, SQLite DDL statements, config and `.env`
/// texts around a URL (in the `settings` target's `before\n\nuser\n\nafter` layout), and
/// migration crates' `lib.rs`. Only `targets`' folders are rewritten, so that runs of other
/// targets side by side keep theirs.
fn write_seeds(root: &Path, seeds: &Path, targets: &[String]) -> Result<()> {
    for t in targets {
        let _ = std::fs::remove_dir_all(seeds.join(t));
        std::fs::create_dir_all(seeds.join(t))?;
    }
    let mut n = 0usize;
    let mut put = |target: &str, text: &str| -> Result<()> {
        if !targets.iter().any(|t| t == target) {
            return Ok(());
        }
        n += 1;
        std::fs::write(seeds.join(target).join(format!("seed-{n}")), text)?;
        Ok(())
    };
    for path in files_under(&root.join("fixtures"))?
        .into_iter()
        .chain(files_under(&root.join("examples"))?)
    {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if name == "lib.rs" {
            put("register", &text)?;
        } else if name.ends_with(".rs") {
            put("entity_source", &text)?;
        } else if name.ends_with(".sql") && path.to_string_lossy().contains("sqlite") {
            for statement in text.split(';').filter(|s| s.contains("CREATE")) {
                put("sqlite_ddl", statement.trim())?;
            }
        } else if name == "sealift.toml" {
            put("settings", &text)?;
        }
    }
    put(
        "settings",
        "database_url = \"\n\npostgres\n\nlocalhost:5432/app?sslmode=disable\"\nentities = [\"entity/src\"]\n",
    )?;
    put(
        "settings",
        "DATABASE_URL=\n\nroot\n\n127.0.0.1:3306/app\nOTHER=1\n",
    )?;
    put(
        "settings",
        "database_url = '\n\nu\n\nh/db'\ninclude_tables = [\"a*\", \"[b\"]\n",
    )?;
    put("register", &sealift_lib_rs())?;
    Ok(())
}

/// The `lib.rs` `sealift init` writes, as the migration crate's template has it.
fn sealift_lib_rs() -> String {
    "pub use sea_orm_migration::prelude::*;\n\nmod m20220101_000001_create_table;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20220101_000001_create_table::Migration)]\n    }\n}\n".to_owned()
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
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
    let sealift = match sealift_binary(root) {
        Some(found) => found,
        None => {
            eprintln!(
                "xtask: no sealift built from this checkout as it is now; building one (debug, once: a few \
                 minutes on 2 cores; `cargo install --locked --path crates/cli` makes one for good)"
            );
            run(root, "cargo", &["build", "-p", "sealift-cli"])?;
            root.join("target/debug").join(SEALIFT)
        }
    };
    let shown = sealift.to_string_lossy();
    run(root, &shown, &["autogen", "AddPosts", "--config", &config])?;
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

/// The sealift binary's file name.
const SEALIFT: &str = if cfg!(windows) {
    "sealift.exe"
} else {
    "sealift"
};

/// A sealift built from this checkout as it is now: the release build, else the debug one,
/// whichever is newer than every source file of the workspace's crates; else an installed
/// `sealift` on PATH of this checkout's version. None when there is none of these.
fn sealift_binary(root: &Path) -> Option<PathBuf> {
    let newest_source = newest_file(&root.join("crates"))?;
    let built = ["release", "debug"]
        .map(|profile| root.join("target").join(profile).join(SEALIFT))
        .into_iter()
        .find(|binary| modified(binary).is_some_and(|m| m >= newest_source));
    built.or_else(|| {
        let out = Command::new("sealift").arg("--version").output().ok()?;
        let version = String::from_utf8_lossy(&out.stdout);
        (out.status.success() && version.trim() == concat!("sealift ", env!("CARGO_PKG_VERSION")))
            .then(|| PathBuf::from("sealift"))
    })
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The latest modification time of any file under `dir` (build output left out).
fn newest_file(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()? {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let time = if path.is_dir() {
            if entry.file_name() == "target" {
                continue;
            }
            newest_file(&path)
        } else {
            modified(&path)
        };
        newest = newest.max(time);
    }
    newest
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set_age(path: &Path, seconds: u64) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(seconds))
            .unwrap();
    }

    #[test]
    fn doc_tests_are_the_rust_code_blocks_of_doc_comments() {
        for block in [
            "/// ```",
            "//! ```rust",
            "  /// ```no_run",
            "/// ```edition2021,should_panic",
        ] {
            assert!(
                holds_doc_test(&format!("{block}\n/// x\n/// ```\n")),
                "{block}"
            );
        }
        for text in [
            "/// ```text\n/// x\n/// ```\n",
            "//! ```sh\n//! ```\n/// ```toml\n/// ```\n",
            "// ```\n",
            "let s = \"```\";\n",
            "/// see ```\n",
        ] {
            assert!(!holds_doc_test(text), "{text}");
        }
        // This workspace today: no doc comment holds Rust code.
        assert!(!has_doc_tests(&workspace_root()));
    }

    /// The quickstart takes a sealift only when it is newer than every source, the release
    /// build first.
    #[test]
    fn quickstart_uses_a_current_build_only() {
        let root = std::env::temp_dir().join(format!("xtask_quickstart_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let source = root.join("crates/cli/src/main.rs");
        std::fs::create_dir_all(source.parent().unwrap()).unwrap();
        std::fs::write(&source, "").unwrap();
        set_age(&source, 60);
        for profile in ["release", "debug"] {
            std::fs::create_dir_all(root.join("target").join(profile)).unwrap();
            std::fs::write(root.join("target").join(profile).join(SEALIFT), "").unwrap();
        }
        let release = root.join("target/release").join(SEALIFT);
        let debug = root.join("target/debug").join(SEALIFT);
        set_age(&release, 120);
        set_age(&debug, 30);
        assert_eq!(sealift_binary(&root), Some(debug.clone()));
        set_age(&release, 10);
        assert_eq!(sealift_binary(&root), Some(release.clone()));
        // A source edited after both builds: neither is the checkout as it is.
        set_age(&source, 0);
        assert_ne!(sealift_binary(&root), Some(release));
        assert_ne!(sealift_binary(&root), Some(debug));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
