//! MySQL/MariaDB reflection against a real server (MariaDB here): query count, the features
//! fixture read field by field, bad input.

mod common;

use common::{foreign_key_lines, reflect_url};
use sealift_catalog::{Error, Reflection};
use sealift_ir::{DataType, Dialect, FkAction, Identity, IndexKey, TableKind};
use sealift_testkit::{MyDb, fixture, namespace_renamed, synthetic_tables_sql};

async fn reflect_tables(n: usize) -> Reflection {
    let db = MyDb::create(&format!("count{n}")).await;
    db.execute(&synthetic_tables_sql(n, Dialect::Mysql)).await;
    let r = reflect_url(db.url(), &[]).await.expect("reflect");
    assert_eq!(r.schema.tables().count(), n, "every table is reflected");
    r
}

#[tokio::test]
async fn the_number_of_catalog_queries_does_not_grow_with_tables() {
    let small = reflect_tables(10).await;
    let large = reflect_tables(500).await;
    assert_eq!(small.queries, large.queries);
    // server, databases, tables, columns, indexes, foreign keys, checks, triggers, partitions.
    assert_eq!(large.queries, 9);
    let t = large.schema.tables().last().unwrap().1;
    assert_eq!(t.foreign_keys.len(), 1, "{t:?}");
    assert_eq!(t.uniques.len(), 1, "{t:?}");
    // The label index and the one InnoDB adds for the foreign key.
    assert_eq!(t.indexes.len(), 2, "{t:?}");
    let state = t.column("state").unwrap();
    assert_eq!(state.data_type.name, "enum('new','active','gone')");
    assert_eq!(state.default.as_deref(), Some("'new'"));
}

#[tokio::test]
async fn features_reflect_as_the_server_holds_them() {
    let db = MyDb::create("features").await;
    db.execute(&fixture("sql/mysql/features.sql")).await;
    let schema = reflect_url(db.url(), &[]).await.expect("reflect").schema;
    assert_eq!(schema.dialect, Dialect::Mysql);
    let ns = &schema.namespaces[db.name()];
    let item = &ns.tables["item"];
    let col = |n: &str| item.column(n).unwrap_or_else(|| panic!("no column {n}"));

    assert_eq!(col("id").data_type, DataType::builtin("int unsigned"));
    assert_eq!(col("id").identity, Some(Identity::AutoIncrement));
    assert_eq!(col("big").data_type, DataType::builtin("bigint"));
    assert_eq!(col("big").default, None);
    assert_eq!(
        col("flag").data_type,
        DataType::builtin("tinyint").with_modifiers([1])
    );
    assert_eq!(col("flag").default.as_deref(), Some("0"));
    assert_eq!(col("code").collation.as_deref(), Some("latin1_swedish_ci"));
    assert_eq!(col("code").comment.as_deref(), Some("the code"));
    assert_eq!(col("body").collation, None, "the table's collation");
    assert_eq!(col("price").default.as_deref(), Some("1.50"));
    assert_eq!(
        col("amount").data_type,
        DataType::builtin("decimal").with_modifiers([10, 0])
    );
    assert_eq!(col("title").default.as_deref(), Some("'it''s new'"));
    assert_eq!(col("kind").data_type.name, "enum('a','b c','d''e')");
    assert_eq!(col("kind").default.as_deref(), Some("'a'"));
    assert_eq!(col("tags").data_type.name, "set('x','y')");
    assert_eq!(col("doc").data_type, DataType::builtin("json"));
    assert_eq!(col("doc").collation, None);
    assert_eq!(
        col("updated_at").default.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        col("updated_at").on_update.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        col("double_price").generated.as_deref(),
        Some("`price` * 2")
    );
    assert_eq!(col("double_price").default, None);
    assert!(col("next_big").generated.is_some());
    assert_eq!(item.comment.as_deref(), Some("things for sale"));

    let pk = item.primary_key.as_ref().unwrap();
    assert_eq!(pk.columns, ["id"]);
    assert_eq!(item.uniques.len(), 1);
    assert_eq!(item.uniques[0].name.as_deref(), Some("uq_code"));
    let idx = |n: &str| item.indexes.iter().find(|i| i.name == n).unwrap();
    let prefix = idx("idx_code_big");
    assert_eq!(prefix.parts[0].prefix, Some(10));
    assert!(prefix.parts[1].descending);
    assert_eq!(idx("ft_body").method.as_deref(), Some("fulltext"));
    // InnoDB's index for the foreign key, named after the constraint.
    assert!(matches!(&idx("fk_parent").parts[0].key, IndexKey::Column(c) if c == "parent_id"));
    assert_eq!(
        item.checks.len(),
        1,
        "json_valid is the column's type, not a check"
    );
    assert_eq!(item.checks[0].name.as_deref(), Some("chk_price"));
    assert_eq!(item.triggers.len(), 1);
    assert!(
        item.triggers[0]
            .definition
            .starts_with("CREATE TRIGGER `item_code_upper` BEFORE INSERT ON `item` FOR EACH ROW"),
        "{}",
        item.triggers[0].definition
    );

    let fks = foreign_key_lines(ns);
    let cascade = "fk_parent item(parent_id) -> parent(id) on update";
    assert!(
        fks.iter()
            .any(|f| f.starts_with(cascade) && f.ends_with("on delete CASCADE")),
        "{fks:?}"
    );
    assert!(
        fks.iter().any(|f| f
            == "fk_other item(other_parent_id) -> parent(id) on update CASCADE on delete SET NULL"),
        "{fks:?}"
    );
    assert!(
        item.foreign_keys
            .iter()
            .all(|f| f.referenced_table.schema.as_deref() == Some(db.name()))
    );
    assert!(
        item.foreign_keys
            .iter()
            .any(|f| f.on_delete == FkAction::SetNull)
    );

    assert!(ns.tables["cheap_item"].kind.is_view());
    assert!(
        matches!(&ns.tables["event"].kind, TableKind::Partitioned { key } if key.starts_with("RANGE")),
        "{:?}",
        ns.tables["event"].kind
    );
}

