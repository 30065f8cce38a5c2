//! Command-line arguments, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Autogenerate reviewable SeaORM migrations from entity files.
#[derive(Debug, Parser)]
#[command(name = "sealift", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a migration that takes the database to the entities, registered in lib.rs.
    #[command(after_help = r#"Examples:
  sealift autogen AddUserTable
  sealift autogen AddUserTable --rename user.name=full_name
  sealift autogen AddAuditLog --schema 'tenant_*'    plans against the first tenant; the migration runs on each"#)]
    Autogen(AutogenArgs),
    /// Preview the plan from the database to the entities, without writing anything.
    #[command(after_help = r#"Examples:
  sealift diff
  sealift diff --format sql
  sealift diff --format markdown > plan.md"#)]
    Diff(DiffArgs),
    /// Exit 0 when the database matches the entities, 1 when it drifts (printing the plan).
    #[command(after_help = r#"Examples:
  sealift check                               exit 1 on drift, for CI
  sealift check --schema 'tenant_*' --jobs 8  every tenant schema, one line each
  sealift check --databases tenants.txt --format json"#)]
    Check(CheckArgs),
    /// Print a live database's schema as sealift sees it (or the entities', with --entities).
    Inspect(InspectArgs),
    /// Create a migration crate (Cargo.toml, src/lib.rs, src/main.rs) and a sealift.toml.
    Init(InitArgs),
    /// Add an empty migration to fill in by hand (a data migration), registered in lib.rs.
    Create(CreateArgs),
    /// Apply pending migrations: up to head (default), +N of them, or up to a migration.
    #[command(after_help = r#"Examples:
  sealift upgrade                 to head
  sealift upgrade +1              the next migration only
  sealift upgrade --sql > up.sql  the SQL, without connecting
  sealift upgrade --all-schemas   every schema of the database, each a tenant"#)]
    Upgrade(UpgradeArgs),
    /// Roll back applied migrations: -1 (default), -N, back to a migration (it stays), or base.
    #[command(after_help = r#"Examples:
  sealift downgrade               the last migration
  sealift downgrade -2 --yes      two, even if they drop data
  sealift downgrade base --yes    everything"#)]
    Downgrade(DowngradeArgs),
    /// The last applied migration and what is pending; exit 0 at head, 1 behind or inconsistent.
    #[command(after_help = r#"Examples:
  sealift current
  sealift current --schema 'tenant_*'   where each tenant stands"#)]
    Current(StatusArgs),
    /// Every migration in order, applied or pending, with marks for missing and edited files.
    #[command(after_help = r#"Examples:
  sealift history --verbose
  sealift history --databases tenants.txt --format json"#)]
    History(HistoryArgs),
    /// Record the database as being at TARGET (head, base, a migration) without running anything.
    Stamp(StampArgs),
    /// List the heads: migrations nothing was written on top of (more than one after a merge of two branches).
    #[command(after_help = r#"Examples:
  sealift heads               the heads, one per line
  sealift heads --check       for pull-request CI, beside `sealift check`: exit 1 when there is more than one"#)]
    Heads(HeadsArgs),
    /// Join the heads in one line of history: writes a merge migration that revises each of them and changes nothing (no migration is rewritten).
    Merge(CrateArgs),
    /// Prove the history on a scratch database: each migration up, down (the schema must be
    /// exactly as before, and rows written before the down still there) and up again; at head
    /// the schema must match the entities.
    #[command(after_help = r#"Examples:
  sealift verify                                  a scratch database beside DATABASE_URL's
  sealift verify --shadow-url postgres://localhost/app_shadow
Before each down, three generated rows go into every table the migration leaves; after its down and up again they must still be there.
Exit 0 when every migration restores what its up changed, keeps those rows, and head matches the entities; 1 naming the first that does not (or whose up or down fails); 2 when it cannot run. The development database is never touched."#)]
    Verify(VerifyArgs),
    /// Write one executable that runs this project's migrations where there is no cargo and no
    /// source tree (a production image): upgrade, downgrade, current, history, stamp, heads.
    #[command(after_help = r#"Examples:
  sealift bundle                      into the migration crate's target folder
  sealift bundle --out dist/migrate   then, in the image: migrate upgrade && exec app
