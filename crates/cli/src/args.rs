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
}

/// `sealift inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The database to reflect: postgres://..., sqlite://path/to/file.db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A namespace to reflect (PostgreSQL schema); repeat for several. Default: the current one.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How a schema is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The indented text dump, one object per line.
    Text,
    /// The model as JSON.
    Json,
}
