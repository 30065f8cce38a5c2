//! How sealift connects to PostgreSQL: once per run, whatever the steps (the history, the
//! catalog, the row counts); without TLS to a server on this machine when the URL leaves the
//! choice open, and with it when that server refuses a connection without it.
//!
//! The test server is a PostgreSQL cluster of its own (initdb in a temp folder, a self-signed
//! certificate, `pg_hba.conf` allowing only `hostssl`), on a free port, stopped when the test
//! ends however it ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use sealift_testkit::PgDb;
use sqlx::Connection;

mod common;

/// A PostgreSQL cluster that takes connections over TLS only; stopped and removed on drop.
struct TlsOnlyServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    user: Option<&'static str>,
}

impl TlsOnlyServer {
    fn start() -> TlsOnlyServer {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new()
            .prefix("sealift_tls_")
            .tempdir()
            .unwrap();
        // initdb refuses to run as root: the cluster belongs to the postgres user then.
        let user = is_root().then_some("postgres");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let cert = dir.path().join("server.crt");
        let key = dir.path().join("server.key");
        ok(Command::new("openssl")
            .args([
                "req",
                "-new",
                "-x509",
                "-days",
                "1",
                "-nodes",
                "-subj",
                "/CN=localhost",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output());
        if let Some(u) = user {
            ok(Command::new("chown")
                .args(["-R", u])
                .arg(dir.path())
                .output());
        }
        ok(Command::new("chmod").arg("600").arg(&key).output());
        ok(as_user(user, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust"])
            .output());
        std::fs::write(
            data.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .unwrap();
        let port = free_port();
        let server = TlsOnlyServer {
            dir,
            bin,
            port,
            user,
        };
        ok(as_user(user, &server.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(server.dir.path().join("server.log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                server.dir.path().display(),
                cert.display(),
                key.display()
            ))
            .arg("start")
            .output());
        server
    }

    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres{query}",
            self.port
        )
    }
}

impl Drop for TlsOnlyServer {
    fn drop(&mut self) {
        let _ = as_user(self.user, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// The folder of the installed PostgreSQL programs (the newest packaged version first).
fn postgres_bin() -> PathBuf {
    let mut packaged: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    packaged.sort();
    if let Some(newest) = packaged.pop() {
        return newest;
    }
    let found = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .expect("a shell");
    let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    assert!(
        !path.is_empty(),
        "initdb is not installed: this test needs PostgreSQL's programs"
    );
    Path::new(&path).parent().unwrap().to_owned()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The command ran and succeeded; else the test stops with what it printed.
fn ok(out: std::io::Result<Output>) {
    let out = out.expect("the program runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sealift(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("PGSSLMODE")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn a_server_here_that_wants_tls_gets_it() {
    let server = TlsOnlyServer::start();
    let cwd = tempfile::tempdir().unwrap();
    // The URL leaves TLS open: sealift tries without it (the server is on this machine), is
    // refused, and asks again with it.
    let out = sealift(cwd.path(), &["inspect", &server.url("")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without TLS, as the URL says: refused, which is what the first try met.
    let out = sealift(cwd.path(), &["inspect", &server.url("?sslmode=disable")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("takes only encrypted connections") && err.contains("remove sslmode=disable"),
        "{err}"
    );
}

/// How many sessions PostgreSQL has counted for database `name` (`pg_stat_database.sessions`,
/// counted as each ends), once the count has stopped moving.
async fn sessions(name: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .unwrap();
    let mut last = -1;
    let mut same_since = std::time::Instant::now();
    let started = std::time::Instant::now();
    loop {
        sqlx::query("SELECT pg_stat_clear_snapshot()")
            .execute(&mut conn)
            .await
            .unwrap();
        let now: i64 =
            sqlx::query_scalar("SELECT sessions FROM pg_stat_database WHERE datname = $1")
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        if now != last {
            last = now;
            same_since = std::time::Instant::now();
        } else if same_since.elapsed() > Duration::from_millis(700)
            || started.elapsed() > Duration::from_secs(10)
        {
            let _ = conn.close().await;
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `check` with a migration crate reads the history, then the catalog; `autogen` also counts
/// rows for a data-dependent step. Over TLS (a server elsewhere) each is one connection, handed
/// from step to step: one handshake per run. Without TLS on this machine the catalog's second
/// half is read on a second connection beside the first. autogen's proof makes its scratch
/// database on a second connection while the plan is worked out (a handshake that overlaps).
#[tokio::test(flavor = "multi_thread")]
async fn a_run_connects_once() {
    let db = PgDb::create("one_connect").await;
    assert!(!db.url().contains('?'), "{}", db.url());
    let p = common::Project::new("one_connect", &format!("{}?sslmode=require", db.url()));
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE author (id serial PRIMARY KEY, name varchar NOT NULL); \
         INSERT INTO author (name) VALUES ('ada')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    let plain = common::Project::new("one_connect_plain", db.url());
    let before = sessions(db.name()).await;
    plain.ok(&["check"]);
    assert_eq!(
        sessions(db.name()).await - before,
        2,
        "check on this machine without TLS: the history and half the catalog, and the other half beside"
    );
    let before = sessions(db.name()).await;
    p.ok(&["check"]);
    assert_eq!(
        sessions(db.name()).await - before,
        1,
        "check: one connection for the history and the catalog"
    );
    // A unique key new to a table with rows: the plan counts the duplicates first.
    p.entity(
        "author.rs",
        &common::AUTHOR.replace(
            "    pub name: String,\n",
            "    #[sea_orm(unique)]\n    pub name: String,\n",
        ),
    );
    let before = sessions(db.name()).await;
    let out = p.ok(&["autogen", "UniqueName"]);
    assert!(out.contains("Wrote") && out.contains("duplicate"), "{out}");
    assert_eq!(
        sessions(db.name()).await - before,
        2,
        "autogen: one connection for the history, the catalog and the row counts, and one beside it at the same time that makes the proof's scratch database"
    );
    // Over tenants: the connection that found the schemas serves the history read too.
    let before = sessions(db.name()).await;
    let out = p.sealift(&["current", "--schema", "publi*"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("public"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sessions(db.name()).await - before,
        1,
        "current over tenants: one connection for finding them and reading their history"
    );
}
