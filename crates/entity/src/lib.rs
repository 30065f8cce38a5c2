//! Reads SeaORM entity files with syn, without compiling the user's crate, and lowers them to
//! the sealift schema model exactly as SeaORM 2.x would create them on a given backend.
//!
//! Pure: it takes file contents and returns data. Parsing never fails as a whole: every problem
//! is a [`Diagnostic`] with file, line, column and a hint, and the other files still parse.
//! Files are parsed in parallel.
//!
//! ```text
//! files --parse (rayon, per file)--> entities + user types --TypeIndex--> lower(dialect) --> Schema
//! ```

mod attrs;
mod cache;
mod coltype;
mod diagnostic;
mod dialect;
mod formats;
mod keys;
mod lower;
mod model;
mod modpath;
mod type_index;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sealift_ir::Schema;

use cache::Digest;
use formats::FileItems;

pub use cache::{FileStamp, ParseCache};
pub use diagnostic::{Diagnostic, Pos, Severity};
pub use lower::LowerOptions;
pub use model::{ColType, ColumnDef, DefaultDef, EntityDef, Format, RelationDef, TypeRef};
pub use type_index::{TypeIndex, Unresolved, UserType, UserTypeKind};

/// One entity source file: its path (for diagnostics and the module name) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's path, relative to the entities directory or absolute.
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

/// Every entity and user type of a set of files, with what went wrong.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Entities, sorted by file then position.
    pub entities: Vec<EntityDef>,
    /// The crate-wide index of user types.
    pub types: TypeIndex,
    /// Problems, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// A lowered schema with every diagnostic of parsing and lowering.
#[derive(Debug)]
pub struct Lowered {
    /// The schema the entities describe.
    pub schema: Schema,
    /// Problems, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Lowered {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Parses all files in parallel.
pub fn parse(files: &[SourceFile]) -> Parsed {
    gather(
        files
            .par_iter()
            .map(|f| formats::parse_file(&f.path, &f.text, &module_name(&f.path)))
            .collect(),
    )
}

/// Reads and parses files in parallel with `read` (which does the I/O, so this crate stays
/// pure), each text dropped as soon as it is parsed: on thousands of files the texts are never
/// all in memory at once. The first error of `read` is returned.
pub fn read_and_parse<E, R>(paths: &[PathBuf], read: R) -> Result<Parsed, E>
where
    E: Send,
    R: Fn(&Path) -> Result<String, E> + Sync,
{
    Ok(read_and_parse_cached(paths, read, |_| None, None)?.0)
}

/// As [`read_and_parse`], but a file whose path and text `cache` holds is taken from it
/// rather than parsed again. `stamp` tells what the file system says of a file (before it is
/// read), for files the caller vouches for: a file whose stamp is the one cached is not read
/// at all; any other is read, to see whether its text is the same. Returns the parse and,
/// when the cache did not hold exactly these files as they are now, the bytes of one that
/// does, for the caller to store.
pub fn read_and_parse_cached<E, R, S>(
    paths: &[PathBuf],
    read: R,
    stamp: S,
    mut cache: Option<ParseCache>,
) -> Result<(Parsed, Option<Vec<u8>>), E>
where
    E: Send,
    R: Fn(&Path) -> Result<String, E> + Sync,
    S: Fn(&Path) -> Option<FileStamp> + Sync,
{
    let slots: Vec<(&PathBuf, Option<cache::Kept>)> = paths
        .iter()
        .map(|path| (path, cache.as_mut().and_then(|c| c.take(path))))
        .collect();
    let caching = cache.is_some();
    let files = slots
        .into_par_iter()
        .map(|(path, earlier)| {
            let stamp = if caching { stamp(path) } else { None };
            let earlier = match earlier {
                Some(kept) if kept.stamp.is_some() && kept.stamp == stamp => {
                    return Ok((Some(kept.digest), stamp, kept.items, false));
                }
                earlier => earlier,
            };
            let text = read(path)?;
            let digest = caching.then(|| Digest::of(&text));
            Ok(match earlier {
                Some(kept) if Some(kept.digest) == digest => {
                    let restamped = kept.stamp != stamp;
                    (digest, stamp, kept.items, restamped)
                }
                _ => {
                    let items = formats::parse_file(path, &text, &module_name(path));
                    (digest, stamp, items, true)
                }
            })
        })
        .collect::<Result<Vec<_>, E>>()?;
    let bytes = cache.filter(|cache| !cache.is_empty() || files.iter().any(|f| f.3));
    let bytes = bytes.and_then(|cache| {
        let kept: Vec<cache::Entry<'_>> = paths
            .iter()
            .zip(&files)
            .filter_map(|(path, (digest, stamp, items, _))| {
                Some((path.as_path(), (*digest)?, *stamp, items))
            })
            .collect();
        cache.encode(&kept)
    });
    let per_file = files.into_iter().map(|(_, _, items, _)| items).collect();
    Ok((gather(per_file), bytes))
}

/// Merges what each file declares, in file order.
fn gather(per_file: Vec<FileItems>) -> Parsed {
    let mut parsed = Parsed::default();
    let mut types = Vec::new();
    for items in per_file {
        parsed.entities.extend(items.entities);
        types.extend(items.types);
        parsed.diagnostics.extend(items.diagnostics);
    }
    parsed
        .entities
        .sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
    parsed.types = TypeIndex::new(types);
    sort_diagnostics(&mut parsed.diagnostics);
    parsed
}

/// Parses and lowers in one step.
pub fn load(files: &[SourceFile], options: &LowerOptions) -> Lowered {
    lower(&parse(files), options)
}

/// Lowers already parsed entities for one dialect; the diagnostics are parsing's and
/// lowering's together, sorted.
pub fn lower(parsed: &Parsed, options: &LowerOptions) -> Lowered {
    let (schema, more) = lower::lower(&parsed.entities, &parsed.types, options);
    let mut diagnostics = parsed.diagnostics.clone();
    diagnostics.extend(more);
    sort_diagnostics(&mut diagnostics);
    Lowered {
        schema,
        diagnostics,
    }
}

fn sort_diagnostics(d: &mut [Diagnostic]) {
    d.sort_by(|a, b| (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message)));
}

/// The module a file defines: its stem, or its folder's name for `mod.rs`.
fn module_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem == "mod"
        && let Some(parent) = path.parent().and_then(|p| p.file_name())
    {
        return parent.to_string_lossy().into_owned();
    }
    stem
}