See docs/deploy.md."#)]
    Bundle(BundleArgs),
    /// Print a completion script for a shell.
    #[command(after_help = r#"Examples:
  sealift completions bash > ~/.local/share/bash-completion/completions/sealift
  sealift completions zsh > ~/.zfunc/_sealift        (with fpath+=~/.zfunc before compinit)
  sealift completions fish > ~/.config/fish/completions/sealift.fish"#)]
    Completions(CompletionsArgs),
}

/// `sealift verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An empty database to replay on instead of making one (also shadow_database_url in
    /// sealift.toml); it is left in place, with the history in it.
    #[arg(long, value_name = "URL")]
    pub shadow_url: Option<String>,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `sealift bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Where to write it [default: <the migration crate's target folder>/sealift/migrate].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Build the runner without optimizations: much quicker to build, for trying a bundle out.
    #[arg(long)]
    pub debug: bool,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// The commands a bundle (`sealift bundle`) takes: sealift's workflow commands, on the
/// migrations it carries.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Bundled {
    /// What to do.
    #[command(subcommand)]
    pub command: BundledCommand,
}

/// A bundle's subcommands: each is the `sealift` command of the same name.
#[derive(Debug, Subcommand)]
pub enum BundledCommand {
    /// Apply pending migrations: up to head (default), +N of them, or up to a migration.
    Upgrade(UpgradeArgs),
    /// Roll back applied migrations: -1 (default), -N, back to a migration (it stays), or base.
    Downgrade(DowngradeArgs),
    /// The last applied migration and what is pending; exit 0 at head, 1 behind or inconsistent.
    Current(StatusArgs),
    /// Every migration in order, applied or pending, with marks for missing and edited files.
    History(HistoryArgs),
    /// Record the database as being at TARGET (head, base, a migration) without running anything.
    Stamp(StampArgs),
    /// List the heads: migrations nothing was written on top of.
    Heads(HeadsArgs),
}

impl From<BundledCommand> for Command {
    fn from(c: BundledCommand) -> Command {
        match c {
            BundledCommand::Upgrade(a) => Command::Upgrade(a),
            BundledCommand::Downgrade(a) => Command::Downgrade(a),
            BundledCommand::Current(a) => Command::Current(a),
            BundledCommand::History(a) => Command::History(a),
            BundledCommand::Stamp(a) => Command::Stamp(a),
            BundledCommand::Heads(a) => Command::Heads(a),
        }
    }
}

/// `sealift completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// `sealift upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// head (default), +N, or a migration (its name or a unique prefix such as its timestamp);
    /// with --sql, FROM:TO.
    #[arg(default_value = "head")]
    pub target: String,
    /// How long to wait for locks.
    #[command(flatten)]
    pub lock: LockArgs,
    /// --sql and --dialect.
    #[command(flatten)]
    pub offline: OfflineArgs,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
}

/// How long a run waits for locks.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long a migration's statement may wait for a lock held by another session before
    /// it fails (PostgreSQL lock_timeout, MySQL lock_wait_timeout): 5s, 500ms, 2m, or 0 for
    /// no limit [default: lock_timeout in sealift.toml, else 5s].
    #[arg(long, value_name = "DURATION")]
    pub lock_timeout: Option<String>,
    /// How many times a migration that gave up waiting for a lock (and was rolled back) runs
    /// again, after 1 s, 2 s, 4 s, ... (PostgreSQL, where a migration runs in a transaction;
    /// MySQL's run without one and are not retried) [default: lock_retries in sealift.toml,
    /// else 3].
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// How long to wait for another run's migration lock before giving up, naming who holds
    /// it: 5m, 30s, or 0 for no limit [default: lock_wait in sealift.toml, else 5m].
    #[arg(long, value_name = "DURATION")]
    pub lock_wait: Option<String>,
}

/// Offline SQL instead of running anything.
#[derive(Debug, Args)]
pub struct OfflineArgs {
    /// Print the SQL instead of running it, without connecting to a database.
    #[arg(long)]
    pub sql: bool,
    /// With --sql: the backend to write SQL for (default: the database URL's).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
}

/// `sealift downgrade`.
#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// -1 (default), -N, a migration (it stays applied), or base; with --sql, FROM:TO (FROM
    /// defaults to head).
    #[arg(default_value = "-1", allow_negative_numbers = true)]
    pub target: String,
    /// Roll back even though it drops tables or columns, or goes to base.
    #[arg(long)]
    pub yes: bool,
    /// How long to wait for locks.
    #[command(flatten)]
    pub lock: LockArgs,
    /// --sql and --dialect.
    #[command(flatten)]
    pub offline: OfflineArgs,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
}

