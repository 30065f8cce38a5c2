//! What can go wrong when a change runs, typed, each explained in one sentence.

use std::fmt;

/// The kind of risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Data is lost: a dropped table, column, enum or enum value.
    Destructive,
    /// Succeeds or fails depending on the rows present.
    DataDependent,
    /// Holds locks or rewrites the table while it runs.
    Blocking,
    /// Fails as planned: something the plan does not change stands in its way (a view over a
    /// column it drops, a default the new type cannot hold). Change that first.
    Blocked,
    /// Runs, and changes what the database does from then on: a foreign key's ON DELETE or
    /// ON UPDATE (deleting a parent now deletes, empties or is refused where it did not).
    Behavior,
}

/// One hazard of one change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hazard {
    /// Destructive, data-dependent or blocking.
    pub kind: HazardKind,
    /// One sentence: what happens.
    pub message: String,
}

impl Hazard {
    pub(crate) fn new(kind: HazardKind, message: impl Into<String>) -> Self {
        Hazard {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HazardKind::Destructive => "destructive",
            HazardKind::DataDependent => "data-dependent",
            HazardKind::Blocking => "blocking",
            HazardKind::Blocked => "blocked",
            HazardKind::Behavior => "behavior",
        })
    }
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}
