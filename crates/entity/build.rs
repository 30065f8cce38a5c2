//! A fingerprint of the parser, for the parse cache (`src/cache.rs`): a parse kept by one build
//! is read back only by a build whose parser and data layout are the same. It hashes this
//! crate's sources, those of the crates whose types a parse holds, and the lockfile (syn and
//! proc-macro2's versions).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut hasher = DefaultHasher::new();
    for dir in ["src", "../ir/src", "../dialect/src"] {
        let dir = here.join(dir);
        if dir.is_dir() {
            println!("cargo::rerun-if-changed={}", dir.display());
            hash_dir(&dir, &dir, &mut hasher);
        }
    }
    let lock = here.join("../../Cargo.lock");
    if let Ok(text) = std::fs::read(&lock) {
        println!("cargo::rerun-if-changed={}", lock.display());
        text.hash(&mut hasher);
    }
    println!(
        "cargo::rustc-env=SEALIFT_PARSER_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

/// Every file under `dir`, in name order, by its path below `root` and its bytes.
fn hash_dir(root: &Path, dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(root, &path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            path.strip_prefix(root).unwrap_or(&path).hash(hasher);
            bytes.hash(hasher);
        }
    }
}
