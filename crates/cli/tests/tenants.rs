//! Many tenants on real PostgreSQL: a schema per tenant selected by a glob, and a database
//! per tenant listed in a file. `check` with tenants in sync, drifted and behind; `upgrade`
//! with one tenant whose migration fails (the others applied, a second run finishes only what
//! is left); two fan-outs at once (nothing applied twice); `current` and `history`.

mod common;

use common::{AUTHOR, POST};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sealift_testkit::{PgDb, TempDir, e2e_env, seed_lockfile};
use sqlx::{Connection, PgConnection};

/// A project folder: `author` as the entity, a migration crate from `sealift init`.
struct Project {
    _dir: TempDir,
    root: PathBuf,
    url: String,
}

impl Project {
    fn new(label: &str, url: &str) -> Project {
        let dir = TempDir::new(label);
        let root = dir.path().to_path_buf();
        let p = Project {
            _dir: dir,
            root,
            url: url.to_owned(),
        };
        p.entity("author", AUTHOR);
        let crate_dir = format!("migration_{label}");
        p.ok(&["init", "--migration-dir", &crate_dir]);
        seed_lockfile(&p.root.join(&crate_dir));
        p
    }

    fn entity(&self, name: &str, text: &str) {
        let dir = self.root.join("entity/src");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.rs")), text).unwrap();
        let mut mods = std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default();
        mods.push_str(&format!("pub mod {name};\n"));
        std::fs::write(dir.join("mod.rs"), mods).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sealift"));
        c.args(args)
            .current_dir(&self.root)
            .env("DATABASE_URL", &self.url)
            .env("NO_COLOR", "1")
            .envs(e2e_env());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run sealift")
    }

    /// Runs sealift, asserting the exit code; returns stdout and stderr together.
    fn code(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "sealift {args:?}\n{all}");
        all
    }

    fn ok(&self, args: &[&str]) -> String {
        self.code(args, 0)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The migrations each schema's history table records, `schema:version`, sorted.
async fn histories(url: &str, schemas: &[&str]) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let mut out = Vec::new();
    for s in schemas {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT version::text FROM \"{s}\".seaql_migrations ORDER BY 1"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        out.extend(rows.into_iter().map(|v| format!("{s}:{v}")));
    }
    out
}

