//! Scratch databases: made for one command (`verify`, `check --replay`, autogen's proof) on the development
//! database's server, and dropped when it ends, on every path ([`Scratch::remove`]; the
//! caller also calls it on Ctrl-C). PostgreSQL and MySQL: `CREATE DATABASE` with a name of
//! the development database's plus the process id; SQLite: a file in a temporary folder. Or a
//! database the user names (`--shadow-url`), which is emptied of nothing and never dropped:
//! it must be empty, and it is the user's.
//!
//! The development database is only connected to, to reach its server: nothing is read from
//! it or written to it.

use std::str::FromStr;

use sealift_catalog::DatabaseUrl;
use sealift_ir::Dialect;
use sqlx::Connection;

use crate::error::{Error, Result};

/// A scratch database.
pub struct Scratch {
    /// Where it is.
    pub url: DatabaseUrl,
    kind: Kind,
}

enum Kind {
    /// Made with `CREATE DATABASE name` through `admin`, a connection URL to the same server.
    Server { admin: DatabaseUrl, name: String },
    /// A SQLite file in a folder removed with it.
    File(tempfile::TempDir),
    /// The user's `--shadow-url`: left as it is.
    Given,
}

/// The longest database name the servers take (PostgreSQL 63 bytes, MySQL 64 characters).
const NAME_LIMIT: usize = 63;

impl Scratch {
    /// A scratch database beside `dev`, or `shadow` when the user names one.
    pub async fn create(dev: &DatabaseUrl, shadow: Option<DatabaseUrl>) -> Result<Scratch> {
        if let Some(url) = shadow {
            if url.dialect() != dev.dialect() {
                return Err(Error::Config(format!(
                    "the shadow database {url} is not on the same backend as {dev}; name one of the same kind"
                )));
            }
            return Ok(Scratch {
                url,
                kind: Kind::Given,
            });
        }
        match dev.dialect() {
            Dialect::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("sealift-scratch-")
                    .tempdir()
                    .map_err(|e| Error::Run(format!("cannot make a temporary folder: {e}")))?;
                let path = dir.path().join("scratch.db");
                // An empty file is an empty SQLite database.
                std::fs::File::create(&path)
                    .map_err(|e| Error::Run(format!("cannot make {}: {e}", path.display())))?;
                let url = DatabaseUrl::parse(&format!("sqlite://{}?mode=rwc", path.display()))?;
                Ok(Scratch {
                    url,
                    kind: Kind::File(dir),
                })
            }
            dialect => {
                let mut parsed = url::Url::parse(dev.expose()).map_err(|e| {
                    Error::Config(format!("cannot read the database URL {dev}: {e}"))
                })?;
                let dev_name = parsed.path().trim_start_matches('/').to_owned();
                let base = if dev_name.is_empty() {
                    "sealift"
                } else {
                    &dev_name
                };
                let suffix = format!("_scratch_{}", std::process::id());
                let keep = NAME_LIMIT.saturating_sub(suffix.len());
                let base: String = base.chars().take(keep).collect();
                let name = format!("{base}{suffix}");
                let quoted = quote(dialect, &name);
                execute(dev, &[&format!("CREATE DATABASE {quoted}")]).await.map_err(|e| {
                    Error::Run(format!(
                        "cannot make a scratch database on the server of {dev}: {e}; grant the role CREATEDB (PostgreSQL) or CREATE (MySQL), or pass --shadow-url with an empty database"
                    ))
                })?;
                parsed.set_path(&format!("/{name}"));
                let url = DatabaseUrl::parse(parsed.as_str())?;
                Ok(Scratch {
                    url,
                    kind: Kind::Server {
                        admin: dev.clone(),
                        name,
                    },
                })
            }
        }
    }

    /// Opens the first connection to the new database ahead of its first use (PostgreSQL:
    /// a new database's first session builds its catalog caches), kept for that use.
    pub async fn warm(&self) {
        if self.url.dialect() == Dialect::Postgres
            && let Ok(conn) = sealift_catalog::connect_postgres(&self.url).await
        {
            sealift_catalog::release(&self.url, conn).await;
        }
    }

    /// Drops the scratch database (a given one is left alone).
    pub async fn remove(self) -> Result<()> {
        sealift_catalog::close_kept_to(&self.url).await;
        match self.kind {
            Kind::Server { admin, name } => {
                let dialect = admin.dialect();
                let force = if dialect == Dialect::Postgres {
                    " WITH (FORCE)"
                } else {
                    ""
                };
                let drop = format!("DROP DATABASE IF EXISTS {}{force}", quote(dialect, &name));
                if dialect == Dialect::Postgres {
                    // The server waits 100 ms at a time for a connection that is still going
                    // away when asked to drop its database: wait for it here, in steps of
                    // 2 ms, for up to 200 ms.
                    let wait = format!(
                        "DO $$ BEGIN FOR i IN 1..100 LOOP \
                         EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = {}); \
                         PERFORM pg_sleep(0.002); END LOOP; END $$",
                        literal(&name)
                    );
                    let _ = execute(&admin, &[&wait]).await;
                }
                execute(&admin, &[&drop]).await.map_err(|e| {
                    Error::Run(format!(
                        "cannot drop the scratch database {name} ({e}); drop it by hand"
                    ))
                })
            }
            Kind::File(dir) => dir
                .close()
                .map_err(|e| Error::Run(format!("cannot remove the scratch database: {e}"))),
            Kind::Given => Ok(()),
        }
    }
}

