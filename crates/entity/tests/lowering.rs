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
    // sea-query writes `PRIMARY KEY ... UNIQUE`; PostgreSQL and MariaDB fold the unique into
    // the key (MariaDB keeps only `PRIMARY`), SQLite creates both. The oracle checks this
    // against SeaORM.
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
        (Dialect::Mysql, "default", 0),
    ] {
        let l = lower(&[("token.rs", src)], dialect);
        let t = table(&l.schema, ns, "token");
        assert_eq!(t.uniques.len(), uniques, "{dialect}: {t:#?}");
        assert!(t.primary_key.is_some());
    }
}

/// An entity `table` in schema `schema` with an `id` key and the given extra fields and
/// relation variants.
fn entity(schema: &str, table: &str, fields: &str, relations: &str) -> String {
    format!(
        r#"
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(schema_name = "{schema}", table_name = "{table}")]
        pub struct Model {{
            #[sea_orm(primary_key)]
            pub id: i32,
            {fields}
        }}
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {{ {relations} }}
        "#
    )
}

#[test]
fn relation_paths_resolve_from_their_own_folder() {
    // Two entity folders both have `art_type.rs`, as MusicBrainz's cover_art_archive and
    // event_art_archive do.
    let belongs = |path: &str| {
        format!(
            r#"#[sea_orm(belongs_to = "{path}", from = "Column::TypeId", to = "super::art_type::Column::Id")] ArtType,"#
        )
    };
    let caa_type = entity("caa", "art_type", "", "");
    let eaa_type = entity("eaa", "art_type", "", "");
    let caa_cover = entity(
        "caa",
        "cover",
        "pub type_id: i32,",
        &belongs("super::art_type::Entity"),
    );
    let eaa_cover = entity(
        "eaa",
        "cover",
        "pub type_id: i32,",
        &belongs("super::art_type::Entity"),
    );
    let l = lower(
        &[
            ("e/eaa/art_type.rs", &eaa_type),
            ("e/eaa/cover.rs", &eaa_cover),
            ("e/caa/art_type.rs", &caa_type),
            ("e/caa/cover.rs", &caa_cover),
        ],
        Dialect::Postgres,
    );
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    for ns in ["caa", "eaa"] {
        let fk = &table(&l.schema, ns, "cover").foreign_keys[0];
        assert_eq!(fk.referenced_table.to_string(), format!("{ns}.art_type"));
    }

    // A path that fits both folders is reported, not resolved to the first.
    let ambiguous = entity(
        "caa",
        "cover",
        "pub type_id: i32,",
        &belongs("crate::art_type::Entity"),
    );
    let l = lower(
        &[
            ("e/eaa/art_type.rs", &eaa_type),
            ("e/caa/art_type.rs", &caa_type),
            ("e/caa/cover.rs", &ambiguous),
        ],
        Dialect::Postgres,
    );
    let d = diagnostics(&l);
    assert!(
        d.len() == 1
            && d[0].starts_with("e/caa/cover.rs:")
            && d[0].contains(
                "`crate::art_type::Entity` could be any of e/caa/art_type.rs, e/eaa/art_type.rs"
            ),
        "{d:#?}"
    );
}

#[test]
fn user_types_resolve_from_their_own_folder() {
    let enums = |values: &str| {
        format!(
            r#"
            use sea_orm::entity::prelude::*;
            #[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
            #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "fluency", rename_all = "snake_case")]
            pub enum Fluency {{ {values} }}
            "#
        )
    };
    let a_enums = enums("Basic, Native");
    let b_enums = enums("Low, High, Native");
    let speaker =
        |schema: &str, ty: &str| entity(schema, "speaker", &format!("pub fluency: {ty},"), "");
    let a = speaker("a", "super::sea_orm_active_enums::Fluency");
    let b = speaker("b", "Fluency");
    let l = lower(
        &[
            ("e/a/sea_orm_active_enums.rs", &a_enums),
            ("e/a/speaker.rs", &a),
            ("e/b/sea_orm_active_enums.rs", &b_enums),
            ("e/b/speaker.rs", &b),
        ],
        Dialect::Postgres,
    );
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    // Each schema's enum is the one its folder declares, in that schema.
    for (ns, values) in [("a", "basic native"), ("b", "low high native")] {
        assert_eq!(
            l.schema.namespaces[ns].enums["fluency"].values.join(" "),
            values
        );
        let col = table(&l.schema, ns, "speaker").column("fluency").unwrap();
        assert_eq!(col.data_type.schema.as_deref(), Some(ns));
    }

    // With no folder of its own to look in, a bare name fits both and they differ.
    let c = speaker("c", "Fluency");
    let l = lower(
        &[
            ("e/a/sea_orm_active_enums.rs", &a_enums),
            ("e/b/sea_orm_active_enums.rs", &b_enums),
            ("e/c/speaker.rs", &c),
        ],
        Dialect::Sqlite,
    );
    let d = diagnostics(&l);
    assert!(
        d.len() == 1 && d[0].contains("the type `Fluency` of column `fluency` could be any of"),
        "{d:#?}"
    );
}

