//! Reflects a live database catalog into the sealift schema model.
//!
//! This is the only crate that talks to a database. Each backend lives in a folder with the same
//! file names: `queries.rs` (the SQL text), `rows.rs` (what the queries return) and `lower.rs`
//! (pure rows -> [`sealift_ir::Schema`]), with `mod.rs` running the queries. A backend reads its
//! catalog in a fixed number of bulk queries whatever the number of tables;
//! [`Reflection::queries`] reports how many it ran so tests can hold that line. The
//! `seaql_migrations` history table is never reflected (each backend's queries leave it out),
//! nor a history table of another name ([`ReflectOptions::history_table`]).

mod error;
mod kept;
mod mysql;
mod postgres;
mod sqlite;
mod url;

use std::time::Duration;

pub use error::Error;
pub use kept::{close_kept, close_kept_to, keep_connections, release};
pub use postgres::connect_postgres;
use sealift_ir::{Dialect, Schema};
/// The reader of SQLite's DDL text, public for the fuzz targets.
pub use sqlite::ddl as sqlite_ddl;
pub use url::{DatabaseUrl, redact, redact_urls};

/// How long to wait for a server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to reflect.
#[derive(Debug, Clone, Default)]
pub struct ReflectOptions {
    /// Namespaces to read: PostgreSQL schemas, SQLite database names (`main`, attached ones),
    /// MySQL databases; each a name or a glob (`tenant_*`, `*`) over the namespaces the
    /// database has. Empty means the connection's default (`current_schema()` on
    /// PostgreSQL, `main` on SQLite, the URL's database on MySQL).
    pub schemas: Vec<String>,
    /// The migration history table's name when the migration crate names its own
    /// (`migration_table_name()`): never reflected, like `seaql_migrations`.
    pub history_table: Option<String>,
}

/// A reflected schema and how it was read.
#[derive(Debug, Clone)]
pub struct Reflection {
    /// The database's schema in the model's normalized form.
    pub schema: Schema,
    /// How many queries reflection sent after connecting: constant in the number of tables.
    pub queries: usize,
}

/// Connects to `url` and reflects the requested namespaces: [`open`], then
/// [`Catalog::reflect`].
pub async fn reflect(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Reflection, Error> {
    open(url, options).await?.reflect().await
}

/// Connects to `url` and resolves the namespaces to read, without reading them yet: a caller
/// that needs the namespace names (the default schema entities are lowered into) gets them
/// before the catalog queries run, and can work beside them.
pub async fn open(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Catalog, Error> {
    Ok(Catalog(match url.dialect() {
        Dialect::Postgres => Session::Postgres(postgres::open(url, options).await?),
        Dialect::Sqlite => Session::Sqlite(sqlite::open(url, options).await?),
        Dialect::Mysql => Session::Mysql(mysql::open(url, options).await?),
    }))
}

/// An open connection with its namespaces resolved; [`Catalog::reflect`] reads them.
pub struct Catalog(Session);

enum Session {
    Postgres(postgres::Session),
    Sqlite(sqlite::Session),
    Mysql(mysql::Session),
}

impl Catalog {
    /// The namespaces that will be read, in order: the requested ones, or the connection's
    /// default (`current_schema()` on PostgreSQL, `main` on SQLite). Empty when PostgreSQL has
    /// no current schema.
    pub fn schemas(&self) -> &[String] {
        match &self.0 {
            Session::Postgres(s) => s.schemas(),
            Session::Sqlite(s) => s.schemas(),
            Session::Mysql(s) => s.schemas(),
        }
    }

    /// Every namespace the database has (PostgreSQL user schemas, SQLite databases).
    pub fn available(&self) -> &[String] {
        match &self.0 {
            Session::Postgres(s) => s.available(),
            Session::Sqlite(s) => s.available(),
            Session::Mysql(s) => s.available(),
        }
    }

    /// Reads the namespaces' catalogs in a fixed number of queries and closes the connection.
    pub async fn reflect(self) -> Result<Reflection, Error> {
        match self.0 {
            Session::Postgres(s) => s.reflect().await,
            Session::Sqlite(s) => s.reflect().await,
            Session::Mysql(s) => s.reflect().await,
        }
    }

    /// Lets go of the connection without reading the catalog: a PostgreSQL connection serves
    /// the run's next step ([`kept`]); the others close.
    pub async fn release(self) {
        if let Session::Postgres(s) = self.0 {
            s.release().await;
        }
    }

    /// Runs the catalog queries of [`Catalog::reflect`] alone, fetching and dropping the rows:
    /// the floor a benchmark compares reflection with (what the server needs to answer).
    /// Returns the row count.
    pub async fn floor(self) -> Result<usize, Error> {
        match self.0 {
            Session::Postgres(s) => s.floor().await,
            Session::Sqlite(s) => s.floor().await,
            Session::Mysql(s) => s.floor().await,
        }
    }
}

/// Whether a requested namespace is a glob rather than a name.
pub fn is_glob(name: &str) -> bool {
    name.contains(['*', '?', '['])
}

/// The namespaces `requested` names among `available`, in the order asked, each once: a name
/// must exist; a glob (`tenant_*`) stands for every namespace it matches, in name order, and
/// must match one.
pub fn select_namespaces(requested: &[String], available: &[String]) -> Result<Vec<String>, Error> {
    let listed = || available.join(", ");
    let mut out: Vec<String> = Vec::new();
    for name in requested {
        let matched: Vec<&String> = if is_glob(name) {
            let glob = globset::Glob::new(name)
                .map_err(|e| Error::BadPattern {
                    pattern: name.clone(),
                    detail: e.kind().to_string(),
                })?
                .compile_matcher();
            let mut found: Vec<&String> = available.iter().filter(|a| glob.is_match(a)).collect();
            found.sort();
            if found.is_empty() {
                return Err(Error::NoSchemaMatches {
                    pattern: name.clone(),
                    available: listed(),
                });
            }
            found
        } else if available.contains(name) {
            vec![name]
        } else {
            return Err(Error::SchemaNotFound {
                schema: name.clone(),
                available: listed(),
            });
        };
        for m in matched {
            if !out.contains(m) {
                out.push(m.clone());
            }
        }
    }
    Ok(out)
}

/// Runs read-only scalar queries (`SELECT count(*) ...`) and returns each one's number, or why
/// that one failed: how many rows a data-dependent change would meet, for the reviewer. Each
/// query stands alone; only failing to connect fails them all.
pub async fn counts(
    url: &DatabaseUrl,
    queries: &[String],
) -> Result<Vec<Result<i64, Error>>, Error> {
    match url.dialect() {
        Dialect::Postgres => postgres::counts(url, queries).await,
        Dialect::Sqlite => sqlite::counts(url, queries).await,
        Dialect::Mysql => mysql::counts(url, queries).await,
    }
}

/// How big a table is, by the catalog's estimate (no table is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSize {
    /// Rows, as the server last estimated them (PostgreSQL `pg_class.reltuples`, MySQL
    /// `information_schema.tables.table_rows`); none when it never has (a table not yet
    /// vacuumed or analyzed).
    pub rows: Option<u64>,
    /// Bytes on disk: the table's data, without its indexes (PostgreSQL `pg_table_size`,
    /// MySQL `data_length`). A partitioned table's are its partitions'.
    pub bytes: u64,
    /// A partitioned table (PostgreSQL), on which no index is built concurrently.
    pub partitioned: bool,
}

/// The estimated size of each of `tables` (namespace, name), in one query; none for a table
/// that is not there. SQLite keeps no estimates: none for every table.
pub async fn sizes(
    url: &DatabaseUrl,
    tables: &[(String, String)],
) -> Result<Vec<Option<TableSize>>, Error> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    match url.dialect() {
        Dialect::Postgres => postgres::sizes(url, tables).await,
        Dialect::Mysql => mysql::sizes(url, tables).await,
        Dialect::Sqlite => Ok(vec![None; tables.len()]),
    }
}

