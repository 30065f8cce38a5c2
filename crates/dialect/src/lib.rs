//! Each database's own rules that both sides of a diff must agree on: how the server spells a
//! type it reports, how it names an object created without a name, how it reads a declared
//! type. Entity lowering (what the server will make of an entity), catalog reflection (what it
//! reports) and the plan (what to call an object on another backend) all use the same rules,
//! so they live here, once, one module per database, and not in the IR, which stays a plain
//! model with no database's rules in it.
//!
//! A rule belongs here when more than one stage needs it and it depends only on the database,
//! not on sqlx, syn or sea-query. Rules one stage alone needs stay in that stage's own
//! `dialect` module (the entity crate's lowering targets, the diff crate's `Backend`s).

pub mod mysql;
pub mod postgres;
pub mod sqlite;

/// A type name lowercased with runs of whitespace folded to one space: the spelling every
/// dialect's normalization starts from (`Double  Precision` -> `double precision`).
pub fn fold_type_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}