#[test]
fn names_over_63_bytes_are_cut_as_postgresql_cuts_them_with_a_warning() {
    let long_table = format!("tt{}", "é".repeat(40)); // 82 bytes; byte 63 is mid-character
    let src = entity(
        "public",
        &long_table,
        "#[sea_orm(indexed)] pub a_column_name_that_is_long_enough_to_need_cutting_by_postgresql_x: i32,",
        "",
    );
    let l = lower(&[("t.rs", &src)], Dialect::Postgres);
    let ns = &l.schema.namespaces["public"];
    let (name, t) = ns.tables.iter().next().unwrap();
    assert_eq!(name.len(), 62, "cut at a character boundary: {name}");
    assert!(long_table.starts_with(name.as_str()));
    assert_eq!(t.columns[1].name.len(), 63);
    assert!(t.indexes[0].name.len() <= 63);
    let d = diagnostics(&l);
    assert!(
        d.iter()
            .any(|d| d.contains("warning: the table name") && d.contains("keeps the first 63")),
        "{d:#?}"
    );
    assert!(!l.has_errors());
    // SQLite keeps every name whole.
    let l = lower(&[("t.rs", &src)], Dialect::Sqlite);
    assert!(
        l.schema.namespaces["public"]
            .tables
            .contains_key(&long_table)
    );
    assert!(l.diagnostics.is_empty());
}

#[test]
fn an_enum_named_with_its_schema_lives_in_that_schema() {
    let mood = r#"
        use sea_orm::entity::prelude::*;
        #[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "app.mood")]
        pub enum Mood {
            #[sea_orm(string_value = "happy")]
            Happy,
            #[sea_orm(string_value = "sad")]
            Sad,
        }
    "#;
    let person = r#"
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "person")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            pub mood: super::mood::Mood,
            pub moods: Vec<super::mood::Mood>,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
    "#;
    let files = |extra: &[(&'static str, &'static str)]| -> Vec<SourceFile> {
        [("mood.rs", mood), ("person.rs", person)]
            .iter()
            .chain(extra)
            .map(|(path, text)| SourceFile {
                path: PathBuf::from(path),
                text: (*text).to_owned(),
            })
            .collect()
    };
    // The database has a schema `app`: the type is `app.mood`, not `public."app.mood"`.
    let options = LowerOptions {
        schemas: vec!["public".into(), "app".into()],
        ..LowerOptions::new(Dialect::Postgres)
    };
    let l = sealift_entity::load(&files(&[]), &options);
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    let app = &l.schema.namespaces["app"];
    assert_eq!(app.enums["mood"].values, ["happy", "sad"]);
    assert!(!l.schema.namespaces["public"].enums.contains_key("app.mood"));
    let t = table(&l.schema, "public", "person");
    for c in &t.columns[1..] {
        assert_eq!(
            (c.data_type.schema.as_deref(), c.data_type.name.as_str()),
            (Some("app"), "mood"),
            "{c:?}"
        );
    }
    // No schema of that name anywhere: SeaORM's one dotted identifier, as written.
    let l = sealift_entity::load(&files(&[]), &LowerOptions::new(Dialect::Postgres));
    assert!(l.schema.namespaces["public"].enums.contains_key("app.mood"));
}

