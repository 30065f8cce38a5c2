//! The history table and the lock on MySQL and MariaDB. DDL commits as it goes there, so
//! `stamp`'s statements are not one transaction: the table and sealift's columns are created
//! first (each its own commit), then the rows change in one transaction.

use std::str::FromStr;
use std::time::Duration;

use sealift_catalog::DatabaseUrl;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, connect_with_timeout, now};
use crate::error::{Error, Result};

const SQL: HistorySql = HistorySql {
    quote,
    // sea-orm-migration's `string()` on MySQL.
    version: "varchar(255)",
    bigint: "bigint",
    param: |_| "?".to_owned(),
    null_text: "NULL",
};

/// `name` as a MySQL identifier.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// One pinned connection: the named lock belongs to it.
pub struct Session {
    conn: MySqlConnection,
    locked: Option<String>,
}

impl Session {
    pub async fn open(url: &DatabaseUrl) -> Result<Session> {
        let opts = MySqlConnectOptions::from_str(&url.driver_url()).map_err(|e| {
            Error::Catalog(sealift_catalog::Error::InvalidUrl {
                reason: url.scrub(&e.to_string()),
            })
        })?;
        Ok(Session {
            conn: connect_with_timeout(url, MySqlConnection::connect_with(&opts)).await?,
            locked: None,
        })
    }

    /// The history table's columns in the connection's database; empty when it does not
    /// exist. Converted to text: MySQL 8 reports catalog names as binary strings.
    async fn columns(&mut self, table: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT CONVERT(column_name USING utf8mb4) FROM information_schema.columns WHERE table_schema = database() AND table_name = ?",
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

    /// A named lock (`GET_LOCK`) keyed by database and history table, hashed to fit the
    /// 64-character limit on lock names; tried every 100 ms up to 2 s apart, as on PostgreSQL.
    /// The server frees it when this connection closes, however the run ends.
    pub async fn lock(&mut self, table: &str, waiting: &mut dyn FnMut()) -> sqlx::Result<()> {
        let key: String = sqlx::query_scalar(
            "SELECT CONVERT(CONCAT('sealift:', SHA1(CONCAT(COALESCE(database(), ''), '.', ?))) USING utf8mb4)",
        )
        .bind(table)
        .fetch_one(&mut self.conn)
        .await?;
        let mut pause = Duration::from_millis(100);
        let mut told = false;
        loop {
            let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
                .bind(&key)
                .fetch_one(&mut self.conn)
                .await?;
            if got == Some(1) {
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
        for ddl in std::iter::once(SQL.create(table)).chain(SQL.add_columns(table, &columns)) {
            sqlx::query(AssertSqlSafe(ddl))
                .execute(&mut self.conn)
                .await?;
        }
        let mut tx = self.conn.begin().await?;
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
        if let Some(key) = self.locked.take() {
            let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
                .bind(key)
                .execute(&mut self.conn)
                .await;
        }
        let _ = self.conn.close().await;
    }
}
