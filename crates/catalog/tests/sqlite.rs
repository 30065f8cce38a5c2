//! SQLite reflection against real database files: query count, Sakila, bad input.

mod common;

use common::{foreign_key_lines, reflect_url};
use sealift_catalog::{Error, Reflection};
use sealift_ir::{Deferrable, FkAction, Identity};
use sealift_testkit::{SqliteDb, fixture, synthetic_tables_sql};

async fn reflect_tables(n: usize) -> Reflection {
    let db = SqliteDb::create(&format!("count{n}")).await;
    db.execute(&synthetic_tables_sql(n, sealift_ir::Dialect::Sqlite))
        .await;
    let r = reflect_url(&db.url(), &[]).await.expect("reflect");
    assert_eq!(r.schema.tables().count(), n, "every table is reflected");
    r
}

#[tokio::test]
async fn the_number_of_catalog_queries_does_not_grow_with_tables() {
    let small = reflect_tables(10).await;
    let large = reflect_tables(500).await;
    assert_eq!(small.queries, large.queries);
    // databases, then objects, columns, index columns, foreign keys for `main`.
    assert_eq!(large.queries, 5);
    let t = large.schema.tables().last().unwrap().1;
    assert_eq!(t.foreign_keys.len(), 1, "{t:?}");
    assert_eq!(t.uniques.len(), 1, "{t:?}");
    assert_eq!(t.indexes.len(), 1, "{t:?}");
    assert_eq!(t.columns[0].identity, Some(Identity::AutoIncrement));
}

#[tokio::test]
async fn sakila_reflects_tables_views_and_foreign_keys() {
    let db = SqliteDb::create("sakila").await;
    db.execute(&fixture("sql/sqlite/sakila.sql")).await;
    let schema = reflect_url(&db.url(), &[]).await.expect("reflect").schema;
    let main = &schema.namespaces["main"];
    assert_eq!(
        main.tables.values().filter(|t| !t.kind.is_view()).count(),
        16
    );
    for v in [
        "customer_list",
        "film_list",
        "sales_by_film_category",
        "sales_by_store",
        "staff_list",
    ] {
        assert!(main.tables[v].kind.is_view(), "{v} is not a view");
    }
    let fks = foreign_key_lines(main);
    assert_eq!(fks.len(), 22, "{}", fks.join("\n"));
    for w in [
        "fk_city_country city(country_id) -> country(country_id) on update CASCADE on delete NO ACTION",
        "fk_payment_rental payment(rental_id) -> rental(rental_id) on update CASCADE on delete SET NULL",
        "fk_store_staff store(manager_staff_id) -> staff(staff_id) on update NO ACTION on delete NO ACTION",
    ] {
        assert!(
            fks.iter().any(|f| f == w),
            "missing {w}\nhave:\n{}",
            fks.join("\n")
        );
    }
    let film = &main.tables["film"];
    assert_eq!(film.checks.len(), 2);
    assert_eq!(
        film.column("rental_rate").unwrap().data_type.to_string(),
        "decimal(4,2)"
    );
}

#[tokio::test]
async fn features_keep_what_only_the_ddl_says() {
    let db = SqliteDb::create("features").await;
    db.execute(&fixture("sql/sqlite/features.sql")).await;
    let schema = reflect_url(&db.url(), &[]).await.expect("reflect").schema;
    let main = &schema.namespaces["main"];
    assert!(!main.tables.contains_key("seaql_migrations"));
    let membership = &main.tables["membership"];
    let team_fk = membership
        .foreign_keys
        .iter()
        .find(|f| f.columns.len() == 2)
        .unwrap();
    assert_eq!(team_fk.deferrable, Deferrable::InitiallyDeferred);
    let person_fk = membership
        .foreign_keys
        .iter()
        .find(|f| f.columns == ["person_id"])
        .unwrap();
    assert_eq!(
        person_fk.referenced_columns,
        ["id"],
        "an implicit reference targets the primary key"
    );
    assert_eq!(person_fk.on_delete, FkAction::Cascade);
}

#[tokio::test]
async fn a_missing_file_is_reported_and_not_created() {
    let path = std::env::temp_dir().join(format!("sealift-missing-{}.db", std::process::id()));
    let err = reflect_url(&format!("sqlite://{}", path.display()), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DatabaseNotFound { .. }), "{err:?}");
    assert!(!path.exists(), "reflection must not create the file");
}

#[tokio::test]
async fn an_unknown_database_name_lists_the_attached_ones() {
    let db = SqliteDb::create("noschema").await;
    let err = reflect_url(&db.url(), &["other"]).await.unwrap_err();
    assert!(matches!(err, Error::SchemaNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("main"), "{err}");
}

#[tokio::test]
async fn a_history_table_named_by_the_migration_crate_is_not_reflected() {
    let db = SqliteDb::create("history").await;
    db.execute(
        "CREATE TABLE app_migrations (version varchar PRIMARY KEY, applied_at bigint NOT NULL);
         CREATE TABLE kept (id int);",
    )
    .await;
    let url = sealift_catalog::DatabaseUrl::parse(&db.url()).unwrap();
    let options = sealift_catalog::ReflectOptions {
        history_table: Some("app_migrations".into()),
        ..Default::default()
    };
    let schema = sealift_catalog::reflect(&url, &options)
        .await
        .unwrap()
        .schema;
    let names: Vec<&String> = schema.namespaces["main"].tables.keys().collect();
    assert_eq!(names, ["kept"]);
}

#[tokio::test]
async fn a_failing_count_does_not_lose_the_others() {
    let db = SqliteDb::create("counts").await;
    db.execute("CREATE TABLE t (id integer);").await;
    let url = sealift_catalog::DatabaseUrl::parse(&db.url()).unwrap();
    let counts = sealift_catalog::counts(
        &url,
        &[
            "SELECT 1".to_owned(),
            "SELECT count(*) FROM no_such_table".to_owned(),
            "SELECT count(*) FROM t".to_owned(),
        ],
    )
    .await
    .unwrap();
    assert!(matches!(counts[0], Ok(1)), "{counts:?}");
    assert!(counts[1].is_err(), "{counts:?}");
    assert!(matches!(counts[2], Ok(0)), "{counts:?}");
}
