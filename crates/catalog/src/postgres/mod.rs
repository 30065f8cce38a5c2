//! PostgreSQL reflection: nine bulk catalog queries, whatever the number of tables.

mod lower;
mod queries;
mod rows;

use std::cell::RefCell;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, FromRow};

use crate::{CONNECT_TIMEOUT, DatabaseUrl, Error, ReflectOptions, Reflection, Skip};
use futures_util::TryStreamExt;

/// Connects and resolves the schemas to read (the requested ones, checked, or the current one).
pub async fn open(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Session, Error> {
    let mut session = Session {
        conn: connect_postgres(url).await?,
        url: url.clone(),
        queries: 0,
        schemas: Vec::new(),
        version: 0,
        history_table: options.history_table.clone(),
        available: Vec::new(),
    };
    let found: rows::SchemasRow = session
        .rows("schemas", queries::SCHEMAS)
        .await?
        .pop()
        .ok_or_else(|| Error::Query {
            what: "schemas",
            detail: "no row returned".into(),
        })?;
    session.version = found.version;
    session.available = found.available.clone();
    session.schemas = resolve_schemas(&options.schemas, found)?;
    Ok(session)
}

/// A connection to PostgreSQL: one an earlier step of the run let go of
/// ([`crate::kept`]), else a new one within the crate's timeout; on this machine without TLS
/// when the URL allows it ([`DatabaseUrl::driver_url`]), asking again with TLS if the server
/// refuses that. JIT compilation is off: the catalog queries are big enough to trigger it,
/// and it costs more than it saves on them (measured by `cargo xtask bench`; see
/// docs/performance.md); the history's small queries never reach it. Nor does a query get
/// parallel workers: a run already asks two queries at once and lowers their rows as they
/// come, so a worker only takes a core from them (4% slower at 10,000 tables on 2 cores).
pub async fn connect_postgres(url: &DatabaseUrl) -> Result<PgConnection, Error> {
    if let Some(conn) = crate::kept::take(url).await {
        return Ok(conn);
    }
    loop {
        let opts = PgConnectOptions::from_str(&url.driver_url())
            .map_err(|e| Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })?
            .options([("jit", "off"), ("max_parallel_workers_per_gather", "0")]);
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&opts)).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) if url.plaintext_refused(&e) => {}
            Ok(Err(e)) => return Err(Error::connect(url, &e)),
            Err(_) => return Err(Error::no_answer(url)),
        }
    }
}

/// Runs scalar count queries, each returning one `bigint`, each on its own (a failed query
/// does not stop the next).
pub async fn counts(
    url: &DatabaseUrl,
    queries: &[String],
) -> Result<Vec<Result<i64, Error>>, Error> {
    let mut conn = connect_postgres(url).await?;
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let n = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q.as_str()))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| Error::query(url, "row counts", &e));
        out.push(n);
    }
    crate::kept::release(url, conn).await;
    Ok(out)
}

/// The estimated sizes of `tables` (namespace, name), in one query: `reltuples` and
/// `pg_table_size`, summed over a partitioned table's partitions.
pub async fn sizes(
    url: &DatabaseUrl,
    tables: &[(String, String)],
) -> Result<Vec<Option<crate::TableSize>>, Error> {
    let mut conn = connect_postgres(url).await?;
    let (namespaces, names): (Vec<&str>, Vec<&str>) =
        tables.iter().map(|(n, t)| (n.as_str(), t.as_str())).unzip();
    /// A table's position in the request (from 1), its rows, its bytes.
    type Row = (i64, Option<f64>, Option<i64>, Option<bool>);
    let rows: Result<Vec<Row>, sqlx::Error> = sqlx::query_as(
        "WITH t AS (SELECT s.i, c.oid, c.relkind FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(nsp, rel, i) \
           JOIN pg_namespace n ON n.nspname = s.nsp \
           JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.rel AND c.relkind IN ('r', 'p')), \
         leaf AS (SELECT t.i, t.oid FROM t WHERE t.relkind = 'r' \
           UNION ALL SELECT t.i, p.relid FROM t, pg_partition_tree(t.oid) p WHERE t.relkind = 'p' AND p.isleaf) \
         SELECT leaf.i, (sum(l.reltuples) FILTER (WHERE l.reltuples >= 0))::float8, sum(pg_table_size(leaf.oid))::int8, \
           (SELECT t.relkind = 'p' FROM t WHERE t.i = leaf.i) \
         FROM leaf JOIN pg_class l ON l.oid = leaf.oid GROUP BY leaf.i",
    )
    .bind(&namespaces)
    .bind(&names)
    .fetch_all(&mut conn)
    .await;
    crate::kept::release(url, conn).await;
    let rows = rows.map_err(|e| Error::query(url, "table sizes", &e))?;
    let mut out = vec![None; tables.len()];
    for (i, rows, bytes, partitioned) in rows {
        if let Some(slot) = usize::try_from(i - 1).ok().and_then(|i| out.get_mut(i)) {
            *slot = Some(crate::TableSize {
                rows: rows.map(|r| r.max(0.0) as u64),
                bytes: bytes.unwrap_or(0).max(0) as u64,
                partitioned: partitioned.unwrap_or(false),
            });
        }
    }
    Ok(out)
}

