//! PostgreSQL connections a run is done with, kept for the next step of the same run: the
//! migration history is read, then the catalog, then the row counts, each on the connection
//! the step before let go of. A run then connects once, and pays the TLS handshake of a server
//! on another machine once (about 90 ms each on the development machine's loopback, more
//! across a network).
//!
//! Off unless the process asks for it ([`keep_connections`]): the `sealift` binary does, as
//! one command is one run; a library user or a benchmark timing connections does not.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use crate::DatabaseUrl;

static ON: AtomicBool = AtomicBool::new(false);

/// Idle connections by the URL they were opened with (password included: never shown).
static IDLE: Mutex<Vec<(String, PgConnection)>> = Mutex::new(Vec::new());

/// From now on in this process, connections a step is done with are kept for the next one.
pub fn keep_connections() {
    ON.store(true, Ordering::Relaxed);
}

/// A kept connection to `url` that still answers, if there is one.
pub(crate) async fn take(url: &DatabaseUrl) -> Option<PgConnection> {
    loop {
        let conn = {
            let mut idle = IDLE.lock().ok()?;
            let at = idle.iter().position(|(u, _)| u == url.expose())?;
            idle.swap_remove(at).1
        };
        let mut conn = conn;
        if conn.ping().await.is_ok() {
            return Some(conn);
        }
    }
}

/// Lets go of `conn`: kept for the next step when keeping is on, with its session settings
/// back to how the connection started (`RESET ALL`: the search path, the application name);
/// closed otherwise, inside a transaction (whose locks must not outlive the step), or when
/// that reset fails.
pub async fn release(url: &DatabaseUrl, mut conn: PgConnection) {
    if ON.load(Ordering::Relaxed)
        && !conn.is_in_transaction()
        && conn.execute("RESET ALL").await.is_ok()
        && let Ok(mut idle) = IDLE.lock()
    {
        idle.push((url.expose().to_owned(), conn));
        return;
    }
    let _ = conn.close().await;
}

/// Closes every kept connection, telling the server: at the end of a run.
pub async fn close_kept() {
    let idle = match IDLE.lock() {
        Ok(mut idle) => std::mem::take(&mut *idle),
        Err(_) => return,
    };
    for (_, conn) in idle {
        let _ = conn.close().await;
    }
}

/// Closes the kept connections to `url` (a database about to be dropped).
pub async fn close_kept_to(url: &DatabaseUrl) {
    let going: Vec<PgConnection> = match IDLE.lock() {
        Ok(mut idle) => {
            let (going, staying): (Vec<_>, Vec<_>) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|(u, _)| u == url.expose());
            *idle = staying;
            going.into_iter().map(|(_, c)| c).collect()
        }
        Err(_) => return,
    };
    for conn in going {
        let _ = conn.close().await;
    }
}
