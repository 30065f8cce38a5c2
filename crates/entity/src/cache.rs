//! Parsed files kept between runs: a file whose path and text are what they were when it was
//! parsed is not parsed again, and one whose [`FileStamp`] is what it was is not even read.
//!
//! The crate stays pure: the caller reads and stores the bytes ([`ParseCache::load`], and the
//! bytes [`crate::read_and_parse_cached`] returns). They begin with a stamp: the caller's
//! (sealift's version) and the parser's fingerprint, which `build.rs` hashes from the sources
//! of this crate and of the crates whose types a parse holds, and from the lockfile. Bytes
//! with another stamp, or that do not decode, make an empty cache. A cache is never an error, and what it holds is only
//! ever each file's own parse: everything that spans files (the user-type index, lowering)
//! is done again on every run.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::formats::FileItems;

/// What an earlier run parsed, by path.
#[derive(Debug, Default)]
pub struct ParseCache {
    stamp: String,
    entries: HashMap<PathBuf, Kept>,
}

/// One file as an earlier run saw it.
#[derive(Debug)]
pub(crate) struct Kept {
    /// Its text in brief.
    pub(crate) digest: Digest,
    /// What the file system said of it just before it was read, when the caller vouched for
    /// it then.
    pub(crate) stamp: Option<FileStamp>,
    /// Its parse.
    pub(crate) items: FileItems,
}

/// What the file system says of a file without reading it, given by the caller only for a
/// file it vouches for: one whose stamp changes whenever its text does. On Unix that is a
/// file last written (and last changed, which the user cannot set back) well before the run
/// began, so that a write since would show in a later time. The crate only compares stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// The file's length in bytes.
    pub len: u64,
    /// When its text was last written, in nanoseconds since the epoch.
    pub modified_ns: i128,
    /// When the file (text, name or metadata) last changed, in nanoseconds since the epoch.
    pub changed_ns: i128,
    /// The file's identity on its device (an inode number), so a file put in its place is
    /// not taken for it.
    pub id: u64,
}

impl ParseCache {
    /// An empty cache, to be written with `stamp` (and this parser's fingerprint).
    pub fn new(stamp: &str) -> Self {
        ParseCache {
            stamp: stamped(stamp),
            entries: HashMap::new(),
        }
    }

    /// The cache `bytes` hold when they were written with `stamp` by this parser; otherwise
    /// (another version or parser wrote them, or they are damaged) an empty one.
    pub fn load(stamp: &str, bytes: &[u8]) -> Self {
        let stamp = stamped(stamp);
        let entries = decode(&stamp, bytes).unwrap_or_default();
        ParseCache { stamp, entries }
    }

    /// How many files it holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The earlier parse of `path`, taken out of the cache (it is kept again only if the file
    /// is still there).
    pub(crate) fn take(&mut self, path: &Path) -> Option<Kept> {
        self.entries.remove(path)
    }

    /// True when it holds no file (after [`ParseCache::take`]: none but files deleted or
    /// moved since).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes of a cache holding `files` (each path with its text's digest, its stamp and
    /// its parse). `None` when a path is not UTF-8 (such a project is simply not cached).
    pub(crate) fn encode(&self, files: &[Entry<'_>]) -> Option<Vec<u8>> {
        let mut bytes = postcard::to_stdvec(&self.stamp).ok()?;
        bytes.extend(postcard::to_stdvec(files).ok()?);
        Some(bytes)
    }
}

/// One file, as [`ParseCache::encode`] writes it.
pub(crate) type Entry<'a> = (&'a Path, Digest, Option<FileStamp>, &'a FileItems);

/// A file's text in brief: its length and a 64-bit hash of it. The hash function need only
/// agree with itself within one build, which the stamp sees to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Digest {
    len: u64,
    hash: u64,
}

impl Digest {
    pub(crate) fn of(text: &str) -> Digest {
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        Digest {
            len: text.len() as u64,
            hash: hasher.finish(),
        }
    }
}

/// The caller's stamp with the parser's fingerprint (`build.rs`).
fn stamped(stamp: &str) -> String {
    format!(
        "{stamp}; parse cache 2, parser {}",
        env!("SEALIFT_PARSER_FINGERPRINT")
    )
}

