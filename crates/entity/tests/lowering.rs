//! Entity sets written the way users and sea-orm-cli write them, lowered: what SeaORM would
//! create, and a `file:line:column` diagnostic for what it would not.

use std::path::PathBuf;

use sealift_entity::{LowerOptions, Lowered, SourceFile};
use sealift_ir::{Dialect, Schema, Table};

/// Lowers `(path, text)` files for `dialect`.
fn lower(files: &[(&str, &str)], dialect: Dialect) -> Lowered {
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from(path),
            text: (*text).to_owned(),
        })
        .collect();
    sealift_entity::load(&files, &LowerOptions::new(dialect))
}

/// The diagnostics as `file:line:column: severity: message` lines.
fn diagnostics(l: &Lowered) -> Vec<String> {
    l.diagnostics.iter().map(|d| d.to_string()).collect()
}

fn table<'a>(schema: &'a Schema, ns: &str, name: &str) -> &'a Table {
    schema
        .namespaces
        .get(ns)
        .and_then(|n| n.tables.get(name))
        .unwrap_or_else(|| panic!("no table {ns}.{name} in {schema:#?}"))
}

#[test]
fn an_ignored_field_may_carry_any_column_type() {
    // sea-orm-cli writes PostgreSQL's `"char"` this way; SeaORM never reads it.
    let l = lower(
        &[(
            "pending_data.rs",
            r#"
            use sea_orm::entity::prelude::*;
            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = "pending_data")]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub seqid: i64,
                #[sea_orm(ignore, column_type = "custom(\"\"char\"\")", select_as = "text")]
                pub op: String,
                #[sea_orm(ignore, column_type = "custom(\"tid\")", select_as = "text", nullable)]
                pub oldctid: Option<String>,
            }
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}
            "#,
        )],
        Dialect::Postgres,
    );
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    let t = table(&l.schema, "public", "pending_data");
    assert_eq!(t.ignored_columns, ["op", "oldctid"]);
    assert_eq!(t.columns.len(), 1);
}

#[test]
fn a_relation_with_unequal_column_lists_is_a_diagnostic_not_a_foreign_key() {
    // sea-orm-cli writes `to` with every column twice for some composite keys.
    let l = lower(
        &[
            (
                "a.rs",
                r#"
                use sea_orm::entity::prelude::*;
                #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
                #[sea_orm(table_name = "a")]
                pub struct Model {
                    #[sea_orm(primary_key, auto_increment = false)]
                    pub foo: i32,
                    #[sea_orm(primary_key, auto_increment = false)]
                    pub bar: i32,
                }
                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {}
                "#,
            ),
            (
                "b.rs",
                r#"
                use sea_orm::entity::prelude::*;
                #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
                #[sea_orm(table_name = "b")]
                pub struct Model {
                    #[sea_orm(primary_key)]
                    pub id: i32,
                    pub foo: i32,
                    pub bar: i32,
                }
                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {
                    #[sea_orm(
                        belongs_to = "super::a::Entity",
                        from = "(Column::Bar, Column::Foo)",
                        to = "(super::a::Column::Bar, super::a::Column::Foo, super::a::Column::Bar, super::a::Column::Foo)"
                    )]
                    A,
                }
                "#,
            ),
        ],
        Dialect::Postgres,
    );
    let d = diagnostics(&l);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with("b.rs:18:") && d[0].contains("pairs 2 column(s) in `from` with 4 in `to`"),
        "{d:#?}"
    );
    assert!(table(&l.schema, "public", "b").foreign_keys.is_empty());
}

#[test]
fn a_primary_key_marked_unique_is_unique_too_where_seaorm_creates_both() {
    // sea-query writes `PRIMARY KEY ... UNIQUE`; PostgreSQL folds the unique into the key,
    // SQLite (and MySQL) create both. The oracle checks this against SeaORM.
    let src = r#"
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "token")]
        pub struct Model {
            #[sea_orm(primary_key, unique)]
            pub id: i32,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
    "#;
    for (dialect, ns, uniques) in [
        (Dialect::Postgres, "public", 0),
        (Dialect::Sqlite, "main", 1),
        (Dialect::Mysql, "default", 1),
    ] {
        let l = lower(&[("token.rs", src)], dialect);
        let t = table(&l.schema, ns, "token");
        assert_eq!(t.uniques.len(), uniques, "{dialect}: {t:#?}");
        assert!(t.primary_key.is_some());
    }
}
