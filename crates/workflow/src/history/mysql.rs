//! The history table and the lock on MySQL and MariaDB. DDL commits as it goes there, so
//! `stamp`'s statements are not one transaction: the table and sealift's columns are created
//! first (each its own commit), then the rows change in one transaction.

use std::str::FromStr;

use sealift_catalog::DatabaseUrl;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{Applied, Dirty, HistorySql, connect_with_timeout};
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
                let (dirty, resumable) = Dirty::parse(r.try_get(3)?);
                Ok(Applied {
                    version: r.try_get(0)?,
                    applied_at: r.try_get(1)?,
                    checksum: r.try_get(2)?,
                    dirty,
                    resumable,
                })
            })
            .collect()
    }

    /// The lock's name: database and history table, hashed to fit the 64-character limit.
    async fn key(&mut self, table: &str) -> sqlx::Result<String> {
        sqlx::query_scalar(
            "SELECT CONVERT(CONCAT('sealift:', SHA1(CONCAT(COALESCE(database(), ''), '.', ?))) USING utf8mb4)",
        )
        .bind(table)
        .fetch_one(&mut self.conn)
        .await
    }

    /// Tries the named lock (`GET_LOCK`) without waiting; true when this connection holds it
    /// now. The server frees it when this connection closes, however the run ends.
    pub async fn try_lock(&mut self, table: &str) -> sqlx::Result<bool> {
        let key = self.key(table).await?;
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
            .bind(&key)
            .fetch_one(&mut self.conn)
            .await?;
        if got == Some(1) {
            self.locked = Some(key);
        }
        Ok(got == Some(1))
    }

    /// Who else holds the lock: the connection, its user and host, what it does and for how
    /// long.
    pub async fn holder(&mut self, table: &str) -> sqlx::Result<Option<String>> {
        let key = self.key(table).await?;
        // Read as text: the servers differ on the integer type it comes back as.
        let id: Option<String> = sqlx::query_scalar("SELECT CAST(IS_USED_LOCK(?) AS CHAR)")
            .bind(&key)
            .fetch_one(&mut self.conn)
            .await?;
        let Some(id) = id.filter(|_| self.locked.as_ref() != Some(&key)) else {
            return Ok(None);
        };
        let who: Option<String> = sqlx::query_scalar(
            "SELECT CONVERT(CONCAT('connection ', ID, ' (', USER, '@', HOST, ', ', COMMAND, ' for ', TIME, ' s, since ', \
               DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL TIME SECOND, '%Y-%m-%d %H:%i:%s UTC'), ')') USING utf8mb4) \
             FROM information_schema.PROCESSLIST WHERE ID = ?",
        )
        .bind(&id)
        .fetch_optional(&mut self.conn)
        .await?;
        Ok(Some(who.unwrap_or_else(|| format!("connection {id}"))))
    }

    /// Whether this connection still holds the lock it took (an error when it went).
    pub async fn holds(&mut self) -> sqlx::Result<bool> {
        let Some(key) = self.locked.clone() else {
            return Ok(false);
        };
        let mine: Option<i64> = sqlx::query_scalar("SELECT IS_USED_LOCK(?) = CONNECTION_ID()")
            .bind(key)
            .fetch_one(&mut self.conn)
            .await?;
        Ok(mine == Some(1))
    }

    pub async fn stamp(
        &mut self,
        table: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> sqlx::Result<()> {
        let columns = self.columns(table).await?;
        let columns = super::prepare::<sqlx::MySql>(&mut self.conn, &SQL, table, columns).await?;
        let mut tx = self.conn.begin().await?;
        super::stamp_rows::<sqlx::MySql>(&mut tx, &SQL, table, &columns, add, remove).await?;
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
