//! Building and running generated migration crates with cargo, the way a user does.
//!
//! Every such crate builds in one target folder, `target/e2e`, with warnings denied: the
//! dependencies (sea-orm-migration and its tree) compile once per run, and a warning in
//! generated code fails the build. The workspace's Cargo.lock is copied in first so the shared
//! dependencies resolve to the versions sealift itself is tested with.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies the workspace's Cargo.lock into a generated crate (once; cargo adds what is missing).
pub fn seed_lockfile(crate_dir: &Path) {
    let lock = crate_dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(workspace_dir().join("Cargo.lock"), &lock)
            .unwrap_or_else(|e| panic!("cannot copy Cargo.lock into {}: {e}", crate_dir.display()));
    }
}

/// The environment generated crates build in: the shared `target/e2e` folder, warnings denied,
/// no debug info and no incremental state (each crate builds a few times at most, and linking
/// sea-orm binaries with debug info is most of their build time).
pub fn e2e_env() -> [(&'static str, std::ffi::OsString); 4] {
    [
        (
            "CARGO_TARGET_DIR",
            workspace_dir().join("target/e2e").into(),
        ),
        ("RUSTFLAGS", "-D warnings".into()),
        ("CARGO_PROFILE_DEV_DEBUG", "0".into()),
        ("CARGO_INCREMENTAL", "0".into()),
    ]
}

/// `cargo <subcommand> <args>` for the crate at `crate_dir`, in the shared target folder, warnings denied,
/// with `DATABASE_URL` set when given. Panics with cargo's output when it fails.
pub fn cargo(crate_dir: &Path, args: &[&str], database_url: Option<&str>, what: &str) -> Output {
    seed_lockfile(crate_dir);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    // The manifest goes right after the subcommand, before any `--`.
    cmd.args(&args[..1])
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .args(&args[1..])
        .envs(e2e_env())
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "{what}: cargo {args:?} failed\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A folder under the system's temp folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty, uniquely named folder.
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(crate::unique_name(label));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
