//! `sealift init` and `sealift create`: the commands that write into the migration crate.
//! Nothing is written unless everything can be: files are written to a temporary file of a
//! fresh random name (created exclusively, so never a symlink someone left there) and renamed
//! into place, and a failure removes what was written. Commands that read, change and write
//! `lib.rs` hold the migration crate's lock ([`lock_crate`]) from the read to the write, so
//! two at once never lose an entry.

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
        return init_existing(args, &project);
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .unwrap_or_else(|| "migration".to_owned());
    // A .gitignore already in the folder is the user's.
    let mut files: Vec<(PathBuf, String)> = sealift_codegen::new_migration_crate(&name)
        .into_iter()
        .map(|(rel, text)| (dir.join(rel), text))
        .filter(|(path, _)| !(path.ends_with(".gitignore") && path.exists()))
        .collect();
    let config = args
        .project
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::CONFIG_FILE));
    let write_config = !config.exists();
    if write_config {
        files.push((config.clone(), default_config(&project, &config)));
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
    println!(
        "The first `sealift upgrade` builds it with cargo, with sea-orm-migration and its dependencies \
         (a few minutes, once), into its target folder, which its .gitignore leaves out of git"
    );
    if write_config {
        println!("Wrote {}", config.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `sealift init` on a migration crate that exists: adds what sealift needs and it lacks
/// (the `.gitattributes` line that lets git merge lib.rs, `sealift.toml`), changing nothing
/// else.
fn init_existing(args: &InitArgs, project: &Project) -> Result<ExitCode> {
    let dir = &project.migration_dir;
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
    if sealift_codegen::migrator_type(&lib).is_none() {
        bail!(
            "{} already holds a crate (Cargo.toml exists) that is not a sea-orm-migration crate (its src/lib.rs has no `impl MigratorTrait`); pass --migration-dir with a new folder or your migration crate",
            dir.display()
        );
    }
    let mut added = Vec::new();
    let attributes = dir.join(".gitattributes");
    let have = std::fs::read_to_string(&attributes).unwrap_or_default();
    if !have
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["src/lib.rs", "merge=union"])
    {
        let text = if have.is_empty() {
            sealift_codegen::GITATTRIBUTES.to_owned()
        } else {
            let sep = if have.ends_with('\n') { "" } else { "\n" };
            format!("{have}{sep}{}", sealift_codegen::GITATTRIBUTES)
        };
        replace(&attributes, &text)?;
        added.push(format!(
            "{} (git merges lib.rs with both sides' lines: `{}`)",
            attributes.display(),
            sealift_codegen::UNION_LINE
        ));
    }
    let config = args
        .project
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::CONFIG_FILE));
    if !config.exists() {
        write_new(&config, &default_config(project, &config))?;
        added.push(config.display().to_string());
    }
    if added.is_empty() {
        println!(
            "{} is a migration crate with everything sealift needs; nothing to add",
            dir.display()
        );
    } else {
        println!("{} is a migration crate; added:", dir.display());
        for a in &added {
            println!("  {a}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The `sealift.toml` `init` writes at `config`, naming the project's folders from there.
fn default_config(project: &Project, config: &Path) -> String {
    let base = config.parent().unwrap_or(Path::new(""));
    config::default_file(
        &relative_to(&project.migration_dir, base),
        &project
            .entities
            .iter()
            .map(|e| relative_to(e, base))
            .collect::<Vec<_>>(),
        &sealift_engine::entities::schema_names(&project.entities),
    )
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

/// The migration crate, held by this process while it reads, changes and writes `lib.rs`.
pub struct CrateLock {
    _held: std::fs::File,
}

/// Waits for and takes the migration crate's lock: a file lock on its `src` folder (on
/// systems that cannot lock a folder, on `target/.sealift-lock`), freed when the guard drops
/// or the process ends.
pub fn lock_crate(dir: &Path) -> Result<CrateLock> {
    let src = dir.join("src");
    #[cfg(unix)]
    let file = std::fs::File::open(&src);
    #[cfg(not(unix))]
    let file = std::fs::create_dir_all(dir.join("target")).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("target/.sealift-lock"))
    });
    let file = file.with_context(|| {
        format!(
            "cannot open {}; run `sealift init` first, or pass --migration-dir",
            src.display()
        )
    })?;
    file.lock()
        .with_context(|| format!("cannot lock the migration crate {}", dir.display()))?;
    Ok(CrateLock { _held: file })
}

/// The migration crate's `lib.rs`, refused with the file and line of a git conflict marker
/// when a merge left one.
pub fn read_lib(lib_path: &Path) -> Result<String> {
    let lib = std::fs::read_to_string(lib_path).with_context(|| {
        format!(
            "cannot read {}; run `sealift init` first, or pass --migration-dir",
            lib_path.display()
        )
    })?;
    if let Some((line, marker)) = sealift_codegen::conflict_marker(&lib) {
        bail!(
            "{}:{line}: {}",
            lib_path.display(),
            sealift_codegen::Error::ConflictMarker { line, marker }
        );
    }
    Ok(lib)
}

/// Adds an empty migration and registers it.
pub fn create(args: &CreateArgs) -> Result<ExitCode> {
    let fills: Vec<(String, String, String)> = args
        .backfill
        .iter()
        .map(|f| {
            let r =
                sealift_diff::BackfillRequest::parse(f).map_err(sealift_workflow::Error::Config)?;
            let table = match r.schema {
                Some(s) => format!("{s}.{}", r.table),
                None => r.table,
            };
            Ok((table, r.column, r.value))
        })
        .collect::<Result<_>>()?;
    let project = Project::load(&args.project.inputs())?;
    let _held = lock_crate(&project.migration_dir)?;
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = read_lib(&lib_path)?;
    let module = new_module(&project.migration_dir, &args.name, &lib)?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    let parent = sealift_codegen::registered(&lib)?.pop();
    let file = project
        .migration_dir
        .join("src")
        .join(format!("{module}.rs"));
    write_new(
        &file,
        &sealift_codegen::set_revises(
            &if fills.is_empty() {
                sealift_codegen::empty_migration()
            } else {
                sealift_codegen::data_migration(&fills, &args.backfill_key)
            },
            parent.as_deref(),
        ),
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

/// Writes a file that must not exist yet, creating its folder; it is never overwritten, even
/// by a file another process creates meanwhile.
pub fn write_new(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let tmp = staged(path, text)?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} exists already; nothing was written", path.display())
        } else {
            anyhow::anyhow!("cannot write {}: {}", path.display(), e.error)
        }
    })?;
    Ok(())
}

