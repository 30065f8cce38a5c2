//! The bodies of sealift's fuzz targets. `fuzz/` (cargo-fuzz, libFuzzer) calls them with
//! generated inputs; `tests/replay.rs` calls them with every saved corpus entry, so the normal
//! test suite checks each input the fuzzer ever found interesting without a fuzzer.
//!
//! Each body panics when an invariant breaks, which is what the fuzzer reports:
//! - entity files: parsing and lowering never panic, and a file that lowers without errors
//!   plans and generates a migration that is valid Rust, whatever its names, comments,
//!   defaults and expressions hold;
//! - SQLite DDL text: the reader never panics or loops;
//! - settings: `sealift.toml`, `.env` and database URLs are read without a panic, and a
//!   password placed in a URL never shows in an error, a `Display` or a `Debug`;
//! - `lib.rs`: registering a migration either fails with a reason or yields a `lib.rs` that
//!   parses and lists the migration once.

mod tokens;

use std::path::Path;

use sealift_catalog::{DatabaseUrl, redact, redact_urls, sqlite_ddl};
use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::{Dialect, Schema};

pub use tokens::EntityTokens;

/// The fuzz targets, by the name `cargo fuzz run` takes.
pub const TARGETS: [&str; 5] = [
    "entity_source",
    "entity_tokens",
    "sqlite_ddl",
    "settings",
    "register",
];

/// Runs the target named `target` on one input.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "entity_source" => entity_source(data),
        "entity_tokens" => {
            // As libfuzzer-sys builds a typed input from the bytes.
            let input = arbitrary::Unstructured::new(data);
            if let Ok(tokens) = <EntityTokens as arbitrary::Arbitrary>::arbitrary_take_rest(input) {
                entity_tokens(&tokens);
            }
        }
        "sqlite_ddl" => sqlite_ddl(data),
        "settings" => settings(data),
        "register" => register(data),
        other => panic!("no fuzz target named {other}; the targets are {TARGETS:?}"),
    }
}

/// Arbitrary bytes as an entity file.
pub fn entity_source(data: &[u8]) {
    entities(&String::from_utf8_lossy(data));
    forget_spans();
}

/// An entity file built from arbitrary tokens in a SeaORM entity's shape.
pub fn entity_tokens(tokens: &EntityTokens) {
    entities(&tokens.render());
    forget_spans();
}

/// proc-macro2 keeps, per thread, the text of every file parsed on it so that spans can give
/// line numbers; a run of a million inputs would keep a million files. Entity files are
/// parsed on rayon's threads, `lib.rs` on this one.
fn forget_spans() {
    rayon::broadcast(|_| proc_macro2::extra::invalidate_current_thread_spans());
    proc_macro2::extra::invalidate_current_thread_spans();
}

fn entities(text: &str) {
    let files = [SourceFile {
        path: "post.rs".into(),
        text: text.to_owned(),
    }];
    let parsed = sealift_entity::parse(&files);
    for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql] {
        let lowered = sealift_entity::lower(&parsed, &LowerOptions::new(dialect));
        if lowered.has_errors() {
            continue;
        }
        let plan = sealift_diff::diff(
            &lowered.schema,
            &Schema::new(dialect),
            &sealift_diff::DiffOptions::new(dialect),
        );
        let file = sealift_codegen::migration_file(&plan, &Default::default());
        if let Err(e) = syn::parse_file(&file) {
            panic!("the {dialect:?} migration is not valid Rust ({e}):\n{file}");
        }
    }
}

/// Arbitrary bytes as a `CREATE TABLE` and a `CREATE INDEX` statement.
pub fn sqlite_ddl(data: &[u8]) {
    let sql = String::from_utf8_lossy(data);
    let _ = sqlite_ddl::table(&sql);
    let _ = sqlite_ddl::index(&sql);
    let _ = sqlite_ddl::unquote(&sql);
}

/// The password a settings input carries in its URL, the assertions look for it: different
/// for each input, so that `redact`'s memory of the passwords it has seen (a few, in a
/// process) is soon full of other inputs' and the checks see what a fresh process would.
fn secret_for(data: &[u8]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    format!("Hunter{:016x}", h.finish())
}

/// Arbitrary bytes around a database URL with a password, read as `sealift.toml`, as `.env`
/// and as a URL. The input is split at its first two `\n\n`: the text before the URL, the
/// URL's user name and scheme, the text after it.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let secret = secret_for(data);
    let secret = secret.as_str();
    let mut parts = text.splitn(3, "\n\n");
    let (before, user, after) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if [before, user, after].iter().any(|p| p.contains(secret)) {
        return;
    }
    let scheme = ["postgres", "mysql", "mariadb", "sqlite", "postgresql"][user.len() % 5];
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let url = format!("{scheme}://{user}:{secret}@{after}");
    let whole = format!("{before}{url}");
    let path = Path::new("sealift.toml");
    let leaks = |what: &str, shown: String| {
        assert!(
            !shown.contains(secret),
            "{what} shows the password:\n{shown}\ninput:\n{whole}"
        );
    };

    leaks("redact_urls", redact_urls(&whole));
    leaks("redact", redact(&whole));
    match DatabaseUrl::parse(&url) {
        Ok(parsed) => {
            leaks("Display", parsed.to_string());
            leaks("Debug", format!("{parsed:?}"));
            leaks("scrub", parsed.scrub(&whole));
        }
        Err(e) => leaks("the URL error", e.to_string()),
    }
    if let Err(e) = sealift_workflow::config::check_config(&whole, path) {
        leaks("the config error", e.to_string());
    }
    if let Err(e) = sealift_workflow::config::check_dotenv(&whole, Path::new(".env")) {
        leaks("the .env error", e.to_string());
    }
    // The same texts without the password: only that no reader panics.
    let _ = sealift_workflow::config::check_config(&text, path);
    let _ = sealift_workflow::config::check_dotenv(&text, Path::new(".env"));
    let _ = DatabaseUrl::parse(&text).map(|u| u.to_string());
}

/// Arbitrary bytes as a migration crate's `lib.rs`.
pub fn register(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let module = "m20260101_000001_fuzz";
    let _ = sealift_codegen::history_table(&text);
    let _ = sealift_codegen::migrator_type(&text);
    let _ = sealift_codegen::set_revises(&text, Some("m20250101_000001_parent"));
    register_checked(&text, module);
    forget_spans();
}

fn register_checked(text: &str, module: &str) {
    let before = sealift_codegen::registered(text);
    let Ok(out) = sealift_codegen::register(text, module) else {
        return;
    };
    let listed = match sealift_codegen::registered(&out) {
        Ok(listed) => listed,
        Err(e) => panic!("registering made a lib.rs that does not read back ({e}):\n{out}"),
    };
    let count = listed.iter().filter(|m| *m == module).count();
    assert_eq!(
        count, 1,
        "the new migration is listed {count} times:\n{out}"
    );
    if let Ok(before) = before {
        let mut expected = before;
        expected.push(module.to_owned());
        assert_eq!(
            listed, expected,
            "registering changed the other entries:\n{out}"
        );
    }
    assert!(
        matches!(
            sealift_codegen::register(&out, module),
            Err(sealift_codegen::Error::AlreadyRegistered(_))
        ),
        "registering twice was not refused:\n{out}"
    );
}
