//! Test support for sealift's suites: throwaway databases on the real servers and fixture files.
//!
//! Every test gets its own uniquely named PostgreSQL database (or SQLite file), dropped when the
//! handle goes out of scope, so tests run in parallel. Nothing here skips: a server that cannot
//! be reached fails the test with a message saying how to start it.

mod cargo;

pub use cargo::{TempDir, cargo, e2e_env, seed_lockfile, workspace_dir};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{AssertSqlSafe, Connection};

/// The admin connection for PostgreSQL test databases; `SEALIFT_TEST_PG_URL` overrides it.
pub fn pg_admin_url() -> String {
    std::env::var("SEALIFT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The `../shared` folder beside the repository: real-world inputs that stay out of it.
pub fn shared_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("fixtures-external").is_dir(),
        "{} is missing: the tests need the shared fixtures checked out beside the repository",
        dir.display()
    );
    dir
}

/// The MusicBrainz schema (`../shared/fixtures-external/musicbrainz/musicbrainz.sql`) as one
/// script for [`PgDb::execute`]: psql's `\set` lines left out. Load it into a database made
/// with [`MUSICBRAINZ_DATABASE`].
pub fn musicbrainz_sql() -> String {
    let path = shared_dir().join("fixtures-external/musicbrainz/musicbrainz.sql");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `CREATE DATABASE` options the MusicBrainz schema asks for.
pub const MUSICBRAINZ_DATABASE: &str =
    "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'";

/// The text of a file under `fixtures/`.
pub fn fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// The fixture files under `fixtures/<dir>` with the given extension, sorted by name.
pub fn fixture_files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let root = fixtures_dir().join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    files
}

/// A name no other test (in this or another process) is using.
pub fn unique_name(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(24)
        .collect();
    format!("sealift_t_{label}_{}_{n}_{nanos:x}", std::process::id())
}

/// A PostgreSQL database that exists for one test and is dropped afterwards.
pub struct PgDb {
    name: String,
    url: String,
}

impl PgDb {
    /// Creates a fresh, empty database; `label` makes its name easy to spot.
    pub async fn create(label: &str) -> PgDb {
        PgDb::create_with(label, "").await
    }

    /// Like [`PgDb::create`], with `CREATE DATABASE` options (`TEMPLATE template0 LC_COLLATE 'C'`).
    pub async fn create_with(label: &str, options: &str) -> PgDb {
        let admin_url = pg_admin_url();
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "cannot connect to the test PostgreSQL server at {admin_url}: {e}\n\
                 start it with `bash scripts/ensure-databases.sh`, or point SEALIFT_TEST_PG_URL at one"
            )
        });
        let name = unique_name(label);
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE \"{name}\" {options}"
        )))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        PgDb { name, url }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs a SQL script (many statements) in the database.
    pub async fn execute(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.name));
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("loading SQL into {} failed: {e}", self.name));
        let _ = conn.close().await;
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let admin_url = pg_admin_url();
        drop_database(&self.name, async move {
            let mut admin = PgConnection::connect(&admin_url).await.ok()?;
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .ok()?;
            admin.close().await.ok()
        });
    }
}

/// Runs a test database's drop on a thread and runtime of its own (`Drop` may run inside or
/// outside a runtime), warning when it fails.
fn drop_database(name: &str, drop: impl Future<Output = Option<()>> + Send + 'static) {
    let dropped = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?
            .block_on(drop)
    })
    .join();
    if !matches!(dropped, Ok(Some(()))) {
        eprintln!("warning: could not drop test database {name}");
    }
}

