//! The executable `sealift bundle` writes, run as in a production image: from a folder holding
//! nothing else, with no cargo on `PATH` and an empty `HOME`, on PostgreSQL, SQLite and
//! MariaDB. Two started at once apply each migration once; `current` and `history` say what
//! `sealift` says; a kill mid-migration ends as it does for `sealift upgrade`; a bad URL is one
//! line without its password. And every `sealift` and `./migrate` command of docs/deploy.md,
//! run in the order the page gives.
//!
//! The bundles are built with `--debug`: a release build differs only in cargo's `--release`
//! (`Flavor::release`), and would compile sea-orm's tree once more in CI.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BARE_PATH, Bundle, Project, apply_sql, catalog, label, text};
use sealift_ir::Dialect;
use sealift_testkit::{TempDir, TestDb, e2e_env, workspace_dir};

/// Asserts that `cargo` cannot be found on `BARE_PATH`, so a bundle that needed it would fail.
fn no_cargo() {
    let found = Command::new("cargo")
        .arg("--version")
        .env_clear()
        .env("PATH", BARE_PATH)
        .output();
    assert!(
        found.is_err(),
        "cargo is on {BARE_PATH}: the test proves nothing"
    );
}

fn all(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// A migration creating `table`, then pausing `ms`.
fn creating(p: &Project, name: &str, table: &str, ms: u64) -> String {
    let (up, down) = common::table_code(table);
    let up = format!("{up}\n        std::thread::sleep(std::time::Duration::from_millis({ms}));");
    p.hand_written(name, &up, &down)
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bundle_runs_without_cargo() {
    runs_without_cargo(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_bundle_runs_without_cargo() {
    runs_without_cargo(Dialect::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_bundle_runs_without_cargo() {
    runs_without_cargo(Dialect::Mysql).await;
}

async fn runs_without_cargo(dialect: Dialect) {
    no_cargo();
    let db = TestDb::create("bundle", dialect).await;
    let p = Project::new(&format!("bundle_{}", label(dialect)), &db.url());
    let first = creating(&p, "AddFirst", "first", 300);
    let second = creating(&p, "AddSecond", "second", 300);
    let slow = creating(&p, "Slow", "third", 5000);
    let bundle = Bundle::make(&p);
    let url = db.url();

    // A bad URL with a password: one line, exit 2, the password nowhere.
    let bad = bundle.run("postgres://app:hunter2@127.0.0.1:1/prod", &["upgrade"]);
    assert_eq!(bad.status.code(), Some(2), "{}", all(&bad));
    assert!(!all(&bad).contains("hunter2"), "{}", all(&bad));
    assert_eq!(text(&bad.stderr).lines().count(), 1, "{}", all(&bad));

    // Two replicas at once: each migration applied once, both exit 0.
    let spawn = || {
        bundle
            .command(&url, &["upgrade", &second])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", all(out));
    }
    let both = format!("{}\n{}", all(&a), all(&b));
    for name in [&first, &second] {
        assert_eq!(
            both.matches(&format!("{name} ... done")).count(),
            1,
            "{name}\n{both}"
        );
    }

    // `current`, `history` and `heads` say what sealift says, with the same exit codes.
    agrees(&p, &bundle, &url);

    // Killed mid-migration: as for `sealift upgrade`.
    let mut child = bundle
        .command(&url, &["upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    while !text(&seen).contains(&format!("{slow} ...")) {
        let mut chunk = [0u8; 256];
        let n = std::io::Read::read(&mut stdout, &mut chunk).unwrap();
        assert!(
            n > 0,
            "upgrade ended before {slow} started:\n{}",
            text(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    // Inside the pause, after the table was created.
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    let _ = child.wait().unwrap();
    // The runner stops when the bundle does. On MySQL, whose DDL commits as it runs, the
    // migration is recorded as started (dirty), as `sealift upgrade` leaves it, and recovered
    // as `current` says; elsewhere nothing of it stays.
    let settled = if dialect == Dialect::Mysql {
        format!("Dirty: {slow} started its up and did not finish")
    } else {
        format!("Current: {second} (applied")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let current = loop {
        let out = all(&bundle.run(&url, &["current"]));
        if out.contains(&settled) || Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(current.contains(&settled), "{current}");
    agrees(&p, &bundle, &url);
    if dialect == Dialect::Mysql {
        apply_sql(dialect, &db, "DROP TABLE IF EXISTS third;");
        let stamped = bundle.run(&url, &["stamp", &second]);
        assert!(stamped.status.success(), "{}", all(&stamped));
    } else {
        assert!(!current.contains("Dirty"), "{current}");
        let dump = catalog(&url).await;
        assert!(!dump.contains("third"), "half a migration stayed:\n{dump}");
    }
    agrees(&p, &bundle, &url);

    // The lock is free: the next start applies it from the beginning.
    let again = bundle.run(&url, &["upgrade"]);
    assert!(again.status.success(), "{}", all(&again));
    assert!(!all(&again).contains("Waiting"), "{}", all(&again));
    assert!(all(&again).contains(&format!("{slow} ... done")));
    agrees(&p, &bundle, &url);

    // Tenants, selected as `sealift` selects them: schemas by a glob (PostgreSQL), databases
    // listed in a file (SQLite), `--jobs` at a time.
    let tenants: Option<Vec<String>> = match dialect {
        Dialect::Postgres => {
            apply_sql(dialect, &db, "CREATE SCHEMA bt_one; CREATE SCHEMA bt_two;");
            Some(vec!["--schema".into(), "bt_*".into()])
        }
        Dialect::Sqlite => {
            let list = bundle.dir.path().join("tenants.txt");
            let file =
                |n: &str| format!("sqlite://{}?mode=rwc", bundle.dir.path().join(n).display());
            std::fs::write(&list, format!("{}\n{}\n", file("one.db"), file("two.db"))).unwrap();
            Some(vec!["--databases".into(), list.display().to_string()])
        }
        Dialect::Mysql => None,
    };
    if let Some(select) = tenants {
        let select: Vec<&str> = select.iter().map(String::as_str).collect();
        let up = bundle.run(&url, &[&["upgrade", "--jobs", "2"][..], &select].concat());
        assert!(up.status.success(), "{}", all(&up));
        assert!(
            all(&up).contains("Upgraded 2 of 2 tenant(s)"),
            "{}",
            all(&up)
        );
        let args = [&["current"][..], &select].concat();
        let (ours, theirs) = (p.sealift(&args), bundle.run(&url, &args));
        assert_eq!(
            (theirs.status.code(), text(&theirs.stdout)),
            (ours.status.code(), text(&ours.stdout)),
            "{}",
            all(&theirs)
        );
        assert_eq!(ours.status.code(), Some(0), "{}", all(&ours));
    }

    // Rolling back a bad deploy, and offline SQL with no database at all.
    let back = bundle.run(&url, &["downgrade", "-1", "--yes"]);
    assert!(back.status.success(), "{}", all(&back));
    agrees(&p, &bundle, &url);
    let sql = bundle.run("", &["upgrade", "--sql", "--dialect", "postgres"]);
    assert!(sql.status.success(), "{}", all(&sql));
    assert!(
        text(&sql.stdout).contains("CREATE TABLE \"third\""),
        "{}",
        all(&sql)
    );
}

/// `current`, `history` (text and JSON) and `heads` print the same and exit the same from the
/// bundle as from `sealift` in the project.
fn agrees(p: &Project, bundle: &Bundle, url: &str) {
    for args in [
        &["current"][..],
        &["history", "--verbose"],
        &["history", "--format", "json"],
        &["heads"],
    ] {
        let ours = p.sealift(args);
        let theirs = bundle.run(url, args);
        assert_eq!(
            (theirs.status.code(), text(&theirs.stdout)),
            (ours.status.code(), text(&ours.stdout)),
            "{args:?}: the bundle and sealift disagree\n{}",
            all(&theirs)
        );
    }
}

/// The commands docs/deploy.md gives, in its order: `sh` blocks line by line, the
/// Dockerfile's `RUN` and `CMD` lines and the YAML's `command:` lists that name sealift or the
/// bundle.
fn deploy_commands(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut block: Option<&str> = None;
    for line in page.lines() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            block = if block.is_some() { None } else { Some(fence) };
            continue;
        }
        let command = match block {
            Some("sh") if !trimmed.is_empty() && !trimmed.starts_with('#') => {
                Some(trimmed.to_owned())
            }
            Some("dockerfile") => trimmed
                .strip_prefix("RUN ")
                .map(str::to_owned)
                .or_else(|| trimmed.strip_prefix("CMD ").map(exec_form)),
            Some("yaml") => trimmed.strip_prefix("command: ").map(exec_form),
            _ => None,
        };
        if let Some(c) = command.filter(|c| c.contains("sealift ") || c.contains("./migrate")) {
            found.push(c);
        }
    }
    found
}

/// A JSON exec-form list as the shell line it runs (`["sh", "-c", X]` is `X`).
fn exec_form(list: &str) -> String {
    let words: Vec<String> = serde_json::from_str(list).unwrap();
    match words.as_slice() {
        [sh, c, line] if sh == "sh" && c == "-c" => line.clone(),
        _ => words.join(" "),
    }
}

#[test]
fn the_deploy_page_is_read_as_it_is_written() {
    assert_eq!(
        exec_form(r#"["sh", "-c", "./migrate upgrade && exec ./app"]"#),
        "./migrate upgrade && exec ./app"
    );
    assert_eq!(
        exec_form(r#"["./migrate", "upgrade"]"#),
        "./migrate upgrade"
    );
    let page = "```sh\nsealift bundle\n# a comment\n```\n```dockerfile\nRUN cargo build\nRUN sealift bundle --out x\n```\nsealift upgrade\n";
    assert_eq!(
        deploy_commands(page),
        vec!["sealift bundle", "sealift bundle --out x"]
    );
}

/// Runs `line` with `sh`, as a container would: in `dir`, `PATH` without cargo.
fn shell(dir: &Path, line: &str, url: &str, path: &str) -> Output {
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("DATABASE_URL", url)
        .output()
        .expect("run sh")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_of_the_deploy_page_runs() {
    let page = std::fs::read_to_string(workspace_dir().join("docs/deploy.md")).unwrap();
    let commands = deploy_commands(&page);
    let bundle = "sealift bundle --out dist/migrate";
    let replica = "./migrate upgrade && exec ./app";
    let init = "./migrate upgrade";
    let job = "./migrate upgrade --lock-wait 10m";
    let rollback = "./migrate downgrade -1 --yes";
    let current = "./migrate current";
    let sql = "./migrate upgrade --sql > upgrade.sql";
    // The page's commands, in its order; one it adds fails here until this test runs it.
    assert_eq!(
        commands,
        [
            bundle, bundle, replica, replica, init, job, rollback, current, sql
        ],
        "docs/deploy.md changed: run its new commands below"
    );

    no_cargo();
    let db = TestDb::create("deploy", Dialect::Postgres).await;
    let url = db.url();
    let p = Project::new("deploy_doc", &url);
    let first = creating(&p, "AddFirst", "first", 200);
    let second = creating(&p, "AddSecond", "second", 200);

    // The build stage, in the project (with --debug: see the file's comment).
    let sealift = Path::new(env!("CARGO_BIN_EXE_sealift"));
    let path = format!(
        "{}:{}",
        sealift.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    let mut build = Command::new("sh");
    build
        .args(["-c", &format!("{bundle} --debug")])
        .current_dir(&p.root)
        .env("DATABASE_URL", &url)
        .envs(e2e_env());
    let built = build.env("PATH", &path).output().unwrap();
    assert!(built.status.success(), "{}", all(&built));

    // The runtime stage: the bundle and the application, nothing else.
    let app = TempDir::new("deploy_app");
    std::fs::copy(p.root.join("dist/migrate"), app.path().join("migrate")).unwrap();
    std::fs::write(app.path().join("app"), "#!/bin/sh\necho app started\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let exe = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(app.path().join("app"), exe).unwrap();
    }
    let run = |line: &str| shell(app.path(), line, &url, BARE_PATH);

    // Three replicas at once: each migration applied once, every app started.
    let replicas: Vec<Output> = std::thread::scope(|s| {
        let started: Vec<_> = (0..3).map(|_| s.spawn(|| run(replica))).collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let joined: String = replicas.iter().map(all).collect();
    for out in &replicas {
        assert!(out.status.success(), "{}", all(out));
        assert!(text(&out.stdout).contains("app started"), "{}", all(out));
    }
    for name in [&first, &second] {
        assert_eq!(
            joined.matches(&format!("{name} ... done")).count(),
            1,
            "{joined}"
        );
    }

    // The init container and the Job: nothing left to do.
    for line in [init, job] {
        let out = run(line);
        assert!(out.status.success(), "{line}\n{}", all(&out));
        assert!(
            text(&out.stdout).contains("Nothing to apply"),
            "{}",
            all(&out)
        );
    }

    // Rolling back: the last migration is pending again, and `current` says so (exit 1).
    let back = run(rollback);
    assert!(back.status.success(), "{}", all(&back));
    let now = run(current);
    assert_eq!(now.status.code(), Some(1), "{}", all(&now));
    assert!(
        text(&now.stdout).starts_with(&format!("Current: {first}")),
        "{}",
        all(&now)
    );

    // The SQL for a DBA, written with no database reached.
    let out = shell(
        app.path(),
        sql,
        "postgres://nobody@127.0.0.1:1/none",
        BARE_PATH,
    );
    assert!(out.status.success(), "{}", all(&out));
    let written = std::fs::read_to_string(app.path().join("upgrade.sql")).unwrap();
    assert!(written.contains("CREATE TABLE \"second\""), "{written}");
}
