//! Reading an entities folder from disk and reporting what the parser found.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sealift_entity::{LowerOptions, Severity, SourceFile};
use sealift_ir::Schema;

/// Reads every `.rs` file under the folders, parses and lowers them. Warnings go to stderr;
/// errors are all printed, then the command fails.
pub fn load(dirs: &[PathBuf], options: &LowerOptions) -> Result<Schema> {
    let _progress = crate::progress::Spinner::start("reading the entity files");
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
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        files.push(SourceFile { path, text });
    }
    let lowered = sealift_entity::load(&files, options);
    let errors = lowered
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    for d in &lowered.diagnostics {
        eprintln!("{d}");
    }
    if errors > 0 {
        bail!("{errors} error(s) in the entity files; fix them and run again");
    }
    Ok(lowered.schema)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
