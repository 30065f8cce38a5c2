//! Where the entity files' parses are kept between runs, and by which build.
//!
//! Parsing is most of sealift's own work on a large project (about 70 µs a file: 10,000 files
//! take longer than the catalog queries). A run keeps each file's parse, by path and text, in
//! `.sealift_cache/` in the folder it runs in (or `SEALIFT_CACHE_DIR`), and the next run
//! parses again only the files whose text changed. `SEALIFT_NO_CACHE=1` turns it off.
//!
//! A file whose stamp (length, times of last write and last change, inode) is the one stored
//! is not even read: [`Stamps`] vouches only for files last changed two seconds or more before
//! the run began, so that any write since shows as a later time (the rule git uses for its
//! index). Any other file is read and its text compared.
//!
//! A cache is only ever a shortcut: one written by another version of sealift, or by a build
//! whose parser differs (`sealift_entity::ParseCache` checks a fingerprint of the parser's
//! sources and lockfile), is not read; one that cannot be read or written is left alone, and
//! nothing fails because of it. It is written whole to a temporary file of its own and
//! renamed into place, so runs side by side never see half of one.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use sealift_entity::{FileStamp, ParseCache};

/// The folder the cache goes in, once the CLI has said ([`enable`]); `None` inside: off.
static FOLDER: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Keeps parses between runs, in the folder the environment names: `SEALIFT_CACHE_DIR`, or
/// `.sealift_cache` in the current folder; off when `SEALIFT_NO_CACHE` is set to anything but
/// `0` or `false`. Library callers that never call this parse every file every time.
pub fn enable() {
    let off = std::env::var("SEALIFT_NO_CACHE")
        .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no" | "off"));
    let folder = match std::env::var_os("SEALIFT_CACHE_DIR") {
        _ if off => None,
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => Some(PathBuf::from(".sealift_cache")),
    };
    let _ = FOLDER.set(folder);
}

/// The cache for the entity folders `dirs`: where it is stored, and what it holds for this
/// build (empty when it is off, missing, or written by another build).
pub(crate) struct Slot {
    file: PathBuf,
}

impl Slot {
    /// The slot for `dirs`, and its cache; `None` when caching is off.
    pub(crate) fn open(dirs: &[PathBuf]) -> Option<(Slot, ParseCache)> {
        let folder = FOLDER.get()?.as_ref()?;
        let stamp = concat!("sealift ", env!("CARGO_PKG_VERSION"));
        let file = folder.join(format!("entities-{:016x}.bin", key(dirs)));
        let cache = match std::fs::read(&file) {
            Ok(bytes) => ParseCache::load(stamp, &bytes),
            Err(_) => ParseCache::new(stamp),
        };
        Some((Slot { file }, cache))
    }

    /// Stores a new cache; a failure (a read-only folder, a full disk) only means the next
    /// run parses again.
    pub(crate) fn store(&self, bytes: &[u8]) {
        let Some(folder) = self.file.parent() else {
            return;
        };
        if std::fs::create_dir_all(folder).is_err() {
            return;
        }
        // Marked as a cache for git and for backup tools.
        for (name, text) in [
            (
                ".gitignore",
                "# Written by sealift: parsed entity files, safe to delete.\n*\n",
            ),
            (
                "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by sealift.\n",
            ),
        ] {
            let path = folder.join(name);
            if !path.exists() {
                let _ = std::fs::write(path, text);
            }
        }
        // A temporary file of its own (removed if anything fails), then renamed into place.
        let Ok(mut part) = tempfile::NamedTempFile::new_in(folder) else {
            return;
        };
        if std::io::Write::write_all(&mut part, bytes).is_ok() {
            let _ = part.persist(&self.file);
        }
    }
}

/// Stamps for the files a run may trust without reading them.
pub(crate) struct Stamps {
    /// Files changed after this (nanoseconds since the epoch) may be written again within one
    /// tick of the file system's clock without their times moving, so they are not vouched for.
    settled_before_ns: i128,
}

impl Stamps {
    /// Stamps for a run starting now.
    pub(crate) fn now() -> Stamps {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        Stamps {
            settled_before_ns: now - Duration::from_secs(2).as_nanos() as i128,
        }
    }

    /// The stamp of `path`, when it was last changed well before the run began; `None` for a
    /// file changed since (or in the future), one that cannot be read, and off Unix.
    pub(crate) fn of(&self, path: &Path) -> Option<FileStamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(path).ok()?;
            let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            let stamp = FileStamp {
                len: meta.len(),
                modified_ns: ns(meta.mtime(), meta.mtime_nsec()),
                changed_ns: ns(meta.ctime(), meta.ctime_nsec()),
                id: meta.ino(),
            };
            let settled = stamp.modified_ns.max(stamp.changed_ns) < self.settled_before_ns;
            settled.then_some(stamp)
        }
        #[cfg(not(unix))]
        {
            let _ = (path, self.settled_before_ns);
            None
        }
    }
}

/// One cache file per set of entity folders, named by where they really are (so two
/// projects that share a `SEALIFT_CACHE_DIR` never share a file).
fn key(dirs: &[PathBuf]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for dir in dirs {
        std::fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.clone())
            .hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_name_their_own_file_however_spelled() {
        let tmp = std::env::temp_dir();
        let here = [tmp.clone()];
        let spelled_otherwise = [tmp.join(".")];
        assert_eq!(key(&here), key(&spelled_otherwise));
        assert_ne!(key(&here), key(&[PathBuf::from("/nonexistent/b")]));
        assert_ne!(
            key(&[PathBuf::from("/nonexistent/a")]),
            key(&[PathBuf::from("/nonexistent/b")])
        );
    }

    #[test]
    fn a_failed_store_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("sealift_slot_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The target is a folder, so the rename fails.
        let file = dir.join("entities-0.bin");
        std::fs::create_dir_all(&file).unwrap();
        Slot { file: file.clone() }.store(b"bytes");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".gitignore", "CACHEDIR.TAG", "entities-0.bin"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