#[tokio::test]
async fn a_missing_database_names_the_ones_that_exist() {
    let db = MyDb::create("nodb").await;
    let err = reflect_url(db.url(), &["sealift_no_such_database"])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::SchemaNotFound { available, .. } if available.contains(db.name())),
        "{err}"
    );
    // A URL without a database: say so, and list what is there.
    let base = db.url().rsplit_once('/').unwrap().0.to_owned();
    let err = reflect_url(&format!("{base}/"), &[]).await.unwrap_err();
    assert!(matches!(err, Error::NoDatabase { .. }), "{err}");
}

/// Sakila as MySQL ships it (`../shared/fixtures-external/sakila/mysql.sql`: routines between
/// `DELIMITER` lines, a MyISAM table with a FULLTEXT index, triggers, views), reflected whole.
#[tokio::test]
async fn sakila_reflects_whole() {
    let db = MyDb::create("sakila").await;
    let sql = std::fs::read_to_string(
        sealift_testkit::shared_dir().join("fixtures-external/sakila/mysql.sql"),
    )
    .unwrap();
    // The script names its own database in one view; the test's has another name.
    db.execute(&sql.replace("sakila.", &format!("`{}`.", db.name())))
        .await;
    let schema = reflect_url(db.url(), &[]).await.expect("reflect").schema;
    let ns = &schema.namespaces[db.name()];
    let tables: Vec<&str> = ns
        .tables
        .iter()
        .filter(|(_, t)| !t.kind.is_view())
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(tables.len(), 16, "{tables:?}");
    let views = ns.tables.values().filter(|t| t.kind.is_view()).count();
    assert_eq!(views, 7);
    let film = &ns.tables["film"];
    assert_eq!(
        film.column("rating").unwrap().data_type.name,
        "enum('G','PG','PG-13','R','NC-17')"
    );
    assert_eq!(
        film.column("special_features").unwrap().data_type.name,
        "set('Trailers','Commentaries','Deleted Scenes','Behind the Scenes')"
    );
    assert_eq!(film.triggers.len(), 3);
    let text = &ns.tables["film_text"];
    assert!(
        text.indexes
            .iter()
            .any(|i| i.method.as_deref() == Some("fulltext")),
        "{:?}",
        text.indexes
    );
    let fks = foreign_key_lines(ns);
    assert_eq!(fks.len(), 22, "{}", fks.join("\n"));
    let actor = &ns.tables["actor"];
    let updated = actor.column("last_update").unwrap();
    assert_eq!(updated.default.as_deref(), Some("CURRENT_TIMESTAMP"));
    assert_eq!(updated.on_update.as_deref(), Some("CURRENT_TIMESTAMP"));
    insta::with_settings!({snapshot_path => "../../../snapshots/tests/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("catalog__mysql__sakila", sealift_ir::dump(&namespace_renamed(schema, "sakila")));
    });
}
