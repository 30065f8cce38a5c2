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