fn decode(stamp: &str, bytes: &[u8]) -> Option<HashMap<PathBuf, Kept>> {
    let (written, rest): (String, &[u8]) = postcard::take_from_bytes(bytes).ok()?;
    if written != stamp {
        return None;
    }
    let files: Vec<(PathBuf, Digest, Option<FileStamp>, FileItems)> =
        postcard::from_bytes(rest).ok()?;
    Some(
        files
            .into_iter()
            .map(|(path, digest, stamp, items)| {
                let kept = Kept {
                    digest,
                    stamp,
                    items,
                };
                (path, kept)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    use super::{FileStamp, ParseCache};
    use crate::{Parsed, read_and_parse, read_and_parse_cached};

    const CAKE: &str = r#"
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cake")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
"#;

    /// Files in memory, the stamps vouched for, and which files were read.
    struct Disk {
        files: HashMap<PathBuf, String>,
        stamps: HashMap<PathBuf, FileStamp>,
        read: Mutex<Vec<PathBuf>>,
    }

    impl Disk {
        fn new(files: &[(&str, &str)]) -> Disk {
            Disk {
                files: files
                    .iter()
                    .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
                    .collect(),
                stamps: HashMap::new(),
                read: Mutex::new(Vec::new()),
            }
        }

        /// Vouches for `path` with a stamp that says `when`.
        fn stamp(&mut self, path: &str, when: i128) {
            let len = self.files[Path::new(path)].len() as u64;
            let stamp = FileStamp {
                len,
                modified_ns: when,
                changed_ns: when,
                id: 7,
            };
            self.stamps.insert(PathBuf::from(path), stamp);
        }

        fn taken_read(&self) -> Vec<PathBuf> {
            std::mem::take(&mut *self.read.lock().unwrap())
        }

        fn paths(&self) -> Vec<PathBuf> {
            let mut paths: Vec<PathBuf> = self.files.keys().cloned().collect();
            paths.sort();
            paths
        }

        fn read(&self, path: &Path) -> Result<String, String> {
            self.read.lock().unwrap().push(path.to_owned());
            self.files
                .get(path)
                .cloned()
                .ok_or_else(|| "gone".to_owned())
        }

        fn parse(&self, cache: ParseCache) -> (Parsed, Option<Vec<u8>>) {
            let stamp = |p: &Path| self.stamps.get(p).copied();
            read_and_parse_cached(&self.paths(), |p| self.read(p), stamp, Some(cache)).unwrap()
        }
    }

    fn tables(parsed: &Parsed) -> Vec<(String, Vec<String>)> {
        parsed
            .entities
            .iter()
            .map(|e| {
                let columns = e.columns.iter().map(|c| c.name.clone()).collect();
                (e.table_name.clone(), columns)
            })
            .collect()
    }

    #[test]
    fn an_unchanged_file_comes_from_the_cache_and_a_changed_one_is_parsed_again() {
        let pie = CAKE.replace("cake", "pie");
        let disk = Disk::new(&[("src/cake.rs", CAKE), ("src/pie.rs", &pie)]);
        let uncached = read_and_parse(&disk.paths(), |p| disk.read(p)).unwrap();
        let (first, bytes) = disk.parse(ParseCache::new("build 1"));
        assert_eq!(first.entities, uncached.entities);
        let bytes = bytes.expect("a new cache to store");

        // Nothing changed: the same parse, and nothing to store.
        let cache = ParseCache::load("build 1", &bytes);
        assert_eq!(cache.len(), 2);
        let (second, again) = disk.parse(cache);
        assert_eq!(second.entities, uncached.entities);
        assert!(again.is_none());

        // A column added to one file: that file's parse is new, the other's is kept.
        let mut edited = Disk::new(&[
            (
                "src/cake.rs",
                &CAKE.replace(
                    "pub name: String,",
                    "pub name: String,\n    pub sweet: bool,",
                ),
            ),
            ("src/pie.rs", &pie),
        ]);
        let (third, renewed) = edited.parse(ParseCache::load("build 1", &bytes));
        assert_eq!(
            tables(&third),
            [
                (
                    "cake".to_owned(),
                    vec!["id".into(), "name".into(), "sweet".into()]
                ),
                ("pie".to_owned(), vec!["id".into(), "name".into()]),
            ]
        );
        let renewed = renewed.expect("the edit is stored");
        let (fourth, none) = edited.parse(ParseCache::load("build 1", &renewed));
        assert_eq!(fourth.entities, third.entities);
        assert!(none.is_none());

        // A file deleted: the cache is stored again without it.
        edited.files.remove(Path::new("src/pie.rs"));
        let (fifth, smaller) = edited.parse(ParseCache::load("build 1", &renewed));
        assert_eq!(tables(&fifth).len(), 1);
        assert_eq!(
            ParseCache::load("build 1", &smaller.expect("stored without pie.rs")).len(),
            1
        );
    }

    #[test]
    fn another_builds_or_a_damaged_cache_is_empty() {
        let disk = Disk::new(&[("src/cake.rs", CAKE)]);
        let (_, bytes) = disk.parse(ParseCache::new("build 1"));
        let bytes = bytes.unwrap();
        assert_eq!(ParseCache::load("build 1", &bytes).len(), 1);
        assert!(ParseCache::load("build 2", &bytes).is_empty());
        assert!(ParseCache::load("build 1", &bytes[..bytes.len() / 2]).is_empty());
        assert!(ParseCache::load("build 1", b"not a cache").is_empty());
        assert!(ParseCache::load("build 1", &[]).is_empty());
    }

    #[test]
    fn a_cached_file_not_vouched_for_is_still_read_and_an_unreadable_one_fails() {
        let disk = Disk::new(&[("src/cake.rs", CAKE)]);
        let (_, bytes) = disk.parse(ParseCache::new("b"));
        disk.read.lock().unwrap().clear();
        let _ = disk.parse(ParseCache::load("b", &bytes.unwrap()));
        assert_eq!(*disk.read.lock().unwrap(), [PathBuf::from("src/cake.rs")]);
        let paths = vec![PathBuf::from("src/gone.rs")];
        let cache = Some(ParseCache::new("b"));
        let failed = read_and_parse_cached(&paths, |p| disk.read(p), |_| None, cache);
        assert_eq!(failed.unwrap_err(), "gone");
    }

    #[test]
    fn a_file_whose_stamp_is_the_cached_one_is_not_read_and_any_other_is() {
        let pie = CAKE.replace("cake", "pie");
        let mut disk = Disk::new(&[("src/cake.rs", CAKE), ("src/pie.rs", &pie)]);
        let (first, bytes) = disk.parse(ParseCache::new("b"));
        assert_eq!(disk.taken_read().len(), 2);

        // Vouched for now: both are read once more, and the stamps are stored.
        disk.stamp("src/cake.rs", 100);
        disk.stamp("src/pie.rs", 100);
        let (_, stamped) = disk.parse(ParseCache::load("b", &bytes.unwrap()));
        assert_eq!(disk.taken_read().len(), 2);
        let stamped = stamped.expect("the stamps are stored");

        // The same stamps: nothing is read, the parse is the same, nothing to store.
        let (second, none) = disk.parse(ParseCache::load("b", &stamped));
        assert!(disk.taken_read().is_empty());
        assert_eq!(second.entities, first.entities);
        assert!(none.is_none());

        // An edit changes the stamp (here only the time): that file is read and parsed again.
        let sweet = CAKE.replace("pub name: String,", "pub sweet: bool,");
        disk.files.insert(PathBuf::from("src/cake.rs"), sweet);
        disk.stamp("src/cake.rs", 200);
        let (third, renewed) = disk.parse(ParseCache::load("b", &stamped));
        assert_eq!(disk.taken_read(), [PathBuf::from("src/cake.rs")]);
        assert_eq!(
            tables(&third)[0],
            ("cake".to_owned(), vec!["id".into(), "sweet".into()])
        );
        assert!(renewed.is_some());

        // A file no longer vouched for (just written, say) is read, whatever was stored.
        disk.stamps.clear();
        let (fourth, _) = disk.parse(ParseCache::load("b", &renewed.unwrap()));
        assert_eq!(disk.taken_read().len(), 2);
        assert_eq!(fourth.entities, third.entities);
    }
}

#[cfg(test)]
mod round_trip {
    use std::path::{Path, PathBuf};

    use super::{Digest, FileStamp, ParseCache};
    use crate::formats;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every entity file of the project's fixtures (all formats, user types, files with
    /// errors) comes back from the cache's bytes exactly as it was parsed.
    #[test]
    fn every_fixture_comes_back_as_parsed() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut paths = Vec::new();
        rust_files(&fixtures, &mut paths);
        assert!(paths.len() > 100, "{} files", paths.len());
        let parsed: Vec<(PathBuf, Digest, formats::FileItems)> = paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let items = formats::parse_file(&path, &text, &crate::module_name(&path));
                (path, Digest::of(&text), items)
            })
            .collect();
        assert!(parsed.iter().any(|(_, _, i)| !i.types.is_empty()));
        assert!(parsed.iter().any(|(_, _, i)| !i.diagnostics.is_empty()));
        let stamp = FileStamp {
            len: 1,
            modified_ns: -2,
            changed_ns: 3,
            id: u64::MAX,
        };
        let listed: Vec<super::Entry<'_>> = parsed
            .iter()
            .map(|(p, d, i)| (p.as_path(), *d, Some(stamp), i))
            .collect();
        let bytes = ParseCache::new("v").encode(&listed).unwrap();
        let mut back = ParseCache::load("v", &bytes);
        for (path, digest, items) in &parsed {
            let kept = back.take(path).expect("kept");
            assert_eq!((kept.digest, kept.stamp), (*digest, Some(stamp)));
            assert_eq!(kept.items, *items, "{}", path.display());
        }
        assert!(back.is_empty());
    }
}
