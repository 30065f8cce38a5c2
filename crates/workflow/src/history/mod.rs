//! The migration history table, per backend: which migrations are applied and when, with the
//! checksum sealift recorded; stamping; and the lock that keeps two runs from applying the same
//! migration. Each backend is a module with the same functions.
//!
//! The table is sea-orm-migration's own (`version`, `applied_at`), so `cargo run -- status` and
//! sealift always agree. sealift adds two nullable columns sea-orm-migration never reads or
//! writes: `sealift_checksum`, and `sealift_dirty`, set while a migration that runs without a
//! transaction (every one on MySQL, whose DDL commits as it goes) is part way through.

mod mysql;
mod postgres;
mod sqlite;

use std::time::Duration;

use sealift_catalog::DatabaseUrl;
use sealift_ir::Dialect;

use crate::error::{Error, Result};

/// The column sealift adds to the history table for each migration's checksum.
pub const CHECKSUM_COLUMN: &str = "sealift_checksum";

/// The column sealift adds to the history table: `up` or `down` while a migration that runs
/// without a transaction is part way through that direction, NULL otherwise.
pub const DIRTY_COLUMN: &str = "sealift_dirty";

/// A migration started and not finished: it ran without a transaction and stopped (failed,
/// killed, or the server went away) part way, so some of its statements may have run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dirty {
    /// Its `up` started and did not finish.
    Up,
    /// Its `down` started and did not finish.
    Down,
}

impl Dirty {
    /// The direction a mark names, and whether it can run again (`up+`, `down+`).
    fn parse(text: Option<String>) -> (Option<Dirty>, bool) {
        match text.as_deref() {
            Some("up") => (Some(Dirty::Up), false),
            Some("down") => (Some(Dirty::Down), false),
            Some("up+") => (Some(Dirty::Up), true),
            Some("down+") => (Some(Dirty::Down), true),
            _ => (None, false),
        }
    }

    /// The direction's name, as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Dirty::Up => "up",
            Dirty::Down => "down",
        }
    }
}

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
    /// Set when the migration started in this direction and did not finish.
    pub dirty: Option<Dirty>,
    /// The mark says the migration can run again to finish (`up+`, `down+`: an online
    /// migration on PostgreSQL, each step of which is safe to run again).
    pub resumable: bool,
}

/// A connection to the database whose history is read and written.
pub struct Store {
    session: Session,
    table: String,
    /// The database's URL as given, to tell which database a kept connection is on.
    url: String,
}

enum Session {
    Postgres(postgres::Session),
    Sqlite(sqlite::Session),
    Mysql(mysql::Session),
}

impl Store {
    /// Connects to `url`; `table` is the history table's name. With a `schema` (PostgreSQL)
    /// the connection's `search_path` is set to it, so the history table, and the lock, are
    /// that schema's.
    pub async fn open(url: &DatabaseUrl, schema: Option<&str>, table: &str) -> Result<Store> {
        let session = match (url.dialect(), schema) {
            (Dialect::Postgres, _) => {
                Session::Postgres(postgres::Session::open(url, schema).await?)
            }
            (_, Some(schema)) => {
                return Err(Error::Config(format!(
                    "schema `{schema}`: migrations run per schema on PostgreSQL only; on MySQL and SQLite list each database in `databases` (sealift.toml) or --databases FILE"
                )));
            }
            (Dialect::Sqlite, None) => Session::Sqlite(sqlite::Session::open(url).await?),
            (Dialect::Mysql, None) => Session::Mysql(mysql::Session::open(url).await?),
        };
        Ok(Store {
            session,
            table: table.to_owned(),
            url: url.expose().to_owned(),
        })
    }

    /// The applied migrations, oldest first (by `applied_at`, then name). Empty when the history
    /// table does not exist yet.
    pub async fn applied(&mut self) -> Result<Vec<Applied>> {
        let mut rows = match &mut self.session {
            Session::Postgres(s) => s.applied(&self.table).await,
            Session::Sqlite(s) => s.applied(&self.table).await,
            Session::Mysql(s) => s.applied(&self.table).await,
        }
        .map_err(|e| {
            Error::History(format!("cannot read the history table {}: {e}", self.table))
        })?;
        rows.sort_by(|a, b| (a.applied_at, &a.version).cmp(&(b.applied_at, &b.version)));
        Ok(rows)
    }

