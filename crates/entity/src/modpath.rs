//! Where things live in the entities crate, and where a Rust path written in one of its files
//! leads: `super::cake::Entity` from `entities/fruit.rs` is `entities/cake.rs` when that file
//! is there, never another folder's `cake.rs` beside it.
//!
//! A module is named by its place: the folders above its file, then its own name (`mod.rs`,
//! `lib.rs` and `main.rs` are their folder's module; an inline `mod x { .. }` adds `x`). Paths
//! resolve as Rust resolves them where they can (`self::`, `super::`); a path with no prefix
//! is tried as a child, then as a sibling (`use super::*` is how entity files import), and
//! `crate::` paths, whose root sealift does not know, match by their trailing modules. A path
//! that leads nowhere falls back to the one module of that name when there is exactly one (a
//! re-export or a `use` alias); what matches in several places is ambiguous, never a silent
//! first pick.

use std::path::Path;

/// A module's place: folder names, then module names.
pub type ModPath = Vec<String>;

/// The module a file defines.
pub fn file_module(path: &Path) -> ModPath {
    let mut out: ModPath = path
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !matches!(stem.as_str(), "mod" | "lib" | "main") {
        out.push(stem);
    }
    out
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<T> {
    /// Exactly one match.
    One(T),
    /// Several places match equally well.
    Ambiguous(Vec<T>),
    /// Nothing matches.
    Missing,
}

/// Finds the module a written module path (`["super", "cake"]`, `["crate", "x", "cake"]`,
/// `["cake"]`) names from the module `from`, among `candidates` (each with its place: the
/// caller passes only those with the right name).
/// `None` for `written` means "no module path was written" (a bare type name): then the
/// candidates in `from` itself win, then those in sibling modules, then any.
pub fn find<'a, T: Copy>(
    from: &[String],
    written: Option<&[String]>,
    candidates: impl Iterator<Item = (T, &'a [String])> + Clone,
) -> Found<T> {
    let Some(written) = written else {
        let parent = &from[..from.len().saturating_sub(1)];
        for tier in [Tier::Exact(from), Tier::Within(parent), Tier::Anywhere] {
            let hits: Vec<T> = candidates
                .clone()
                .filter(|(_, at)| tier.admits(at))
                .map(|(t, _)| t)
                .collect();
            match hits.len() {
                0 => continue,
                1 => return Found::One(hits[0]),
                _ => return Found::Ambiguous(hits),
            }
        }
        return Found::Missing;
    };
    let mut base: ModPath = from.to_vec();
    let mut explicit = false;
    let mut rest = written;
    while let Some((first, tail)) = rest.split_first() {
        match first.as_str() {
            "super" => {
                base.pop();
                explicit = true;
            }
            "self" => explicit = true,
            "crate" => {
                explicit = false;
                base.clear();
            }
            _ => break,
        }
        rest = tail;
    }
    let places: Vec<ModPath> = if explicit {
        vec![joined(&base, rest)]
    } else if base.is_empty() {
        // `crate::...`: only the trailing modules are known.
        Vec::new()
    } else {
        // A child of this module, or a sibling (imported with `use super::*`).
        vec![
            joined(from, rest),
            joined(&from[..from.len().saturating_sub(1)], rest),
        ]
    };
    for place in &places {
        if let Some((t, _)) = candidates.clone().find(|(_, at)| at == place) {
            return Found::One(t);
        }
    }
    // Match by the trailing modules, as far as they were written; failing that, the only
    // candidate there is (a path through a re-export or a `use` alias).
    let hits: Vec<T> = candidates
        .clone()
        .filter(|(_, at)| !rest.is_empty() && at.ends_with(rest))
        .map(|(t, _)| t)
        .collect();
    let hits = if hits.is_empty() {
        candidates.map(|(t, _)| t).collect()
    } else {
        hits
    };
    match hits.len() {
        0 => Found::Missing,
        1 => Found::One(hits[0]),
        _ => Found::Ambiguous(hits),
    }
}

fn joined(base: &[String], rest: &[String]) -> ModPath {
    base.iter().chain(rest).cloned().collect()
}

enum Tier<'a> {
    Exact(&'a [String]),
    Within(&'a [String]),
    Anywhere,
}

impl Tier<'_> {
    fn admits(&self, at: &[String]) -> bool {
        match self {
            Tier::Exact(m) => at == *m,
            Tier::Within(dir) => at.len() == dir.len() + 1 && at.starts_with(dir),
            Tier::Anywhere => true,
        }
    }
}

/// A written path's segments, without the trailing item name: `super::cake::Entity` ->
/// `["super", "cake"]`.
pub fn module_segments(path_text: &str) -> Vec<String> {
    let mut segments: Vec<String> = path_text
        .split("::")
        .map(|s| s.trim().trim_start_matches("r#").to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    segments.pop();
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> ModPath {
        text.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn places() -> Vec<ModPath> {
        vec![
            p("e/musicbrainz/art_type"),
            p("e/event_art_archive/art_type"),
            p("e/event_art_archive/event_art"),
            p("e/musicbrainz/cake"),
            p("e/musicbrainz/inner/cake"),
        ]
    }

    /// Looks among the places named like the written path's last module, as callers do.
    fn look(from: &str, written: Option<&str>) -> Found<usize> {
        let all = places();
        let segs = written.map(module_segments);
        let name = segs.as_ref().and_then(|s| s.last().cloned());
        find(
            &p(from),
            segs.as_deref(),
            all.iter()
                .enumerate()
                .filter(|(_, m)| name.is_none() || m.last() == name.as_ref())
                .map(|(i, m)| (i, m.as_slice())),
        )
    }

    #[test]
    fn files_name_their_modules() {
        assert_eq!(file_module(Path::new("e/src/cake.rs")), p("e/src/cake"));
        assert_eq!(file_module(Path::new("e/src/cake/mod.rs")), p("e/src/cake"));
        assert_eq!(file_module(Path::new("e/src/lib.rs")), p("e/src"));
    }

    #[test]
    fn super_paths_stay_in_their_folder() {
        assert_eq!(
            look(
                "e/event_art_archive/event_art",
                Some("super::art_type::Entity")
            ),
            Found::One(1)
        );
        assert_eq!(
            look("e/musicbrainz/cake", Some("super::art_type::Entity")),
            Found::One(0)
        );
        assert_eq!(
            look(
                "e/musicbrainz/inner/x",
                Some("super::super::art_type::Entity")
            ),
            Found::One(0)
        );
    }

    #[test]
    fn unprefixed_and_crate_paths_fall_back_to_trailing_modules() {
        assert_eq!(
            look("e/musicbrainz/cake", Some("art_type::Entity")),
            Found::One(0)
        );
        assert_eq!(
            look("e/x/y", Some("crate::musicbrainz::art_type::Entity")),
            Found::One(0)
        );
        assert_eq!(
            look("e/x/y", Some("crate::art_type::Entity")),
            Found::Ambiguous(vec![0, 1])
        );
        assert_eq!(
            look("e/x/y", Some("super::nothing::Entity")),
            Found::Missing
        );
        // The one `event_art` there is, whatever the path says.
        assert_eq!(
            look("e/x/y", Some("crate::elsewhere::event_art::Entity")),
            Found::One(2)
        );
    }

    #[test]
    fn bare_names_prefer_their_own_module_then_their_folder() {
        let all = [p("a/enums"), p("b/enums"), p("b/cake")];
        let find_from = |from: &str| {
            find(
                &p(from),
                None,
                all.iter().enumerate().map(|(i, m)| (i, m.as_slice())),
            )
        };
        assert_eq!(find_from("b/cake"), Found::One(2));
        assert_eq!(find_from("a/fruit"), Found::One(0));
        assert_eq!(find_from("c/fruit"), Found::Ambiguous(vec![0, 1, 2]));
    }
}
