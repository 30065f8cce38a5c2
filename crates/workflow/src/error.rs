//! What can go wrong in the workflow: each message says what failed and what to do.

/// A workflow failure. Every message is one line a user can act on; none holds a password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs (flags, `sealift.toml`, `.env`) are incomplete or invalid.
    #[error("{0}")]
    Config(String),
    /// The migration crate or one of its files cannot be used.
    #[error("{0}")]
    Crate(String),
    /// A place (`head`, `+2`, a migration) that names nothing, or more than one migration.
    #[error("{0}")]
    Place(String),
    /// The history table cannot be read or written.
    #[error("{0}")]
    History(String),
    /// A run stopped before running anything, because going on could lose data or do what
    /// the user did not see: a down that loses data without `--yes`, a history that moved
    /// while waiting for the lock, a lock held too long by another run.
    #[error("{0}")]
    Refused(String),
    /// Building or running the migration crate failed.
    #[error("{0}")]
    Run(String),
    /// The database cannot be reached.
    #[error(transparent)]
    Catalog(#[from] sealift_catalog::Error),
}

/// The workflow's results.
pub type Result<T> = std::result::Result<T, Error>;
