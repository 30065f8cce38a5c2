//! A bundle: one executable that holds sealift, the project's runner and what sealift read of
//! the migration crate (the migrations in order, their checksums and headers, the history
//! table), so that `upgrade`, `downgrade`, `current`, `history`, `stamp`, `heads` and `--sql`
//! run where there is no cargo and no source tree: a production image. `sealift bundle`
//! writes one ([`write`]); the `sealift` binary checks at start-up whether it is one
//! ([`carried`]) and then runs as it, on the same code as `sealift upgrade`.
//!
//! The file is sealift's own executable, unchanged, then the runner's (built with the offline
//! feature, so it also renders `--sql`), then the crate as JSON, then a trailer: three
//! little-endian `u64` lengths (sealift, runner, JSON) and [`MAGIC`]. Executable formats
//! ignore bytes after the image (ELF, PE; an unsigned Mach-O), so the file runs as sealift.
//! The runner is unpacked only when a command runs migrations: on Linux into an anonymous
//! memory file (no writable folder needed, so a read-only root file system is fine), elsewhere
//! into a private temporary folder.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::migrations::MigrationCrate;
use crate::runner::Runner;

/// The last bytes of a bundle.
const MAGIC: &[u8; 16] = b"sealift-bundle/1";
/// The trailer's size: three lengths and the magic.
const TRAILER: u64 = 3 * 8 + 16;

/// What a bundle says of itself, as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// The sealift version that wrote it.
    sealift: String,
    /// The migration crate as read when the bundle was made.
    #[serde(rename = "crate")]
    krate: MigrationCrate,
}

/// Where in a bundle its runner is.
#[derive(Debug, Clone)]
pub struct Carried {
    /// The bundle.
    exe: PathBuf,
    /// The runner's first byte.
    at: u64,
    /// Its length.
    len: u64,
}

/// The three parts' lengths.
struct Trailer {
    sealift: u64,
    runner: u64,
    manifest: u64,
}

/// The trailer of `file`, when it is a bundle.
fn trailer(file: &mut File) -> io::Result<Option<Trailer>> {
    let size = file.metadata()?.len();
    if size < TRAILER {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(size - TRAILER))?;
    let mut bytes = [0u8; TRAILER as usize];
    file.read_exact(&mut bytes)?;
    if &bytes[24..] != MAGIC {
        return Ok(None);
    }
    let at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let t = Trailer {
        sealift: at(0),
        runner: at(8),
        manifest: at(16),
    };
    let whole = [t.sealift, t.runner, t.manifest, TRAILER]
        .iter()
        .try_fold(0u64, |sum, n| sum.checked_add(*n));
    if whole != Some(size) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "its parts do not add up to its size (a copy cut short?)",
        ));
    }
    Ok(Some(t))
}

/// The migration crate this process carries when its executable is a bundle, with the runner
/// it carries in [`MigrationCrate::carried`]; `None` for a plain `sealift`.
pub fn carried() -> Result<Option<MigrationCrate>> {
    let Ok(exe) = std::env::current_exe() else {
        return Ok(None);
    };
    let Ok(mut file) = File::open(&exe) else {
        return Ok(None);
    };
    let damaged = |e: &dyn std::fmt::Display| {
        Error::Run(format!(
            "{} is a damaged bundle: {e}; make it again with `sealift bundle`",
            exe.display()
        ))
    };
    let Some(t) = trailer(&mut file).map_err(|e| damaged(&e))? else {
        return Ok(None);
    };
    let mut json = Vec::new();
    file.seek(SeekFrom::Start(t.sealift + t.runner))
        .and_then(|_| (&mut file).take(t.manifest).read_to_end(&mut json))
        .map_err(|e| damaged(&e))?;
    let manifest: Manifest = serde_json::from_slice(&json).map_err(|e| damaged(&e))?;
    let mut krate = manifest.krate;
    krate.carried = Some(Carried {
        exe,
        at: t.sealift,
        len: t.runner,
    });
    Ok(Some(krate))
}

