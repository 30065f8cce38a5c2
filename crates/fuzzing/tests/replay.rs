//! Every saved fuzz input, run through its target: the corpora the fuzzer kept
//! (`fuzz/corpus/<target>/`) and the inputs that once broke a target (`fuzz/regressions/<target>/`).

use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable corpus folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let corpus = inputs("corpus", target);
    for path in inputs("regressions", target).iter().chain(&corpus) {
        let data = std::fs::read(path).expect("a readable corpus file");
        if let Err(panic) = std::panic::catch_unwind(|| sealift_fuzzing::run(target, &data)) {
            eprintln!("{target} fails on {}", path.display());
            std::panic::resume_unwind(panic);
        }
    }
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target} is empty; run `cargo xtask fuzz` to fill it"
    );
}

#[test]
fn entity_source() {
    replay("entity_source");
}

#[test]
fn entity_tokens() {
    replay("entity_tokens");
}

#[test]
fn sqlite_ddl() {
    replay("sqlite_ddl");
}

#[test]
fn settings() {
    replay("settings");
}

#[test]
fn register() {
    replay("register");
}

#[test]
fn every_target_is_replayed() {
    let here = include_str!("replay.rs");
    for target in sealift_fuzzing::TARGETS {
        assert!(
            here.contains(&format!("fn {target}()")),
            "{target} has no replay test"
        );
    }
}
