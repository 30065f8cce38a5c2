//! Command-line arguments, declared with clap.

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
    /// Print a live database's schema as sealift sees it.
    Inspect(InspectArgs),
    /// Preview the plan from the database to the entities, without writing anything.
    Diff(DiffArgs),
    /// Exit 0 when the database matches the entities, 1 when it drifts (printing the plan).
    Check(PlanArgs),
    /// Create a migration crate (Cargo.toml, src/lib.rs, src/main.rs) for sea-orm-migration.
    Init(InitArgs),
    /// Add an empty migration to fill in by hand (a data migration), registered in lib.rs.
    Create(CreateArgs),
}

/// `sealift init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where the migration crate goes.
    #[arg(long, value_name = "DIR", default_value = "migration")]
    pub migration_dir: std::path::PathBuf,
}

/// `sealift create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The migration's name, e.g. BackfillUserEmails.
    pub name: String,
    /// The migration crate.
    #[arg(long, value_name = "DIR", default_value = "migration")]
    pub migration_dir: std::path::PathBuf,
}

/// What `diff` and `check` compare, and how.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The database: postgres://..., sqlite://path/to/file.db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The folder holding the SeaORM entity files.
    #[arg(long, value_name = "DIR")]
    pub entities: std::path::PathBuf,
    /// A namespace to compare (PostgreSQL schema); repeat for several. Default: the current one.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
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

/// `sealift diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// What to compare.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output format: text for people, sql for the statements, json for tools, markdown for
    /// pull-request comments.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// How `sealift diff` prints a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Numbered steps with hazards, then notes.
    Text,
    /// The up statements, then the down statements.
    Sql,
    /// The plan as JSON.
    Json,
    /// A pull-request comment.
    Markdown,
}

/// `sealift inspect`: a live database, or entity files read as SeaORM would create them.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The database to reflect: postgres://..., sqlite://path/to/file.db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Read SeaORM entity files from this folder instead of a database.
    #[arg(long, value_name = "DIR", conflicts_with = "database_url")]
    pub entities: Option<std::path::PathBuf>,
    /// With --entities: the backend to lower the entities for.
    #[arg(long, value_enum, default_value_t = DialectArg::Postgres, requires = "entities")]
    pub dialect: DialectArg,
    /// A namespace to reflect (PostgreSQL schema); repeat for several. Default: the current one.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
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
