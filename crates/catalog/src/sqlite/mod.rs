//! SQLite reflection: four bulk queries per database (table-valued pragmas joined with
//! `sqlite_master`), whatever the number of tables. Opens the file read-only and never creates
//! it.

pub mod ddl;
mod lower;
mod queries;
mod rows;

use std::str::FromStr;

use sealift_ir::{Dialect, Schema};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Connection, FromRow};

use crate::{DatabaseUrl, Error, ReflectOptions, Reflection, Skip, connect_with_timeout};
use rows::CatalogRows;

/// The database every SQLite connection has.
const MAIN: &str = "main";

/// Opens the file read-only and checks the requested databases (default: `main`).
pub async fn open(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Session, Error> {
    let mut session = Session {
        conn: connect(url).await?,
        url: url.clone(),
        queries: 0,
        schemas: Vec::new(),
        history_table: options.history_table.clone(),
        available: Vec::new(),
    };
    let available: Vec<(String,)> = session
        .rows("databases", queries::DATABASES.to_owned())
        .await?;
    let available: Vec<String> = available.into_iter().map(|(n,)| n).collect();
    session.available = available.clone();
    let requested = if options.schemas.is_empty() {
        vec![MAIN.to_owned()]
    } else {
        options.schemas.clone()
    };
    session.schemas = crate::select_namespaces(&requested, &available)?;
    Ok(session)
}

/// Opens the file read-only; a missing file is an error, never created.
async fn connect(url: &DatabaseUrl) -> Result<SqliteConnection, Error> {
    let opts = SqliteConnectOptions::from_str(url.expose())
        .map_err(|e| Error::InvalidUrl {
            reason: url.scrub(&e.to_string()),
        })?
        .read_only(true)
        .create_if_missing(false);
    let file = opts.get_filename();
    let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:");
    if !in_memory && !file.exists() {
        return Err(Error::DatabaseNotFound {
            target: url.to_string(),
            detail: format!("no file at {}", file.display()),
        });
    }
    connect_with_timeout(url, SqliteConnection::connect_with(&opts)).await
}

/// Runs scalar count queries, each returning one integer, each on its own.
pub async fn counts(
    url: &DatabaseUrl,
    queries: &[String],
) -> Result<Vec<Result<i64, Error>>, Error> {
    let mut conn = connect(url).await?;
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let n = sqlx::query_scalar::<_, i64>(AssertSqlSafe(q.as_str()))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| Error::query(url, "row counts", &e));
        out.push(n);
    }
    let _ = conn.close().await;
    Ok(out)
}

/// One open connection, the databases it reads, and the count of queries sent on it; every
/// read goes through [`Session::rows`].
pub struct Session {
    conn: SqliteConnection,
    url: DatabaseUrl,
    queries: usize,
    schemas: Vec<String>,
    /// The migration crate's history table when it is not `seaql_migrations`.
    history_table: Option<String>,
    /// Every database of the connection (`main`, attached ones).
    available: Vec<String>,
}

impl Session {
    /// The databases (`main`, attached ones) this session reads.
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// Every database of the connection.
    pub fn available(&self) -> &[String] {
        &self.available
    }

    /// Reads each database's catalog and closes the connection.
    pub async fn reflect(mut self) -> Result<Reflection, Error> {
        let mut schema = Schema::new(Dialect::Sqlite);
        for name in std::mem::take(&mut self.schemas) {
            let q = |sql| queries::for_schema(sql, &name);
            let catalog = CatalogRows {
                objects: self.rows("tables", q(queries::OBJECTS)).await?,
                columns: self.rows("columns", q(queries::COLUMNS)).await?,
                index_columns: self.rows("indexes", q(queries::INDEX_COLUMNS)).await?,
                foreign_keys: self.rows("foreign keys", q(queries::FOREIGN_KEYS)).await?,
            };
            let mut ns = lower::lower(&name, catalog);
            if let Some(history) = &self.history_table {
                ns.tables.remove(history);
            }
            schema.namespaces.insert(name.clone(), ns);
        }
        let queries = self.queries;
        let _ = self.conn.close().await;
        Ok(Reflection { schema, queries })
    }

    /// The same queries as [`Session::reflect`], rows fetched and dropped: no decoding, no
    /// lowering. Returns the number of rows.
    pub async fn floor(mut self) -> Result<usize, Error> {
        let mut rows = 0;
        for name in std::mem::take(&mut self.schemas) {
            for (what, sql) in [
                ("tables", queries::OBJECTS),
                ("columns", queries::COLUMNS),
                ("indexes", queries::INDEX_COLUMNS),
                ("foreign keys", queries::FOREIGN_KEYS),
            ] {
                let skipped: Vec<Skip> = self.rows(what, queries::for_schema(sql, &name)).await?;
                rows += skipped.len();
            }
        }
        let _ = self.conn.close().await;
        Ok(rows)
    }

    async fn rows<T>(&mut self, what: &'static str, sql: String) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        self.queries += 1;
        sqlx::query_as::<_, T>(AssertSqlSafe(sql))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| Error::query(&self.url, what, &e))
    }
}
