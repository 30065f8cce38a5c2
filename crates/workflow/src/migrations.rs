//! The user's migration crate as sealift reads it, without building it: the migrations
//! `lib.rs` lists (in the order they apply), each file's checksum, and what its header says.

use std::path::{Path, PathBuf};

use crate::down::DownEffect;
use crate::error::{Error, Result};

/// The history table sea-orm-migration keeps unless `migration_table_name()` names another.
pub const DEFAULT_HISTORY_TABLE: &str = "seaql_migrations";

/// A migration crate: its folder, the `Migrator` in `lib.rs`, the migrations it lists. What a
/// bundle carries of it ([`crate::bundle`]) is this, written as JSON.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MigrationCrate {
    /// The crate's folder (where Cargo.toml is).
    pub dir: PathBuf,
    /// The type `lib.rs` implements `MigratorTrait` for.
    pub migrator: String,
    /// The history table: `seaql_migrations` or what `migration_table_name()` returns.
    pub history_table: String,
    /// The migrations in `fn migrations()` order, the order they apply in.
    pub migrations: Vec<Migration>,
    /// The runner a bundle carries, compiled when it was made: used instead of building one.
    #[serde(skip)]
    pub carried: Option<crate::bundle::Carried>,
}

/// One migration module.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Migration {
    /// The module name, which is what the history table records (`m20261130_101500_add_user`).
    pub name: String,
    /// Its source file.
    pub file: PathBuf,
    /// A checksum of the file's text (line endings normalized): recorded when it is applied, so
    /// an edit after that shows.
    pub checksum: String,
    /// What its header comment says, and what its `down` does to the data.
    pub header: Header,
    /// Whether it rebuilds SQLite tables: its text says `PRAGMA foreign_keys` (SQLite's
    /// procedure for a change it cannot make in place, as sealift writes it and as a
    /// hand-written rebuild does). Such a migration runs with foreign keys off on the
    /// connection, outside its transaction, and checked before it commits.
    pub rebuilds_tables: bool,
}

/// What a migration file's `//!` header says (sealift writes one; hand-written files may not).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// The migration it was written on top of (`None` when the file does not say; `base` is
    /// written as `Some("base")`); a merge names each head it joins, comma-separated.
    pub revises: Option<String>,
    /// Migrations it needs besides its parent (`Depends-On:`): applied before it, rolled
    /// back after it.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// It runs online (`//! Online:`): on PostgreSQL without a transaction, each step safe to
    /// run again, so a run that stopped part way or gave up on a lock runs it again.
    #[serde(default)]
    pub online: bool,
    /// The `Changes:` list.
    pub changes: Vec<String>,
    /// The `Hazards:` list.
    pub hazards: Vec<String>,
    /// What rolling it back does to the data: the tables and columns it creates (header) are
    /// dropped, and what its `down` runs ([`crate::down`]).
    pub down: DownEffect,
}

impl MigrationCrate {
    /// Reads the crate at `dir`: `src/lib.rs` and every migration file it lists. The second
    /// value is true when `lib.rs` names its history table in a way the source does not show
    /// (the crate's runner is then asked: `MigrationCrate::load`).
    pub(crate) fn read(dir: &Path) -> Result<(MigrationCrate, bool)> {
        let lib_path = dir.join("src/lib.rs");
        let lib = std::fs::read_to_string(&lib_path).map_err(|e| {
            Error::Crate(format!(
                "no migration crate at {} (cannot read {}: {e}); run `sealift init`, or pass --migration-dir",
                dir.display(),
                lib_path.display()
            ))
        })?;
        let names = sealift_codegen::registered(&lib).map_err(|e| match &e {
            sealift_codegen::Error::ConflictMarker { line, .. } => {
                Error::Crate(format!("{}:{line}: {e}", lib_path.display()))
            }
            _ => Error::Crate(format!("{}: {e}", lib_path.display())),
        })?;
        let migrator = sealift_codegen::migrator_type(&lib).ok_or_else(|| {
            Error::Crate(format!(
                "{} has no `impl MigratorTrait for ...`; it is not a sea-orm-migration crate",
                lib_path.display()
            ))
        })?;
        let mut migrations = Vec::with_capacity(names.len());
        for name in names {
            if migrations.iter().any(|m: &Migration| m.name == name) {
                return Err(Error::Crate(format!(
                    "{} lists migration {name} twice; remove one entry",
                    lib_path.display()
                )));
            }
            let file = [
                dir.join("src").join(format!("{name}.rs")),
                dir.join("src").join(&name).join("mod.rs"),
            ]
            .into_iter()
            .find(|p| p.exists())
            .ok_or_else(|| {
                Error::Crate(format!(
                    "{} lists migration {name}, but src/{name}.rs does not exist; restore the file or remove its entry and `mod` line",
                    lib_path.display()
                ))
            })?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::Crate(format!("cannot read {}: {e}", file.display())))?;
            if let Some((line, marker)) = sealift_codegen::conflict_marker(&text) {
                return Err(Error::Crate(format!(
                    "{}:{line}: {}",
                    file.display(),
                    sealift_codegen::Error::ConflictMarker { line, marker }
                )));
            }
            migrations.push(Migration {
                checksum: checksum(&text),
                header: Header::read(&text, &file),
                rebuilds_tables: rebuilds_tables(&text),
                name,
                file,
            });
        }
        graph(&migrations, &lib_path)?;
        let (history_table, unresolved) = match sealift_codegen::history_table(&lib) {
            sealift_codegen::HistoryTable::Default => (DEFAULT_HISTORY_TABLE.to_owned(), false),
            sealift_codegen::HistoryTable::Named(name) => (name, false),
            sealift_codegen::HistoryTable::Unresolved => (DEFAULT_HISTORY_TABLE.to_owned(), true),
        };
        Ok((
            MigrationCrate {
                dir: dir.to_path_buf(),
                migrator,
                history_table,
                migrations,
                carried: None,
            },
            unresolved,
        ))
    }

    /// The migration named `name`.
    pub fn get(&self, name: &str) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.name == name)
    }

    /// The checksum of the migration `name` (empty when the crate has no such migration).
    pub fn checksum(&self, name: &str) -> String {
        self.get(name)
            .map(|m| m.checksum.clone())
            .unwrap_or_default()
    }
}