/// `sealift heads`.
#[derive(Debug, Args)]
pub struct HeadsArgs {
    /// Exit 1 when there is more than one head (for pull-request CI).
    #[arg(long)]
    pub check: bool,
    /// The migration crate.
    #[command(flatten)]
    pub krate: CrateArgs,
}

/// `sealift heads`, `merge`: the migration crate alone.
#[derive(Debug, Args)]
pub struct CrateArgs {
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `sealift current`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
}

/// `sealift history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Add each migration's header: its changes and hazards.
    #[arg(long, short)]
    pub verbose: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
}

/// `sealift stamp`.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// head, base, or a migration.
    pub target: String,
    /// How long to wait for another run's migration lock before giving up: 5m, 30s, or 0
    /// for no limit [default: lock_wait in sealift.toml, else 5m].
    #[arg(long, value_name = "DURATION")]
    pub lock_wait: Option<String>,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Where the inputs are; every command takes these. Flags override the environment
/// (`DATABASE_URL`, `.env`), which overrides `sealift.toml`. Its `Debug` hides the database
/// URL's password.
#[derive(Clone, Default, Args)]
pub struct ProjectArgs {
    /// The config file (default: ./sealift.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The database: postgres://..., sqlite://path/to/file.db (default: DATABASE_URL).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A folder of SeaORM entity files; repeat for several.
    #[arg(long = "entities", value_name = "DIR")]
    pub entities: Vec<PathBuf>,
    /// The migration crate (default: ./migration).
    #[arg(long, value_name = "DIR")]
    pub migration_dir: Option<PathBuf>,
    /// A namespace to compare (PostgreSQL schema); repeat for several. A glob (`tenant_*`)
    /// selects tenant schemas: each is compared with, or migrated like, the entities without
    /// schema_name. Default: the current one.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
}

/// Which tenants a command works on, for the commands that fan out: the flags are shown only
/// on those.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Tenants")]
pub struct TenantArgs {
    /// Every schema of the database is a tenant (as --schema '*').
    #[arg(long, conflicts_with = "schemas")]
    pub all_schemas: bool,
    /// A file listing one database URL per line, each a tenant (database per tenant); also
    /// `databases = [...]` in sealift.toml.
    #[arg(long, value_name = "FILE")]
    pub databases: Option<PathBuf>,
    /// How many tenants to work on at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
}

impl std::fmt::Debug for ProjectArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The workflow's inputs print the URL without its password.
        self.inputs().fmt(f)
    }
}

impl ProjectArgs {
    /// The flags as the workflow crate's config takes them.
    pub fn inputs(&self) -> sealift_workflow::config::Inputs {
        sealift_workflow::config::Inputs {
            config: self.config.clone(),
            database_url: self.database_url.clone(),
            entities: self.entities.clone(),
            migration_dir: self.migration_dir.clone(),
            schemas: self.schemas.clone(),
            all_schemas: false,
            databases: None,
            no_default_config: false,
        }
    }

    /// The same, with a command's tenant flags.
    pub fn with_tenants(&self, tenants: &TenantArgs) -> sealift_workflow::config::Inputs {
        sealift_workflow::config::Inputs {
            all_schemas: tenants.all_schemas,
            databases: tenants.databases.clone(),
            ..self.inputs()
        }
    }
}

/// How a plan may be made.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Planning")]
pub struct PolicyArgs {
    /// Rename instead of drop + add: `old=new` for a table, `table.old=new` for a column.
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<String>,
    /// Also compare column defaults (off: the database's defaults are left alone).
    #[arg(long)]
    pub compare_server_defaults: bool,
    /// Drop tables that no entity names (off: they are noted and left alone).
    #[arg(long)]
    pub drop_unknown_tables: bool,
}

/// `sealift autogen`.
#[derive(Debug, Args)]
pub struct AutogenArgs {
    /// The migration's name, e.g. AddUserTable.
    pub name: String,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
    /// How the plan may be made.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Write the migration even though it drops tables, columns or enum values.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Write it without first running its up and down on a scratch copy of the tables it
    /// touches.
    #[arg(long)]
    pub no_verify: bool,
    /// Which steps run online on PostgreSQL.
    #[command(flatten)]
    pub online: OnlineArgs,
}

