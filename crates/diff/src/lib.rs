//! Compares a desired schema (from entities) with the current one (from the database) and
//! produces a plan: ordered changes, each with its exact inverse and its hazards.
//!
//! Pure: no IO. The most common bug of schema diff tools is proposing the same change again
//! after it was applied, because the database normalizes what it stores; every comparison here
//! happens in the dialect's normalized space (`compare.rs`), pairs objects by definition rather
//! than by name, and leaves alone what entities cannot express (reported as notes).

mod backfill;
mod change;
mod compare;
mod dialect;
mod expr;
mod hazard;
mod hazards;
mod online;
mod order;
mod plan;
mod planner;
mod probe;
mod sql;
mod sqlite_batch;
mod statement;

pub use backfill::{BATCH_ROWS, Requested as BackfillRequest};
pub use change::{Change, EnumColumn, EnumOp, EnumPosition, Fill, Part, TableOp};
pub use dialect::Target;
pub use expr::normal_form;
pub use hazard::{Hazard, HazardKind};
pub use online::{has_online_form, locks};
pub use plan::{OnSqlite, Plan, Run, Step, render_steps, step_statements};
pub use probe::{Probe, probes};
pub use sql::statements;
pub use sqlite_batch::apply;
pub use statement::{
    ColumnSpec, CreateTable, ForeignKeySpec, IndexSpec, Name, SchemaStatement, Statement,
};

use sealift_ir::{Dialect, Schema};

/// A rename the caller asks for (`--rename old=new`, `--rename table.old=new`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rename {
    /// The table of a column rename; none for a table rename.
    pub table: Option<String>,
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
}

/// What to compare and what the plan may do.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The dialect both schemas are in.
    pub dialect: Dialect,
    /// Compare column defaults too (off: defaults are the database's business).
    pub compare_server_defaults: bool,
    /// Drop tables that no entity names (off: they are noted and left alone).
    pub drop_unknown_tables: bool,
    /// Renames to apply instead of drop + add.
    pub renames: Vec<Rename>,
    /// The namespace the connection is set to (PostgreSQL's current schema): the plan names
    /// tables in it without a schema, so its migration follows the search path.
    pub default_schema: String,
}

impl DiffOptions {
    /// The safe defaults for a dialect.
    pub fn new(dialect: Dialect) -> Self {
        DiffOptions {
            dialect,
            compare_server_defaults: false,
            drop_unknown_tables: false,
            renames: Vec::new(),
            default_schema: crate::dialect::backend(dialect).default_schema().to_owned(),
        }
    }

    fn table_rename_to(&self, to: &str) -> Option<&str> {
        self.renames
            .iter()
            .find(|r| r.table.is_none() && r.to == to)
            .map(|r| r.from.as_str())
    }

    fn column_rename_to(&self, table: &str, to: &str) -> Option<&str> {
        self.renames
            .iter()
            .find(|r| r.table.as_deref() == Some(table) && r.to == to)
            .map(|r| r.from.as_str())
    }
}

/// Something found and deliberately left alone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    /// What it is about (`public.actor.idx_actor_last_name`).
    pub subject: String,
    /// Why it is left alone.
    pub message: String,
}

/// The plan that takes a database from `current` to `desired`.
pub fn diff(desired: &Schema, current: &Schema, options: &DiffOptions) -> Plan {
    let (changes, notes) = compare::compare(desired, current, options);
    planner::plan(changes, current, options, notes)
}
