//! `sealift init` and `sealift create`: the commands that write into the migration crate.
//! Nothing is written unless everything can be: files are written to a temporary name and
//! renamed into place, and a failure removes what was written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::args::{CreateArgs, InitArgs};
use sealift_workflow::config::{self, Project};

/// Creates the migration crate, and a `sealift.toml` unless there is one.
pub fn init(args: &InitArgs) -> Result<ExitCode> {
    // The config file named by --config is the one to write when it does not exist yet.
    let mut project_args = args.project.clone();
    project_args.config = project_args.config.filter(|c| c.exists());
    let project = Project::load(&project_args.inputs())?;
    let dir = &project.migration_dir;
    if dir.join("Cargo.toml").exists() {
        bail!(
            "{} already holds a crate (Cargo.toml exists); pass --migration-dir with a new folder",
            dir.display()
        );
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .unwrap_or_else(|| "migration".to_owned());
    let mut files: Vec<(PathBuf, String)> = sealift_codegen::new_migration_crate(&name)
        .into_iter()
        .map(|(rel, text)| (dir.join(rel), text))
        .collect();
    let config = args
        .project
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::CONFIG_FILE));
    let write_config = !config.exists();
    if write_config {
        let base = config.parent().unwrap_or(Path::new(""));
        files.push((
            config.clone(),
            config::default_file(
                &relative_to(dir, base),
                &project
                    .entities
                    .iter()
                    .map(|e| relative_to(e, base))
                    .collect::<Vec<_>>(),
                &crate::entities::schema_names(&project.entities),
            ),
        ));
    }
    let mut written = Vec::new();
    for (path, text) in &files {
        if let Err(e) = write_new(path, text) {
            undo(&written);
            return Err(e);
        }
        written.push(path.clone());
    }
    println!("Created the migration crate `{name}` in {}", dir.display());
    if write_config {
        println!("Wrote {}", config.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `path` as seen from `base` when it lies under it (paths in sealift.toml are relative to the
/// file's folder), else made absolute.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    if base.as_os_str().is_empty() {
        return path.to_path_buf();
    }
    match path.strip_prefix(base) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Adds an empty migration and registers it.
pub fn create(args: &CreateArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project.inputs())?;
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path).with_context(|| {
        format!(
            "cannot read {}; run `sealift init` first, or pass --migration-dir",
            lib_path.display()
        )
    })?;
    let module = sealift_codegen::module_name(&args.name, &timestamp())?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    let parent = sealift_codegen::registered(&lib)?.pop();
    let file = project
        .migration_dir
        .join("src")
        .join(format!("{module}.rs"));
    write_new(
        &file,
        &sealift_codegen::set_revises(&sealift_codegen::empty_migration(), parent.as_deref()),
    )?;
    if let Err(e) = replace(&lib_path, &new_lib) {
        undo(&[file]);
        return Err(e);
    }
    println!(
        "Created {} and registered it in {}",
        file.display(),
        lib_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a file that must not exist yet, creating its folder.
pub fn write_new(path: &Path, text: &str) -> Result<()> {
    if path.exists() {
        bail!("{} exists already; nothing was written", path.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    replace(path, text)
}

/// Writes through a temporary file and a rename, so a reader never sees half a file: the
/// text is flushed to the disk before the rename (a full disk shows here, not later), and the
/// temporary file is removed when anything fails.
pub fn replace(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("sealift-tmp");
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })()
    .with_context(|| format!("cannot write {}", path.display()))
    .and_then(|()| {
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

pub fn undo(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// Now, in UTC, as `YYYYMMDD_HHMMSS`.
pub fn timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}_{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 -> (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_417), (2025, 11, 25));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