/// The definitions (`pg_get_functiondef`) of the functions of `schemas` that `texts` call,
/// and of those these call, transitively (by name, in their source), leaving out those an
/// extension owns: what the checks, defaults and indexes of a copy of their tables call. Two
/// queries: the names and sources, then the definitions wanted.
pub async fn functions(
    url: &DatabaseUrl,
    schemas: &[String],
    texts: &[String],
) -> Result<Vec<String>, Error> {
    let mut conn = connect_postgres(url).await?;
    let defs = async {
        let all: Vec<(sqlx::postgres::types::Oid, String, String)> = sqlx::query_as(
            "SELECT p.oid, p.proname::text, p.prosrc FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p') \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d \
                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
        )
        .bind(schemas)
        .fetch_all(&mut conn)
        .await?;
        let named: Vec<(&str, &str)> = all
            .iter()
            .map(|(_, n, src)| (n.as_str(), src.as_str()))
            .collect();
        let wanted: Vec<sqlx::postgres::types::Oid> = crate::called(&named, texts)
            .into_iter()
            .map(|i| all[i].0)
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar::<_, String>(
            "SELECT pg_get_functiondef(oid) FROM unnest($1::oid[]) AS oid ORDER BY oid",
        )
        .bind(wanted)
        .fetch_all(&mut conn)
        .await
    }
    .await
    .map_err(|e| Error::query(url, "functions", &e));
    crate::kept::release(url, conn).await;
    defs
}

/// Checks the requested schemas against those that exist; none requested means the current one.
fn resolve_schemas(requested: &[String], found: rows::SchemasRow) -> Result<Vec<String>, Error> {
    if requested.is_empty() {
        // With no current schema every table would look new.
        return match found.current {
            Some(current) => Ok(vec![current]),
            None => Err(Error::NoCurrentSchema {
                available: found.available.join(", "),
            }),
        };
    }
    let mut out = crate::select_namespaces(requested, &found.available)?;
    out.sort();
    Ok(out)
}

/// One open connection, the schemas it reads, and the count of queries sent on it: every
/// catalog read goes through [`Session::each`], so the count is what the server saw.
pub struct Session {
    conn: PgConnection,
    url: DatabaseUrl,
    queries: usize,
    schemas: Vec<String>,
    /// `server_version_num`.
    version: i32,
    /// The migration crate's history table when it is not `seaql_migrations`.
    history_table: Option<String>,
    /// Every user schema of the database.
    available: Vec<String>,
}

impl Session {
    /// The schemas this session reads.
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// Every user schema of the database.
    pub fn available(&self) -> &[String] {
        &self.available
    }

    /// Reads the catalog of the schemas and lets go of the connection. Rows are lowered as
    /// they arrive ([`lower::Builder`]).
    ///
    /// A server on this machine reached without TLS ([`DatabaseUrl::connects_cheaply`]) is
    /// asked the second half of the queries (constraints, indexes, triggers, dependents) on a
    /// second connection while the first half runs: the server answers them on another core,
    /// and those rows wait for the tables and columns they refer to. Anywhere else, or when
    /// that connection cannot be had, one connection asks them all, one after the other:
    /// a second TLS handshake would cost more than it saves.
    pub async fn reflect(mut self) -> Result<Reflection, Error> {
        let [constraints, indexes] =
            [queries::CONSTRAINTS, queries::INDEXES].map(|q| queries::for_server(q, self.version));
        let tail = Tail {
            url: self.url.clone(),
            schemas: self.schemas.clone(),
            constraints,
            indexes,
        };
        // The tables and columns, once read; rows of the second half that arrive before
        // then wait in `early`.
        let lowered: RefCell<Option<lower::Builder>> = RefCell::new(None);
        let early: RefCell<Vec<TailRow>> = RefCell::new(Vec::new());
        let lower_tail = |row: TailRow| match lowered.borrow_mut().as_mut() {
            Some(schema) => row.lower_into(schema),
            None => early.borrow_mut().push(row),
        };
        let beside = async {
            if !tail.url.connects_cheaply() {
                return None;
            }
            let mut conn = connect_postgres(&tail.url).await.ok()?;
            let read = tail.read(&mut conn, lower_tail).await;
            Some((conn, read))
        };
        let head = async {
            let enums = self.rows("enums", queries::ENUMS).await?;
            let domains = self.rows("domains", queries::DOMAINS).await?;
            let mut schema = lower::Builder::new(&self.schemas, enums, domains);
            schema.skip_table(self.history_table.clone());
            self.each("tables", queries::RELATIONS, |r| schema.relation(r))
                .await?;
            self.each("columns", queries::COLUMNS, |c| schema.column(c))
                .await?;
            for row in early.take() {
                row.lower_into(&mut schema);
            }
            *lowered.borrow_mut() = Some(schema);
            Ok::<_, Error>(())
        };
        let (head, beside) = tokio::join!(head, beside);
        head?;
        match beside {
            Some((conn, read)) => {
                crate::kept::release(&self.url, conn).await;
                self.queries += read?;
            }
            None => self.queries += tail.read(&mut self.conn, lower_tail).await?,
        }
        let queries = self.queries;
        crate::kept::release(&self.url, self.conn).await;
        let schema = lowered.into_inner().ok_or_else(|| Error::Query {
            what: "columns",
            detail: "not read".into(),
        })?;
        Ok(Reflection {
            schema: schema.finish(),
            queries,
        })
    }

