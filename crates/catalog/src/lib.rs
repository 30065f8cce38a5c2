//! Reflects a live database catalog into the sealift schema model.
//!
//! This is the only crate that talks to a database. Each backend lives in a folder with the same
//! file names: `queries.rs` (the SQL text), `rows.rs` (what the queries return) and `lower.rs`
//! (pure rows -> [`sealift_ir::Schema`]), with `mod.rs` running the queries. A backend reads its
//! catalog in a fixed number of bulk queries whatever the number of tables;
//! [`Reflection::queries`] reports how many it ran so tests can hold that line. The
//! `seaql_migrations` history table is never reflected (each backend's queries leave it out).

mod error;
mod postgres;
mod sqlite;
mod url;

use std::time::Duration;

pub use error::Error;
use sealift_ir::Schema;
pub use url::{Backend, DatabaseUrl};

/// How long to wait for a server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to reflect.
#[derive(Debug, Clone, Default)]
pub struct ReflectOptions {
    /// Namespaces to read: PostgreSQL schemas, SQLite database names (`main`, attached ones).
    /// Empty means the connection's default (`current_schema()` on PostgreSQL, `main` on SQLite).
    pub schemas: Vec<String>,
}

/// A reflected schema and how it was read.
#[derive(Debug, Clone)]
pub struct Reflection {
    /// The database's schema in the model's normalized form.
    pub schema: Schema,
    /// How many queries reflection sent after connecting: constant in the number of tables.
    pub queries: usize,
}

/// Connects to `url` and reflects the requested namespaces.
pub async fn reflect(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Reflection, Error> {
    match url.backend() {
        Backend::Postgres => postgres::reflect(url, options).await,
        Backend::Sqlite => sqlite::reflect(url, options).await,
        Backend::Mysql => Err(Error::Unsupported {
            backend: "MySQL/MariaDB",
        }),
    }
}

/// Runs read-only scalar queries (`SELECT count(*) ...`) and returns each one's number: how
/// many rows a data-dependent change would meet, for the reviewer.
pub async fn counts(url: &DatabaseUrl, queries: &[String]) -> Result<Vec<i64>, Error> {
    match url.backend() {
        Backend::Postgres => postgres::counts(url, queries).await,
        Backend::Sqlite => sqlite::counts(url, queries).await,
        Backend::Mysql => Err(Error::Unsupported {
            backend: "MySQL/MariaDB",
        }),
    }
}

/// Runs the catalog queries of [`reflect`] alone, fetching and dropping the rows: the floor a
/// benchmark compares reflection with (what the server needs to answer). Returns the row count.
pub async fn floor(url: &DatabaseUrl, options: &ReflectOptions) -> Result<usize, Error> {
    match url.backend() {
        Backend::Postgres => postgres::floor(url, options).await,
        Backend::Sqlite => sqlite::floor(url, options).await,
        Backend::Mysql => Err(Error::Unsupported {
            backend: "MySQL/MariaDB",
        }),
    }
}

/// Runs a connect future with the crate's timeout, classifying failures.
async fn connect_with_timeout<C, F>(url: &DatabaseUrl, connect: F) -> Result<C, Error>
where
    F: Future<Output = Result<C, sqlx::Error>>,
{
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Error::connect(url, &e)),
        Err(_) => Err(Error::Unreachable {
            target: url.to_string(),
            detail: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}
