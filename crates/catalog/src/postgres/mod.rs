//! PostgreSQL reflection: eight bulk catalog queries, whatever the number of tables.

mod lower;
mod queries;
mod rows;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, FromRow};

use crate::{DatabaseUrl, Error, ReflectOptions, Reflection, connect_with_timeout};
use rows::CatalogRows;

/// Connects, validates the requested schemas and reads the catalog.
pub async fn reflect(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Reflection, Error> {
    let mut conn = connect(url).await?;
    let mut session = Session {
        conn: &mut conn,
        url,
        queries: 0,
    };

    let schemas = session.schemas(&options.schemas).await?;

    let catalog = CatalogRows {
        relations: session.rows("tables", queries::RELATIONS, &schemas).await?,
        columns: session.rows("columns", queries::COLUMNS, &schemas).await?,
        constraints: session
            .rows("constraints", queries::CONSTRAINTS, &schemas)
            .await?,
        indexes: session.rows("indexes", queries::INDEXES, &schemas).await?,
        enums: session.rows("enums", queries::ENUMS, &schemas).await?,
        domains: session.rows("domains", queries::DOMAINS, &[]).await?,
        triggers: session
            .rows("triggers", queries::TRIGGERS, &schemas)
            .await?,
    };
    let queries = session.queries;
    let _ = conn.close().await;
    Ok(Reflection {
        schema: lower::lower(catalog, &schemas),
        queries,
    })
}

async fn connect(url: &DatabaseUrl) -> Result<PgConnection, Error> {
    let opts = PgConnectOptions::from_str(url.expose()).map_err(|e| Error::InvalidUrl {
        reason: url.scrub(&e.to_string()),
    })?;
    // The catalog queries are big enough to trigger JIT compilation, which costs more than
    // it saves on them (measured by `cargo xtask bench`; see docs/performance.md).
    let opts = opts.options([("jit", "off")]);
    connect_with_timeout(url, PgConnection::connect_with(&opts)).await
}

/// Runs scalar count queries, each returning one `bigint`.
pub async fn counts(url: &DatabaseUrl, queries: &[String]) -> Result<Vec<i64>, Error> {
    let mut conn = connect(url).await?;
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(q.as_str()))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| Error::query(url, "row counts", &e))?;
        out.push(n);
    }
    let _ = conn.close().await;
    Ok(out)
}

/// The same queries as [`reflect`], rows fetched and dropped: no decoding, no lowering.
pub async fn floor(url: &DatabaseUrl, options: &ReflectOptions) -> Result<usize, Error> {
    let mut conn = connect(url).await?;
    let mut session = Session {
        conn: &mut conn,
        url,
        queries: 0,
    };
    let schemas = session.schemas(&options.schemas).await?;
    let mut rows = 0;
    for sql in [
        queries::RELATIONS,
        queries::COLUMNS,
        queries::CONSTRAINTS,
        queries::INDEXES,
        queries::ENUMS,
        queries::DOMAINS,
        queries::TRIGGERS,
    ] {
        let mut q = sqlx::query(sql);
        if sql.contains("$1") {
            q = q.bind(schemas.clone());
        }
        rows += q
            .fetch_all(&mut *session.conn)
            .await
            .map_err(|e| Error::query(url, "floor", &e))?
            .len();
    }
    let _ = conn.close().await;
    Ok(rows)
}

/// Checks the requested schemas against those that exist; none requested means the current one.
fn resolve_schemas(requested: &[String], found: rows::SchemasRow) -> Result<Vec<String>, Error> {
    if requested.is_empty() {
        return Ok(found.current.into_iter().collect());
    }
    let mut out = Vec::new();
    for s in requested {
        if !found.available.contains(s) {
            return Err(Error::SchemaNotFound {
                schema: s.clone(),
                available: found.available.join(", "),
            });
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// One connection plus the count of queries sent on it: every catalog read goes through
/// [`Session::rows`], so the count is what the server saw.
struct Session<'c> {
    conn: &'c mut PgConnection,
    url: &'c DatabaseUrl,
    queries: usize,
}

impl Session<'_> {
    /// The namespaces to read: the requested ones, checked, or the current one.
    async fn schemas(&mut self, requested: &[String]) -> Result<Vec<String>, Error> {
        let found: rows::SchemasRow = self
            .rows("schemas", queries::SCHEMAS, &[])
            .await?
            .pop()
            .ok_or_else(|| Error::Query {
                what: "schemas",
                detail: "no row returned".into(),
            })?;
        resolve_schemas(requested, found)
    }

    /// Runs one catalog query; `schemas` binds to `$1` when the query takes it.
    async fn rows<T>(
        &mut self,
        what: &'static str,
        sql: &'static str,
        schemas: &[String],
    ) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        self.queries += 1;
        let mut query = sqlx::query_as::<_, T>(sql);
        if sql.contains("$1") {
            query = query.bind(schemas.to_vec());
        }
        query
            .fetch_all(&mut *self.conn)
            .await
            .map_err(|e| Error::query(self.url, what, &e))
    }
}
