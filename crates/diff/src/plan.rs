//! A plan as data: its steps in order, each change with its hazards and what SQLite runs
//! instead, and the down steps; its text for a reviewer. [`crate::planner`] makes one.

use std::fmt::Write;

use sealift_ir::Dialect;

use crate::Note;
use crate::change::Change;
use crate::dialect::Target;
use crate::hazard::{Hazard, HazardKind};
use crate::sql::statements;
use crate::statement::Statement;

/// One change with its hazards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// The change.
    pub change: Change,
    /// What can go wrong when it runs; empty when nothing can.
    pub hazards: Vec<Hazard>,
    /// What SQLite runs instead, in a plan made elsewhere: SQLite alters little in place, so
    /// the steps on such a table become one rebuild.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_sqlite: Option<OnSqlite>,
    /// How it runs on PostgreSQL: plainly, or online ([`Plan::go_online`]).
    #[serde(skip_serializing_if = "Run::is_plain")]
    pub run: Run,
    /// The column it makes NOT NULL is filled first where it holds no value
    /// ([`Plan::backfill`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill: Option<crate::change::Fill>,
}

/// How a step runs on PostgreSQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Run {
    /// Its statements, in the migration's transaction.
    #[default]
    Plain,
    /// Without a transaction, as one `DO` block that the catalog skips when it is done, so
    /// that the migration can run again after stopping part way.
    Guarded,
    /// Its online form: an index built concurrently, a constraint validated apart, NOT NULL
    /// proven by a validated check; each statement safe to run again.
    Online,
}

impl Run {
    fn is_plain(&self) -> bool {
        *self == Run::Plain
    }
}

/// A step's stand-in on SQLite.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnSqlite {
    /// Run this change instead: a table rebuild doing the table's steps, or a table created
    /// or dropped with its foreign keys.
    Instead(Box<Change>),
    /// Nothing, for the reason given: another step does it.
    Nothing(String),
}

/// An ordered, reversible plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The dialect the plan is for.
    pub dialect: Dialect,
    /// The changes that take the database to the desired schema, in order.
    pub up: Vec<Step>,
    /// The changes that take it back, in order.
    pub down: Vec<Step>,
    /// What was found and deliberately left alone.
    pub notes: Vec<Note>,
    /// The namespace the connection is set to: tables in it are named without a schema.
    pub default_schema: String,
}

impl Plan {
    /// Where the plan's own statements run: its dialect, in its default namespace.
    pub fn target(&self) -> crate::Target<'_> {
        crate::Target::native(self.dialect, &self.default_schema)
    }

    /// True when there is nothing to do (notes do not count).
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }

    /// Every hazard of the up plan.
    pub fn hazards(&self) -> impl Iterator<Item = &Hazard> {
        self.up.iter().flat_map(|s| &s.hazards)
    }

    /// True when running the plan would lose data.
    pub fn is_destructive(&self) -> bool {
        self.hazards().any(|h| h.kind == HazardKind::Destructive)
    }

    /// Whether the plan's backend undoes a failed migration's DDL with its transaction.
    pub fn transactional_ddl(&self) -> bool {
        crate::dialect::backend(self.dialect)
            .features()
            .transactional_ddl
    }

    /// The plan as text a reviewer reads: numbered steps with hazards, then notes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (title, steps) in [("up", &self.up), ("down", &self.down)] {
            let _ = writeln!(out, "{title}:");
            if steps.is_empty() {
                let _ = writeln!(out, "  (nothing)");
            }
            for (i, s) in steps.iter().enumerate() {
                let _ = writeln!(out, "  {}. {}", i + 1, s.change);
                for c in s.change.rebuilt() {
                    let _ = writeln!(out, "     - {c}");
                }
                for h in &s.hazards {
                    let _ = writeln!(out, "     ! {h}");
                }
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "notes:");
            for n in &self.notes {
                let _ = writeln!(out, "  - {}: {}", n.subject, n.message);
            }
        }
        out
    }
}

/// The SQL of a sequence of steps.
pub fn render_steps(steps: &[Step], target: &Target) -> Vec<String> {
    steps
        .iter()
        .flat_map(|s| step_statements(s, target))
        .filter(|s| !matches!(s, Statement::Nothing(_)))
        .map(|s| s.to_sql(target.backend))
        .collect()
}

/// The statements of one step on the target's backend: its change, or on SQLite what stands
/// in for it there (a table rebuild).
pub fn step_statements(step: &Step, t: &Target) -> Vec<Statement> {
    if let Some(fill) = &step.backfill
        && !t.features().rebuilds_tables
    {
        return crate::backfill::filled(&step.change, fill, step.run, t);
    }
    if step.run != Run::Plain && t.backend == Dialect::Postgres {
        return crate::online::step_statements(step, t);
    }
    if step.run == Run::Online
        && t.backend == Dialect::Mysql
        && let Some(online) = crate::online::mysql(&step.change, t)
    {
        return online;
    }
    match &step.on_sqlite {
        Some(OnSqlite::Instead(c)) if t.features().rebuilds_tables => statements(c, t),
        Some(OnSqlite::Nothing(why)) if t.features().rebuilds_tables => {
            vec![Statement::Nothing(why.clone())]
        }
        _ => statements(&step.change, t),
    }
}
