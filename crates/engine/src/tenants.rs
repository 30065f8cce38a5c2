//! Which tenants a command works on: each database of the list (or the one URL), and in each
//! the schemas the patterns select, or its default schema.

use anyhow::Result;
use futures_util::StreamExt;
use sealift_workflow::Tenant;
use sealift_workflow::config::Project;

use crate::observer::Observer;

/// The tenants the project selects: each database of the list (or the one URL), and in each
/// the schemas the patterns select (one query per database), or its default schema.
pub async fn resolve(project: &Project, jobs: usize) -> Result<Vec<Tenant>> {
    let urls = project.database_urls()?;
    let patterns = project.schema_patterns();
    if patterns.is_empty() {
        return Ok(urls.into_iter().map(Tenant::database).collect());
    }
    let options = sealift_catalog::ReflectOptions {
        schemas: patterns,
        history_table: None,
    };
    let found: Vec<Result<Vec<Tenant>>> = futures_util::stream::iter(urls.into_iter().map(|url| {
        let options = &options;
        async move {
            let catalog = sealift_catalog::open(&url, options).await?;
            let schemas = catalog.schemas().to_vec();
            catalog.release().await;
            Ok(schemas
                .into_iter()
                .map(|schema| Tenant {
                    url: url.clone(),
                    schema: Some(schema),
                })
                .collect())
        }
    }))
    .buffered(jobs)
    .collect()
    .await;
    let mut tenants = Vec::new();
    for list in found {
        tenants.extend(list?);
    }
    Ok(tenants)
}

/// `diff` and `autogen` write one plan, which runs on every tenant: with a selection of many,
/// they plan against the first tenant and say so.
pub async fn plan_on_first(project: &mut Project, observer: &dyn Observer) -> Result<()> {
    if !project.fans_out() {
        return Ok(());
    }
    let tenants = resolve(project, 1).await?;
    let Some(first) = tenants.first() else {
        anyhow::bail!(
            "the selection names no tenant; check --schema, --all-schemas or --databases"
        );
    };
    observer.note(&format!(
        "Planning against {}, the first of {} tenant(s); the migration runs on each",
        first.label(with_database(&tenants)),
        tenants.len()
    ));
    project.narrow_to(first.url.expose(), first.schema.clone());
    Ok(())
}

/// Whether reports name each tenant's database too (several databases).
pub fn with_database<'a>(tenants: impl IntoIterator<Item = &'a Tenant>) -> bool {
    let mut urls = tenants.into_iter().map(|t| t.url.expose());
    let first = urls.next();
    urls.any(|url| Some(url) != first)
}
