//! The migration history table, per backend: which migrations are applied and when, with the
//! checksum sealift recorded; stamping; and the lock that keeps two runs from applying the same
//! migration. Each backend is a module with the same functions.
//!
//! The table is sea-orm-migration's own (`version`, `applied_at`), so `cargo run -- status` and
//! sealift always agree. sealift adds one nullable column, `sealift_checksum`, which
//! sea-orm-migration never reads or writes.

mod postgres;
mod sqlite;

use std::time::Duration;

use sealift_catalog::{Backend, DatabaseUrl};

use crate::error::{Error, Result};

/// The column sealift adds to the history table.
pub const CHECKSUM_COLUMN: &str = "sealift_checksum";

/// How long to wait for a server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    /// The migration's name.
    pub version: String,
    /// When it was applied, in seconds since 1970 (UTC), as sea-orm-migration records it.
    pub applied_at: i64,
    /// The file's checksum when sealift applied or stamped it; `None` when something else
    /// applied it (`cargo run -- up`).
    pub checksum: Option<String>,
}

/// A connection to the database whose history is read and written.
pub struct Store {
    session: Session,
    table: String,
}

enum Session {
    Postgres(postgres::Session),
    Sqlite(sqlite::Session),
}

impl Store {
    /// Connects to `url`; `table` is the history table's name.
    pub async fn open(url: &DatabaseUrl, table: &str) -> Result<Store> {
        let session = match url.backend() {
            Backend::Postgres => Session::Postgres(postgres::Session::open(url).await?),
            Backend::Sqlite => Session::Sqlite(sqlite::Session::open(url).await?),
            Backend::Mysql => {
                return Err(Error::History(
                    "the migration workflow does not support MySQL/MariaDB yet; run `cargo run -- up` in the migration crate, or use --sql".to_owned(),
                ));
            }
        };
        Ok(Store {
            session,
            table: table.to_owned(),
        })
    }

    /// The applied migrations, oldest first (by `applied_at`, then name). Empty when the history
    /// table does not exist yet.
    pub async fn applied(&mut self) -> Result<Vec<Applied>> {
        let mut rows = match &mut self.session {
            Session::Postgres(s) => s.applied(&self.table).await,
            Session::Sqlite(s) => s.applied(&self.table).await,
        }
        .map_err(|e| {
            Error::History(format!("cannot read the history table {}: {e}", self.table))
        })?;
        rows.sort_by(|a, b| (a.applied_at, &a.version).cmp(&(b.applied_at, &b.version)));
        Ok(rows)
    }

    /// Takes the lock that serializes sealift runs on this database and history table, calling
    /// `waiting` once if another run holds it. PostgreSQL: a session advisory lock on this
    /// connection, tried with backoff (a waiter blocked inside `pg_advisory_lock` would stop
    /// another run's `CREATE INDEX CONCURRENTLY`). SQLite: nothing here; each migration takes
    /// the database's write lock (`BEGIN IMMEDIATE`) and re-checks the history inside it.
    pub async fn lock(&mut self, waiting: &mut dyn FnMut()) -> Result<()> {
        match &mut self.session {
            Session::Postgres(s) => s.lock(&self.table, waiting).await,
            Session::Sqlite(_) => Ok(()),
        }
        .map_err(|e| Error::History(format!("cannot take the migration lock: {e}")))
    }

    /// Records the database as having `add` applied and `remove` not, without running them, in
    /// one transaction; creates the history table first when it is missing.
    pub async fn stamp(&mut self, add: &[(String, String)], remove: &[String]) -> Result<()> {
        match &mut self.session {
            Session::Postgres(s) => s.stamp(&self.table, add, remove).await,
            Session::Sqlite(s) => s.stamp(&self.table, add, remove).await,
        }
        .map_err(|e| {
            Error::History(format!(
                "cannot write the history table {}: {e}",
                self.table
            ))
        })
    }

    /// Releases the lock (closing the connection releases it too, on every exit path).
    pub async fn close(self) {
        match self.session {
            Session::Postgres(s) => s.close().await,
            Session::Sqlite(s) => s.close().await,
        }
    }
}

/// The statements `stamp` runs, for one backend's spelling of `applied_at`'s type and of the
/// n-th bind parameter; both backends quote names with `"`.
struct StampSql {
    create: String,
    delete: String,
    insert: String,
}

impl StampSql {
    fn new(table: &str, bigint: &str, param: fn(usize) -> String) -> StampSql {
        let t = quote(table);
        StampSql {
            create: format!(
                "CREATE TABLE IF NOT EXISTS {t} (\"version\" varchar NOT NULL PRIMARY KEY, \"applied_at\" {bigint} NOT NULL)"
            ),
            delete: format!("DELETE FROM {t} WHERE \"version\" = {}", param(1)),
            insert: format!(
                "INSERT INTO {t} (\"version\", \"applied_at\", {}) VALUES ({}, {}, {})",
                quote(CHECKSUM_COLUMN),
                param(1),
                param(2),
                param(3)
            ),
        }
    }
}

/// `name` as a quoted SQL identifier (both backends quote with `"`).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Seconds since 1970, as sea-orm-migration writes `applied_at`.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs a connect future with a timeout, classifying failures as the catalog does.
async fn connect_with_timeout<C, F>(url: &DatabaseUrl, connect: F) -> Result<C>
where
    F: Future<Output = std::result::Result<C, sqlx::Error>>,
{
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(sealift_catalog::Error::connect(url, &e).into()),
        Err(_) => Err(Error::History(format!(
            "cannot connect to {url}: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}
