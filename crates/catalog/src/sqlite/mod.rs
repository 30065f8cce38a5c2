//! SQLite reflection: four bulk queries per database (table-valued pragmas joined with
//! `sqlite_master`), whatever the number of tables. Opens the file read-only and never creates
//! it.

mod ddl;
mod lower;
mod queries;
mod rows;

use std::str::FromStr;

use sealift_ir::{Dialect, Schema};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Connection, FromRow};

use crate::{DatabaseUrl, Error, ReflectOptions, Reflection, connect_with_timeout};
use rows::CatalogRows;

/// The database every SQLite connection has.
const MAIN: &str = "main";

/// Opens the file read-only, validates the requested databases and reads each one.
pub async fn reflect(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Reflection, Error> {
    let mut conn = connect(url).await?;
    let mut session = Session {
        conn: &mut conn,
        url,
        queries: 0,
    };

    let available: Vec<(String,)> = session
        .rows("databases", queries::DATABASES.to_owned())
        .await?;
    let available: Vec<String> = available.into_iter().map(|(n,)| n).collect();
    let requested = if options.schemas.is_empty() {
        vec![MAIN.to_owned()]
    } else {
        options.schemas.clone()
    };
    let mut schema = Schema::new(Dialect::Sqlite);
    for name in requested {
        if !available.contains(&name) {
            return Err(Error::SchemaNotFound {
                schema: name,
                available: available.join(", "),
            });
        }
        let q = |sql| queries::for_schema(sql, &name);
        let catalog = CatalogRows {
            objects: session.rows("tables", q(queries::OBJECTS)).await?,
            columns: session.rows("columns", q(queries::COLUMNS)).await?,
            index_columns: session.rows("indexes", q(queries::INDEX_COLUMNS)).await?,
            foreign_keys: session
                .rows("foreign keys", q(queries::FOREIGN_KEYS))
                .await?,
        };
        schema
            .namespaces
            .insert(name.clone(), lower::lower(&name, catalog));
    }
    let queries = session.queries;
    let _ = conn.close().await;
    Ok(Reflection { schema, queries })
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

/// The same queries as [`reflect`], rows fetched and dropped: no decoding, no lowering.
pub async fn floor(url: &DatabaseUrl, options: &ReflectOptions) -> Result<usize, Error> {
    let mut conn = connect(url).await?;
    let requested = if options.schemas.is_empty() {
        vec![MAIN.to_owned()]
    } else {
        options.schemas.clone()
    };
    let mut rows = sqlx::query(queries::DATABASES)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| Error::query(url, "floor", &e))?
        .len();
    for name in requested {
        for sql in [
            queries::OBJECTS,
            queries::COLUMNS,
            queries::INDEX_COLUMNS,
            queries::FOREIGN_KEYS,
        ] {
            rows += sqlx::query(AssertSqlSafe(queries::for_schema(sql, &name)))
                .fetch_all(&mut conn)
                .await
                .map_err(|e| Error::query(url, "floor", &e))?
                .len();
        }
    }
    let _ = conn.close().await;
    Ok(rows)
}

/// Runs scalar count queries, each returning one integer.
pub async fn counts(url: &DatabaseUrl, queries: &[String]) -> Result<Vec<i64>, Error> {
    let mut conn = connect(url).await?;
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(q.as_str()))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| Error::query(url, "row counts", &e))?;
        out.push(n);
    }
    let _ = conn.close().await;
    Ok(out)
}

/// One connection plus the count of queries sent on it; every read goes through
/// [`Session::rows`].
struct Session<'c> {
    conn: &'c mut SqliteConnection,
    url: &'c DatabaseUrl,
    queries: usize,
}

impl Session<'_> {
    async fn rows<T>(&mut self, what: &'static str, sql: String) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        self.queries += 1;
        sqlx::query_as::<_, T>(AssertSqlSafe(sql))
            .fetch_all(&mut *self.conn)
            .await
            .map_err(|e| Error::query(self.url, what, &e))
    }
}