    /// Lets go of the connection unread ([`crate::kept::release`]).
    pub async fn release(self) {
        crate::kept::release(&self.url, self.conn).await;
    }

    /// The same queries as [`Session::reflect`], in the same order, each row fetched and
    /// dropped as it arrives: no decoding, no lowering. Returns the number of rows.
    pub async fn floor(mut self) -> Result<usize, Error> {
        let mut rows = 0;
        let [constraints, indexes] =
            [queries::CONSTRAINTS, queries::INDEXES].map(|q| queries::for_server(q, self.version));
        for (what, sql) in [
            ("enums", queries::ENUMS),
            ("domains", queries::DOMAINS),
            ("tables", queries::RELATIONS),
            ("columns", queries::COLUMNS),
            ("constraints", &constraints),
            ("indexes", &indexes),
            ("triggers", queries::TRIGGERS),
            ("dependents", queries::DEPENDENTS),
        ] {
            self.each(what, sql, |_: Skip| rows += 1).await?;
        }
        let _ = self.conn.close().await;
        Ok(rows)
    }

    /// Runs one catalog query and collects its rows.
    async fn rows<T>(&mut self, what: &'static str, sql: &str) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let mut rows = Vec::new();
        self.each(what, sql, |row| rows.push(row)).await?;
        Ok(rows)
    }

    /// Runs one catalog query on the session's connection, counted ([`each`]).
    async fn each<T>(
        &mut self,
        what: &'static str,
        sql: &str,
        f: impl FnMut(T),
    ) -> Result<(), Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let session = (&mut self.conn, &self.url, self.schemas.as_slice());
        each(session, &mut self.queries, what, sql, f).await
    }
}

/// The second half of the catalog queries: the rows that refer to tables and columns.
struct Tail {
    url: DatabaseUrl,
    schemas: Vec<String>,
    constraints: String,
    indexes: String,
}

/// One row of [`Tail`]'s queries.
enum TailRow {
    Constraint(rows::ConstraintRow),
    Index(rows::IndexRow),
    Trigger(rows::TriggerRow),
    Dependent(rows::DependentRow),
}

impl TailRow {
    fn lower_into(self, schema: &mut lower::Builder) {
        match self {
            TailRow::Constraint(c) => schema.constraint(c),
            TailRow::Index(i) => schema.index(i),
            TailRow::Trigger(t) => schema.trigger(t),
            TailRow::Dependent(d) => schema.dependent(d),
        }
    }
}

impl Tail {
    /// Runs the queries on `conn`, handing every row to `f`; returns how many queries ran.
    async fn read(&self, conn: &mut PgConnection, f: impl Fn(TailRow)) -> Result<usize, Error> {
        let mut count = 0;
        let (url, schemas) = (&self.url, self.schemas.as_slice());
        let on = &mut count;
        each(
            (&mut *conn, url, schemas),
            on,
            "constraints",
            &self.constraints,
            |c| f(TailRow::Constraint(c)),
        )
        .await?;
        each(
            (&mut *conn, url, schemas),
            on,
            "indexes",
            &self.indexes,
            |i| f(TailRow::Index(i)),
        )
        .await?;
        each(
            (&mut *conn, url, schemas),
            on,
            "triggers",
            queries::TRIGGERS,
            |t| f(TailRow::Trigger(t)),
        )
        .await?;
        each(
            (&mut *conn, url, schemas),
            on,
            "dependents",
            queries::DEPENDENTS,
            |d| f(TailRow::Dependent(d)),
        )
        .await?;
        Ok(count)
    }
}

/// Runs one catalog query on a connection (with its URL, for messages, and the schemas,
/// bound to `$1` when the query takes it), counted in `queries`, and hands each row to `f` as
/// it arrives: every catalog query goes through here.
async fn each<T>(
    (conn, url, schemas): (&mut PgConnection, &DatabaseUrl, &[String]),
    queries: &mut usize,
    what: &'static str,
    sql: &str,
    mut f: impl FnMut(T),
) -> Result<(), Error>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    *queries += 1;
    // The catalog's own SQL text, with no value spliced in (the schemas are bound).
    let mut query = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql.to_owned()));
    if sql.contains("$1") {
        query = query.bind(schemas.to_vec());
    }
    let mut rows = query.fetch(conn);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(|e| Error::query(url, what, &e))?
    {
        f(row);
    }
    Ok(())
}
