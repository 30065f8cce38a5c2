//! The history table and the lock on SQLite. SQLite has no lock a session can hold across
//! transactions, so a run's lock is a file lock (`flock`, `LockFileEx`) on
//! `<database>.sealift-lock` beside the database file, holding the holder's process and
//! start time as text; the operating system frees it when the process ends, however it ends.
//! Inside the run each migration also takes the database's write lock (`BEGIN IMMEDIATE`)
//! and re-checks the history under it, against programs that do not take sealift's lock.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sealift_catalog::DatabaseUrl;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, connect_with_timeout, quote};
use crate::error::{Error, Result};

const SQL: HistorySql = HistorySql {
    quote,
    version: "varchar",
    bigint: "integer",
    param: |n| format!("?{n}"),
    null_text: "NULL",
};

pub struct Session {
    conn: SqliteConnection,
    /// The lock file (none for an in-memory database, which no other process can see).
    lock_path: Option<PathBuf>,
    /// The lock file, open and locked while this session holds the lock.
    locked: Option<std::fs::File>,
}

impl Session {
    pub async fn open(url: &DatabaseUrl) -> Result<Session> {
        let opts = SqliteConnectOptions::from_str(url.expose()).map_err(|e| {
            Error::Catalog(sealift_catalog::Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })
        })?;
        let file = opts.get_filename();
        let lock_path =
            (!file.as_os_str().is_empty() && file != Path::new(":memory:")).then(|| {
                let mut name = file.as_os_str().to_owned();
                name.push(".sealift-lock");
                PathBuf::from(name)
            });
        Ok(Session {
            conn: connect_with_timeout(url, SqliteConnection::connect_with(&opts)).await?,
            lock_path,
            locked: None,
        })
    }

    /// Tries the lock file's lock without waiting; true when this session holds it now.
    pub fn try_lock(&mut self) -> std::io::Result<bool> {
        let Some(path) = &self.lock_path else {
            return Ok(true);
        };
        if self.locked.is_some() {
            return Ok(true);
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(false),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let since = crate::time::utc(super::now());
        let me = format!("process {} (sealift, since {since})\n", std::process::id());
        file.set_len(0)?;
        file.write_all(me.as_bytes())?;
        self.locked = Some(file);
        Ok(true)
    }

    /// Who holds the lock file's lock, as its holder wrote it; `None` when it is free.
    pub fn holder(&mut self) -> Option<String> {
        let path = self.lock_path.as_ref()?;
        if self.locked.is_some() {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(_) => {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                Some(match text.trim() {
                    "" => format!("another process (lock file {})", path.display()),
                    who => who.to_owned(),
                })
            }
        }
    }

    /// A file lock stays held while the process lives.
    pub fn holds(&self) -> bool {
        self.lock_path.is_none() || self.locked.is_some()
    }

    /// Releases the lock file's lock.
    pub fn unlock(&mut self) {
        if let Some(file) = self.locked.take() {
            let _ = file.unlock();
        }
    }

    async fn columns(&mut self, table: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut self.conn)
            .await
    }

    pub async fn applied(&mut self, table: &str) -> sqlx::Result<Vec<Applied>> {
        let columns = self.columns(table).await?;
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(AssertSqlSafe(SQL.select(table, &columns)))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter()
            .map(|r| {
                let (dirty, resumable) = Dirty::parse(r.try_get(3)?);
                Ok(Applied {
                    version: r.try_get(0)?,
                    applied_at: r.try_get(1)?,
                    checksum: r.try_get(2)?,
                    dirty,
                    resumable,
                })
            })
            .collect()
    }

    pub async fn stamp(
        &mut self,
        table: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> sqlx::Result<()> {
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await?;
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut *tx)
            .await?;
        let columns = super::prepare::<sqlx::Sqlite>(&mut tx, &SQL, table, columns).await?;
        super::stamp_rows::<sqlx::Sqlite>(&mut tx, &SQL, table, &columns, add, remove).await?;
        tx.commit().await
    }

    pub async fn close(mut self) {
        self.unlock();
        let _ = self.conn.close().await;
    }
}
