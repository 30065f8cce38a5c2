//! The history table and the lock on PostgreSQL.

use sealift_catalog::DatabaseUrl;
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, quote};
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
    /// Where it is connected, to hand the connection on when done ([`Session::close`]).
    url: DatabaseUrl,
}

impl Session {
    /// Connects; with a `schema`, `search_path` is set to it alone.
    pub async fn open(url: &DatabaseUrl, schema: Option<&str>) -> Result<Session> {
        let conn = sealift_catalog::connect_postgres(url).await?;
        let mut session = Session {
            conn,
            locked: None,
            url: url.clone(),
        };
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

    /// Tries the session advisory lock keyed by database, current schema and history table,
    /// without waiting; true when this session holds it now. A session that takes it names
    /// itself and the time in `application_name`, which is how others are told who holds it.
    pub async fn try_lock(&mut self, table: &str) -> sqlx::Result<bool> {
        let (key, got): (i64, bool) = sqlx::query_as(
            "SELECT k, pg_try_advisory_lock(k) FROM (SELECT hashtextextended(current_database() || '.' || coalesce(current_schema(), '') || '.' || $1, 0) AS k) s",
        )
        .bind(table)
        .fetch_one(&mut self.conn)
        .await?;
        if got {
            self.locked = Some(key);
            sqlx::query(
                "SELECT set_config('application_name', 'sealift, migration lock since ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', false)",
            )
            .execute(&mut self.conn)
            .await?;
        }
        Ok(got)
    }

    /// Who else holds the lock: the server process, its program and client, since when.
    pub async fn holder(&mut self, table: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT format('process %s (%s%s, %s since %s, connected %s)', a.pid, \
               coalesce(nullif(a.application_name, ''), 'no application name'), \
               coalesce(', ' || a.usename || coalesce('@' || host(a.client_addr), ''), ''), \
               coalesce(a.state, 'unknown'), \
               to_char(a.state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
               to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"')) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, \
               (SELECT hashtextextended(current_database() || '.' || coalesce(current_schema(), '') || '.' || $1, 0) AS k) s \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid() \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = ((s.k >> 32) & 4294967295) AND l.objid::bigint = (s.k & 4294967295) \
             LIMIT 1",
        )
        .bind(table)
        .fetch_optional(&mut self.conn)
        .await
    }

    /// Whether this session still holds the lock it took (an error when the connection went).
    pub async fn holds(&mut self) -> sqlx::Result<bool> {
        let Some(key) = self.locked else {
            return Ok(false);
        };
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
               AND pid = pg_backend_pid() AND classid::bigint = (($1 >> 32) & 4294967295) AND objid::bigint = ($1 & 4294967295))",
        )
        .bind(key)
        .fetch_one(&mut self.conn)
        .await
    }

    pub async fn stamp(
        &mut self,
        table: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> sqlx::Result<()> {
        let columns = self.columns(table).await?;
        let columns =
            super::prepare::<sqlx::Postgres>(&mut self.conn, &SQL, table, columns).await?;
        let mut tx = self.conn.begin().await?;
        super::stamp_rows::<sqlx::Postgres>(&mut tx, &SQL, table, &columns, add, remove).await?;
        tx.commit().await
    }

    /// Releases the lock and lets go of the connection: the run's next step may use it
    /// ([`sealift_catalog::release`]; its search path and name reset), else it is closed.
    pub async fn close(mut self) {
        let unlocked = self.unlock().await.is_ok();
        if unlocked {
            sealift_catalog::release(&self.url, self.conn).await;
        } else {
            let _ = self.conn.close().await;
        }
    }
}

/// A history row as [`HistorySql::select`] reads it, its columns starting at `from`.
fn applied(r: &sqlx::postgres::PgRow, from: usize) -> sqlx::Result<Applied> {
    let (dirty, resumable) = Dirty::parse(r.try_get(from + 3)?);
    Ok(Applied {
        version: r.try_get(from)?,
        applied_at: r.try_get(from + 1)?,
        checksum: r.try_get(from + 2)?,
        dirty,
        resumable,
    })
}
