//! Where a database stands against its migration crate, and which migrations a target
//! (`head`, `+2`, `-1`, `base`, a name or a unique prefix) takes it through. Pure: the crate as
//! read and the history rows in, plain values out.

use crate::error::{Error, Result};
use crate::history::{Applied, Dirty};
use crate::migrations::{Header, MigrationCrate};

/// One migration of the crate with its state in the database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// The migration's name.
    pub name: String,
    /// When it was applied (seconds since 1970, UTC); `None` when pending.
    pub applied_at: Option<i64>,
    /// Applied, and its file changed since (the checksum recorded then differs).
    pub edited: bool,
    /// Pending, but ordered before a migration that is applied.
    pub out_of_order: bool,
    /// Started in this direction without a transaction and not finished: part applied.
    pub dirty: Option<Dirty>,
    /// Stopped part way, and each of its steps is safe to run again ([`Status::part_applied`]):
    /// pending, and `upgrade` finishes it.
    pub part_applied: bool,
    /// What the file's header says.
    pub header: Header,
}

impl Entry {
    /// Whether the database has it.
    pub fn is_applied(&self) -> bool {
        self.applied_at.is_some()
    }
}

/// The database against the crate.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// Every migration of the crate, in the order they apply.
    pub entries: Vec<Entry>,
    /// Applied migrations the crate no longer has (their file is gone), oldest first.
    pub missing: Vec<Applied>,
    /// The migrations nothing was written on top of; more than one after two branches merge.
    pub heads: Vec<String>,
    /// Who holds the migration lock, when a run is migrating the database right now (read
    /// only by `status_for_planning`; `None` otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
}

impl Status {
    /// Combines the crate with the history rows.
    pub fn new(krate: &MigrationCrate, applied: &[Applied]) -> Status {
        let mut entries: Vec<Entry> = krate
            .migrations
            .iter()
            .map(|m| {
                let row = applied.iter().find(|a| a.version == m.name);
                let dirty = row.and_then(|a| a.dirty);
                // An online migration that stopped part way on PostgreSQL is run again to
                // finish it: it counts as pending, whichever direction it stopped in.
                let resumes = dirty.is_some() && row.is_some_and(|a| a.resumable);
                Entry {
                    name: m.name.clone(),
                    applied_at: row.filter(|_| !resumes).map(|a| a.applied_at),
                    edited: row
                        .and_then(|a| a.checksum.as_deref())
                        .is_some_and(|c| c != m.checksum),
                    out_of_order: false,
                    dirty,
                    part_applied: resumes,
                    header: m.header.clone(),
                }
            })
            .collect();
        if let Some(last_applied) = entries.iter().rposition(Entry::is_applied) {
            for e in &mut entries[..last_applied] {
                e.out_of_order = !e.is_applied();
            }
        }
        let missing = applied
            .iter()
            .filter(|a| krate.get(&a.version).is_none())
            .cloned()
            .collect();
        Status {
            entries,
            missing,
            heads: heads(krate),
            running: None,
        }
    }