    /// The applied migrations of the history table in each of `schemas` (PostgreSQL), in
    /// order, in two queries whatever their number: which of them have the table and its
    /// columns, then every table's rows at once. A schema without the table has nothing
    /// applied.
    pub async fn applied_in(&mut self, schemas: &[String]) -> Result<Vec<Vec<Applied>>> {
        let read = match &mut self.session {
            Session::Postgres(s) => s.applied_in(&self.table, schemas).await,
            _ => {
                return Err(Error::Config(
                    "history tables are read per schema on PostgreSQL only".to_owned(),
                ));
            }
        };
        let mut lists = read.map_err(|e| {
            Error::History(format!(
                "cannot read the history tables {}: {e}",
                self.table
            ))
        })?;
        for rows in &mut lists {
            rows.sort_by(|a, b| (a.applied_at, &a.version).cmp(&(b.applied_at, &b.version)));
        }
        Ok(lists)
    }

    /// Takes the lock that serializes sealift runs on this database and history table.
    /// PostgreSQL: a session advisory lock on this connection (never a blocking
    /// `pg_advisory_lock`: a waiter inside it would stop another run's `CREATE INDEX
    /// CONCURRENTLY`). MySQL: a named lock (`GET_LOCK`) held by this connection. SQLite: a
    /// file lock beside the database. Tried every 100 ms, backing off to 2 s apart, so a waiter is
    /// never inside a statement that blocks. `waiting` hears who holds it (the server's
    /// process, its program, since when) whenever that changes; after `limit` (none: never)
    /// it gives up, naming the holder.
    pub async fn lock(
        &mut self,
        limit: Option<Duration>,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        let mut told: Option<String> = None;
        loop {
            let got = match &mut self.session {
                Session::Postgres(s) => s.try_lock(&self.table).await,
                Session::Mysql(s) => s.try_lock(&self.table).await,
                Session::Sqlite(s) => s.try_lock().map_err(sqlx::Error::Io),
            }
            .map_err(|e| Error::History(format!("cannot take the migration lock: {e}")))?;
            if got {
                return Ok(());
            }
            let holder = self
                .holder()
                .await
                .unwrap_or_else(|| "another session".to_owned());
            if told.as_ref() != Some(&holder) {
                waiting(&holder);
                told = Some(holder.clone());
            }
            if let Some(limit) = limit
                && started.elapsed() >= limit
            {
                return Err(Error::History(format!(
                    "gave up waiting for the migration lock after {}: it is held by {holder}. Another run is migrating this database; wait for it and run the command again, or allow a longer wait with --lock-wait (lock_wait in sealift.toml; 0 waits without limit)",
                    crate::config::show_duration(limit)
                )));
            }
            let left = limit.map_or(pause, |l| l.saturating_sub(started.elapsed()));
            tokio::time::sleep(pause.min(left).max(Duration::from_millis(10))).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// Who holds the migration lock now, if anyone does (this store not counted): a run in
    /// progress.
    pub async fn holder(&mut self) -> Option<String> {
        match &mut self.session {
            Session::Postgres(s) => s.holder(&self.table).await.ok().flatten(),
            Session::Mysql(s) => s.holder(&self.table).await.ok().flatten(),
            Session::Sqlite(s) => s.holder(),
        }
    }

    /// Errs unless this store still holds the lock it took: the server may have closed its
    /// connection (`idle_session_timeout`, a terminated backend), freeing the lock for
    /// another run.
    pub async fn still_locked(&mut self) -> Result<()> {
        let held = match &mut self.session {
            Session::Postgres(s) => s.holds().await,
            Session::Mysql(s) => s.holds().await,
            Session::Sqlite(s) => Ok(s.holds()),
        };
        match held {
            Ok(true) => Ok(()),
            Ok(false) => Err(lost("the server no longer lists it as held")),
            Err(e) => Err(lost(&e.to_string())),
        }
    }

    /// Records the database as having `add` applied and `remove` not, without running them, in
    /// one transaction; creates the history table first when it is missing. Every row left is
    /// clean: stamping is how a user says a dirty migration is now whole, or undone.
    pub async fn stamp(&mut self, add: &[(String, String)], remove: &[String]) -> Result<()> {
        match &mut self.session {
            Session::Postgres(s) => s.stamp(&self.table, add, remove).await,
            Session::Sqlite(s) => s.stamp(&self.table, add, remove).await,
            Session::Mysql(s) => s.stamp(&self.table, add, remove).await,
        }
        .map_err(|e| {
            Error::History(format!(
                "cannot write the history table {}: {e}",
                self.table
            ))
        })
    }

    /// The database's URL as given (with its password: never print it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Moves a PostgreSQL connection to another schema's history table and lock, so that a
    /// fan-out reuses its connections; `false` where the backend has no schemas to move to.
    pub async fn use_schema(&mut self, schema: &str) -> Result<bool> {
        match &mut self.session {
            Session::Postgres(s) => s
                .use_schema(schema)
                .await
                .map(|()| true)
                .map_err(|e| Error::History(format!("cannot set search_path to {schema}: {e}"))),
            _ => Ok(false),
        }
    }

    /// Releases the lock and keeps the connection open, for the next tenant; `false` when the
    /// lock cannot be released this way (only closing releases it).
    pub async fn unlock(&mut self) -> bool {
        match &mut self.session {
            Session::Postgres(s) => s.unlock().await.is_ok(),
            Session::Sqlite(s) => {
                s.unlock();
                false
            }
            Session::Mysql(_) => false,
        }
    }

    /// Releases the lock (closing the connection releases it too, on every exit path).
    pub async fn close(self) {
        match self.session {
            Session::Postgres(s) => s.close().await,
            Session::Sqlite(s) => s.close().await,
            Session::Mysql(s) => s.close().await,
        }
    }
}

/// The history table's statements in one backend's spelling: its quotes, its type for
/// `applied_at`, its n-th bind parameter and its text-typed NULL.
struct HistorySql {
    quote: fn(&str) -> String,
    /// `version`'s type when sealift creates the table (as sea-orm-migration would).
    version: &'static str,
    bigint: &'static str,
    param: fn(usize) -> String,
    null_text: &'static str,
}

impl HistorySql {
    fn q(&self, name: &str) -> String {
        (self.quote)(name)
    }

    /// Reads every row; `columns` are the table's, so sealift's own are read only when there.
    fn select(&self, table: &str, columns: &[String]) -> String {
        self.select_from(&self.q(table), columns)
    }

    /// [`HistorySql::select`] from `from`, a table name as the SQL writes it.
    fn select_from(&self, from: &str, columns: &[String]) -> String {
        let optional = |c: &str| {
            if columns.iter().any(|have| have == c) {
                self.q(c)
            } else {
                self.null_text.to_owned()
            }
        };
        format!(
            "SELECT {}, {}, {}, {} FROM {}",
            self.q("version"),
            self.q("applied_at"),
            optional(CHECKSUM_COLUMN),
            optional(DIRTY_COLUMN),
            from
        )
    }

    fn create(&self, table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({} {} NOT NULL PRIMARY KEY, {} {} NOT NULL)",
            self.q(table),
            self.q("version"),
            self.version,
            self.q("applied_at"),
            self.bigint
        )
    }

    /// The statements that add sealift's columns the table lacks.
    fn add_columns(&self, table: &str, columns: &[String]) -> Vec<String> {
        [(CHECKSUM_COLUMN, 64), (DIRTY_COLUMN, 8)]
            .into_iter()
            .filter(|(c, _)| !columns.iter().any(|have| have == c))
            .map(|(c, len)| {
                format!(
                    "ALTER TABLE {} ADD COLUMN {} varchar({len})",
                    self.q(table),
                    self.q(c)
                )
            })
            .collect()
    }

    fn delete(&self, table: &str) -> String {
        format!(
            "DELETE FROM {} WHERE {} = {}",
            self.q(table),
            self.q("version"),
            (self.param)(1)
        )
    }

    /// The row of an applied migration: version, applied_at and (when the table has the
    /// column) the checksum, as parameters 1 to 3.
    fn insert(&self, table: &str, columns: &[String]) -> String {
        if !columns.iter().any(|c| c == CHECKSUM_COLUMN) {
            return format!(
                "INSERT INTO {} ({}, {}) VALUES ({}, {})",
                self.q(table),
                self.q("version"),
                self.q("applied_at"),
                (self.param)(1),
                (self.param)(2)
            );
        }
        format!(
            "INSERT INTO {} ({}, {}, {}) VALUES ({}, {}, {})",
            self.q(table),
            self.q("version"),
            self.q("applied_at"),
            self.q(CHECKSUM_COLUMN),
            (self.param)(1),
            (self.param)(2),
            (self.param)(3)
        )
    }

    /// Clears every dirty mark; nothing to do when the table has no such column.
    fn clean(&self, table: &str, columns: &[String]) -> Option<String> {
        columns.iter().any(|c| c == DIRTY_COLUMN).then(|| {
            format!(
                "UPDATE {} SET {} = NULL",
                self.q(table),
                self.q(DIRTY_COLUMN)
            )
        })
    }
}

/// Creates the history table when it is missing and adds sealift's columns where this role
/// may (a role that writes the table but does not own it cannot: checksums and dirty marks
/// are then not kept); returns the columns the table has. Each statement on its own, so a
/// refusal does not end a transaction.
async fn prepare<DB>(
    conn: &mut DB::Connection,
    sql: &HistorySql,
    table: &str,
    columns: Vec<String>,
) -> sqlx::Result<Vec<String>>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    let mut have = columns;
    if have.is_empty() {
        sqlx::query(sqlx::AssertSqlSafe(sql.create(table)))
            .execute(&mut *conn)
            .await?;
        have = vec!["version".to_owned(), "applied_at".to_owned()];
    }
    let missing: Vec<&str> = [CHECKSUM_COLUMN, DIRTY_COLUMN]
        .into_iter()
        .filter(|c| !have.iter().any(|h| h == c))
        .collect();
    for (ddl, column) in sql.add_columns(table, &have).into_iter().zip(missing) {
        match sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => have.push(column.to_owned()),
            Err(e) if denied(&e) => {}
            Err(e) if e.to_string().to_lowercase().contains("duplicate column") => {
                have.push(column.to_owned());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(have)
}

/// `stamp`'s rows, on a connection inside the caller's transaction: `remove` deleted, `add`
/// (name, checksum) inserted, dirty marks cleared.
async fn stamp_rows<DB>(
    conn: &mut DB::Connection,
    sql: &HistorySql,
    table: &str,
    columns: &[String],
    add: &[(String, String)],
    remove: &[String],
) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for name in remove {
        sqlx::query(sqlx::AssertSqlSafe(sql.delete(table)))
            .bind(name.clone())
            .execute(&mut *conn)
            .await?;
    }
    let with_checksum = columns.iter().any(|c| c == CHECKSUM_COLUMN);
    for (name, checksum) in add {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.insert(table, columns)))
            .bind(name.clone())
            .bind(now());
        if with_checksum {
            q = q.bind(checksum.clone());
        }
        q.execute(&mut *conn).await?;
    }
    if let Some(clean) = sql.clean(table, columns) {
        sqlx::query(sqlx::AssertSqlSafe(clean))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The error for a lock that went while sealift held it.
fn lost(why: &str) -> Error {
    Error::History(format!(
        "the migration lock was lost ({why}): the server closed sealift's lock connection, so another run may have started; nothing more was run. Check `sealift current`, then run the command again"
    ))
}

/// Whether a failed statement was refused for lack of rights (not the table's owner, a
/// read-only database), rather than failing for another reason.
fn denied(e: &sqlx::Error) -> bool {
    let text = e.to_string().to_lowercase();
    [
        "owner",
        "denied",
        "permission",
        "privilege",
        "readonly",
        "read-only",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// `name` as a quoted SQL identifier, the standard way (PostgreSQL, SQLite).
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
