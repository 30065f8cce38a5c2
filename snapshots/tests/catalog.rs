//! One SQL fixture -> one snapshot of its reflection.
//!
//! Every `fixtures/sql/<dialect>/<name>.sql` is loaded into a fresh database, reflected, and its
//! text dump compared with `snapshots/catalog__<dialect>__<name>.snap`. A fixture may name the
//! namespaces to reflect on a first line `-- sealift-test: schemas=a,b`.

use std::path::Path;

use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_testkit::{MyDb, PgDb, SqliteDb, fixture_files, namespace_renamed};

/// The namespaces a fixture asks for, from its `-- sealift-test: schemas=` line.
fn schemas_of(sql: &str) -> Vec<String> {
    sql.lines()
        .next()
        .and_then(|l| l.strip_prefix("-- sealift-test: schemas="))
        .map(|s| s.split(',').map(|x| x.trim().to_owned()).collect())
        .unwrap_or_default()
}

async fn check(dialect: &str, path: &Path) {
    let sql = std::fs::read_to_string(path).unwrap();
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let (_pg, _lite, _my, url) = match dialect {
        "postgres" => {
            let db = PgDb::create(&stem).await;
            db.execute(&sql).await;
            let url = db.url().to_owned();
            (Some(db), None, None, url)
        }
        "mysql" => {
            let db = MyDb::create(&stem).await;
            db.execute(&sql).await;
            let url = db.url().to_owned();
            (None, None, Some(db), url)
        }
        _ => {
            let db = SqliteDb::create(&stem).await;
            db.execute(&sql).await;
            let url = db.url();
            (None, Some(db), None, url)
        }
    };
    let options = ReflectOptions {
        schemas: schemas_of(&sql),
        ..ReflectOptions::default()
    };
    let reflection = reflect(&DatabaseUrl::parse(&url).unwrap(), &options)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut schema = reflection.schema;
    // A MySQL database is named uniquely per test; the snapshot calls it `db`.
    if dialect == "mysql" {
        schema = namespace_renamed(schema, "db");
    }
    insta::assert_snapshot!(format!("{dialect}__{stem}"), sealift_ir::dump(&schema));
}

#[tokio::test]
async fn postgres_fixtures() {
    let files = fixture_files("sql/postgres", "sql");
    assert!(!files.is_empty());
    for f in files {
        check("postgres", &f).await;
    }
}

#[tokio::test]
async fn sqlite_fixtures() {
    let files = fixture_files("sql/sqlite", "sql");
    assert!(!files.is_empty());
    for f in files {
        check("sqlite", &f).await;
    }
}

#[tokio::test]
async fn mysql_fixtures() {
    let files = fixture_files("sql/mysql", "sql");
    assert!(!files.is_empty());
    for f in files {
        check("mysql", &f).await;
    }
}