fn line_of<'a>(out: &'a str, start: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?}\n{out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_per_tenant() {
    let db = PgDb::create("tenants").await;
    let p = Project::new("tenants_pg", db.url());
    // The first migration is written and applied on public, then fanned out.
    p.ok(&["autogen", "CreateAuthor"]);
    p.ok(&["upgrade"]);
    db.execute(
        "CREATE SCHEMA t_a; CREATE SCHEMA t_b; CREATE SCHEMA \"t_c d\"; CREATE SCHEMA other",
    )
    .await;
    let tenants = ["t_a", "t_b", "t_c d"];
    let out = p.ok(&["upgrade", "--schema", "t_*"]);
    assert!(out.contains("Upgraded 3 of 3 tenant(s)"), "{out}");
    let m1 = histories(db.url(), &["public"]).await[0].replace("public:", "");
    assert_eq!(
        histories(db.url(), &tenants).await,
        tenants.map(|t| format!("{t}:{m1}")),
    );
    assert!(histories(db.url(), &["other"]).await.is_empty());
    // Again: nothing left to do.
    let again = p.ok(&["upgrade", "--schema", "t_*"]);
    assert!(
        again.contains("Upgraded 0 of 3 tenant(s)") && again.contains("3 already there"),
        "{again}"
    );
    // An applied migration edited since: each tenant says so, with nothing to apply.
    let file = p.root.join(format!("migration_tenants_pg/src/{m1}.rs"));
    let source = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{source}\n// edited\n")).unwrap();
    let edited = p.ok(&["upgrade", "--schema", "t_*"]);
    let warning = format!("{m1} changed after it was applied");
    assert_eq!(edited.matches(&warning).count(), 3, "{edited}");
    std::fs::write(&file, source).unwrap();
    assert!(p.ok(&["check", "--schema", "t_*"]).contains("3 in sync"));
    // One plan for every tenant, made on the first.
    let diff = p.ok(&["diff", "--schema", "t_*"]);
    assert!(
        diff.contains("Planning against t_a, the first of 3 tenant(s)")
            && diff.contains("No changes detected"),
        "{diff}"
    );

    // One tenant drifts, one is behind (created after the upgrade).
    db.execute("ALTER TABLE t_b.author DROP COLUMN name; CREATE SCHEMA t_new")
        .await;
    let out = p.code(&["check", "--schema", "t_*"], 2);
    assert_eq!(line_of(&out, "t_a:"), "t_a: in sync");
    assert!(
        line_of(&out, "t_b:").contains("drift, 1 change(s)"),
        "{out}"
    );
    assert!(out.contains("add column") && out.contains("name"), "{out}");
    assert!(
        line_of(&out, "t_new:").contains("error: the database is not up to date"),
        "{out}"
    );
    assert!(out.contains("Checked 4 tenant(s): 2 in sync, 1 drifted, 1 could not be checked"));
    let json: serde_json::Value = serde_json::from_str(&text(
        &p.run(&["check", "--schema", "t_*", "--format", "json"])
            .stdout,
    ))
    .unwrap();
    let status: Vec<(String, String)> = json["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["schema"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("t_a", "in_sync"),
        ("t_b", "drift"),
        ("t_c d", "in_sync"),
        ("t_new", "error"),
    ];
    assert_eq!(status, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert_eq!(
        (json["in_sync"].as_u64(), json["drift"].as_u64()),
        (Some(2), Some(1))
    );
    // Drifted only (nobody behind): exit 1.
    p.ok(&["upgrade", "--schema", "t_new"]);
    p.code(&["check", "--schema", "t_*"], 1);
    db.execute("ALTER TABLE t_b.author ADD COLUMN name varchar NOT NULL DEFAULT ''")
        .await;
    // Every schema: `other` never had a migration.
    let all = p.code(&["check", "--all-schemas"], 2);
    assert!(
        all.contains("Checked 6 tenant(s): 5 in sync, 0 drifted, 1 could not be checked"),
        "{all}"
    );
    assert!(line_of(&all, "other:").contains("not up to date"), "{all}");
    p.ok(&["check", "--schema", "t_*"]);

    // A second migration that fails on one tenant: the others carry on.
    p.entity("post", POST);
    p.ok(&["autogen", "CreatePost"]);
    p.ok(&["upgrade"]);
    db.execute("CREATE TABLE t_b.post (id int)").await;
    let out = p.code(&["upgrade", "--schema", "t_*", "--jobs", "2"], 2);
    assert!(line_of(&out, "t_b ").contains("failed:"), "{out}");
    assert!(
        out.contains("Upgraded 3 of 4 tenant(s)") && out.contains("1 failed"),
        "{out}"
    );
    let current = p.code(&["current", "--schema", "t_*"], 1);
    assert!(line_of(&current, "t_b ").contains("1 pending"), "{current}");
    let history = p.ok(&["history", "--schema", "t_*"]);
    assert!(
        history.contains("[applied in 3 of 4]") && history.contains("(not in: t_b)"),
        "{history}"
    );
    db.execute("DROP TABLE t_b.post").await;
    let out = p.ok(&["upgrade", "--schema", "t_*"]);
    assert!(out.contains("Upgraded 1 of 4 tenant(s)"), "{out}");
    assert!(out.contains("t_b: ") && !out.contains("t_a: m"), "{out}");
    p.ok(&["current", "--schema", "t_*"]);

    // Down on every tenant: the table goes, so it asks for --yes first.
    let refused = p.code(&["downgrade", "--schema", "t_*"], 1);
    assert!(refused.contains("--yes"), "{refused}");
    let out = p.ok(&["downgrade", "--schema", "t_*", "--yes"]);
    assert!(out.contains("Rolled back 4 of 4 tenant(s)"), "{out}");

    // Two fan-outs at once: each tenant's migration runs exactly once.
    let children: Vec<_> = (0..2)
        .map(|_| {
            p.command(&["upgrade", "--schema", "t_*", "--jobs", "3"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(out.status.success(), "{all}");
            all
        })
        .collect();
    for t in ["t_a", "t_b", "t_c d", "t_new"] {
        let runs: usize = outs
            .iter()
            .map(|o| {
                o.lines()
                    .filter(|l| l.starts_with(&format!("{t}: m")) && l.contains(" done ("))
                    .count()
            })
            .sum();
        assert_eq!(runs, 1, "{t} ran {runs} times\n{}", outs.join("\n----\n"));
    }
    assert_eq!(histories(db.url(), &["t_a", "t_new"]).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn database_per_tenant() {
    let (one, two) = (
        PgDb::create("tenant_db1").await,
        PgDb::create("tenant_db2").await,
    );
    let p = Project::new("tenants_db", one.url());
    p.ok(&["autogen", "CreateAuthor"]);
    let list = p.root.join("tenants.txt");
    write(
        &list,
        &format!("# one URL per line\n{}\n\n{}\n", one.url(), two.url()),
    );
    let list = list.to_str().unwrap();
    let out = p.ok(&["upgrade", "--databases", list]);
    assert!(out.contains("Upgraded 2 of 2 tenant(s)"), "{out}");
    assert!(
        out.contains(one.name()) && out.contains(two.name()),
        "{out}"
    );
    p.ok(&["check", "--databases", list]);
    two.execute("DROP TABLE author").await;
    let out = p.code(&["check", "--databases", list], 1);
    assert!(out.contains("1 in sync, 1 drifted"), "{out}");
    // A bad line names the file and the line; the password stays hidden.
    write(
        Path::new(list),
        "postgres://u:s3cret@127.0.0.1:1/x\nnot a url\n",
    );
    let out = p.code(&["current", "--databases", list], 2);
    assert!(
        out.contains("tenants.txt:2") && !out.contains("s3cret"),
        "{out}"
    );
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}
