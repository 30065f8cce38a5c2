//! Where a command's inputs come from: flags, then the environment (`DATABASE_URL`, also read
//! from `.env`), then `sealift.toml`, then the usual places of a SeaORM project.
//!
//! Paths in `sealift.toml` are relative to the file's folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use sealift_catalog::{DatabaseUrl, ReflectOptions, redact};
use sealift_ir::{Dialect, Schema};

use crate::Tenant;
use crate::error::{Error, Result};

/// What the command line says about the inputs; each unset field falls back to the
/// environment, `sealift.toml`, then the usual places. Its `Debug` hides the URL's password.
#[derive(Clone, Default)]
pub struct Inputs {
    /// The config file (default: ./sealift.toml when it exists).
    pub config: Option<PathBuf>,
    /// The database URL.
    pub database_url: Option<String>,
    /// Entity folders.
    pub entities: Vec<PathBuf>,
    /// The migration crate.
    pub migration_dir: Option<PathBuf>,
    /// Namespaces to compare: names or globs.
    pub schemas: Vec<String>,
    /// Every schema of the database, each a tenant.
    pub all_schemas: bool,
    /// A file listing one database URL per line, each a tenant.
    pub databases: Option<PathBuf>,
    /// Read no `./sealift.toml` unless `config` names it: a bundle's settings are its flags
    /// and the environment, whatever lies in the folder it starts in.
    pub no_default_config: bool,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("config", &self.config)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field("entities", &self.entities)
            .field("migration_dir", &self.migration_dir)
            .field("schemas", &self.schemas)
            .field("all_schemas", &self.all_schemas)
            .field("databases", &self.databases)
            .field("no_default_config", &self.no_default_config)
            .finish()
    }
}

/// A config error; whatever in it reads as a URL's password is hidden, wherever the text
/// came from (a glob, a path, a value quoted back).
fn config_error(message: String) -> Error {
    Error::Config(redact(&message))
}

/// The config file looked for in the current folder.
pub const CONFIG_FILE: &str = "sealift.toml";

/// Where SeaORM projects keep their entities, tried in order when nothing names the folder.
const ENTITY_PLACES: [&str; 4] = [
    "entity/src",
    "src/entity",
    "src/entities",
    "src/models/_entities",
];

/// The migration crate's usual folder.
const MIGRATION_PLACE: &str = "migration";

/// `sealift.toml`, as written.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Read when neither `--database-url` nor `DATABASE_URL` is set.
    database_url: Option<String>,
    /// An empty database `verify` and `check --replay` may use instead of making one.
    shadow_database_url: Option<String>,
    /// Entity folders.
    #[serde(default)]
    entities: Vec<PathBuf>,
    /// The migration crate.
    migration_dir: Option<PathBuf>,
    /// Namespaces to compare: names, or globs selecting tenant schemas.
    #[serde(default)]
    schemas: Vec<String>,
    /// Database URLs, one per tenant (database-per-tenant).
    #[serde(default)]
    databases: Vec<String>,
    /// Only tables matching one of these globs (`name` or `schema.name`) are compared.
    #[serde(default)]
    include_tables: Vec<String>,
    /// Tables matching one of these globs are left out.
    #[serde(default)]
    exclude_tables: Vec<String>,
    /// Policy switches, as the flags of the same names.
    #[serde(default)]
    compare_server_defaults: bool,
    #[serde(default)]
    drop_unknown_tables: bool,
    /// How long a migration may wait for a lock (`5s`, `500ms`, `0` for no limit).
    lock_timeout: Option<String>,
    /// How long a run waits for another run's migration lock (`5m`, `0` for no limit).
    lock_wait: Option<String>,
    /// How many times a migration that gave up waiting for a lock runs again.
    lock_retries: Option<u32>,
    /// Cargo features that are off for the entities crate: entities behind them are not read.
    #[serde(default)]
    disabled_features: Vec<String>,
    /// The backends the project runs on (`postgres`, `mysql`, `sqlite`); migrations are
    /// written for these only. Default: every backend SeaORM supports.
    #[serde(default)]
    backends: Vec<String>,
    /// When migrations keep busy tables writable: `auto` (steps on tables of at least
    /// `online_min_rows` rows), `always`, `never`.
    online: Option<String>,
    /// With `online = "auto"`: the estimated rows from which a table's steps run online.
    online_min_rows: Option<u64>,
}