#[test]
fn entities_behind_cfg_attr_are_read_unless_their_feature_is_off() {
    let token = r#"
        #[cfg(feature = "ssr")]
        use sea_orm::entity::prelude::*;
        #[cfg_attr(feature = "ssr", derive(DeriveEntityModel), sea_orm(table_name = "refresh_token"))]
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct Model {
            #[cfg_attr(feature = "ssr", sea_orm(primary_key, auto_increment = false))]
            pub token: String,
            pub user_id: i32,
        }
        #[cfg_attr(feature = "ssr", derive(Copy, Clone, Debug, EnumIter, DeriveRelation))]
        pub enum Relation {}
    "#;
    let l = lower(&[("refresh_token.rs", token)], Dialect::Postgres);
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    let t = table(&l.schema, "public", "refresh_token");
    assert_eq!(t.primary_key.as_ref().unwrap().columns, ["token"]);
    let files = [SourceFile {
        path: PathBuf::from("refresh_token.rs"),
        text: token.to_owned(),
    }];
    let off = sealift_entity::load(
        &files,
        &LowerOptions {
            disabled_features: vec!["ssr".into()],
            ..LowerOptions::new(Dialect::Postgres)
        },
    );
    assert!(off.schema.namespaces.values().all(|n| n.tables.is_empty()));
    // A derive sealift cannot read as an entity is an error, never a silent skip.
    let database = r#"
        use sea_orm::entity::prelude::*;
        #[cfg_attr(feature = "orm", derive(DeriveEntityModel), sea_orm(table_name = "node"))]
        pub struct Node {
            #[sea_orm(primary_key)]
            pub id: i32,
        }
    "#;
    let l = lower(&[("node.rs", database)], Dialect::Postgres);
    let d = diagnostics(&l);
    assert!(
        l.has_errors()
            && d.iter()
                .any(|d| d.contains("`Node` derives DeriveEntityModel")),
        "{d:#?}"
    );
}

#[test]
fn a_key_over_an_ignored_field_is_left_out_at_the_relation() {
    let l = lower(
        &[
            (
                "rental.rs",
                r#"
                use sea_orm::entity::prelude::*;
                #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
                #[sea_orm(table_name = "rental")]
                pub struct Model {
                    #[sea_orm(primary_key)]
                    pub rental_id: i32,
                    #[sea_orm(ignore, column_type = "custom(\"mediumint unsigned\")")]
                    pub inventory_id: u32,
                }
                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {
                    #[sea_orm(
                        belongs_to = "super::inventory::Entity",
                        from = "Column::InventoryId",
                        to = "super::inventory::Column::InventoryId"
                    )]
                    Inventory,
                }
                "#,
            ),
            (
                "inventory.rs",
                r#"
                use sea_orm::entity::prelude::*;
                #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
                #[sea_orm(table_name = "inventory")]
                pub struct Model {
                    #[sea_orm(primary_key)]
                    pub inventory_id: i32,
                }
                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {}
                "#,
            ),
        ],
        Dialect::Mysql,
    );
    assert!(!l.has_errors(), "{:#?}", diagnostics(&l));
    let d = diagnostics(&l);
    assert!(
        d.iter().any(|d| d.starts_with("rental.rs:18:")
            && d.contains("inventory_id, which the entity declares with ignore")),
        "{d:#?}"
    );
    let ns = l.schema.namespaces.values().next().unwrap();
    assert!(ns.tables["rental"].foreign_keys.is_empty());
}

#[test]
fn misspelt_keys_are_reported_as_seaorm_treats_them() {
    let l = lower(
        &[(
            "post.rs",
            r#"
            use sea_orm::entity::prelude::*;
            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = "post")]
            pub struct Model {
                #[sea_orm(primay_key)]
                pub id: i32,
                #[sea_orm(unique = true)]
                pub slug: String,
            }
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {
                #[sea_orm(belongs_to = "Entity", form = "Column::Id", to = "Column::Id")]
                Parent,
            }
            "#,
        )],
        Dialect::Postgres,
    );
    let d = diagnostics(&l);
    let has = |text: &str| d.iter().any(|d| d.contains(text));
    // A field's unknown key: SeaORM ignores it (so `id` is no key), and sealift says so.
    assert!(
        has("warning: `primay_key` is not a key SeaORM knows")
            && has("did you mean `primary_key`?"),
        "{d:#?}"
    );
    // A flag given a value, and an unknown relation key: SeaORM's derive stops.
    assert!(has("error: `unique` takes no value"), "{d:#?}");
    assert!(
        has("error: `#[sea_orm]` got unknown `form` argument") && has("did you mean `from`?"),
        "{d:#?}"
    );
    let t = table(&l.schema, "public", "post");
    assert!(t.primary_key.is_none());
}
