//! The history table on SQLite. There is no lock here: each migration the runner applies takes
//! the database's write lock (`BEGIN IMMEDIATE`) and re-checks the history inside it.

use std::str::FromStr;

use sealift_catalog::DatabaseUrl;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, connect_with_timeout, now, quote};
use crate::error::{Error, Result};

const SQL: HistorySql = HistorySql {
    quote,
    version: "varchar",
    bigint: "integer",
    param: |n| format!("?{n}"),
    null_text: "NULL",
};

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
        let rows = sqlx::query(AssertSqlSafe(SQL.select(table, &columns)))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Applied {
                    version: r.try_get(0)?,
                    applied_at: r.try_get(1)?,
                    checksum: r.try_get(2)?,
                    dirty: Dirty::parse(r.try_get(3)?),
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
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await?;
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut *tx)
            .await?;
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

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}
