//! The application layer between the command line and the stages: what a command does,
//! whoever prints it.
//!
//! It owns the pipeline (read the entity files and the catalog side by side, lower, diff:
//! [`plan`]), the selection of tenants and the fan-out over them ([`tenants`], [`check`]),
//! the guard that refuses to plan against a database that is not at head ([`guard`]) and
//! what `autogen` refuses to write ([`autogen`]). It returns data and reports as it goes
//! through an [`Observer`]; it never prints. The CLI parses arguments, calls in here for what
//! plans (and for the tenants of what migrates), and prints what comes back.

pub mod autogen;
pub mod check;
pub mod entities;
pub mod guard;
pub mod inspect;
mod observer;
pub mod online;
pub mod parse_cache;
pub mod plan;
pub mod prove;
pub mod sample;
pub mod tenants;
pub mod verify;

pub use check::{CheckReport, Checked, check, check_one};
pub use guard::{not_at_head, require_head};
pub use observer::Observer;
pub use plan::{Planned, parse_renames, plan};