/// The definitions of the functions of `schemas` that `texts` (expressions) call, with the
/// functions those call (PostgreSQL; other backends have none to copy): for a copy of tables
/// on another database.
pub async fn functions(
    url: &DatabaseUrl,
    schemas: &[String],
    texts: &[String],
) -> Result<Vec<String>, Error> {
    match url.dialect() {
        Dialect::Postgres => postgres::functions(url, schemas, texts).await,
        _ => Ok(Vec::new()),
    }
}

/// Of `functions` (name, source), the indexes of those `texts` call (`name(`), and of those
/// their sources call, transitively.
fn called(functions: &[(&str, &str)], texts: &[String]) -> Vec<usize> {
    let calls = |text: &str, name: &str| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].trim_start();
            let after = after.strip_prefix('"').unwrap_or(after).trim_start();
            after.starts_with('(') && !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let mut wanted: Vec<usize> = Vec::new();
    let mut todo: Vec<&str> = texts.iter().map(String::as_str).collect();
    while let Some(text) = todo.pop() {
        for (i, (name, source)) in functions.iter().enumerate() {
            if !wanted.contains(&i) && calls(text, name) {
                wanted.push(i);
                todo.push(source);
            }
        }
    }
    wanted.sort_unstable();
    wanted
}

/// A catalog row fetched and dropped undecoded: what [`Catalog::floor`] reads, through the same
/// query path as [`Catalog::reflect`].
struct Skip;

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for Skip {
    fn from_row(_: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Skip)
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
        Err(_) => Err(Error::no_answer(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn functions_are_called_by_name_transitively() {
        let functions = [
            ("controlled", "SELECT NOT padded($1)"),
            ("padded", "SELECT $1 ~ '^\\s'"),
            ("unused", "SELECT 1"),
            ("controlled_twice", "SELECT 2"),
        ];
        let texts = vec!["(controlled(name) AND name <> '')".to_owned()];
        assert_eq!(called(&functions, &texts), vec![0, 1]);
        assert!(called(&functions, &["controlled_twice_x(a)".to_owned()]).is_empty());
    }

    #[test]
    fn globs_select_every_match_in_order_and_names_must_exist() {
        let available = names(&["public", "tenant_2", "tenant_10", "tenant_1", "audit"]);
        let got =
            select_namespaces(&names(&["audit", "tenant_*", "tenant_1"]), &available).unwrap();
        assert_eq!(got, names(&["audit", "tenant_1", "tenant_10", "tenant_2"]));
        assert_eq!(
            select_namespaces(&names(&["*"]), &available).unwrap().len(),
            5
        );
        let none = select_namespaces(&names(&["shop_*"]), &available).unwrap_err();
        assert!(
            none.to_string().contains("no schema matches `shop_*`"),
            "{none}"
        );
        let missing = select_namespaces(&names(&["shop"]), &available).unwrap_err();
        assert!(matches!(missing, Error::SchemaNotFound { .. }));
        let bad = select_namespaces(&names(&["tenant_[a"]), &available).unwrap_err();
        assert!(matches!(bad, Error::BadPattern { .. }), "{bad}");
    }
}
