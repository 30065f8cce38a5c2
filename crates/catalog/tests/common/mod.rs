//! Helpers shared by the catalog suites.

use sealift_catalog::{DatabaseUrl, Error, ReflectOptions, Reflection, reflect};
use sealift_ir::Namespace;

/// Reflects `url`, reading the given namespaces (none: the default one).
pub async fn reflect_url(url: &str, schemas: &[&str]) -> Result<Reflection, Error> {
    let url = DatabaseUrl::parse(url)?;
    let options = ReflectOptions {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
        ..ReflectOptions::default()
    };
    reflect(&url, &options).await
}

/// Every foreign key of the namespace as one line:
/// `name table(cols) -> referenced(cols) on update X on delete Y`.
pub fn foreign_key_lines(ns: &Namespace) -> Vec<String> {
    ns.tables
        .values()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .map(|(t, fk)| {
            format!(
                "{} {}({}) -> {}({}) on update {} on delete {}",
                fk.name.as_deref().unwrap_or("?"),
                t.name,
                fk.columns.join(","),
                fk.referenced_table.name,
                fk.referenced_columns.join(","),
                fk.on_update.as_sql(),
                fk.on_delete.as_sql()
            )
        })
        .collect()
}
