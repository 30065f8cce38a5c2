//! Reading an entities folder from disk and reporting what the parser found.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sealift_entity::{LowerOptions, Lowered, Parsed, Severity};
use sealift_ir::Schema;

use crate::observer::Observer;
use crate::parse_cache;

/// Reads every `.rs` file under the folders, parses and lowers them; every diagnostic goes to
/// the observer, and any error fails the whole.
pub fn load(dirs: &[PathBuf], options: &LowerOptions, observer: &dyn Observer) -> Result<Schema> {
    let _working = observer.working("reading the entity files");
    report(
        sealift_entity::lower(&read_and_parse(dirs)?, options),
        observer,
    )
}

/// Reads every `.rs` file under the folders and parses them, both in parallel.
pub fn read_and_parse(dirs: &[PathBuf]) -> Result<Parsed> {
    let mut paths = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            bail!(
                "entities folder {} does not exist; pass --entities with the folder holding your SeaORM entity files",
                dir.display()
            );
        }
        let before = paths.len();
        collect(dir, &mut paths).with_context(|| format!("cannot list {}", dir.display()))?;
        if paths.len() == before {
            bail!(
                "no .rs files under {}; pass --entities with the folder holding your SeaORM entity files",
                dir.display()
            );
        }
    }
    paths.sort();
    paths.dedup();
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    // A file parsed by an earlier run, and unchanged since, is not parsed again.
    let Some((slot, cache)) = parse_cache::Slot::open(dirs) else {
        return sealift_entity::read_and_parse(&paths, read);
    };
    let stamp = parse_cache::Stamps::now();
    let stamp = |path: &Path| stamp.of(path);
    let (parsed, renewed) =
        sealift_entity::read_and_parse_cached(&paths, read, stamp, Some(cache))?;
    if let Some(bytes) = renewed {
        slot.store(&bytes);
    }
    Ok(parsed)
}

/// The schemas the entities in the folders name with `schema_name`, sorted; none when the
/// folders cannot be read (the commands that need them say why).
pub fn schema_names(dirs: &[PathBuf]) -> Vec<String> {
    let Ok(parsed) = read_and_parse(dirs) else {
        return Vec::new();
    };
    let mut names: Vec<String> = parsed
        .entities
        .iter()
        .filter_map(|e| e.schema_name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Tells the observer what lowering found, warnings and errors alike; fails when there are
/// errors, after all of them are told.
pub fn report(lowered: Lowered, observer: &dyn Observer) -> Result<Schema> {
    for d in &lowered.diagnostics {
        observer.diagnostic(d);
    }
    if lowered.has_errors() {
        let errors = lowered
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        bail!("{errors} error(s) in the entity files; fix them and run again");
    }
    Ok(lowered.schema)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // The entry's type comes with the listing: no stat per file.
        let is_dir = match entry.file_type()? {
            t if t.is_symlink() => path.is_dir(),
            t => t.is_dir(),
        };
        if is_dir {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
