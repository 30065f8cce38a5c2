//! Whether a runner cargo built earlier is still current, told without asking cargo.
//!
//! A no-op `cargo build` still resolves the crate graph, checks a fingerprint per unit and
//! waits for the target folder's lock, which another build (the user's IDE, a test, a second
//! deploy) may hold for minutes. So the runner's build leaves a stamp whose modification time
//! is the moment the build started, and a later run skips cargo when every local file that
//! build read is older than the stamp: the sources cargo lists in the binary's dep-info file
//! (`<binary>.d`: the runner's and the migration crate's, and any other path dependency's),
//! the `Cargo.toml` of each of their packages, and the lock and manifest files the caller
//! names. That is cargo's own rule for local packages (their files' modification times against
//! the build's start), applied to the same files. A file changed less than two seconds before
//! the build started does not count as older (a file system may keep whole seconds only),
//! nor does one that is missing, so in any doubt cargo is asked.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file changed this close to a build's start may have changed after it began.
const MARGIN: Duration = Duration::from_secs(2);

/// The stamp of a build that started at `started` and succeeded.
pub fn stamp(path: &Path, started: SystemTime) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    file.set_modified(started)
}

/// True when `binary` exists, `stamp` marks its last successful build, and nothing that build
/// read (the dep-info's files, their packages' manifests, and `also`) changed since.
pub fn is_fresh(binary: &Path, stamp: &Path, also: &[PathBuf]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let (Some(_), Some(built)) = (modified(binary), modified(stamp)) else {
        return false;
    };
    let Some(limit) = built.checked_sub(MARGIN) else {
        return false;
    };
    // Cargo names it after the binary without `.exe`.
    let Ok(text) = std::fs::read_to_string(binary.with_extension("d")) else {
        return false;
    };
    let Some(sources) = dep_info_sources(&text) else {
        return false;
    };
    if sources.is_empty() {
        return false;
    }
    let mut manifests: Vec<PathBuf> = sources.iter().filter_map(|s| manifest_of(s)).collect();
    manifests.sort();
    manifests.dedup();
    sources
        .iter()
        .chain(&manifests)
        .chain(also)
        .all(|file| modified(file).is_some_and(|m| m < limit))
}

/// The files a Makefile-style dep-info file lists for its first target, all absolute; None
/// when it names none or a relative one (written against a base folder this does not know).
fn dep_info_sources(text: &str) -> Option<Vec<PathBuf>> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    // The target ends at the first `: ` not escaped (a Windows drive's `C:` has no space).
    let colon = line
        .find(": ")
        .or_else(|| line.strip_suffix(':').map(str::len))?;
    let mut sources = Vec::new();
    let mut current = String::new();
    let mut chars = line[colon + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => {
                if !current.is_empty() {
                    sources.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        sources.push(PathBuf::from(current));
    }
    sources.iter().all(|s| s.is_absolute()).then_some(sources)
}

/// The `Cargo.toml` of the package a source file belongs to: the nearest one above it.
fn manifest_of(source: &Path) -> Option<PathBuf> {
    source
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("Cargo.toml"))
        .find(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_absolute_sources_with_escaped_spaces() {
        let text = "/t/debug/runner: /t/runner/src/main.rs /home/a\\ b/migration/src/lib.rs\n\n\
                    /t/runner/src/main.rs:\n";
        assert_eq!(
            dep_info_sources(text).unwrap(),
            [
                PathBuf::from("/t/runner/src/main.rs"),
                PathBuf::from("/home/a b/migration/src/lib.rs")
            ]
        );
        assert_eq!(dep_info_sources("runner: src/main.rs\n"), None);
    }

    fn set_age(path: &Path, seconds: u64) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(seconds))
            .unwrap();
    }

    #[test]
    fn fresh_until_a_source_its_manifest_or_a_named_file_changes() {
        let dir = std::env::temp_dir().join(format!("sealift_fresh_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("migration/src")).unwrap();
        let lib = dir.join("migration/src/lib.rs");
        let manifest = dir.join("migration/Cargo.toml");
        let lock = dir.join("Cargo.lock");
        let binary = dir.join("runner");
        let stamp_file = dir.join("built");
        for file in [&lib, &manifest, &lock, &binary] {
            std::fs::write(file, "").unwrap();
            set_age(file, 60);
        }
        let also = [lock.clone()];
        // No dep-info, no stamp: cargo decides.
        assert!(!is_fresh(&binary, &stamp_file, &also));
        std::fs::write(
            dir.join("runner.d"),
            format!("{}: {}\n", binary.display(), lib.display()),
        )
        .unwrap();
        assert!(!is_fresh(&binary, &stamp_file, &also));
        stamp(&stamp_file, SystemTime::now() - Duration::from_secs(30)).unwrap();
        assert!(is_fresh(&binary, &stamp_file, &also));
        // Each kind of file, changed after the build started, makes it stale.
        for file in [&lib, &manifest, &lock] {
            set_age(file, 10);
            assert!(!is_fresh(&binary, &stamp_file, &also), "{}", file.display());
            set_age(file, 60);
        }
        // Changed just before the build started: not provably older.
        set_age(&lib, 31);
        assert!(!is_fresh(&binary, &stamp_file, &also));
        set_age(&lib, 60);
        // A source gone, or the binary gone.
        std::fs::remove_file(&lock).unwrap();
        assert!(!is_fresh(&binary, &stamp_file, &also));
        assert!(is_fresh(&binary, &stamp_file, &[]));
        std::fs::remove_file(&binary).unwrap();
        assert!(!is_fresh(&binary, &stamp_file, &[]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