/// The admin connection for MySQL/MariaDB test databases; `SEALIFT_TEST_MYSQL_URL` overrides
/// it.
pub fn mysql_admin_url() -> String {
    std::env::var("SEALIFT_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned())
}

/// A MySQL/MariaDB database that exists for one test and is dropped afterwards.
pub struct MyDb {
    name: String,
    url: String,
}

impl MyDb {
    /// Creates a fresh, empty database; `label` makes its name easy to spot.
    pub async fn create(label: &str) -> MyDb {
        let admin_url = mysql_admin_url();
        let mut admin = MySqlConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot connect to the test MariaDB server at {admin_url}: {e}\n\
                     start it with `bash scripts/ensure-databases.sh`, or point SEALIFT_TEST_MYSQL_URL at one"
                )
            });
        let name = unique_name(label);
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        )))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        MyDb { name, url }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs a `mysql` client script in the database, statement by statement
    /// ([`mysql_statements`]), on one connection.
    pub async fn execute(&self, sql: &str) {
        let mut conn = MySqlConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.name));
        for stmt in mysql_statements(sql) {
            sqlx::raw_sql(AssertSqlSafe(stmt.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("loading SQL into {} failed: {e}\n{stmt}", self.name));
        }
        let _ = conn.close().await;
    }
}

/// The statements of a `mysql` client script: `DELIMITER` lines honoured (so a routine's body
/// stays whole), comments and the script's own `DROP SCHEMA`, `CREATE SCHEMA` and `USE` left
/// out, so that it loads into a test's own database.
pub fn mysql_statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut delimiter = ";".to_owned();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with("--")) {
            continue;
        }
        if let Some(d) = trimmed
            .strip_prefix("DELIMITER ")
            .or_else(|| trimmed.strip_prefix("delimiter "))
        {
            delimiter = d.trim().to_owned();
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if let Some(stmt) = trimmed.strip_suffix(delimiter.as_str()) {
            let whole = current
                .trim_end()
                .strip_suffix(delimiter.as_str())
                .unwrap_or(stmt);
            let whole = whole.trim().to_owned();
            current.clear();
            let upper = whole.to_ascii_uppercase();
            let own_schema = [
                "DROP SCHEMA",
                "CREATE SCHEMA",
                "USE ",
                "DROP DATABASE",
                "CREATE DATABASE",
            ]
            .iter()
            .any(|p| upper.starts_with(p));
            if !whole.is_empty() && !own_schema {
                out.push(whole);
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

impl Drop for MyDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        let admin_url = mysql_admin_url();
        drop_database(&self.name, async move {
            let mut admin = MySqlConnection::connect(&admin_url).await.ok()?;
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .ok()?;
            admin.close().await.ok()
        });
    }
}

/// A SQLite database file that exists for one test and is deleted afterwards.
pub struct SqliteDb {
    path: PathBuf,
}

impl SqliteDb {
    /// Creates an empty database file in the system's temp folder.
    pub async fn create(label: &str) -> SqliteDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name(label)));
        let db = SqliteDb { path };
        let conn = SqliteConnection::connect(&format!("{}?mode=rwc", db.url()))
            .await
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", db.path.display()));
        let _ = conn.close().await;
        db
    }

    /// The database's `sqlite://` URL.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a SQL script (many statements) in the database.
    pub async fn execute(&self, sql: &str) {
        let mut conn = SqliteConnection::connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.path.display()));
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("loading SQL into {} failed: {e}", self.path.display()));
        let _ = conn.close().await;
    }
}

impl Drop for SqliteDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal", ".sealift-lock"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A throwaway database of either dialect, for suites that run on both.
pub enum TestDb {
    /// A PostgreSQL database.
    Pg(PgDb),
    /// A SQLite file.
    Lite(SqliteDb),
    /// A MariaDB (or MySQL) database.
    My(MyDb),
}

impl TestDb {
    /// A fresh, empty database for `dialect`.
    pub async fn create(label: &str, dialect: sealift_ir::Dialect) -> TestDb {
        match dialect {
            sealift_ir::Dialect::Postgres => TestDb::Pg(PgDb::create(label).await),
            sealift_ir::Dialect::Mysql => TestDb::My(MyDb::create(label).await),
            sealift_ir::Dialect::Sqlite => TestDb::Lite(SqliteDb::create(label).await),
        }
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        match self {
            TestDb::Pg(d) => d.url().to_owned(),
            TestDb::Lite(d) => d.url(),
            TestDb::My(d) => d.url().to_owned(),
        }
    }