    /// The last applied migration in the crate's order.
    pub fn current(&self) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.is_applied())
    }

    /// The pending migrations, in order.
    pub fn pending(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.is_applied())
    }

    /// Every migration applied and none missing.
    pub fn at_head(&self) -> bool {
        self.pending().next().is_none() && self.missing.is_empty()
    }

    /// Nothing odd: no missing file, no pending migration before an applied one, no edited
    /// or dirty one, one head.
    pub fn consistent(&self) -> bool {
        self.missing.is_empty()
            && self.heads.len() <= 1
            && self
                .entries
                .iter()
                .all(|e| !e.out_of_order && !e.edited && e.dirty.is_none())
            && self.missing.iter().all(|m| m.dirty.is_none())
    }

    /// A migration that started without a transaction and did not finish, if any; not an
    /// online one, which `upgrade` runs again ([`Status::part_applied`]).
    pub fn dirty(&self) -> Option<(&str, Dirty)> {
        self.entries
            .iter()
            .filter(|e| !e.part_applied)
            .find_map(|e| e.dirty.map(|d| (e.name.as_str(), d)))
            .or_else(|| {
                self.missing
                    .iter()
                    .find_map(|m| m.dirty.map(|d| (m.version.as_str(), d)))
            })
    }

    /// Online migrations that stopped part way (each step of theirs is safe to run again), and
    /// what to do, one line each.
    pub fn part_applied(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.part_applied)
            .filter_map(|e| {
                let dirty = e.dirty?;
                Some(format!(
                    "{} stopped part way through its {} (it runs online, without a transaction). `sealift upgrade` runs it again: each step skips what is done",
                    e.name,
                    dirty.as_str()
                ))
            })
            .collect()
    }

    /// What to do about a dirty migration, in one line: it stopped part way, so the database
    /// holds some of its statements; the user makes it whole (or undoes it) by hand and says
    /// which with `stamp`.
    pub fn dirty_advice(&self) -> Option<String> {
        let (name, dirty) = self.dirty()?;
        let before = self
            .entries
            .iter()
            .position(|e| e.name == name)
            .and_then(|i| i.checked_sub(1))
            .map_or("base", |i| self.entries[i].name.as_str());
        Some(format!(
            "{name} started its {} and did not finish (it ran without a transaction, so part of it is applied). Compare the database with the migration's {}: finish it by hand and run `sealift stamp {name}`, or undo what ran and run `sealift stamp {before}`; then go on",
            dirty.as_str(),
            dirty.as_str()
        ))
    }

    /// Index of the migration `name` names: the whole name, or a prefix of exactly one (the
    /// leading `m` may be left out: `20261130_1015` names `m20261130_101500_add_user`).
    pub fn resolve(&self, name: &str) -> Result<usize> {
        if let Some(i) = self.entries.iter().position(|e| e.name == name) {
            return Ok(i);
        }
        let matches: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                !name.is_empty() && (e.name.starts_with(name) || e.name[1..].starts_with(name))
            })
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(Error::Place(format!(
                "no migration is named `{name}` or starts with it; `sealift history` lists them"
            ))),
            many => Err(Error::Place(format!(
                "`{name}` names {} migrations ({}); give more of the name",
                many.len(),
                many.iter()
                    .map(|&i| self.entries[i].name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The migrations `upgrade TARGET` applies, in order.
    pub fn upgrade_steps(&self, target: &Place) -> Result<Vec<&Entry>> {
        let pending: Vec<&Entry> = self.pending().collect();
        Ok(match target {
            Place::Head => pending,
            Place::Relative(n) if *n > 0 => {
                let n = *n as usize;
                if n > pending.len() {
                    return Err(Error::Place(format!(
                        "+{n} asks for {n} migrations, but {} {} pending",
                        pending.len(),
                        if pending.len() == 1 { "is" } else { "are" }
                    )));
                }
                pending[..n].to_vec()
            }
            Place::Name(name) => {
                let at = self.resolve(name)?;
                self.entries[..=at]
                    .iter()
                    .filter(|e| !e.is_applied())
                    .collect()
            }
            Place::Base | Place::Relative(_) => {
                return Err(Error::Place(format!(
                    "upgrade goes forward: use head, +N or a migration, not {target}"
                )));
            }
        })
    }

    /// The migrations `downgrade TARGET` rolls back, newest first. An applied migration
    /// whose file is gone and that is newer than one of them stops it: its `down` cannot
    /// run, and rolling back beneath it would leave it applied on top of older ones undone.
    pub fn downgrade_steps(&self, target: &Place) -> Result<Vec<&Entry>> {
        let steps = self.downgrade_range(target)?;
        let oldest = steps
            .iter()
            .filter_map(|e| e.applied_at.map(|at| (at, e.name.as_str())))
            .min();
        if let Some(oldest) = oldest
            && let Some(m) = self
                .missing
                .iter()
                .find(|m| (m.applied_at, m.version.as_str()) > oldest)
        {
            return Err(Error::Place(format!(
                "{} is applied, newer than {}, but its file is missing, so it cannot be rolled back and nothing beneath it may be; restore src/{}.rs (git checkout), or `sealift stamp` the database to forget it",
                m.version, oldest.1, m.version
            )));
        }
        Ok(steps)
    }

    fn downgrade_range(&self, target: &Place) -> Result<Vec<&Entry>> {
        let applied: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.is_applied())
            .rev()
            .collect();
        Ok(match target {
            Place::Base => applied,
            Place::Relative(n) if *n < 0 => {
                let n = n.unsigned_abs() as usize;
                if n > applied.len() {
                    return Err(Error::Place(format!(
                        "-{n} asks for {n} migrations, but {} {} applied",
                        applied.len(),
                        if applied.len() == 1 { "is" } else { "are" }
                    )));
                }
                applied[..n].to_vec()
            }
            Place::Name(name) => {
                let at = self.resolve(name)?;
                self.entries[at + 1..]
                    .iter()
                    .rev()
                    .filter(|e| e.is_applied())
                    .collect()
            }
            Place::Head | Place::Relative(_) => {
                return Err(Error::Place(format!(
                    "downgrade goes back: use -N, a migration or base, not {target}"
                )));
            }
        })
    }

    /// For offline SQL: the migrations from `from` (exclusive; base when `None`) up to `to`
    /// (inclusive), in order, as if nothing past `from` were applied.
    pub fn range(&self, from: Option<&Place>, to: &Place) -> Result<std::ops::Range<usize>> {
        let start = match from {
            None | Some(Place::Base) => 0,
            Some(Place::Head) => self.entries.len(),
            Some(Place::Name(n)) => self.resolve(n)? + 1,
            Some(t @ Place::Relative(_)) => {
                return Err(Error::Place(format!(
                    "the start of a range is a migration, base or head, not {t}"
                )));
            }
        };
        let end = match to {
            Place::Head => self.entries.len(),
            Place::Base => 0,
            Place::Name(n) => self.resolve(n)? + 1,
            Place::Relative(n) => {
                let end = start as i64 + n;
                if end < 0 || end as usize > self.entries.len() {
                    return Err(Error::Place(format!(
                        "{to} from there goes past the ends of the history"
                    )));
                }
                end as usize
            }
        };
        Ok(start.min(end)..start.max(end))
    }
}

/// A place in the history, as the commands take it (`head`, `base`, `+2`, `-1`, a migration):
/// where `upgrade`, `downgrade` and `stamp` go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// After the last migration.
    Head,
    /// Before the first migration.
    Base,
    /// `+N` or `-N` from where the database is.
    Relative(i64),
    /// A migration, by its name or a unique prefix.
    Name(String),
}

impl std::str::FromStr for Place {
    type Err = Error;

    fn from_str(s: &str) -> Result<Place> {
        let s = s.trim();
        Ok(match s {
            "head" | "heads" => Place::Head,
            "base" => Place::Base,
            _ if s.starts_with(['+', '-']) => {
                let n: i64 = s.parse().map_err(|_| {
                    Error::Place(format!(
                        "`{s}` is not a step count; write +N or -N, e.g. +1"
                    ))
                })?;
                if n == 0 {
                    return Err(Error::Place(
                        "a step count of 0 does nothing; write +1 or -1".to_owned(),
                    ));
                }
                Place::Relative(n)
            }
            "" => {
                return Err(Error::Place(
                    "an empty target; write head, base, +N, -N or a migration".to_owned(),
                ));
            }
            _ => Place::Name(s.to_owned()),
        })
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Head => f.write_str("head"),
            Place::Base => f.write_str("base"),
            Place::Relative(n) => write!(f, "{n:+}"),
            Place::Name(n) => f.write_str(n),
        }
    }
}

