//! MySQL/MariaDB through the real binary (MariaDB here): the plan's SQL for new entities runs
//! on the server, the database then matches the entities, and the down SQL empties it again.

use std::path::Path;
use std::process::{Command, Output};

use sealift_testkit::{MyDb, TempDir, fixtures_dir};

fn sealift(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealift"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run sealift")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The statements between `-- up` (or `-- down`) and the next section of `diff --format sql`.
fn section(sql: &str, name: &str) -> String {
    let start = sql
        .find(&format!("-- {name}\n"))
        .unwrap_or_else(|| panic!("no {name} in {sql}"));
    let rest = &sql[start + name.len() + 4..];
    let end = rest.find("\n-- ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[tokio::test]
async fn shop_entities_round_trip_through_the_preview_sql() {
    for format in ["compact", "expanded", "dense", "compact_model"] {
        let db = MyDb::create(format).await;
        let dir = TempDir::new("mysql_shop");
        let entities = fixtures_dir().join("entities/shop").join(format);
        let target = dir.path().join("entity");
        std::fs::create_dir_all(&target).unwrap();
        for f in std::fs::read_dir(&entities).unwrap().flatten() {
            std::fs::copy(f.path(), target.join(f.file_name())).unwrap();
        }
        let args = |extra: &[&'static str]| {
            let mut a = vec!["diff", "--database-url", db.url(), "--entities", "entity"];
            a.extend_from_slice(extra);
            a
        };

        let out = sealift(dir.path(), &args(&["--format", "sql"]));
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let sql = text(&out.stdout);
        db.execute(&section(&sql, "up")).await;

        let out = sealift(dir.path(), &args(&[]));
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).trim(),
            "No changes detected",
            "{format}: the database SeaORM's entities describe, made from the preview, still differs"
        );

        db.execute(&section(&sql, "down")).await;
        let out = sealift(dir.path(), &["inspect", "--database-url", db.url()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            !text(&out.stdout).contains("  table "),
            "{format}: down left tables behind:\n{}",
            text(&out.stdout)
        );
    }
}
