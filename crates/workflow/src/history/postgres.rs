//! The history table and the lock on PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use sealift_catalog::DatabaseUrl;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, connect_with_timeout, now, quote};
use crate::error::{Error, Result};

const SQL: HistorySql = HistorySql {
    quote,
    version: "varchar",
    bigint: "bigint",
    param: |n| format!("${n}"),
    null_text: "NULL::text",
};

/// One pinned connection: the advisory lock belongs to it.
pub struct Session {
    conn: PgConnection,
    locked: Option<i64>,
}

impl Session {
    /// Connects; with a `schema`, `search_path` is set to it alone.
    pub async fn open(url: &DatabaseUrl, schema: Option<&str>) -> Result<Session> {
        let opts = PgConnectOptions::from_str(url.expose()).map_err(|e| {
            Error::Catalog(sealift_catalog::Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })
        })?;
        let conn = connect_with_timeout(url, PgConnection::connect_with(&opts)).await?;
        let mut session = Session { conn, locked: None };
        if let Some(schema) = schema {
            session.use_schema(schema).await.map_err(|e| {
                Error::History(format!(
                    "cannot set search_path to {schema}: {}",
                    url.scrub(&e.to_string())
                ))
            })?;
        }
        Ok(session)
    }

    /// Sets `search_path` to `schema` alone.
    pub async fn use_schema(&mut self, schema: &str) -> sqlx::Result<()> {
        sqlx::query("SELECT set_config('search_path', quote_ident($1), false)")
            .bind(schema)
            .execute(&mut self.conn)
            .await
            .map(|_| ())
    }

    /// Releases the advisory lock, keeping the connection.
    pub async fn unlock(&mut self) -> sqlx::Result<()> {
        if let Some(key) = self.locked.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut self.conn)
                .await?;
        }
        Ok(())
    }

    /// The history table's columns in the current schema; empty when it does not exist.
    async fn columns(&mut self, table: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut self.conn)
        .await
    }

    pub async fn applied(&mut self, table: &str) -> sqlx::Result<Vec<Applied>> {
        let columns = self.columns(table).await?;
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(AssertSqlSafe(SQL.select(table, &columns)))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter().map(|r| applied(r, 0)).collect()
    }

    /// The history table's rows in each of `schemas`, in order (empty where it is missing):
    /// one query for the tables' columns, one `UNION ALL` for their rows.
    pub async fn applied_in(
        &mut self,
        table: &str,
        schemas: &[String],
    ) -> sqlx::Result<Vec<Vec<Applied>>> {
        let found: Vec<(String, String)> = sqlx::query_as(
            "SELECT n.nspname::text, a.attname::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND n.nspname = ANY($2)",
        )
        .bind(table)
        .bind(schemas)
        .fetch_all(&mut self.conn)
        .await?;
        let mut columns: std::collections::HashMap<&str, Vec<String>> = Default::default();
        for (schema, column) in &found {
            columns
                .entry(schema.as_str())
                .or_default()
                .push(column.clone());
        }
        let mut out = vec![Vec::new(); schemas.len()];
        let parts: Vec<String> = schemas
            .iter()
            .enumerate()
            .filter_map(|(i, schema)| {
                let have = columns.get(schema.as_str())?;
                let from = format!("{}.{}", quote(schema), quote(table));
                let select = SQL.select_from(&from, have);
                Some(select.replacen("SELECT ", &format!("SELECT {i}::int4, "), 1))
            })
            .collect();
        if parts.is_empty() {
            return Ok(out);
        }
        let rows = sqlx::query(AssertSqlSafe(parts.join(" UNION ALL ")))
            .fetch_all(&mut self.conn)
            .await?;
        for r in &rows {
            let i: i32 = r.try_get(0)?;
            out[i as usize].push(applied(r, 1)?);
        }
        Ok(out)
    }

    /// A session advisory lock keyed by database, current schema and history table; tried
    /// every 100 ms up to 2 s apart, so a waiter is never inside a statement that blocks.
    pub async fn lock(&mut self, table: &str, waiting: &mut dyn FnMut()) -> sqlx::Result<()> {
        let key: i64 = sqlx::query_scalar(
            "SELECT hashtextextended(current_database() || '.' || coalesce(current_schema(), '') || '.' || $1, 0)",
        )
        .bind(table)
        .fetch_one(&mut self.conn)
        .await?;
        let mut pause = Duration::from_millis(100);
        let mut told = false;
        loop {
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut self.conn)
                .await?;
            if got {
                self.locked = Some(key);
                return Ok(());
            }
            if !told {
                waiting();
                told = true;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    pub async fn stamp(
        &mut self,
        table: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> sqlx::Result<()> {
        let columns = self.columns(table).await?;
        let mut tx = self.conn.begin().await?;
        for ddl in std::iter::once(SQL.create(table)).chain(SQL.add_columns(table, &columns)) {
            sqlx::query(AssertSqlSafe(ddl)).execute(&mut *tx).await?;
        }
        for name in remove {
            sqlx::query(AssertSqlSafe(SQL.delete(table)))
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        for (name, checksum) in add {
            sqlx::query(AssertSqlSafe(SQL.insert(table)))
                .bind(name)
                .bind(now())
                .bind(checksum)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(AssertSqlSafe(SQL.clean(table)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    pub async fn close(mut self) {
        let _ = self.unlock().await;
        let _ = self.conn.close().await;
    }
}

/// A history row as [`HistorySql::select`] reads it, its columns starting at `from`.
fn applied(r: &sqlx::postgres::PgRow, from: usize) -> sqlx::Result<Applied> {
    Ok(Applied {
        version: r.try_get(from)?,
        applied_at: r.try_get(from + 1)?,
        checksum: r.try_get(from + 2)?,
        dirty: Dirty::parse(r.try_get(from + 3)?),
    })
}