/// Each migration's parents: what its `Revises:` line names (a merge names several), or the
/// migration before it in `lib.rs` when it has none (hand-written files). None for the first
/// one (base). The crate was checked when read: every name is one of its migrations, listed
/// before the migration naming it.
pub fn parents(krate: &MigrationCrate) -> Vec<Vec<usize>> {
    krate
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| match m.header.revises.as_deref() {
            Some("base") => Vec::new(),
            Some(list) => sealift_codegen::name_list(list)
                .iter()
                .filter_map(|parent| krate.migrations.iter().position(|p| &p.name == parent))
                .collect(),
            None => i.checked_sub(1).into_iter().collect(),
        })
        .collect()
}

/// The migrations nothing was written on top of, in `lib.rs` order.
pub fn heads(krate: &MigrationCrate) -> Vec<String> {
    let parents = parents(krate);
    krate
        .migrations
        .iter()
        .enumerate()
        .filter(|(i, _)| !parents.iter().any(|p| p.contains(i)))
        .map(|(_, m)| m.name.clone())
        .collect()
}

/// The tables that more than one of `heads`' branches change: each branch is what leads to
/// its head and to no other head. A migration written on one branch did not see the others'
/// changes to such a table, and may need to be written again after the merge.
pub fn overlap(krate: &MigrationCrate, heads: &[String]) -> Vec<String> {
    let parents = parents(krate);
    let ancestors = |head: usize| -> Vec<usize> {
        let mut seen = vec![head];
        let mut todo = vec![head];
        while let Some(at) = todo.pop() {
            for &p in &parents[at] {
                if !seen.contains(&p) {
                    seen.push(p);
                    todo.push(p);
                }
            }
        }
        seen
    };
    let lines: Vec<Vec<usize>> = heads
        .iter()
        .filter_map(|h| krate.migrations.iter().position(|m| &m.name == h))
        .map(ancestors)
        .collect();
    let mut count: std::collections::BTreeMap<String, usize> = Default::default();
    for (k, line) in lines.iter().enumerate() {
        let own: std::collections::BTreeSet<String> = line
            .iter()
            .filter(|m| {
                !lines
                    .iter()
                    .enumerate()
                    .any(|(o, other)| o != k && other.contains(m))
            })
            .flat_map(|&m| krate.migrations[m].header.tables())
            .collect();
        for t in own {
            *count.entry(t).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(t, _)| t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Migration;

    /// A crate of migrations `(name, revises, changes)`.
    fn krate(ms: &[(&str, Option<&str>, &[&str])]) -> MigrationCrate {
        MigrationCrate {
            dir: "m".into(),
            migrator: "Migrator".into(),
            history_table: "seaql_migrations".into(),
            migrations: ms
                .iter()
                .map(|(name, revises, changes)| Migration {
                    name: (*name).into(),
                    file: format!("m/src/{name}.rs").into(),
                    checksum: format!("sum_{name}"),
                    header: Header {
                        revises: revises.map(str::to_owned),
                        changes: changes.iter().map(|c| (*c).to_owned()).collect(),
                        ..Header::default()
                    },
                    rebuilds_tables: false,
                })
                .collect(),
            carried: None,
        }
    }

    fn applied(name: &str, at: i64, checksum: Option<&str>) -> Applied {
        Applied {
            version: name.into(),
            applied_at: at,
            checksum: checksum.map(str::to_owned),
            dirty: None,
            resumable: false,
        }
    }

    fn names(entries: Vec<&Entry>) -> Vec<&str> {
        entries.into_iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn targets_pick_the_right_steps() {
        let k = krate(&[
            ("m20260101_000000_a", None, &[]),
            ("m20260102_000000_b", None, &[]),
            ("m20260103_000000_c", None, &[]),
        ]);
        let s = Status::new(&k, &[applied("m20260101_000000_a", 1, None)]);
        assert_eq!(s.current().unwrap().name, "m20260101_000000_a");
        assert_eq!(
            names(s.upgrade_steps(&Place::Head).unwrap()),
            ["m20260102_000000_b", "m20260103_000000_c"]
        );
        assert_eq!(
            names(s.upgrade_steps(&Place::Relative(1)).unwrap()),
            ["m20260102_000000_b"]
        );
        assert!(s.upgrade_steps(&Place::Relative(3)).is_err());
        assert_eq!(
            names(s.upgrade_steps(&"20260102".parse().unwrap()).unwrap()),
            ["m20260102_000000_b"]
        );
        assert!(s.resolve("m2026").is_err(), "ambiguous");
        assert!(s.resolve("x").is_err(), "unknown");
        assert!(s.upgrade_steps(&Place::Base).is_err());
        let all = Status::new(
            &k,
            &[
                applied("m20260101_000000_a", 1, None),
                applied("m20260102_000000_b", 2, None),
                applied("m20260103_000000_c", 3, None),
            ],
        );
        assert!(all.at_head() && all.consistent());
        assert_eq!(
            names(all.downgrade_steps(&Place::Relative(-2)).unwrap()),
            ["m20260103_000000_c", "m20260102_000000_b"]
        );
        assert_eq!(
            names(all.downgrade_steps(&"m20260101".parse().unwrap()).unwrap()),
            ["m20260103_000000_c", "m20260102_000000_b"]
        );
        assert_eq!(all.downgrade_steps(&Place::Base).unwrap().len(), 3);
        assert_eq!(all.range(None, &Place::Relative(2)).unwrap(), 0..2);
        assert_eq!(
            all.range(Some(&Place::Head), &"m20260101".parse().unwrap())
                .unwrap(),
            1..3
        );
        assert!("+0".parse::<Place>().is_err());
        assert_eq!("-3".parse::<Place>().unwrap(), Place::Relative(-3));
    }

    #[test]
    fn inconsistencies_are_found() {
        let k = krate(&[
            ("m1_a", None, &[]),
            ("m2_b", None, &[]),
            ("m3_c", None, &[]),
        ]);
        let s = Status::new(
            &k,
            &[
                applied("m1_a", 1, Some("other")),
                applied("m3_c", 2, Some("sum_m3_c")),
                applied("m0_gone", 0, None),
            ],
        );
        assert!(s.entries[0].edited && !s.entries[2].edited);
        assert!(s.entries[1].out_of_order);
        assert_eq!(s.missing.len(), 1);
        assert!(!s.at_head() && !s.consistent());
    }

    #[test]
    fn two_branches_make_two_heads_and_a_merge_joins_them() {
        let mut k = krate(&[
            (
                "m1_root",
                Some("base"),
                &["create table public.a (1 columns)"],
            ),
            (
                "m2_left",
                Some("m1_root"),
                &["add column public.post.x int4"],
            ),
            (
                "m3_right",
                Some("m1_root"),
                &["add index i on public.post (y)"],
            ),
            ("m4_right2", Some("m3_right"), &[]),
        ]);
        assert_eq!(heads(&k), ["m2_left", "m4_right2"]);
        assert_eq!(overlap(&k, &heads(&k)), ["public.post"]);
        k.migrations.push(
            krate(&[("m5_merge", Some("m2_left, m4_right2"), &[])])
                .migrations
                .remove(0),
        );
        assert_eq!(heads(&k), ["m5_merge"]);
        assert_eq!(parents(&k)[4], [1, 3]);
        // Files without a Revises line follow the one before them: one head.
        let legacy = krate(&[("m1", None, &[]), ("m2", None, &[])]);
        assert_eq!(heads(&legacy), ["m2"]);
    }
}
