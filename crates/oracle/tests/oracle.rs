//! SeaORM is the oracle. The entity fixtures are compiled here with sea-orm 2.x; SeaORM's own
//! schema builder creates their tables in an empty PostgreSQL database and an empty SQLite
//! database; sealift reflects what SeaORM created, and sealift's parse of the same files (no
//! compiling) must be equal to it. Where they differ, SeaORM is right.

use std::path::Path;

use sea_orm::{Database, DbBackend, Schema, SchemaBuilder};
use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::Dialect;
use sealift_testkit::{MyDb, PgDb, SqliteDb, fixtures_dir, namespace_renamed};

#[path = "../../../fixtures/entities/shop/compact/mod.rs"]
mod compact;
#[path = "../../../fixtures/entities/shop/compact_model/mod.rs"]
mod compact_model;
#[path = "../../../fixtures/entities/shop/dense/mod.rs"]
mod dense;
#[path = "../../../fixtures/entities/shop/expanded/mod.rs"]
mod expanded;
#[path = "../../../fixtures/entities/extras_pg/mod.rs"]
mod extras_pg;

/// Registers every entity of one format's shop module with SeaORM's schema builder.
macro_rules! shop {
    ($m:ident) => {
        |backend: DbBackend| -> SchemaBuilder {
            Schema::new(backend)
                .builder()
                .register($m::bakery::Entity)
                .register($m::cake::Entity)
                .register($m::filling::Entity)
                .register($m::cake_filling::Entity)
                .register($m::customer::Entity)
                .register($m::order::Entity)
                .register($m::employee::Entity)
        }
    };
}

/// The text dump of what SeaORM creates on `backend`, as sealift reflects it.
async fn created_by_seaorm(
    builder: impl Fn(DbBackend) -> SchemaBuilder,
    backend: DbBackend,
) -> String {
    created_in(builder, backend, "", &[]).await
}

/// Like [`created_by_seaorm`], after running `setup` SQL first, reflecting `schemas`.
async fn created_in(
    builder: impl Fn(DbBackend) -> SchemaBuilder,
    backend: DbBackend,
    setup: &str,
    schemas: &[&str],
) -> String {
    let (_pg, _lite, _my, url) = match backend {
        DbBackend::Postgres => {
            let db = PgDb::create("oracle").await;
            let url = db.url().to_owned();
            (Some(db), None, None, url)
        }
        DbBackend::MySql => {
            let db = MyDb::create("oracle").await;
            let url = db.url().to_owned();
            (None, None, Some(db), url)
        }
        _ => {
            let db = SqliteDb::create("oracle").await;
            let url = db.url();
            (None, Some(db), None, url)
        }
    };
    if let Some(db) = &_pg
        && !setup.is_empty()
    {
        db.execute(setup).await;
    }
    let conn = Database::connect(&url).await.expect("connect with SeaORM");
    assert_eq!(conn.get_database_backend(), backend);
    builder(backend)
        .apply(&conn)
        .await
        .expect("SeaORM creates the schema");
    conn.close().await.expect("close");
    let options = ReflectOptions {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
        ..ReflectOptions::default()
    };
    let reflection = reflect(&DatabaseUrl::parse(&url).unwrap(), &options)
        .await
        .expect("reflect");
    comparable(reflection.schema)
}

/// The dump both sides are compared by. Three things are masked, and only these: check
/// expressions on PostgreSQL and MySQL, which the server rewrites (`price >= 0` is stored as
/// `(price >= (0)::numeric)`, or `` `price` >= 0 ``; comparing them is the diff's
/// normalization), and `ignore` fields and `renamed_from`, which are markers for the diff, not
/// objects a database holds.
fn comparable(mut schema: sealift_ir::Schema) -> String {
    let rewrites_checks = matches!(schema.dialect, Dialect::Postgres | Dialect::Mysql);
    // A MySQL namespace is the database, named uniquely per test: both sides call it `db`.
    if schema.dialect == Dialect::Mysql {
        schema = namespace_renamed(schema, "db");
    }
    for ns in schema.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            t.ignored_columns.clear();
            for c in &mut t.columns {
                c.renamed_from = None;
            }
            if rewrites_checks {
                for c in &mut t.checks {
                    c.expression = "<masked>".into();
                }
            }
        }
    }
    sealift_ir::dump(&schema)
}

/// sealift's parse of the fixture files, lowered for `dialect`.
fn parsed_by_sealift(dir: &str, dialect: Dialect) -> sealift_ir::Schema {
    let root = fixtures_dir().join(dir);
    let mut files: Vec<SourceFile> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|path| SourceFile {
            text: std::fs::read_to_string(&path).unwrap(),
            path: Path::new(dir).join(path.file_name().unwrap()),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let lowered = sealift_entity::load(&files, &LowerOptions::new(dialect));
    let errors: Vec<String> = lowered.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(!lowered.has_errors(), "{}", errors.join("\n"));
    lowered.schema
}

async fn check(dir: &str, builder: impl Fn(DbBackend) -> SchemaBuilder + Copy) {
    for (backend, dialect) in [
        (DbBackend::Postgres, Dialect::Postgres),
        (DbBackend::Sqlite, Dialect::Sqlite),
        (DbBackend::MySql, Dialect::Mysql),
    ] {
        let seaorm = created_by_seaorm(builder, backend).await;
        let parsed = parsed_by_sealift(dir, dialect);
        assert!(
            parsed
                .tables()
                .any(|(_, t)| t.ignored_columns == ["legacy_code"]),
            "the ignore field is kept as a marker"
        );
        let sealift = comparable(parsed);
        assert_eq!(
            sealift, seaorm,
            "{dir} on {dialect}: sealift's parse (left) differs from what SeaORM created (right)"
        );
    }
}

#[tokio::test]
async fn compact_matches_seaorm() {
    check("entities/shop/compact", shop!(compact)).await;
}

#[tokio::test]
async fn expanded_matches_seaorm() {
    check("entities/shop/expanded", shop!(expanded)).await;
}

#[tokio::test]
async fn dense_matches_seaorm() {
    check("entities/shop/dense", shop!(dense)).await;
}

#[tokio::test]
async fn compact_model_matches_seaorm() {
    check("entities/shop/compact_model", shop!(compact_model)).await;
}

#[tokio::test]
async fn postgres_only_features_match_seaorm() {
    let builder = |backend: DbBackend| {
        Schema::new(backend)
            .builder()
            .register(extras_pg::account::Entity)
            .register(extras_pg::ledger_entry::Entity)
            .register(extras_pg::split::Entity)
            .register(extras_pg::split_tag::Entity)
    };
    let setup = "CREATE SCHEMA billing; CREATE EXTENSION IF NOT EXISTS citext;";
    let seaorm = created_in(builder, DbBackend::Postgres, setup, &["billing", "public"]).await;
    let sealift = comparable(parsed_by_sealift("entities/extras_pg", Dialect::Postgres));
    assert_eq!(
        sealift, seaorm,
        "sealift's parse (left) differs from what SeaORM created (right)"
    );
}