/// How long a migration's statement waits for a lock unless told otherwise: long enough for
/// a short transaction to finish, short enough that the application's queries queued behind
/// the waiting `ALTER TABLE` do not pile up.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a migration that timed out waiting for a lock (and was rolled back) runs
/// again unless told otherwise, waiting 1 s, 2 s, 4 s first: a lock held by a short
/// transaction is gone by then, and the application's queries never queued behind the
/// migration for longer than the lock timeout.
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

/// How long a run waits for another run's migration lock unless told otherwise: longer than
/// most deploys' migrations take, short enough that a lock left by a stuck session is noticed.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(300);

/// From how many estimated rows a table's index, key and NOT NULL steps run online unless
/// told otherwise: about where a plain index build starts to hold writes for longer than a
/// request may wait (a B-tree on 100,000 rows builds in about a tenth of a second here).
pub const DEFAULT_ONLINE_MIN_ROWS: u64 = 100_000;

/// Which steps of a written migration run online on PostgreSQL (`online` in sealift.toml,
/// `--online`/`--no-online` on `autogen` and `diff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Online {
    /// Steps on tables the catalog estimates at this many rows or more.
    Auto {
        /// The threshold.
        min_rows: u64,
    },
    /// Every step that has an online form, whatever the table's size.
    Always,
    /// None: every migration runs plainly, in its transaction.
    Never,
}

/// The longest lock timeout the servers take: PostgreSQL's `lock_timeout` is an int4 of
/// milliseconds (MySQL's `lock_wait_timeout` goes to a year).
const MAX_LOCK_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// Every input of a command, resolved. Its `Debug` hides the database URL's password.
pub struct Project {
    database_url: Option<String>,
    /// `shadow_database_url` in the config: where `verify` replays instead of a database of
    /// its own making.
    pub shadow_database_url: Option<String>,
    /// The entity folders, or none found.
    pub entities: Vec<PathBuf>,
    /// The migration crate's folder.
    pub migration_dir: PathBuf,
    /// Namespaces to compare, names or globs; empty means the connection's default.
    pub schemas: Vec<String>,
    /// Every schema is a tenant (`--all-schemas`).
    pub all_schemas: bool,
    /// One database URL per tenant, from `--databases FILE` or `databases` in the config.
    databases: Vec<String>,
    /// The one schema `--schema NAME` names: migrations run there (its `search_path`, as
    /// sea-orm-migration's `-s`), and its history table is the one read.
    pub migration_schema: Option<String>,
    filter: TableFilter,
    /// Compare column defaults.
    pub compare_server_defaults: bool,
    /// Drop tables no entity names.
    pub drop_unknown_tables: bool,
    /// How long a migration's statement may wait for a lock (none: no limit).
    pub lock_timeout: Option<Duration>,
    /// How long a run waits for another run's migration lock (none: no limit).
    pub lock_wait: Option<Duration>,
    /// How many times a migration that gave up waiting for a lock runs again.
    pub lock_retries: u32,
    /// Cargo features that are off: entities whose derive is behind one are not read.
    pub disabled_features: Vec<String>,
    /// The backends migrations are written for; empty for every one.
    pub backends: Vec<Dialect>,
    /// Which steps of a written migration run online.
    pub online: Online,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field(
                "shadow_database_url",
                &self.shadow_database_url.as_deref().map(redact),
            )
            .field("entities", &self.entities)
            .field("migration_dir", &self.migration_dir)
            .field("schemas", &self.schemas)
            .field("all_schemas", &self.all_schemas)
            .field(
                "databases",
                &self.databases.iter().map(|u| redact(u)).collect::<Vec<_>>(),
            )
            .field("compare_server_defaults", &self.compare_server_defaults)
            .field("drop_unknown_tables", &self.drop_unknown_tables)
            .field("lock_timeout", &self.lock_timeout)
            .field("lock_wait", &self.lock_wait)
            .field("lock_retries", &self.lock_retries)
            .field("backends", &self.backends)
            .field("online", &self.online)
            .finish_non_exhaustive()
    }
}

