//! Two git branches that each add a migration, in a real git repository: the merge has no
//! conflict (lib.rs merges with git's union driver, which `init` sets up), the merged crate
//! builds, `heads --check` fails until `sealift merge` writes a merge migration, and a fresh
//! database upgraded to head matches the entities. Then what a bad merge leaves: conflict
//! markers named by file and line, a `Revises:` cycle, a name nothing lists, and lib.rs
//! contradicting `Revises:`; and `Depends-On:`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Project, text};
use sealift_ir::Dialect;
use sealift_testkit::{TempDir, TestDb};

/// Runs git in `dir`, asserting it succeeds; returns its output.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// An entity `name` with an id and a title.
fn entity(name: &str) -> String {
    format!(
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "{name}")]
pub struct Model {{
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
}}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {{}}

impl ActiveModelBehavior for ActiveModel {{}}
"#
    )
}

/// `sealift` against the SQLite database `db` (each branch's developer has their own),
/// asserting the exit code; returns stdout and stderr.
fn run(p: &Project, db: &Path, args: &[&str], code: i32) -> String {
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let out = p.sealift_with(&url, args);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "sealift {args:?}\n{all}");
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn two_branches_merge_without_conflict() {
    let db = TestDb::create("branches", Dialect::Sqlite).await;
    let p = Project::new("branches", &db.url());
    let dbs = TempDir::new("branches_dbs");
    let (left_db, right_db, merged_db) = (
        dbs.path().join("left.db"),
        dbs.path().join("right.db"),
        dbs.path().join("merged.db"),
    );
    let root = &p.root;
    // The entity crate's mod.rs is the user's; two branches adding an entity each append to
    // it too, so the repository merges it the same way.
    std::fs::write(
        root.join(".gitattributes"),
        "entity/src/mod.rs merge=union\n",
    )
    .unwrap();
    git(root, &["init", "-q"]);
    run(&p, &left_db, &["autogen", "CreateAuthor"], 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "author"]);

    git(root, &["checkout", "-qb", "left"]);
    run(&p, &left_db, &["upgrade"], 0);
    p.entity("post.rs", &entity("post"));
    run(&p, &left_db, &["autogen", "AddPost"], 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "post"]);

    git(root, &["checkout", "-q", "main"]);
    git(root, &["checkout", "-qb", "right"]);
    std::fs::remove_file(root.join("entity/src/post.rs")).ok();
    run(&p, &right_db, &["upgrade"], 0);
    p.entity("tag.rs", &entity("tag"));
    run(&p, &right_db, &["autogen", "AddTag"], 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "tag"]);

    // Both branches into main: no conflict, both migrations registered.
    git(root, &["checkout", "-q", "main"]);
    git(root, &["merge", "-q", "left"]);
    git(root, &["merge", "-q", "--no-edit", "right"]);
    let names = p.migrations();
    assert_eq!(names.len(), 3, "{names:?}");
    let (post, tag) = (&names[1], &names[2]);
    assert!(
        post.ends_with("_add_post") && tag.ends_with("_add_tag"),
        "{names:?}"
    );

    // Two heads: `heads --check` fails CI until they are merged.
    let heads = run(&p, &merged_db, &["heads", "--check"], 1);
    assert!(
        heads.contains(post.as_str()) && heads.contains(tag.as_str()),
        "{heads}"
    );
    let merged = run(&p, &merged_db, &["merge"], 0);
    assert!(
        merged.contains(&format!("it revises {post} and {tag}")),
        "{merged}"
    );
    run(&p, &merged_db, &["heads", "--check"], 0);
    let applied = p.migrations();
    let history = run(&p, &merged_db, &["history", "--verbose"], 0);
    assert!(
        history.contains(&format!("revises {post}, {tag}")),
        "{history}"
    );
    // No migration was rewritten by the merge.
    for m in &names {
        git(
            root,
            &[
                "diff",
                "--quiet",
                "HEAD",
                "--",
                &format!("migration_branches/src/{m}.rs"),
            ],
        );
    }

    // The merged crate builds, and a fresh database at head matches the entities.
    run(&p, &merged_db, &["upgrade"], 0);
    let current = run(&p, &merged_db, &["current"], 0);
    assert!(current.contains(applied.last().unwrap()), "{current}");
    let check = run(&p, &merged_db, &["check"], 0);
    assert!(check.contains("In sync"), "{check}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_merge_is_named_by_file_and_line() {
    let db = TestDb::create("branches_bad", Dialect::Sqlite).await;
    let p = Project::new("branches_bad", &db.url());
    let table = |t: &str| common::table_code(t).0;
    let a = p.hand_written("A", &table("a"), "");
    let b = p.hand_written("B", &table("b"), "");
    let c = p.hand_written("C", &table("c"), "");
    let lib_path = p.migration.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path).unwrap();
    let file = |m: &str| p.migration.join(format!("src/{m}.rs"));
    let edit = |m: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(file(m)).unwrap();
        assert!(text.contains(from), "{text}");
        std::fs::write(file(m), text.replacen(from, to, 1)).unwrap();
    };

    // Conflict markers left in lib.rs: one error naming the file and the line (exit 2).
    let entry = format!("            Box::new({c}::Migration),\n");
    assert!(lib.contains(&entry), "{lib}");
    let marked = lib.replacen(
        &entry,
        &format!("<<<<<<< HEAD\n{entry}=======\n            Box::new(m_other::Migration),\n>>>>>>> other\n"),
        1,
    );
    let line = marked
        .lines()
        .position(|l| l.starts_with("<<<<<<<"))
        .unwrap()
        + 1;
    std::fs::write(&lib_path, &marked).unwrap();
    for command in [
        &["heads"][..],
        &["merge"],
        &["history"],
        &["upgrade"],
        &["create", "D"],
        &["autogen", "D"],
    ] {
        let said = p.fails(command, 2);
        assert!(
            said.contains(&format!("src/lib.rs:{line}:"))
                && said.contains("conflict marker")
                && said.contains("keep the lines of both sides"),
            "{command:?}: {said}"
        );
    }
    std::fs::write(&lib_path, &lib).unwrap();

    // In a migration file.
    let text_b = std::fs::read_to_string(file(&b)).unwrap();
    std::fs::write(file(&b), format!("{text_b}<<<<<<< HEAD\n")).unwrap();
    let said = p.fails(&["heads"], 2);
    let at = text_b.lines().count() + 1;
    assert!(
        said.contains(&format!("{b}.rs:{at}:")) && said.contains("conflict marker"),
        "{said}"
    );
    std::fs::write(file(&b), &text_b).unwrap();

    // A cycle: A revises C, which revises B, which revises A.
    edit(&a, "Revises: base", &format!("Revises: {c}"));
    for command in ["heads", "merge", "upgrade"] {
        let said = p.fails(&[command], 2);
        assert!(
            said.contains("cycle")
                && said.contains(&format!("{a}.rs"))
                && said.contains(&format!("{c}.rs")),
            "{command}: {said}"
        );
    }
    edit(&a, &format!("Revises: {c}"), "Revises: base");

    // A name nothing lists.
    edit(&b, &format!("Revises: {a}"), "Revises: m_nowhere");
    let said = p.fails(&["heads"], 2);
    assert!(
        said.contains(&format!("{b}.rs")) && said.contains("m_nowhere"),
        "{said}"
    );
    edit(&b, "Revises: m_nowhere", &format!("Revises: {a}"));

    // lib.rs listing a migration before the one it revises.
    let swapped = lib
        .replacen(&format!("Box::new({b}::Migration),"), "@@", 1)
        .replacen(
            &format!("Box::new({c}::Migration),"),
            &format!("Box::new({b}::Migration),"),
            1,
        )
        .replacen("@@", &format!("Box::new({c}::Migration),"), 1);
    std::fs::write(&lib_path, &swapped).unwrap();
    let said = p.fails(&["upgrade"], 2);
    assert!(
        said.contains(&format!("lists {c} before {b}")) && said.contains(&format!("{b}.rs")),
        "{said}"
    );
    std::fs::write(&lib_path, &lib).unwrap();

    // Depends-On: C needs A besides its parent B; history shows it, and upgrading to C
    // applies A first.
    edit(
        &c,
        "//! Revises:",
        &format!("//! Depends-On: {a}\n//! Revises:"),
    );
    let history = p.ok(&["history", "--verbose"]);
    assert!(history.contains(&format!("depends on {a}")), "{history}");
    p.ok(&["upgrade", &c]);
    let _ = p.at(Some(&c));
    // Depending on one listed after it is a contradiction.
    edit(
        &a,
        "//! Revises:",
        &format!("//! Depends-On: {c}\n//! Revises:"),
    );
    let said = p.fails(&["heads"], 2);
    assert!(said.contains("cycle") || said.contains("lists"), "{said}");
}
