//! MusicBrainz, a large real PostgreSQL schema nobody here wrote (519 tables in 10 schemas),
//! loaded from `../shared`, against the entities sea-orm-cli 2.0.4 generates from it. sealift
//! must find nothing to do but what sea-orm-cli leaves out: the 120 foreign keys that cross
//! schemas. The schema is GPL-licensed and stays out of the repository; the snapshots hold
//! sealift's plan and a summary of what it reflects, not the schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sealift_ir::{Schema, TableKind};
use sealift_testkit::{MUSICBRAINZ_DATABASE, PgDb, TempDir, musicbrainz_sql, shared_dir};

/// `sealift <args>` in an empty folder, without the caller's environment.
fn sealift(args: &[String]) -> Output {
    let cwd = TempDir::new("musicbrainz");
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(cwd.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .expect("run sealift")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The entity folders, one per schema, sorted.
fn entity_dirs() -> Vec<PathBuf> {
    let root = shared_dir().join("fixtures-external/musicbrainz/entities");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 10, "{}", root.display());
    dirs
}

fn args(words: &[&str], url: &str, dirs: &[PathBuf]) -> Vec<String> {
    let mut out: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    out.extend(["--database-url".to_owned(), url.to_owned()]);
    for d in dirs {
        out.extend(["--entities".to_owned(), d.display().to_string()]);
    }
    out
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

#[tokio::test]
async fn musicbrainz_diffs_clean_against_its_own_entities() {
    let db = PgDb::create_with("musicbrainz", MUSICBRAINZ_DATABASE).await;
    db.execute(&musicbrainz_sql()).await;
    let dirs = entity_dirs();
    let main = dirs.iter().find(|d| name_of(d) == "musicbrainz").unwrap();

    // 1. The main schema is in sync: `sealift check --schema musicbrainz`.
    let out = sealift(&args(
        &["check", "--schema", "musicbrainz"],
        db.url(),
        std::slice::from_ref(main),
    ));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with("In sync"), "{stdout}");

    // 2. All ten schemas (read because the entities name them): only the foreign keys across
    //    schemas that sea-orm-cli leaves out, each dropped and re-added by down.
    let out = sealift(&args(&["diff", "--format", "json"], db.url(), &dirs));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let up = plan["up"].as_array().unwrap();
    assert_eq!(up.len(), 120, "{:#}", plan["up"]);
    for step in up {
        let c = &step["change"];
        assert_eq!(
            (c["op"].as_str(), c["part"].get("foreign_key").is_some()),
            (Some("remove"), true),
            "{c:#}"
        );
        assert_ne!(
            c["part"]["foreign_key"]["referenced_table"]["schema"], c["schema"],
            "only foreign keys across schemas: {c:#}"
        );
    }
    let out = sealift(&args(&["diff"], db.url(), &dirs));
    assert!(out.status.success(), "{}", text(&out.stderr));
    insta::with_settings!({snapshot_path => "../../../snapshots/tests/snapshots"}, {
        insta::assert_snapshot!("diff", text(&out.stdout));
    });

    // 3. Comparing server defaults (sea-orm-cli writes none) never touches a sequence default.
    let out = sealift(&args(
        &["diff", "--format", "json", "--compare-server-defaults"],
        db.url(),
        &dirs,
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut defaults_dropped = 0;
    for step in plan["up"].as_array().unwrap() {
        let c = &step["change"];
        if c["op"] == "alter_column" {
            let from = c["from"]["default"].as_str().unwrap_or_default();
            assert!(
                !from.starts_with("nextval("),
                "a sequence default is changed: {c:#}"
            );
            defaults_dropped += 1;
        } else {
            assert_eq!(
                (c["op"].as_str(), c["part"].get("foreign_key").is_some()),
                (Some("remove"), true),
                "{c:#}"
            );
        }
    }
    assert!(defaults_dropped > 100, "{defaults_dropped}");

    // 4. What sealift reflects, summarized per schema.
    let mut inspect = vec!["inspect".to_owned(), "--format".into(), "json".into()];
    inspect.extend(["--database-url".to_owned(), db.url().to_owned()]);
    for d in &dirs {
        inspect.extend(["--schema".to_owned(), name_of(d)]);
    }
    let out = sealift(&inspect);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let schema: Schema = serde_json::from_slice(&out.stdout).unwrap();
    insta::with_settings!({snapshot_path => "../../../snapshots/tests/snapshots"}, {
        insta::assert_snapshot!("inspect_summary", summary(&schema));
    });
}

/// Per namespace, how many of each object sealift reflects.
fn summary(schema: &Schema) -> String {
    let mut out = String::new();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for ns in schema.namespaces.values() {
        let mut n: BTreeMap<&str, usize> = BTreeMap::new();
        for t in ns.tables.values() {
            let kind = match t.kind {
                TableKind::Ordinary => "tables",
                TableKind::Partitioned { .. } => "partitioned tables",
                TableKind::PartitionOf { .. } => "partitions",
                TableKind::View { .. } => "views",
                TableKind::Virtual { .. } => "virtual tables",
            };
            *n.entry(kind).or_default() += 1;
            *n.entry("columns").or_default() += t.columns.len();
            *n.entry("primary keys").or_default() += usize::from(t.primary_key.is_some());
            *n.entry("unique constraints").or_default() += t.uniques.len();
            *n.entry("indexes").or_default() += t.indexes.len();
            *n.entry("expression index parts").or_default() += t
                .indexes
                .iter()
                .flat_map(|i| &i.parts)
                .filter(|p| matches!(p.key, sealift_ir::IndexKey::Expression(_)))
                .count();
            *n.entry("index key collations").or_default() += t
                .indexes
                .iter()
                .flat_map(|i| &i.parts)
                .filter(|p| p.collation.is_some())
                .count();
            *n.entry("partial indexes").or_default() +=
                t.indexes.iter().filter(|i| i.predicate.is_some()).count();
            *n.entry("foreign keys").or_default() += t.foreign_keys.len();
            *n.entry("checks").or_default() += t.checks.len();
            *n.entry("triggers").or_default() += t.triggers.len();
            *n.entry("serial columns").or_default() += t
                .columns
                .iter()
                .filter(|c| matches!(c.identity, Some(sealift_ir::Identity::Serial { .. })))
                .count();
            *n.entry("used by views, rules, policies").or_default() += t.dependents.len();
        }
        *n.entry("enums").or_default() += ns.enums.len();
        *n.entry("domains").or_default() += ns.domains.len();
        let _ = writeln!(out, "{}", ns.name);
        for (k, v) in &n {
            let _ = writeln!(out, "  {k}: {v}");
            *totals.entry(k).or_default() += v;
        }
    }
    let _ = writeln!(out, "all schemas");
    for (k, v) in &totals {
        let _ = writeln!(out, "  {k}: {v}");
    }
    out
}

/// autogen proves its plan on MusicBrainz: the copy of `artist` and every table whose keys
/// lead to it or from it (a partitioned one among them, stood in by a plain table; checks that
/// call the schema's own functions, copied first; indexes on a text search configuration
/// sealift does not copy, left out) takes the plan both ways.
#[tokio::test]
async fn autogen_proves_a_plan_on_musicbrainz() {
    let db = PgDb::create_with("musicbrainz_proof", MUSICBRAINZ_DATABASE).await;
    db.execute(&musicbrainz_sql()).await;
    let dir = TempDir::new("musicbrainz_proof");
    let root = dir.path();
    let entities = root.join("entities");
    std::fs::create_dir_all(&entities).unwrap();
    let source = shared_dir().join("fixtures-external/musicbrainz/entities/musicbrainz");
    for e in std::fs::read_dir(&source).unwrap() {
        let path = e.unwrap().path();
        std::fs::copy(&path, entities.join(path.file_name().unwrap())).unwrap();
    }
    let run = |words: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sealift"))
            .args(words)
            .current_dir(root)
            .env("DATABASE_URL", db.url())
            .env("NO_COLOR", "1")
            .output()
            .expect("run sealift")
    };
    let init = run(&[
        "init",
        "--migration-dir",
        "migration",
        "--entities",
        "entities",
        "--schema",
        "musicbrainz",
    ]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let artist = entities.join("artist.rs");
    let text_before = std::fs::read_to_string(&artist).unwrap();
    let edited = text_before.replacen(
        "    pub name: String,\n",
        "    pub name: String,\n    pub nickname: Option<String>,\n",
        1,
    );
    assert_ne!(edited, text_before);
    std::fs::write(&artist, edited).unwrap();
    let out = run(&["autogen", "AddNickname"]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("not proven"), "{said}");
    assert!(said.contains("Wrote migration/src/"), "{said}");
}
