//! PostgreSQL reflection against a real server: query count, Sakila, bad input.

mod common;

use common::{foreign_key_lines, reflect_url};
use sealift_catalog::{Error, Reflection};
use sealift_ir::{FkAction, TableKind, TypeKind};
use sealift_testkit::{PgDb, fixture, synthetic_tables_sql};

async fn reflect_tables(n: usize) -> Reflection {
    let db = PgDb::create(&format!("count{n}")).await;
    db.execute(&synthetic_tables_sql(n, sealift_ir::Dialect::Postgres))
        .await;
    let r = reflect_url(db.url(), &[]).await.expect("reflect");
    assert_eq!(r.schema.tables().count(), n, "every table is reflected");
    r
}

#[tokio::test]
async fn the_number_of_catalog_queries_does_not_grow_with_tables() {
    let small = reflect_tables(10).await;
    let large = reflect_tables(500).await;
    assert_eq!(small.queries, large.queries);
    // schemas, tables, columns, constraints, indexes, enums, domains, triggers, dependents.
    assert_eq!(large.queries, 9);
    let t = large.schema.tables().last().unwrap().1;
    assert_eq!(t.foreign_keys.len(), 1, "{t:?}");
    assert_eq!(t.uniques.len(), 1, "{t:?}");
    assert_eq!(t.indexes.len(), 1, "{t:?}");
}

#[tokio::test]
async fn sakila_reflects_partitions_views_enums_domains_and_foreign_keys() {
    let db = PgDb::create("sakila").await;
    db.execute(&fixture("sql/postgres/sakila.sql")).await;
    let schema = reflect_url(db.url(), &[]).await.expect("reflect").schema;
    let public = &schema.namespaces["public"];

    let tables: Vec<&str> = public.tables.keys().map(String::as_str).collect();
    for t in [
        "actor",
        "address",
        "category",
        "city",
        "country",
        "customer",
        "film",
        "film_actor",
        "film_category",
        "inventory",
        "language",
        "payment",
        "rental",
        "staff",
        "store",
    ] {
        assert!(tables.contains(&t), "{t} missing from {tables:?}");
    }
    assert!(!tables.contains(&"seaql_migrations"));

    assert!(
        matches!(&public.tables["film"].kind, TableKind::Partitioned { key } if key == "RANGE (film_id)")
    );
    for p in ["film_1000", "film_2000", "film_3000"] {
        match &public.tables[p].kind {
            TableKind::PartitionOf {
                parent,
                bound: Some(b),
            } => {
                assert_eq!(parent.name, "film");
                assert!(b.starts_with("FOR VALUES FROM"), "{b}");
            }
            other => panic!("{p} is {other:?}"),
        }
    }
    for m in 1..=6 {
        let p = format!("payment_p2007_0{m}");
        assert!(
            matches!(&public.tables[&p].kind, TableKind::PartitionOf { parent, bound: None } if parent.name == "payment"),
            "{p}: {:?}",
            public.tables[&p].kind
        );
    }
    for v in [
        "actor_info",
        "customer_list",
        "film_list",
        "nicer_but_slower_film_list",
        "sales_by_film_category",
        "sales_by_store",
        "staff_list",
    ] {
        assert!(public.tables[v].kind.is_view(), "{v} is not a view");
    }

    assert_eq!(
        public.enums["mpaa_rating"].values,
        ["G", "PG", "PG-13", "R", "NC-17"]
    );
    let year = &public.domains["year"];
    assert_eq!(year.base.name, "int4");
    assert_eq!(year.checks.len(), 1);
    let release_year = public.tables["film"].column("release_year").unwrap();
    assert!(
        matches!(&release_year.data_type.kind, TypeKind::Domain { base } if base.name == "int4")
    );

    // Every foreign key of the dump, with its actions.
    let fks = foreign_key_lines(public);
    let wanted = [
        "address_city_id_fkey address(city_id) -> city(city_id) on update CASCADE on delete RESTRICT",
        "film_actor_film_id_fkey film_actor(film_id) -> film(film_id) on update CASCADE on delete RESTRICT",
        "film_category_film_id_fkey film_category(film_id) -> film(film_id) on update CASCADE on delete RESTRICT",
        "inventory_film_id_fkey inventory(film_id) -> film(film_id) on update CASCADE on delete RESTRICT",
        "payment_rental_id_fkey payment(rental_id) -> rental(rental_id) on update CASCADE on delete SET NULL",
        "staff_store_id_fkey staff(store_id) -> store(store_id) on update NO ACTION on delete NO ACTION",
    ];
    for w in wanted {
        assert!(
            fks.iter().any(|f| f == w),
            "missing {w}\nhave:\n{}",
            fks.join("\n")
        );
    }
    assert_eq!(fks.len(), 40, "{}", fks.join("\n"));
    assert!(
        public.tables["payment"]
            .foreign_keys
            .iter()
            .any(|f| f.on_delete == FkAction::SetNull)
    );
}

