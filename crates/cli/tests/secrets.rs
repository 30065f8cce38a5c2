//! A password in the database URL never shows: every command, driven through each way it can
//! fail with that URL (malformed, refused password, unknown user, unreachable host, a broken
//! `.env` or `sealift.toml` holding it, a list of tenant databases holding it, an internal error
//! quoting it), exits 2 or succeeds
//! without the password in its output or in any file it writes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sealift_testkit::{TempDir, e2e_env, seed_lockfile};

/// The password, in the two spellings a URL may carry it: percent-encoded in the URL and
/// decoded as the driver sees it.
const ENCODED: &str = "Hunter2%40x%2Fy";
const DECODED: &str = "Hunter2@x/y";

/// Where the URL comes from and what is wrong with it.
struct Failure {
    what: &'static str,
    /// DATABASE_URL in the environment.
    env: Option<String>,
    /// The `.env` file's text.
    dotenv: Option<String>,
    /// Lines added to `sealift.toml`.
    config: Option<String>,
    /// Make sealift panic with this message.
    panic: Option<String>,
}

fn failures() -> Vec<Failure> {
    let none = |what| Failure {
        what,
        env: None,
        dotenv: None,
        config: None,
        panic: None,
    };
    let mysql_root = sealift_testkit::mysql_admin_url();
    let mysql_wrong = mysql_root.replacen("root@", &format!("root:{ENCODED}@"), 1);
    vec![
        Failure {
            env: Some(format!("postgres://app:{ENCODED}@[::1/app")),
            ..none("a malformed URL")
        },
        Failure {
            env: Some(format!("postgres://app:{ENCODED}@127.0.0.1:1/app")),
            ..none("an unreachable host")
        },
        Failure {
            env: Some(format!(
                "postgres://sealift_nobody:{ENCODED}@127.0.0.1:5432/postgres"
            )),
            ..none("an unknown user")
        },
        Failure {
            env: Some(mysql_wrong),
            ..none("a refused password")
        },
        Failure {
            env: Some(format!(
                "postgres://app@127.0.0.1:1/app?sslmode=disable&password={ENCODED}"
            )),
            ..none("a password in the query string")
        },
        Failure {
            dotenv: Some(format!(
                "# local\nDATABASE_URL=\"postgres://app:{ENCODED}@db.internal/app\nOTHER=1\n"
            )),
            ..none("a malformed .env line")
        },
        Failure {
            config: Some(format!(
                "database_url = \"postgres://app:{ENCODED}@db.internal/app\nschemas = 3\n"
            )),
            ..none("an invalid sealift.toml")
        },
        Failure {
            config: Some(format!(
                "database_url = \"postgres://app:{ENCODED}@127.0.0.1:1/app\"\ncolour = \"blue\"\n"
            )),
            ..none("an unknown key in sealift.toml")
        },
        Failure {
            config: Some(format!(
                "databases = [\"postgres://app:{ENCODED}@127.0.0.1:1/app\", \"postgres://app:{ENCODED}@127.0.0.1:2/b\"]\n"
            )),
            ..none("unreachable databases in the tenant list")
        },
        Failure {
            env: Some(format!("postgres://app:{ENCODED}@127.0.0.1:1/app")),
            panic: Some(format!(
                "cannot use postgres://app:{DECODED}@127.0.0.1:1/app (password {DECODED})"
            )),
            ..none("an internal error")
        },
    ]
}

/// Every command, with arguments that reach the database; the workflow commands and `check`
/// also over many tenants.
const COMMANDS: [&[&str]; 18] = [
    &["check", "--all-schemas"],
    &["check", "--schema", "t_*", "--format", "json"],
    &["upgrade", "--schema", "t_*"],
    &["current", "--all-schemas"],
    &["inspect"],
    &["diff"],
    &["diff", "--format", "json"],
    &["check"],
    &["autogen", "AddPost"],
    &["upgrade"],
    &["upgrade", "--sql"],
    &["downgrade", "--yes"],
    &["current"],
    &["history"],
    &["stamp", "head"],
    &["heads"],
    &["merge"],
    &["create", "Empty"],
];

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn a_password_in_the_url_never_shows() {
    for failure in failures() {
        let dir = TempDir::new("secrets_all");
        let root = dir.path();
        std::fs::create_dir_all(root.join("entity/src")).unwrap();
        std::fs::write(root.join("entity/src/post.rs"), common::POST).unwrap();
        std::fs::write(root.join("entity/src/mod.rs"), "pub mod post;\n").unwrap();
        let init = Command::new(env!("CARGO_BIN_EXE_sealift"))
            .arg("init")
            .current_dir(root)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(init.status.success(), "{init:?}");
        seed_lockfile(&root.join("migration"));
        if let Some(text) = &failure.dotenv {
            std::fs::write(root.join(".env"), text).unwrap();
        }
        let config = root.join("sealift.toml");
        if let Some(extra) = &failure.config {
            let text = std::fs::read_to_string(&config).unwrap();
            std::fs::write(&config, format!("{extra}{text}")).unwrap();
        }
        let inputs: Vec<PathBuf> = vec![root.join(".env"), config.clone()];

        for args in COMMANDS {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_sealift"));
            cmd.args(args)
                .current_dir(root)
                .env_remove("DATABASE_URL")
                .env("NO_COLOR", "1")
                .envs(e2e_env());
            if let Some(url) = &failure.env {
                cmd.env("DATABASE_URL", url);
            }
            if let Some(message) = &failure.panic {
                cmd.env("SEALIFT_DEBUG_PANIC", message);
            }
            let out = cmd.output().unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let context = format!("{}, `sealift {}`:\n{all}", failure.what, args.join(" "));
            assert!(
                !all.contains(ENCODED) && !all.contains(DECODED),
                "the password shows with {context}"
            );
            let code = out.status.code();
            assert!(
                code == Some(0) || code == Some(2),
                "exit {code:?} with {context}"
            );
            if failure.panic.is_some() {
                assert!(
                    code == Some(2) && all.contains("internal error") && all.contains("app:***@"),
                    "{context}"
                );
            }
        }
        for path in files_under(root) {
            if inputs.contains(&path) {
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !text.contains(ENCODED) && !text.contains(DECODED),
                "{} holds the password after {}",
                path.display(),
                failure.what
            );
        }
    }
}

/// A URL on the command line where a command takes none, or where `inspect` takes it (as the
/// README spells it), or after a flag clap refuses: clap's error quotes the arguments, and
/// no password shows in it.
#[test]
fn argument_errors_never_show_the_password() {
    let url = format!("mysql://root:{ENCODED}@127.0.0.1:1/app");
    let long = format!("--database-url={url}");
    let cases: [&[&str]; 6] = [
        &["inspect", &url],
        &["diff", &url],
        &["check", &long, "--frobnicate"],
        &["upgrade", "--database-url", &url, "head", "extra"],
        &["nonsense", &url],
        &["inspect", &url, "--database-url", &url],
    ];
    for args in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_sealift"))
            .args(args)
            .current_dir(std::env::temp_dir())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains(ENCODED) && !all.contains(DECODED),
            "the password shows with {args:?}:\n{all}"
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}:\n{all}");
    }
    // `inspect URL` is the URL, not an error: it reaches the (unreachable) server.
    let out = Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(["inspect", &url])
        .current_dir(std::env::temp_dir())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("root:***@127.0.0.1:1") && !said.contains("unexpected argument"),
        "{said}"
    );
}
