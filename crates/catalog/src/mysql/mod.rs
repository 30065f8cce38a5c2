//! MySQL and MariaDB reflection: nine bulk queries over `information_schema`, whatever the
//! number of tables. A namespace is a database; with none requested, the URL's.

mod lower;
mod queries;
mod rows;

use std::str::FromStr;

use sealift_dialect::mysql::Flavor;
use sealift_ir::{Dialect, Schema};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{AssertSqlSafe, Connection, FromRow};

use crate::{DatabaseUrl, Error, ReflectOptions, Reflection, Skip, connect_with_timeout};
use rows::{CatalogRows, SchemaRow, ServerRow};

/// Connects and resolves the databases to read (the requested ones, checked, or the URL's).
pub async fn open(url: &DatabaseUrl, options: &ReflectOptions) -> Result<Session, Error> {
    let mut session = Session {
        conn: connect(url).await?,
        url: url.clone(),
        queries: 0,
        flavor: Flavor::MySql,
        schemas: Vec::new(),
        history_table: options.history_table.clone(),
        available: Vec::new(),
    };
    let server: ServerRow = session
        .rows("server", queries::SERVER.to_owned())
        .await?
        .pop()
        .ok_or_else(|| Error::Query {
            what: "server",
            detail: "no row returned".into(),
        })?;
    session.flavor = if server.version.0.contains("MariaDB") {
        Flavor::MariaDb
    } else {
        Flavor::MySql
    };
    let available: Vec<SchemaRow> = session
        .rows("databases", queries::SCHEMAS.to_owned())
        .await?;
    session.available = available.into_iter().map(|r| r.name.0).collect();
    if options.schemas.is_empty() {
        match server.current_database {
            Some(db) => session.schemas.push(db.0),
            None => {
                return Err(Error::NoDatabase {
                    available: session.available.join(", "),
                });
            }
        }
    }
    session.schemas.extend(crate::select_namespaces(
        &options.schemas,
        &session.available,
    )?);
    Ok(session)
}

/// Connects; `mariadb://` is MySQL's protocol.
async fn connect(url: &DatabaseUrl) -> Result<MySqlConnection, Error> {
    let opts = MySqlConnectOptions::from_str(&url.driver_url()).map_err(|e| Error::InvalidUrl {
        reason: url.scrub(&e.to_string()),
    })?;
    connect_with_timeout(url, MySqlConnection::connect_with(&opts)).await
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

/// The estimated sizes of `tables` (database, name), in one query:
/// `information_schema.tables`' `table_rows` and `data_length`.
pub async fn sizes(
    url: &DatabaseUrl,
    tables: &[(String, String)],
) -> Result<Vec<Option<crate::TableSize>>, Error> {
    let mut conn = connect(url).await?;
    let wanted = vec!["(?, ?)"; tables.len()].join(", ");
    let sql = format!(
        "SELECT table_schema, table_name, table_rows, data_length FROM information_schema.tables \
         WHERE (table_schema, table_name) IN ({wanted})"
    );
    let mut query =
        sqlx::query_as::<_, (String, String, Option<u64>, Option<u64>)>(AssertSqlSafe(sql));
    for (schema, table) in tables {
        query = query.bind(schema).bind(table);
    }
    let rows = query.fetch_all(&mut conn).await;
    let _ = conn.close().await;
    let rows = rows.map_err(|e| Error::query(url, "table sizes", &e))?;
    Ok(tables
        .iter()
        .map(|(schema, table)| {
            rows.iter()
                .find(|(s, t, _, _)| s == schema && t == table)
                .map(|(_, _, rows, bytes)| crate::TableSize {
                    rows: *rows,
                    bytes: bytes.unwrap_or(0),
                    partitioned: false,
                })
        })
        .collect())
}

/// One open connection, the databases it reads, and the count of queries sent on it; every
/// read goes through [`Session::rows`].
pub struct Session {
    conn: MySqlConnection,
    url: DatabaseUrl,
    queries: usize,
    flavor: Flavor,
    schemas: Vec<String>,
    /// The migration crate's history table when it is not `seaql_migrations`.
    history_table: Option<String>,
    /// Every user database on the server.
    available: Vec<String>,
}

impl Session {
    /// The databases this session reads.
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// Every user database on the server.
    pub fn available(&self) -> &[String] {
        &self.available
    }

    /// The catalog queries for this server and these databases, in the order they run, each
    /// with what it reads.
    fn catalog_queries(&self) -> [(&'static str, String); 7] {
        let indexes = queries::indexes(self.flavor);
        [
            ("tables", queries::TABLES),
            ("columns", queries::COLUMNS),
            ("indexes", indexes.as_str()),
            ("foreign keys", queries::FOREIGN_KEYS),
            ("checks", queries::checks(self.flavor)),
            ("triggers", queries::TRIGGERS),
            ("partitions", queries::PARTITIONS),
        ]
        .map(|(what, sql)| (what, queries::for_schemas(sql, &self.schemas)))
    }

    /// Reads the databases' catalogs and closes the connection.
    pub async fn reflect(mut self) -> Result<Reflection, Error> {
        let [
            tables,
            columns,
            indexes,
            foreign_keys,
            checks,
            triggers,
            partitions,
        ] = self.catalog_queries();
        let catalog = CatalogRows {
            tables: self.rows(tables.0, tables.1).await?,
            columns: self.rows(columns.0, columns.1).await?,
            indexes: self.rows(indexes.0, indexes.1).await?,
            foreign_keys: self.rows(foreign_keys.0, foreign_keys.1).await?,
            checks: self.rows(checks.0, checks.1).await?,
            triggers: self.rows(triggers.0, triggers.1).await?,
            partitions: self.rows(partitions.0, partitions.1).await?,
        };
        let mut schema = Schema::new(Dialect::Mysql);
        schema.namespaces = lower::lower(catalog, self.flavor);
        for name in &self.schemas {
            let ns = schema
                .namespaces
                .entry(name.clone())
                .or_insert_with(|| sealift_ir::Namespace::new(name.clone()));
            if let Some(history) = &self.history_table {
                ns.tables.remove(history);
            }
        }
        let queries = self.queries;
        let _ = self.conn.close().await;
        Ok(Reflection { schema, queries })
    }

    /// The same queries as [`Session::reflect`], rows fetched and dropped: no decoding, no
    /// lowering. Returns the number of rows.
    pub async fn floor(mut self) -> Result<usize, Error> {
        let mut rows = 0;
        for (what, sql) in self.catalog_queries() {
            let skipped: Vec<Skip> = self.rows(what, sql).await?;
            rows += skipped.len();
        }
        let _ = self.conn.close().await;
        Ok(rows)
    }

    async fn rows<T>(&mut self, what: &'static str, sql: String) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, MySqlRow> + Send + Unpin,
    {
        self.queries += 1;
        sqlx::query_as::<_, T>(AssertSqlSafe(sql))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| Error::query(&self.url, what, &e))
    }
}