impl Project {
    /// Reads the config file and `.env`, then lets the flags override them.
    pub fn load(args: &Inputs) -> Result<Project> {
        let (file, base) = match &args.config {
            Some(path) => (read(path)?, parent(path)),
            None if !args.no_default_config && Path::new(CONFIG_FILE).is_file() => {
                (read(Path::new(CONFIG_FILE))?, PathBuf::new())
            }
            None => (File::default(), PathBuf::new()),
        };
        let dotenv = base.join(".env");
        if dotenv.is_file() {
            let text = std::fs::read_to_string(&dotenv)
                .map_err(|e| config_error(format!("cannot read {}: {e}", dotenv.display())))?;
            // Check every line first, so that a bad line sets nothing; then load. Variables
            // already set win over the file, as with every .env loader.
            check_dotenv(&text, &dotenv)?;
            dotenvy::from_read(text.as_bytes()).map_err(|e| dotenv_error(&dotenv, &text, e))?;
        }
        let database_url = args
            .database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .or_else(|| file.database_url.map(|u| sqlite_relative_to(&u, &base)));
        let entities = if !args.entities.is_empty() {
            args.entities.clone()
        } else if !file.entities.is_empty() {
            file.entities.iter().map(|p| base.join(p)).collect()
        } else {
            ENTITY_PLACES
                .iter()
                .map(|p| base.join(p))
                .find(|p| p.is_dir())
                .into_iter()
                .collect()
        };
        let migration_dir = args
            .migration_dir
            .clone()
            .or_else(|| file.migration_dir.map(|p| base.join(p)))
            .unwrap_or_else(|| base.join(MIGRATION_PLACE));
        let schemas = if args.schemas.is_empty() {
            file.schemas
        } else {
            args.schemas.clone()
        };
        let databases = match &args.databases {
            Some(list) => read_databases(list)?,
            None => file
                .databases
                .iter()
                .map(|u| sqlite_relative_to(u, &base))
                .collect(),
        };
        let lock_timeout = match file.lock_timeout.as_deref() {
            Some(text) => parse_lock_timeout(text)
                .map_err(|e| config_error(format!("lock_timeout in {CONFIG_FILE}: {e}")))?,
            None => Some(DEFAULT_LOCK_TIMEOUT),
        };
        let lock_wait = match file.lock_wait.as_deref() {
            Some(text) => parse_duration(text)
                .map_err(|e| config_error(format!("lock_wait in {CONFIG_FILE}: {e}")))?,
            None => Some(DEFAULT_LOCK_WAIT),
        };
        let backends = file
            .backends
            .iter()
            .map(|name| {
                name.parse::<Dialect>().map_err(|_| {
                    config_error(format!(
                        "backends in {CONFIG_FILE}: unknown backend `{name}`; write postgres, mysql or sqlite"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let min_rows = file.online_min_rows.unwrap_or(DEFAULT_ONLINE_MIN_ROWS);
        let online = match file.online.as_deref() {
            None | Some("auto") => Online::Auto { min_rows },
            Some("always") => Online::Always,
            Some("never") => Online::Never,
            Some(other) => {
                return Err(config_error(format!(
                    "online in {CONFIG_FILE}: unknown value `{other}`; write \"auto\" (steps on tables of at least online_min_rows rows), \"always\" or \"never\""
                )));
            }
        };
        Ok(Project {
            online,
            backends,
            database_url,
            shadow_database_url: file
                .shadow_database_url
                .map(|u| sqlite_relative_to(&u, &base)),
            entities,
            migration_dir,
            schemas,
            all_schemas: args.all_schemas,
            migration_schema: match args.schemas.as_slice() {
                [one] if !sealift_catalog::is_glob(one) => Some(one.clone()),
                _ => None,
            },
            databases,
            filter: TableFilter::new(&file.include_tables, &file.exclude_tables)?,
            compare_server_defaults: file.compare_server_defaults,
            drop_unknown_tables: file.drop_unknown_tables,
            lock_timeout,
            lock_wait,
            lock_retries: file.lock_retries.unwrap_or(DEFAULT_LOCK_RETRIES),
            disabled_features: file.disabled_features,
        })
    }

    /// The same, with the policy flags of `diff`, `check` and `autogen` on top.
    pub fn with_policy(
        mut self,
        compare_server_defaults: bool,
        drop_unknown_tables: bool,
    ) -> Project {
        self.compare_server_defaults |= compare_server_defaults;
        self.drop_unknown_tables |= drop_unknown_tables;
        self
    }

    /// The database, or an error saying how to name one.
    pub fn database_url(&self) -> Result<DatabaseUrl> {
        let Some(raw) = self.database_url.as_deref() else {
            return Err(config_error(format!(
                "no database URL given; pass --database-url URL, set DATABASE_URL (or put it in .env), or set database_url in {CONFIG_FILE}"
            )));
        };
        Ok(DatabaseUrl::parse(raw)?)
    }

    /// Whether the command runs on many tenants: `--all-schemas`, a schema glob, or a list of
    /// databases. A plain list of schema names is one database's namespaces, as before.
    pub fn fans_out(&self) -> bool {
        self.all_schemas
            || !self.databases.is_empty()
            || self.schemas.iter().any(|s| sealift_catalog::is_glob(s))
    }

    /// The databases to run on: the `databases` list, else the one database URL.
    pub fn database_urls(&self) -> Result<Vec<DatabaseUrl>> {
        if self.databases.is_empty() {
            return Ok(vec![self.database_url()?]);
        }
        self.databases
            .iter()
            .map(|raw| Ok(DatabaseUrl::parse(raw)?))
            .collect()
    }

    /// The schemas to select in each database, names or globs (`*` for `--all-schemas`);
    /// empty for each database's default.
    pub fn schema_patterns(&self) -> Vec<String> {
        if self.all_schemas {
            vec!["*".to_owned()]
        } else {
            self.schemas.clone()
        }
    }

    /// Makes the project about one tenant: the database at `url` and, when given, that schema
    /// (compared, and where migrations run).
    pub fn narrow_to(&mut self, url: &str, schema: Option<String>) {
        self.database_url = Some(url.to_owned());
        self.databases.clear();
        self.all_schemas = false;
        self.schemas = schema.clone().into_iter().collect();
        self.migration_schema = schema;
    }

    /// The one tenant of a command that does not fan out: the database, and the schema
    /// `--schema NAME` names.
    pub fn tenant(&self) -> Result<Tenant> {
        Ok(Tenant {
            url: self.database_url()?,
            schema: self.migration_schema.clone(),
        })
    }

    /// The entity folders, or an error saying where they were looked for.
    pub fn entity_dirs(&self) -> Result<&[PathBuf]> {
        if self.entities.is_empty() {
            return Err(config_error(format!(
                "no entities folder found (looked for {}); pass --entities DIR or set entities in {CONFIG_FILE}",
                ENTITY_PLACES.join(", ")
            )));
        }
        Ok(&self.entities)
    }

    /// What to reflect: the schemas, and the history table the migration crate names in
    /// `migration_table_name()` (its `lib.rs` read when it is there).
    pub fn reflect_options(&self) -> ReflectOptions {
        let lib = self.migration_dir.join("src/lib.rs");
        ReflectOptions {
            schemas: self.schemas.clone(),
            history_table: match std::fs::read_to_string(lib)
                .map(|text| sealift_codegen::history_table(&text))
            {
                Ok(sealift_codegen::HistoryTable::Named(name)) => Some(name),
                Ok(sealift_codegen::HistoryTable::Unresolved) => {
                    crate::MigrationCrate::load(&self.migration_dir)
                        .ok()
                        .map(|k| k.history_table)
                }
                _ => None,
            },
        }
    }

    /// Leaves out the tables the include/exclude globs leave out.
    pub fn filter(&self, schema: &mut Schema) {
        self.filter.apply(schema);
    }
}

/// `5s`, `1500ms`, `2m`, or a bare number of seconds; `0` means no limit (none).
pub fn parse_duration(text: &str) -> std::result::Result<Option<Duration>, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write it as 5s, 500ms or 2m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        other => {
            return Err(format!(
                "`{other}` is not a unit of time; write the duration as 5s, 500ms or 2m"
            ));
        }
    };
    if !seconds.is_finite() || seconds > 86_400.0 * 365.0 {
        return Err(format!("`{text}` is too long a duration; 0 means no limit"));
    }
    let duration = Duration::from_secs_f64(seconds);
    Ok((!duration.is_zero()).then_some(duration))
}

/// A lock timeout: a duration the servers accept (at least a millisecond, at most
/// PostgreSQL's limit), or `0` for none.
pub fn parse_lock_timeout(text: &str) -> std::result::Result<Option<Duration>, String> {
    let duration = parse_duration(text)?;
    match duration {
        Some(d) if d > MAX_LOCK_TIMEOUT => Err(format!(
            "`{}` is longer than a lock timeout can be (PostgreSQL takes at most {} ms, about 24 days); write a shorter one, or 0 for no limit",
            text.trim(),
            MAX_LOCK_TIMEOUT.as_millis()
        )),
        Some(d) if d < Duration::from_millis(1) => Err(format!(
            "`{}` is shorter than a millisecond, the smallest lock timeout; write 1ms or more, or 0 for no limit",
            text.trim()
        )),
        d => Ok(d),
    }
}

/// `5s`, `1500ms`, `5m`: a duration as the flags take it.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() != 0 {
        format!("{}ms", d.as_millis())
    } else if d.as_secs() >= 60 && d.as_secs().is_multiple_of(60) {
        format!("{}m", d.as_secs() / 60)
    } else {
        format!("{}s", d.as_secs())
    }
}

/// Reads a `.env` text without setting anything: an error names the first bad line by number,
/// never by its text.
pub fn check_dotenv(text: &str, path: &Path) -> Result<Vec<(String, String)>> {
    dotenvy::from_read_iter(text.as_bytes())
        .map(|item| item.map_err(|e| dotenv_error(path, text, e)))
        .collect()
}

/// Reads a `sealift.toml` text as every command would, globs included, without touching the
/// file system.
pub fn check_config(text: &str, path: &Path) -> Result<()> {
    let file = parse(text, path)?;
    TableFilter::new(&file.include_tables, &file.exclude_tables)?;
    Ok(())
}

/// A `.env` problem without the text of the line: dotenvy's own message quotes the whole line,
/// which may hold a password.
fn dotenv_error(path: &Path, text: &str, e: dotenvy::Error) -> Error {
    match e {
        dotenvy::Error::LineParse(line, at) => {
            let number = text
                .lines()
                .position(|l| !l.is_empty() && line.starts_with(l))
                .map(|i| format!("line {}", i + 1))
                .unwrap_or_else(|| "a line".to_owned());
            config_error(format!(
                "cannot read {}: {number} is not KEY=VALUE (at character {}); quote the value or fix the line",
                path.display(),
                at + 1
            ))
        }
        other => config_error(format!("cannot read {}: {other}", path.display())),
    }
}

/// A `--databases` file: one URL per line; blank lines and `#` comments are skipped. A
/// relative SQLite path is relative to the file's folder.
fn read_databases(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        config_error(format!(
            "cannot read the databases file {}: {e}; pass --databases with a file listing one database URL per line",
            path.display()
        ))
    })?;
    let base = parent(path);
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(e) = DatabaseUrl::parse(line) {
            return Err(config_error(format!(
                "{}:{}: {e}; write one database URL per line",
                path.display(),
                n + 1
            )));
        }
        out.push(sqlite_relative_to(line, &base));
    }
    if out.is_empty() {
        return Err(config_error(format!(
            "the databases file {} lists no database URL; write one per line",
            path.display()
        )));
    }
    Ok(out)
}