/// Writes a bundle to `out`: the executable `sealift` (its own part, when it is a bundle
/// itself), the `runner` executable and `krate`. The file appears whole or not at all (written
/// beside `out`, then renamed). Returns its size in bytes.
pub fn write(sealift: &Path, runner: &Path, krate: &MigrationCrate, out: &Path) -> Result<u64> {
    let fail = |what: &str, path: &Path, e: io::Error| {
        Error::Run(format!("cannot {what} {}: {e}", path.display()))
    };
    let mut own = File::open(sealift).map_err(|e| fail("read", sealift, e))?;
    let own_len = match trailer(&mut own).map_err(|e| fail("read", sealift, e))? {
        Some(t) => t.sealift,
        None => own.metadata().map_err(|e| fail("read", sealift, e))?.len(),
    };
    own.rewind().map_err(|e| fail("read", sealift, e))?;
    let mut runner_file = File::open(runner).map_err(|e| fail("read", runner, e))?;
    let runner_len = runner_file
        .metadata()
        .map_err(|e| fail("read", runner, e))?
        .len();
    let json = serde_json::to_vec(&Manifest {
        sealift: env!("CARGO_PKG_VERSION").to_owned(),
        krate: krate.clone(),
    })
    .map_err(|e| Error::Run(format!("cannot write the bundle's manifest: {e}")))?;

    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail("create", dir, e))?;
    }
    let name = out
        .file_name()
        .map_or_else(|| "bundle".to_owned(), |n| n.to_string_lossy().into_owned());
    let partial = out.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = (|| -> io::Result<u64> {
        let file = File::create(&partial)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let copied = io::copy(&mut (&mut own).take(own_len), &mut w)?;
        if copied != own_len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "sealift's executable changed while it was read",
            ));
        }
        if io::copy(&mut runner_file, &mut w)? != runner_len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the runner changed while it was read",
            ));
        }
        w.write_all(&json)?;
        let json_len = json.len() as u64;
        for n in [own_len, runner_len, json_len] {
            w.write_all(&n.to_le_bytes())?;
        }
        w.write_all(MAGIC)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        executable(&file)?;
        file.sync_all()?;
        Ok(own_len + runner_len + json_len + TRAILER)
    })();
    let size = match written {
        Ok(size) => size,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(fail("write", out, e));
        }
    };
    std::fs::rename(&partial, out).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        fail("write", out, e)
    })?;
    Ok(size)
}