/// Makes the PostgreSQL schema `name` in the scratch database at `url` (where `--schema NAME`
/// runs migrations); other backends have no schemas inside a database.
pub async fn create_schema(url: &DatabaseUrl, name: &str) -> Result<()> {
    if url.dialect() != Dialect::Postgres {
        return Ok(());
    }
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        quote(Dialect::Postgres, name)
    );
    run_statements(url, &[sql])
        .await
        .map_err(|(_, _, e)| Error::Run(format!("cannot make schema {name} in {url}: {e}")))
}

/// What one statement of [`run_each`] gave: the rows it returned, every column read as text
/// (none for a statement that returns none), or the server's error.
pub type Answer = std::result::Result<Vec<Vec<Option<String>>>, String>;

/// Runs `statements` in order on one connection to `url` (closed after: `url` is a scratch
/// database, to be dropped); the first that fails ends it: `(its index, the statement, the
/// server's error)`.
pub async fn run_statements(
    url: &DatabaseUrl,
    statements: &[String],
) -> std::result::Result<(), (usize, String, String)> {
    let answers = session(url, statements, true, false)
        .await
        .map_err(|e| (0, String::from("(connecting)"), e))?;
    match answers
        .into_iter()
        .enumerate()
        .find_map(|(i, a)| a.err().map(|e| (i, e)))
    {
        Some((i, error)) => Err((i, statements[i].clone(), error)),
        None => Ok(()),
    }
}

/// Runs every one of `statements` on one connection to `url`, whatever the others gave, and
/// answers for each; the statements that return rows must return text columns (`x::text`,
/// `CAST(x AS CHAR)`, `quote(x)`). `Err` only when it cannot connect.
pub async fn run_each(
    url: &DatabaseUrl,
    statements: &[String],
) -> std::result::Result<Vec<Answer>, String> {
    session(url, statements, false, false).await
}

/// One connection, the statements in order; with `stop`, none after the first that fails.
/// With `keep` (the development database's server, where the scratch database is made and
/// dropped), a PostgreSQL connection is kept for the run's next step; a connection to the
/// scratch database itself is closed, as dropping it waits for every one to go.
async fn session(
    url: &DatabaseUrl,
    statements: &[String],
    stop: bool,
    keep: bool,
) -> std::result::Result<Vec<Answer>, String> {
    async fn each<DB, C>(conn: &mut C, statements: &[String], stop: bool) -> Vec<Answer>
    where
        DB: sqlx::Database,
        for<'c> &'c mut C: sqlx::Executor<'c, Database = DB>,
        for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        use sqlx::Row;
        let mut answers = Vec::new();
        for sql in statements {
            let answer = match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *conn)
                .await
            {
                Ok(rows) => rows
                    .iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string()),
                // The server's own words, without the driver's framing.
                Err(e) => Err(e
                    .as_database_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned())),
            };
            let failed = answer.is_err();
            answers.push(answer);
            if failed && stop {
                break;
            }
        }
        answers
    }
    let scrub = |e: &dyn std::fmt::Display| url.scrub(&e.to_string());
    match url.dialect() {
        Dialect::Postgres => {
            let mut conn = sealift_catalog::connect_postgres(url)
                .await
                .map_err(|e| scrub(&e))?;
            let done = each(&mut conn, statements, stop).await;
            if keep {
                // The run's own connection to the server, kept for its next step.
                sealift_catalog::release(url, conn).await;
            } else {
                let _ = conn.close().await;
            }
            Ok(done)
        }
        Dialect::Mysql => {
            let opts = sqlx::mysql::MySqlConnectOptions::from_str(&url.driver_url())
                .map_err(|e| scrub(&e))?;
            let mut conn = sqlx::mysql::MySqlConnection::connect_with(&opts)
                .await
                .map_err(|e| scrub(&e))?;
            let done = each(&mut conn, statements, stop).await;
            let _ = conn.close().await;
            Ok(done)
        }
        Dialect::Sqlite => {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url.driver_url())
                .map_err(|e| scrub(&e))?;
            let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&opts)
                .await
                .map_err(|e| scrub(&e))?;
            let done = each(&mut conn, statements, stop).await;
            let _ = conn.close().await;
            Ok(done)
        }
    }
}

/// A string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn quote(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// Runs statements on a connection to `url` (the development database's, kept for the run's
/// next step); the first that fails ends it, with the server's error.
async fn execute(url: &DatabaseUrl, statements: &[&str]) -> std::result::Result<(), String> {
    let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
    let answers = session(url, &statements, true, true).await?;
    match answers.into_iter().find_map(std::result::Result::err) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