/// Writes through a temporary file and a rename, so a reader never sees half a file: the
/// text is flushed to the disk before the rename (a full disk shows here, not later), and the
/// temporary file is removed when anything fails. A symlink at `path` is written through,
/// so it stays a link.
pub fn replace(path: &Path, text: &str) -> Result<()> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).with_context(|| format!("cannot write {}", path.display()))?
    } else {
        path.to_path_buf()
    };
    let tmp = staged(&target, text)?;
    tmp.persist(&target)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// `text` in a new temporary file beside `path`, synced to the disk.
fn staged(path: &Path, text: &str) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".sealift-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(tmp)
}

pub fn undo(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// A module name for a new migration called `name`: stamped with the time now, or the first
/// second after it that no migration of the crate at `dir` has taken (two created in the same
/// second stay two). Called under [`lock_crate`].
pub fn new_module(dir: &Path, name: &str, lib: &str) -> Result<String> {
    let registered = sealift_codegen::registered(lib)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut secs = now;
    loop {
        let module = sealift_codegen::module_name(name, &timestamp(secs))?;
        let taken = registered.iter().any(|m| m == &module)
            || dir.join("src").join(format!("{module}.rs")).exists();
        if !taken || secs > now + 3600 {
            return Ok(module);
        }
        secs += 1;
    }
}

/// A time in UTC, as `YYYYMMDD_HHMMSS`.
fn timestamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = sealift_workflow::time::civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}_{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