/// FNV-1a (64 bits) over the text with `\r\n` read as `\n` and the `//! Revises:` line left
/// out (`sealift merge` rewrites it), as 16 hex digits: enough to tell an edited file, the same
/// on every platform and checkout.
pub fn checksum(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for line in text.split_inclusive('\n') {
        if line.starts_with(sealift_codegen::REVISES) {
            continue;
        }
        let bytes = match line.strip_suffix("\r\n") {
            Some(body) => [body.as_bytes(), b"\n"].concat(),
            None => line.as_bytes().to_vec(),
        };
        for b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Whether a migration's source follows SQLite's rebuild procedure (`PRAGMA foreign_keys`).
fn rebuilds_tables(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words
        .windows(2)
        .any(|w| w[0] == "pragma" && w[1] == "foreign_keys")
}

/// Checks the history's graph: every name a `Revises:` or `Depends-On:` line gives is a
/// migration lib.rs lists, no migration comes back to itself (a cycle), and lib.rs lists each
/// migration after the ones it revises or depends on, so that the order migrations apply in
/// (lib.rs's) is the graph's. Each error names the files.
fn graph(migrations: &[Migration], lib_path: &Path) -> Result<()> {
    let at = |name: &str| migrations.iter().position(|m| m.name == name);
    let file = |i: usize| migrations[i].file.display().to_string();
    let mut edges: Vec<Vec<(usize, &'static str)>> = vec![Vec::new(); migrations.len()];
    for (i, m) in migrations.iter().enumerate() {
        let revised = match m.header.revises.as_deref() {
            None | Some("base") => Vec::new(),
            Some(list) => sealift_codegen::name_list(list),
        };
        let named = revised
            .iter()
            .map(|n| (n, "Revises"))
            .chain(m.header.depends_on.iter().map(|n| (n, "Depends-On")));
        for (name, line) in named {
            match at(name) {
                Some(j) => edges[i].push((j, line)),
                None => {
                    return Err(Error::Crate(format!(
                        "{}: its `{line}:` line names {name}, which {} does not list; write the name of a migration it lists (`sealift history`), or `base`",
                        file(i),
                        lib_path.display()
                    )));
                }
            }
        }
    }
    // A cycle: follow the edges from each migration, depth first.
    fn cycle(
        from: usize,
        edges: &[Vec<(usize, &'static str)>],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[from] = 1;
        path.push(from);
        for &(to, _) in &edges[from] {
            if state[to] == 1 {
                let start = path.iter().position(|&p| p == to).unwrap_or(0);
                let mut found = path[start..].to_vec();
                found.push(to);
                return Some(found);
            }
            if state[to] == 0
                && let Some(found) = cycle(to, edges, state, path)
            {
                return Some(found);
            }
        }
        path.pop();
        state[from] = 2;
        None
    }
    let mut state = vec![0u8; migrations.len()];
    for i in 0..migrations.len() {
        if state[i] == 0
            && let Some(found) = cycle(i, &edges, &mut state, &mut Vec::new())
        {
            let names: Vec<String> = found.iter().map(|&j| migrations[j].name.clone()).collect();
            let files: Vec<String> = found[..found.len() - 1].iter().map(|&j| file(j)).collect();
            return Err(Error::Crate(format!(
                "the migrations' `Revises:` and `Depends-On:` lines go round in a cycle: {} ({}); point one of them at the migration it was really written after",
                names.join(" -> "),
                files.join(", ")
            )));
        }
    }
    for (i, out) in edges.iter().enumerate() {
        for &(j, line) in out {
            if j > i {
                return Err(Error::Crate(format!(
                    "{} lists {} before {}, which its `{line}:` line names: migrations apply in lib.rs order, so move {}'s `Box::new(..)` entry after {}'s ({}, {})",
                    lib_path.display(),
                    migrations[i].name,
                    migrations[j].name,
                    migrations[i].name,
                    migrations[j].name,
                    file(i),
                    file(j)
                )));
            }
        }
    }
    Ok(())
}

/// How the header line of an online migration starts ([`sealift_codegen::ONLINE_LINE`]).
const ONLINE: &str = "//! Online:";

impl Header {
    /// Reads the leading `//!` lines, and what the `down` function does (`file` is where the
    /// text comes from, for the SQL files it includes).
    pub fn read(text: &str, file: &Path) -> Header {
        let mut header = Header::default();
        let mut section = "";
        for line in text.lines().take_while(|l| l.starts_with("//!")) {
            let body = line.trim_start_matches("//!").trim();
            if let Some(parent) = line.strip_prefix(sealift_codegen::REVISES) {
                header.revises = Some(parent.trim().to_owned());
            } else if let Some(needs) = line.strip_prefix(sealift_codegen::DEPENDS_ON) {
                header.depends_on.extend(sealift_codegen::name_list(needs));
            } else if line.starts_with(ONLINE) {
                header.online = true;
            } else if body.ends_with(':') && !body.starts_with('-') {
                section = body;
            } else if let Some(item) = body.strip_prefix("- ") {
                match section {
                    "Changes:" => header.changes.push(item.to_owned()),
                    "Hazards:" => header.hazards.push(item.to_owned()),
                    _ => {}
                }
            }
        }
        header.down = crate::down::read(text, file);
        for c in &header.changes {
            let created = [
                ("create table ", "drops table "),
                ("add column ", "drops column "),
            ]
            .iter()
            .find_map(|(made, loss)| {
                let name = c.strip_prefix(made)?.split_whitespace().next()?;
                Some(format!("{loss}{name}"))
            });
            if let Some(loss) = created
                && !header.down.loses.contains(&loss)
            {
                header.down.loses.push(loss);
            }
        }
        header
    }

    /// The tables the `Changes:` list names (`... on public.post`, `create table public.post`,
    /// `add column public.post.title ...`).
    pub fn tables(&self) -> Vec<String> {
        let mut tables: Vec<String> = self
            .changes
            .iter()
            .filter_map(|c| {
                let column = [
                    "add column ",
                    "drop column ",
                    "alter column ",
                    "rename column ",
                ]
                .iter()
                .find_map(|p| c.strip_prefix(p));
                if let Some(rest) = column {
                    let qualified = rest.split_whitespace().next()?;
                    return qualified.rsplit_once('.').map(|(t, _)| t.to_owned());
                }
                let after = c
                    .split_once(" on ")
                    .map(|(_, t)| t)
                    .or_else(|| c.strip_prefix("create table "))
                    .or_else(|| c.strip_prefix("drop table "))
                    .or_else(|| c.strip_prefix("rebuild table "))
                    .or_else(|| c.strip_prefix("rename table "))?;
                after.split_whitespace().next().map(str::to_owned)
            })
            .collect();
        tables.sort();
        tables.dedup();
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_say_what_changes_and_what_down_drops() {
        let text = "//! Written by `sealift autogen A` for PostgreSQL.\n//! Revises: m1_a\n//!\n//! Changes:\n//! - create table public.post\n//! - add index post_title_idx on public.post (title)\n//!\n//! Hazards:\n//! - blocking: builds an index\n\nuse x;\n";
        let h = Header::read(text, Path::new("m.rs"));
        assert_eq!(h.revises.as_deref(), Some("m1_a"));
        assert_eq!(h.changes.len(), 2);
        assert_eq!(h.hazards, ["blocking: builds an index"]);
        assert_eq!(h.down.loses, ["drops table public.post"]);
        assert_eq!(h.tables(), ["public.post"]);
        let hand = "use x;\nstruct M;\nimpl MigrationTrait for M {\n async fn up(&self) {}\n async fn down(&self, m: &SchemaManager) { m.drop_table(Table::drop().table(\"post\").to_owned()).await }\n}\n";
        assert!(
            Header::read(hand, Path::new("m.rs"))
                .down
                .needs_confirmation()
        );
        let harmless = "impl MigrationTrait for M {\n async fn up(&self) { m.drop_table(x) }\n async fn down(&self) { m.create_table(x) }\n}\n";
        assert!(
            !Header::read(harmless, Path::new("m.rs"))
                .down
                .needs_confirmation()
        );
        assert!(rebuilds_tables(
            "db.execute_unprepared(\"PRAGMA  foreign_keys=OFF\")"
        ));
        assert!(!rebuilds_tables("PRAGMA foreign_key_list"));
    }

    #[test]
    fn checksums_ignore_line_endings_only() {
        assert_eq!(checksum("a\nb\n"), checksum("a\r\nb\r\n"));
        assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
        assert_eq!(
            checksum("//! x\n//! Revises: m1\nb\n"),
            checksum("//! x\n//! Revises: m2\nb\n")
        );
        assert_eq!(checksum("").len(), 16);
    }
}
