//! The history table and the lock on PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use sealift_catalog::DatabaseUrl;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, CHECKSUM_COLUMN, StampSql, connect_with_timeout, now, quote};
use crate::error::{Error, Result};

/// One pinned connection: the advisory lock belongs to it.
pub struct Session {
    conn: PgConnection,
    locked: Option<i64>,
}

impl Session {
    pub async fn open(url: &DatabaseUrl) -> Result<Session> {
        let opts = PgConnectOptions::from_str(url.expose()).map_err(|e| {
            Error::Catalog(sealift_catalog::Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })
        })?;
        Ok(Session {
            conn: connect_with_timeout(url, PgConnection::connect_with(&opts)).await?,
            locked: None,
        })
    }

    pub async fn applied(&mut self, table: &str) -> sqlx::Result<Vec<Applied>> {
        let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
            .bind(quote(table))
            .fetch_one(&mut self.conn)
            .await?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let has_checksum: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped)",
        )
        .bind(quote(table))
        .bind(CHECKSUM_COLUMN)
        .fetch_one(&mut self.conn)
        .await?;
        let checksum = if has_checksum {
            quote(CHECKSUM_COLUMN)
        } else {
            "NULL::text".to_owned()
        };
        let sql = format!(
            "SELECT version::text, applied_at::bigint, {checksum}::text FROM {}",
            quote(table)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Applied {
                    version: r.try_get(0)?,
                    applied_at: r.try_get(1)?,
                    checksum: r.try_get(2)?,
                })
            })
            .collect()
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
        let sql = StampSql::new(table, "bigint", |n| format!("${n}"));
        let mut tx = self.conn.begin().await?;
        sqlx::query(AssertSqlSafe(sql.create))
            .execute(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} varchar(64)",
            quote(table),
            quote(CHECKSUM_COLUMN)
        )))
        .execute(&mut *tx)
        .await?;
        for name in remove {
            sqlx::query(AssertSqlSafe(sql.delete.as_str()))
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        for (name, checksum) in add {
            sqlx::query(AssertSqlSafe(sql.insert.as_str()))
                .bind(name)
                .bind(now())
                .bind(checksum)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    pub async fn close(mut self) {
        if let Some(key) = self.locked {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut self.conn)
                .await;
        }
        let _ = self.conn.close().await;
    }
}