    /// Runs statements (without trailing semicolons) in order.
    pub async fn run(&self, statements: &[String]) {
        if statements.is_empty() {
            return;
        }
        let sql = statements.join(";\n") + ";";
        match self {
            TestDb::Pg(d) => d.execute(&sql).await,
            TestDb::Lite(d) => d.execute(&sql).await,
            TestDb::My(d) => d.execute(&sql).await,
        }
    }
}

/// The text dump with every table's columns in name order. PostgreSQL's `ADD COLUMN` appends,
/// so a column a down re-adds comes back with its full definition but last; round-trip checks
/// compare columns by name. SQLite keeps expressions as text and writes a name it renames in
/// them double-quoted (`qty > 0` comes back `"qty" > 0` after a rename and its undoing): on
/// SQLite, double quotes around plain lowercase names in checks and index expressions are
/// left out.
pub fn dump_unordered(schema: &sealift_ir::Schema) -> String {
    let mut s = schema.clone();
    let sqlite = s.dialect == sealift_ir::Dialect::Sqlite;
    for ns in s.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            t.columns.sort_by(|a, b| a.name.cmp(&b.name));
            if sqlite {
                for c in &mut t.checks {
                    c.expression = unquote_plain_names(&c.expression);
                }
                for p in t.indexes.iter_mut().flat_map(|i| &mut i.parts) {
                    if let sealift_ir::IndexKey::Expression(e) = &mut p.key {
                        *e = unquote_plain_names(e);
                    }
                }
            }
        }
    }
    sealift_ir::dump(&s)
}

/// `"qty" > 0` -> `qty > 0`: double quotes taken off names that need none.
fn unquote_plain_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('"') {
            Some(close)
                if !after[..close].is_empty()
                    && after[..close]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                out.push_str(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('"');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// SQL for `n` tables that look like an application's: a primary key, a foreign key to the
/// previous table, a unique and an indexed column, and an enum column (a type on PostgreSQL,
/// inline on MySQL, text on SQLite).
pub fn synthetic_tables_sql(n: usize, dialect: sealift_ir::Dialect) -> String {
    use sealift_ir::Dialect;
    let mut sql = String::new();
    if dialect == Dialect::Postgres {
        sql.push_str("CREATE TYPE status AS ENUM ('new', 'active', 'gone');\n");
    }
    let (id, status, label) = match dialect {
        Dialect::Postgres => (
            "id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "status",
            "text",
        ),
        Dialect::Sqlite => (
            "id integer NOT NULL PRIMARY KEY AUTOINCREMENT",
            "enum_text",
            "text",
        ),
        Dialect::Mysql => (
            "id int NOT NULL AUTO_INCREMENT PRIMARY KEY",
            "enum('new', 'active', 'gone')",
            "varchar(255)",
        ),
    };
    for i in 0..n {
        // MySQL 8 parses a column's REFERENCES and ignores it: the key is stated apart.
        let parent = match (i, dialect) {
            (0, _) => String::new(),
            (_, Dialect::Mysql) => format!(
                ",\n    parent_id integer,\n    \
                 FOREIGN KEY (parent_id) REFERENCES t{} (id) ON DELETE CASCADE",
                i - 1
            ),
            _ => format!(
                ",\n    parent_id integer REFERENCES t{} (id) ON DELETE CASCADE",
                i - 1
            ),
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i} (\n    {id},\n    code varchar(32) NOT NULL UNIQUE,\n    \
             label {label},\n    state {status} NOT NULL DEFAULT 'new'{parent}\n);\n\
             CREATE INDEX t{i}_label_idx ON t{i} (label);\n"
        ));
    }
    sql
}

/// The schema with each namespace called `name` and foreign keys pointing into it: a MySQL
/// test database is named uniquely per test, and a snapshot or a comparison must not see that.
pub fn namespace_renamed(mut schema: sealift_ir::Schema, name: &str) -> sealift_ir::Schema {
    schema.namespaces = std::mem::take(&mut schema.namespaces)
        .into_values()
        .map(|mut ns| {
            ns.name = name.into();
            for t in ns.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    fk.referenced_table.schema = Some(name.into());
                }
            }
            (name.to_owned(), ns)
        })
        .collect();
    schema
}