#[tokio::test]
async fn a_missing_schema_names_the_ones_that_exist() {
    let db = PgDb::create("noschema").await;
    db.execute("CREATE SCHEMA sales;").await;
    let err = reflect_url(db.url(), &["public", "nope"])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SchemaNotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("`nope`") && msg.contains("public, sales"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_missing_database_is_reported_as_such() {
    let url = format!(
        "{}/sealift_no_such_database",
        sealift_testkit::pg_admin_url().rsplit_once('/').unwrap().0
    );
    let err = reflect_url(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::DatabaseNotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refused_login_never_shows_the_password() {
    let err = reflect_url(
        "postgres://no_such_role:Hunter2Secret@127.0.0.1:5432/postgres",
        &[],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::AuthFailed { .. }), "{err:?}");
    let msg = format!("{err} {err:?}");
    assert!(!msg.contains("Hunter2Secret"), "{msg}");
    assert!(msg.contains("no_such_role:***@"), "{msg}");
}

#[tokio::test]
async fn an_unreachable_server_says_so_without_the_password() {
    let err = reflect_url("postgres://postgres:Hunter2Secret@127.0.0.1:1/db", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    let msg = format!("{err} {err:?}");
    assert!(!msg.contains("Hunter2Secret"), "{msg}");
}

/// The floor runs reflection's queries and reads every row they return: on Sakila (views,
/// partitions, enums, domains, triggers) as many rows as the reflected schema has objects.
#[tokio::test]
async fn the_floor_reads_every_row_reflection_lowers() {
    let db = PgDb::create("floor").await;
    db.execute(&fixture("sql/postgres/sakila.sql")).await;
    let url = sealift_catalog::DatabaseUrl::parse(db.url()).unwrap();
    let options = sealift_catalog::ReflectOptions::default();
    let schema = sealift_catalog::reflect(&url, &options)
        .await
        .unwrap()
        .schema;
    let public = &schema.namespaces["public"];
    let objects: usize = public
        .tables
        .values()
        .map(|t| {
            1 + t.columns.len()
                + usize::from(t.primary_key.is_some())
                + t.uniques.len()
                + t.foreign_keys.len()
                + t.checks.len()
                + t.indexes.len()
                + t.triggers.len()
                + t.dependents.len()
        })
        .sum::<usize>()
        + public.enums.len()
        + public.domains.len();
    let floor = sealift_catalog::open(&url, &options)
        .await
        .unwrap()
        .floor()
        .await
        .unwrap();
    assert_eq!(floor, objects);
}

#[tokio::test]
async fn a_connection_with_no_current_schema_is_an_error_not_an_empty_database() {
    let db = PgDb::create("nocurrent").await;
    db.execute(&format!(
        "CREATE TABLE t (id int); ALTER DATABASE \"{}\" SET search_path = nowhere;",
        db.name()
    ))
    .await;
    let err = reflect_url(db.url(), &[]).await.unwrap_err();
    assert!(matches!(err, Error::NoCurrentSchema { .. }), "{err:?}");
    assert!(err.to_string().contains("--schema"), "{err}");
    // Naming the schema still works.
    let r = reflect_url(db.url(), &["public"]).await.expect("reflect");
    assert!(r.schema.namespaces["public"].tables.contains_key("t"));
}

#[tokio::test]
async fn a_history_table_named_by_the_migration_crate_is_not_reflected() {
    let db = PgDb::create("history").await;
    db.execute(
        "CREATE TABLE app_migrations (version varchar PRIMARY KEY, applied_at bigint NOT NULL);
         CREATE TABLE seaql_migrations (version varchar PRIMARY KEY, applied_at bigint NOT NULL);
         CREATE TABLE kept (id int);",
    )
    .await;
    let url = sealift_catalog::DatabaseUrl::parse(db.url()).unwrap();
    let options = sealift_catalog::ReflectOptions {
        history_table: Some("app_migrations".into()),
        ..Default::default()
    };
    let schema = sealift_catalog::reflect(&url, &options)
        .await
        .unwrap()
        .schema;
    let names: Vec<&String> = schema.namespaces["public"].tables.keys().collect();
    assert_eq!(names, ["kept"]);
}

#[tokio::test]
async fn a_failing_count_does_not_lose_the_others() {
    let db = PgDb::create("counts").await;
    let url = sealift_catalog::DatabaseUrl::parse(db.url()).unwrap();
    let counts = sealift_catalog::counts(
        &url,
        &[
            "SELECT 1::int8".to_owned(),
            "SELECT count(*) FROM no_such_table".to_owned(),
            "SELECT 2::int8".to_owned(),
        ],
    )
    .await
    .unwrap();
    assert!(matches!(counts[0], Ok(1)), "{counts:?}");
    assert!(counts[1].is_err(), "{counts:?}");
    assert!(matches!(counts[2], Ok(2)), "{counts:?}");
}