fn read(path: &Path) -> Result<File> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        config_error(format!(
            "cannot read the config file {}; check the path given to --config: {e}",
            path.display()
        ))
    })?;
    parse(&text, path)
}

fn parse(text: &str, path: &Path) -> Result<File> {
    toml::from_str(text).map_err(|e| {
        // toml's message quotes the offending line, which may be the database URL.
        config_error(format!(
            "{} is not a valid sealift config; fix the key named below (see README.md, Configuration): {e}",
            path.display()
        ))
    })
}

/// A SQLite URL from the config file names its file relative to the config's folder.
fn sqlite_relative_to(url: &str, base: &Path) -> String {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_owned();
    };
    let (path, query) = rest
        .split_once('?')
        .map_or((rest, None), |(p, q)| (p, Some(q)));
    if path.is_empty()
        || path.starts_with('/')
        || path.starts_with(':')
        || base.as_os_str().is_empty()
    {
        return url.to_owned();
    }
    let joined = base.join(path);
    match query {
        Some(q) => format!("sqlite://{}?{q}", joined.display()),
        None => format!("sqlite://{}", joined.display()),
    }
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Include and exclude globs over `name` and `schema.name`.
#[derive(Debug, Default)]
struct TableFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl TableFilter {
    fn new(include: &[String], exclude: &[String]) -> Result<TableFilter> {
        Ok(TableFilter {
            include: globs(include)?,
            exclude: globs(exclude)?,
        })
    }