/// Marks `file` executable (rwxr-xr-x) where files have modes.
fn executable(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

impl Carried {
    /// The runner, unpacked where it can be started.
    pub(crate) fn runner(&self) -> Result<Runner> {
        #[cfg(target_os = "linux")]
        if let Ok(runner) = self.in_memory() {
            return Ok(runner);
        }
        self.in_temp_folder().map_err(|e| {
            Error::Run(format!(
                "cannot unpack the runner this bundle carries into a temporary folder: {e}; set TMPDIR to a writable folder whose files may be executed"
            ))
        })
    }

    /// Copies the runner's bytes into `to`.
    fn copy_to(&self, to: &mut impl Write) -> io::Result<()> {
        let mut file = File::open(&self.exe)?;
        file.seek(SeekFrom::Start(self.at))?;
        if io::copy(&mut file.take(self.len), to)? != self.len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the bundle is shorter than its trailer says",
            ));
        }
        Ok(())
    }

    /// Into an anonymous memory file, started through `/proc`: nothing on disk.
    #[cfg(target_os = "linux")]
    fn in_memory(&self) -> io::Result<Runner> {
        use std::os::fd::AsRawFd;
        let fd = rustix::fs::memfd_create("sealift-runner", rustix::fs::MemfdFlags::CLOEXEC)?;
        let mut file = File::from(fd);
        self.copy_to(&mut file)?;
        // Started through a read-only descriptor: a file open for writing cannot be executed.
        let read_only = File::open(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
        drop(file);
        let path = PathBuf::from(format!(
            "/proc/{}/fd/{}",
            std::process::id(),
            read_only.as_raw_fd()
        ));
        // Without /proc (a container that does not mount it) the file cannot be started
        // by that name: the temp folder is tried instead.
        std::fs::metadata(&path)?;
        Ok(Runner::prebuilt(path, Arc::new(read_only)))
    }

    /// Into a private temporary folder, removed when the runner is dropped.
    fn in_temp_folder(&self) -> io::Result<Runner> {
        let dir = tempfile::Builder::new()
            .prefix("sealift-runner-")
            .tempdir()?;
        let path = dir
            .path()
            .join(format!("runner{}", std::env::consts::EXE_SUFFIX));
        let mut file = File::create(&path)?;
        self.copy_to(&mut file)?;
        executable(&file)?;
        drop(file);
        Ok(Runner::prebuilt(path, Arc::new(dir)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate() -> MigrationCrate {
        MigrationCrate {
            dir: "m".into(),
            migrator: "Migrator".into(),
            history_table: "seaql_migrations".into(),
            migrations: Vec::new(),
            carried: None,
        }
    }

    #[test]
    fn a_bundle_reads_back_and_a_plain_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let (own, runner, out) = (
            dir.path().join("sealift"),
            dir.path().join("runner"),
            dir.path().join("out/migrate"),
        );
        std::fs::write(&own, b"SEALIFT").unwrap();
        std::fs::write(&runner, b"RUNNER!").unwrap();
        let size = write(&own, &runner, &krate(), &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(bytes.len() as u64, size);
        assert!(bytes.starts_with(b"SEALIFTRUNNER!{"));
        let mut file = File::open(&out).unwrap();
        let t = trailer(&mut file).unwrap().unwrap();
        assert_eq!((t.sealift, t.runner), (7, 7));
        assert!(trailer(&mut File::open(&own).unwrap()).unwrap().is_none());

        // A bundle of a bundle holds the first one's sealift only, not its runner.
        let again = dir.path().join("again");
        write(&out, &runner, &krate(), &again).unwrap();
        assert!(
            std::fs::read(&again)
                .unwrap()
                .starts_with(b"SEALIFTRUNNER!{")
        );

        // Cut short: damaged, not taken for a plain file.
        std::fs::write(&again, &bytes[1..]).unwrap();
        assert!(trailer(&mut File::open(&again).unwrap()).is_err());
        // Nothing partial is left beside it.
        let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("migrate")]);
    }

    #[test]
    fn the_carried_runner_is_the_bytes_written() {
        let dir = tempfile::tempdir().unwrap();
        let (own, runner, out) = (
            dir.path().join("sealift"),
            dir.path().join("runner"),
            dir.path().join("migrate"),
        );
        std::fs::write(&own, b"SEALIFT").unwrap();
        std::fs::write(&runner, b"#!/bin/sh\necho ran\n").unwrap();
        write(&own, &runner, &krate(), &out).unwrap();
        let carried = Carried {
            exe: out,
            at: 7,
            len: 19,
        };
        let mut copy = Vec::new();
        carried.copy_to(&mut copy).unwrap();
        assert_eq!(copy, b"#!/bin/sh\necho ran\n");
        let unpacked = carried.runner().unwrap();
        assert_eq!(std::fs::read(unpacked.binary()).unwrap(), copy);
        // It starts, wherever it was unpacked (in memory on Linux; the temp folder elsewhere,
        // and on Linux when memory files are refused).
        let ran = |binary: &Path| {
            let out = std::process::Command::new(binary).output().unwrap();
            assert_eq!(out.stdout, b"ran\n", "{}", binary.display());
        };
        ran(unpacked.binary());
        let folder = carried.in_temp_folder().unwrap();
        assert_eq!(std::fs::read(folder.binary()).unwrap(), copy);
        ran(folder.binary());
    }
}
