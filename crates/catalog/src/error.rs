//! What can go wrong while reflecting, each with what to try. No message carries a password.

use crate::url::DatabaseUrl;

/// A reflection failure. Every message is one line: what failed, then what to try.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL's scheme names no backend sealift knows.
    #[error(
        "unknown database URL scheme `{scheme}:`; use postgres://user@host/db, sqlite://path/to/file.db or mysql://user@host/db"
    )]
    UnknownScheme {
        /// The scheme as written, lowercased.
        scheme: String,
    },
    /// The URL does not parse.
    #[error("invalid database URL: {reason}; expected a URL like postgres://user@host:5432/db")]
    InvalidUrl {
        /// Why it does not parse.
        reason: String,
    },
    /// Nothing answered at the URL's host and port.
    #[error(
        "cannot reach the database server at {target}: {detail}; check the host and port, and that the server is running"
    )]
    Unreachable {
        /// The URL, password hidden.
        target: String,
        /// The driver's message, password hidden.
        detail: String,
    },
    /// The server refused the credentials.
    #[error("authentication failed for {target}: {detail}; check the user name and password")]
    AuthFailed {
        /// The URL, password hidden.
        target: String,
        /// The driver's message, password hidden.
        detail: String,
    },
    /// The server takes only connections over TLS, and the URL turned TLS off.
    #[error(
        "the server at {target} takes only encrypted connections: {detail}; remove sslmode=disable from the URL (or set sslmode=require), or unset PGSSLMODE"
    )]
    TlsRequired {
        /// The URL, password hidden.
        target: String,
        /// The server's message, password hidden.
        detail: String,
    },
    /// The database (or SQLite file) does not exist.
    #[error(
        "database not found at {target}: {detail}; create it first, or fix the name in the URL"
    )]
    DatabaseNotFound {
        /// The URL, password hidden.
        target: String,
        /// What is missing.
        detail: String,
    },
    /// Any other failure to connect.
    #[error("cannot connect to {target}: {detail}")]
    Connect {
        /// The URL, password hidden.
        target: String,
        /// The driver's message, password hidden.
        detail: String,
    },
    /// A requested schema is not in the database.
    #[error("schema `{schema}` does not exist in the database; existing schemas: {available}")]
    SchemaNotFound {
        /// The schema asked for.
        schema: String,
        /// The schemas that do exist, comma-separated.
        available: String,
    },
    /// A schema glob matches none of the database's schemas.
    #[error("no schema matches `{pattern}`; existing schemas: {available}")]
    NoSchemaMatches {
        /// The glob.
        pattern: String,
        /// The schemas that do exist, comma-separated.
        available: String,
    },
    /// A schema glob is not a valid glob.
    #[error(
        "invalid schema pattern `{pattern}`: {detail}; use * for any run of characters and ? for one"
    )]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        detail: String,
    },
    /// PostgreSQL's `search_path` names no schema that exists, and none was requested.
    #[error(
        "the connection has no current schema (its search_path names no existing schema); pass --schema NAME or set schemas in sealift.toml; existing schemas: {available}"
    )]
    NoCurrentSchema {
        /// The schemas that do exist, comma-separated.
        available: String,
    },
    /// A MySQL URL names no database, and none was requested.
    #[error(
        "the URL names no database; add one (mysql://user@host:3306/DB) or pass --schema DB; databases on the server: {available}"
    )]
    NoDatabase {
        /// The databases that do exist, comma-separated.
        available: String,
    },
    /// The server went away (or the network between) while the catalog was being read.
    #[error(
        "lost the connection to {target} while reading the catalog ({what}): {detail}; nothing was changed: check that the server is up and reachable, then run again"
    )]
    ConnectionLost {
        /// The URL, password hidden.
        target: String,
        /// Which catalog read was under way.
        what: &'static str,
        /// The driver's message, password hidden.
        detail: String,
    },
    /// A catalog query failed after connecting.
    #[error("reading the catalog failed ({what}): {detail}")]
    Query {
        /// Which catalog read failed.
        what: &'static str,
        /// The driver's message, password hidden.
        detail: String,
    },
}

impl Error {
    /// The server did not answer within the connect timeout.
    pub(crate) fn no_answer(url: &DatabaseUrl) -> Error {
        Error::Unreachable {
            target: url.to_string(),
            detail: format!("no answer within {} s", crate::CONNECT_TIMEOUT.as_secs()),
        }
    }

    /// Classifies a driver error raised while connecting.
    pub fn connect(url: &DatabaseUrl, err: &sqlx::Error) -> Self {
        let target = url.to_string();
        let detail = url.scrub(&err.to_string());
        if let sqlx::Error::Database(db) = err {
            match db.code().as_deref() {
                // PostgreSQL: invalid_catalog_name; MySQL: ER_BAD_DB_ERROR (1049).
                Some("3D000" | "42000")
                    if detail.contains("does not exist") || detail.contains("Unknown database") =>
                {
                    return Error::DatabaseNotFound { target, detail };
                }
                // pg_hba.conf takes only encrypted connections from this host, and the user
                // turned TLS off (a refusal of the plaintext sealift tries first on this
                // machine is asked again as the URL says; refused again, it is a login
                // failure, not advice to remove a setting the URL does not have).
                Some("28000") if detail.contains("no encryption") && url.tls_turned_off() => {
                    return Error::TlsRequired { target, detail };
                }
                Some("28P01" | "28000") => return Error::AuthFailed { target, detail },
                _ => {}
            }
        }
        match err {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => Error::Unreachable { target, detail },
            _ => Error::Connect { target, detail },
        }
    }

    /// Wraps a driver error raised by a catalog query.
    pub(crate) fn query(url: &DatabaseUrl, what: &'static str, err: &sqlx::Error) -> Self {
        let detail = url.scrub(&err.to_string());
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Error::ConnectionLost {
                target: url.to_string(),
                what,
                detail,
            },
            _ => Error::Query { what, detail },
        }
    }
}