    fn keeps(&self, schema: &str, table: &str) -> bool {
        let qualified = format!("{schema}.{table}");
        let hit = |set: &GlobSet| set.is_match(table) || set.is_match(&qualified);
        self.include.as_ref().is_none_or(hit) && !self.exclude.as_ref().is_some_and(hit)
    }

    fn apply(&self, schema: &mut Schema) {
        if self.include.is_none() && self.exclude.is_none() {
            return;
        }
        for ns in schema.namespaces.values_mut() {
            let name = ns.name.clone();
            ns.tables.retain(|t, _| self.keeps(&name, t));
        }
    }
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| {
            config_error(format!(
                "invalid table glob `{p}` in {CONFIG_FILE}; use * and ? (e.g. audit_*): {e}"
            ))
        })?);
    }
    b.build()
        .map(Some)
        .map_err(|e| config_error(format!("invalid table globs in {CONFIG_FILE}: {e}")))
}

/// The text `sealift init` writes next to the migration crate; `schemas` are those the
/// entities name (`schema_name`), written out so every command compares them.
pub fn default_file(migration_dir: &Path, entities: &[PathBuf], schemas: &[String]) -> String {
    let entities = if entities.is_empty() {
        format!("# entities = [\"{}\"]", ENTITY_PLACES[0])
    } else {
        let list: Vec<String> = entities
            .iter()
            .map(|p| toml_string(&p.display().to_string()))
            .collect();
        format!("entities = [{}]", list.join(", "))
    };
    let schemas = if schemas.is_empty() {
        "# schemas = [\"public\"]".to_owned()
    } else {
        let list: Vec<String> = schemas.iter().map(|s| toml_string(s)).collect();
        format!("schemas = [{}]", list.join(", "))
    };
    format!(
        r#"# sealift configuration. Flags override these; DATABASE_URL (or .env) overrides database_url.

# database_url = "sqlite://app.db"
{entities}
migration_dir = {}
{schemas}
# include_tables = ["*"]
# exclude_tables = ["audit_*"]
compare_server_defaults = false
drop_unknown_tables = false
"#,
        toml_string(&migration_dir.display().to_string())
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_and_qualified_names() {
        let f = TableFilter::new(&[], &["audit_*".into(), "public.tmp".into()]).unwrap();
        assert!(f.keeps("public", "user"));
        assert!(!f.keeps("public", "audit_log"));
        assert!(!f.keeps("public", "tmp"));
        assert!(f.keeps("other", "tmp"));
        let f = TableFilter::new(&["app_*".into()], &[]).unwrap();
        assert!(f.keeps("public", "app_user"));
        assert!(!f.keeps("public", "user"));
    }

    #[test]
    fn sqlite_files_in_the_config_are_relative_to_it() {
        let base = Path::new("proj");
        assert_eq!(
            sqlite_relative_to("sqlite://app.db", base),
            "sqlite://proj/app.db"
        );
        assert_eq!(
            sqlite_relative_to("sqlite:app.db?mode=ro", base),
            "sqlite://proj/app.db?mode=ro"
        );
        assert_eq!(
            sqlite_relative_to("sqlite:///abs.db", base),
            "sqlite:///abs.db"
        );
        assert_eq!(
            sqlite_relative_to("sqlite::memory:", base),
            "sqlite::memory:"
        );
        assert_eq!(
            sqlite_relative_to("postgres://h/db", base),
            "postgres://h/db"
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let args = Inputs {
            database_url: Some("postgres://app:hunter2@db/app".into()),
            ..Inputs::default()
        };
        assert!(!format!("{args:?}").contains("hunter2"));
        let project = Project::load(&Inputs {
            config: Some(PathBuf::from("/nonexistent/sealift.toml")),
            ..args.clone()
        });
        assert!(project.is_err());
        let project = Project {
            database_url: args.database_url.clone(),
            shadow_database_url: Some("postgres://s:hunter2@db/shadow".to_owned()),
            entities: Vec::new(),
            migration_dir: PathBuf::new(),
            schemas: Vec::new(),
            all_schemas: false,
            migration_schema: None,
            databases: vec!["postgres://t:hunter2@db/t".to_owned()],
            filter: TableFilter::default(),
            compare_server_defaults: false,
            drop_unknown_tables: false,
            lock_timeout: None,
            lock_wait: None,
            lock_retries: 0,
            disabled_features: Vec::new(),
            backends: Vec::new(),
            online: Online::Never,
        };
        let shown = format!("{project:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("app:***@db"),
            "{shown}"
        );
    }

    #[test]
    fn durations() {
        let d = |t| parse_duration(t).unwrap();
        assert_eq!(d("5s"), Some(Duration::from_secs(5)));
        assert_eq!(d("5"), Some(Duration::from_secs(5)));
        assert_eq!(d("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(d("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(d(" 2m "), Some(Duration::from_secs(120)));
        assert_eq!(d("0"), None);
        assert!(parse_lock_timeout("9999999s").is_err());
        assert!(parse_lock_timeout("0.5ms").is_err());
        assert_eq!(parse_lock_timeout("0"), Ok(None));
        assert_eq!(parse_lock_timeout("24d").ok(), None);
        assert_eq!(
            parse_lock_timeout("2147483ms"),
            Ok(Some(Duration::from_millis(2_147_483)))
        );
        assert_eq!(show_duration(Duration::from_secs(300)), "5m");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(d("0ms"), None);
        for bad in ["", "s", "5x", "-1s", "1e999", "5 hours", "99999999999999m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_written_config_reads_back() {
        let text = default_file(
            Path::new("mig \"x\""),
            &[PathBuf::from("entity/src"), PathBuf::from("other")],
            &["musicbrainz".to_owned(), "report".to_owned()],
        );
        let f: File = toml::from_str(&text).unwrap();
        assert_eq!(f.schemas, ["musicbrainz", "report"]);
        assert_eq!(f.migration_dir, Some(PathBuf::from("mig \"x\"")));
        assert_eq!(f.entities.len(), 2);
        let plain: File = toml::from_str(&default_file(Path::new("m"), &[], &[])).unwrap();
        assert!(plain.schemas.is_empty());
    }

    #[test]
    fn backends_name_the_backends_migrations_are_written_for() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(CONFIG_FILE);
        let load = |text: &str| {
            std::fs::write(&config, text).unwrap();
            Project::load(&Inputs {
                config: Some(config.clone()),
                ..Inputs::default()
            })
        };
        let project = load("backends = [\"postgres\", \"mariadb\"]").unwrap();
        assert_eq!(project.backends, vec![Dialect::Postgres, Dialect::Mysql]);
        assert!(load("").unwrap().backends.is_empty());
        let err = load("backends = [\"oracle\"]").unwrap_err().to_string();
        assert!(err.contains("unknown backend `oracle`"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<File>("entites = [\"x\"]").is_err());
        let f: File = toml::from_str("entities = [\"e\"]\nmigration_dir = \"m\"").unwrap();
        assert_eq!(f.entities, vec![PathBuf::from("e")]);
    }
}