/// `--online` / `--no-online`: `online` of sealift.toml, for one migration.
#[derive(Debug, Args)]
pub struct OnlineArgs {
    /// Every index, key and NOT NULL step runs online on PostgreSQL (built concurrently,
    /// validated apart), whatever the table's size; the migration runs without a
    /// transaction there, each step safe to run again. Default: `online` in sealift.toml
    /// (auto: steps on tables the catalog estimates at `online_min_rows`, 100,000, or more).
    #[arg(long, conflicts_with = "no_online")]
    pub online: bool,
    /// No step runs online: the migration runs in one transaction.
    #[arg(long)]
    pub no_online: bool,
    /// Fill a column before it is made NOT NULL (a new NOT NULL column of a table with rows,
    /// or a column made NOT NULL that holds NULLs): `table.column=<SQL expression>`, e.g.
    /// `post.slug="'post-' || id"`. The migration adds it nullable, fills it in batches by
    /// primary key, then makes it NOT NULL. Repeat for more columns. A column made NOT NULL
    /// whose entity has a `default_value` is filled with it without this.
    #[arg(long = "backfill", value_name = "TABLE.COLUMN=SQL")]
    pub backfill: Vec<String>,
}

impl OnlineArgs {
    /// The `--backfill` fills.
    pub fn fills(&self) -> anyhow::Result<Vec<sealift_diff::BackfillRequest>> {
        self.backfill
            .iter()
            .map(|f| {
                sealift_diff::BackfillRequest::parse(f)
                    .map_err(|e| sealift_workflow::Error::Config(e).into())
            })
            .collect()
    }

    /// The project's setting with these flags on top.
    pub fn over(
        &self,
        project: sealift_workflow::config::Online,
    ) -> sealift_workflow::config::Online {
        use sealift_workflow::config::Online;
        if self.online {
            Online::Always
        } else if self.no_online {
            Online::Never
        } else {
            project
        }
    }
}

/// `sealift check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Compare the entities with the history replayed on a scratch database, not with the
    /// database: catches an entity with no migration, or a migration edited after it was
    /// applied.
    #[arg(long)]
    pub replay: bool,
    /// With --replay: an empty database to replay on instead of making one.
    #[arg(long, value_name = "URL", requires = "replay")]
    pub shadow_url: Option<String>,
    /// Output format: text, or json for automation (one result per tenant).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
    /// How the plan may be made.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `sealift diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which tenants.
    #[command(flatten)]
    pub tenants: TenantArgs,
    /// How the plan may be made.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format: text for people, sql for the statements, json for tools, markdown for
    /// pull-request comments.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Which steps run online on PostgreSQL, as `autogen` would write them.
    #[command(flatten)]
    pub online: OnlineArgs,
}

/// How `sealift diff` prints a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change, grouped by table, with hazards; then what is left alone.
    Text,
    /// The up statements, then the down statements.
    Sql,
    /// The plan as JSON.
    Json,
    /// A pull-request comment.
    Markdown,
}

/// `sealift init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where the inputs are (`--migration-dir` is where the crate goes).
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `sealift create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The migration's name, e.g. BackfillUserEmails.
    pub name: String,
    /// Write a data migration that fills a column where it is NULL, in batches by primary
    /// key, each committed on its own, with progress: `table.column=<SQL expression>`.
    /// Repeat for more columns.
    #[arg(long = "backfill", value_name = "TABLE.COLUMN=SQL")]
    pub backfill: Vec<String>,
    /// With --backfill: the integer key column the batches walk.
    #[arg(
        long,
        value_name = "COLUMN",
        default_value = "id",
        requires = "backfill"
    )]
    pub backfill_key: String,
    /// Where the inputs are.
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `sealift inspect`: a live database, or entity files read as SeaORM would create them.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The database to inspect, as `--database-url` takes it.
    #[arg(value_name = "DATABASE_URL", conflicts_with = "database_url")]
    pub url: Option<String>,
    /// Where the inputs are; `--entities` reads entity files instead of the database.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// With --entities: the backend to lower the entities for.
    #[arg(long, value_enum, default_value_t = DialectArg::Postgres)]
    pub dialect: DialectArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A target backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
    /// MySQL and MariaDB.
    Mysql,
}

impl From<DialectArg> for sealift_ir::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => sealift_ir::Dialect::Postgres,
            DialectArg::Sqlite => sealift_ir::Dialect::Sqlite,
            DialectArg::Mysql => sealift_ir::Dialect::Mysql,
        }
    }
}

/// How a schema is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The indented text dump, one object per line.
    Text,
    /// The model as JSON.
    Json,
}
