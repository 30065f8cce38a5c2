//! The history table on SQLite. There is no lock here: each migration the runner applies takes
//! the database's write lock (`BEGIN IMMEDIATE`) and re-checks the history inside it.

use std::str::FromStr;

use sealift_catalog::DatabaseUrl;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, CHECKSUM_COLUMN, StampSql, connect_with_timeout, now, quote};
use crate::error::{Error, Result};

pub struct Session {
    conn: SqliteConnection,
}

impl Session {
    pub async fn open(url: &DatabaseUrl) -> Result<Session> {
        let opts = SqliteConnectOptions::from_str(url.expose()).map_err(|e| {
            Error::Catalog(sealift_catalog::Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })
        })?;
        Ok(Session {
            conn: connect_with_timeout(url, SqliteConnection::connect_with(&opts)).await?,
        })
    }

    async fn columns(&mut self, table: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut self.conn)
            .await
    }

    pub async fn applied(&mut self, table: &str) -> sqlx::Result<Vec<Applied>> {
        let columns = self.columns(table).await?;
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        let checksum = if columns.iter().any(|c| c == CHECKSUM_COLUMN) {
            quote(CHECKSUM_COLUMN)
        } else {
            "NULL".to_owned()
        };
        let sql = format!(
            "SELECT \"version\", \"applied_at\", {checksum} FROM {}",
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

    pub async fn stamp(
        &mut self,
        table: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> sqlx::Result<()> {
        let sql = StampSql::new(table, "integer", |n| format!("?{n}"));
        let columns = self.columns(table).await?;
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await?;
        if columns.is_empty() {
            sqlx::query(AssertSqlSafe(sql.create))
                .execute(&mut *tx)
                .await?;
        }
        if !columns.iter().any(|c| c == CHECKSUM_COLUMN) {
            sqlx::query(AssertSqlSafe(format!(
                "ALTER TABLE {} ADD COLUMN {} varchar(64)",
                quote(table),
                quote(CHECKSUM_COLUMN)
            )))
            .execute(&mut *tx)
            .await?;
        }
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

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}
