//! `check` over a set of tenants: where each one drifts from the entities, or why it could
//! not be compared.

use anyhow::{Context, Result};
use futures_util::StreamExt;
use rayon::prelude::*;
use sealift_catalog::DatabaseUrl;
use sealift_diff::{DiffOptions, Plan, Rename};
use sealift_entity::LowerOptions;
use sealift_ir::Schema;
use sealift_workflow::config::Project;
use sealift_workflow::{MigrationCrate, Status, Tenant};

use crate::entities;
use crate::observer::Observer;

/// One tenant's `check` result.
#[derive(serde::Serialize)]
pub struct Checked {
    /// The database, without its password.
    pub database: String,
    /// The schema compared.
    pub schema: String,
    /// `in_sync`, `drift` or `error`.
    pub status: &'static str,
    /// The changes that would bring it to the entities (drift).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Why it could not be checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How the text report names it ([`Tenant::label`]).
    #[serde(skip)]
    pub label: String,
}

/// What `check --format json` prints: every tenant's result and the counts.
#[derive(serde::Serialize)]
pub struct CheckReport {
    /// Every tenant's result, in order.
    pub tenants: Vec<Checked>,
    /// How many are in sync.
    pub in_sync: usize,
    /// How many drift.
    pub drift: usize,
    /// How many could not be checked.
    pub error: usize,
    /// Schemas the entities name (`schema_name`) that no tenant compares.
    #[serde(skip)]
    pub not_compared: Vec<String>,
}

impl CheckReport {
    /// The counts of `tenants`.
    pub fn new(tenants: Vec<Checked>) -> CheckReport {
        let count = |s: &str| tenants.iter().filter(|r| r.status == s).count();
        CheckReport {
            in_sync: count("in_sync"),
            drift: count("drift"),
            error: count("error"),
            tenants,
            not_compared: Vec::new(),
        }
    }

    /// The report as JSON, every password hidden.
    pub fn json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).context("cannot write JSON")?;
        text.push('\n');
        Ok(sealift_catalog::redact(&text))
    }
}

/// One database, read: or why it could not be.
struct Database {
    url: DatabaseUrl,
    result: Result<Read, String>,
}

/// The schemas selected in a database, read in one round of queries, and where each one's
/// migrations stand (when there is a migration crate).
struct Read {
    schemas: Vec<String>,
    /// The tenant each schema is.
    tenants: Vec<Tenant>,
    reflected: Schema,
    statuses: Option<Vec<sealift_workflow::Result<Status>>>,
}

/// `sealift check` over every tenant the project selects, `jobs` databases at a time: each
/// one's catalog and migration history read in one round, the entity files parsed once
/// meanwhile, then each tenant planned on its own thread.
pub async fn check(
    project: &Project,
    renames: Vec<Rename>,
    jobs: usize,
    observer: &dyn Observer,
) -> Result<CheckReport> {
    let dirs = project.entity_dirs()?.to_vec();
    let urls = project.database_urls()?;
    let dialect = urls[0].dialect();
    let spinner = observer.working("reading the entity files and the catalogs");
    let parsing = tokio::task::spawn_blocking(move || entities::read_and_parse(&dirs));
    let mut options = project.reflect_options();
    options.schemas = project.schema_patterns();
    let by_schema = !options.schemas.is_empty();
    // Where each tenant's migrations stand: a tenant behind head is not compared.
    let krate = if project.migration_dir.join("src/lib.rs").exists() {
        Some(MigrationCrate::load(&project.migration_dir)?)
    } else {
        None
    };
    let databases: Vec<Database> = futures_util::stream::iter(urls.into_iter().map(|url| {
        let (options, krate) = (&options, krate.as_ref());
        async move {
            let result = async {
                let catalog = sealift_catalog::open(&url, options).await?;
                let schemas = catalog.schemas().to_vec();
                let tenants: Vec<Tenant> = schemas
                    .iter()
                    .map(|s| Tenant {
                        url: url.clone(),
                        schema: by_schema.then(|| s.clone()),
                    })
                    .collect();
                // The history tables are read while the server answers the catalog queries.
                let history = async {
                    match krate {
                        Some(k) => Some(sealift_workflow::status_all(k, &tenants, 1).await),
                        None => None,
                    }
                };
                let (reflected, statuses) = tokio::join!(catalog.reflect(), history);
                Ok::<_, sealift_catalog::Error>(Read {
                    schemas,
                    tenants,
                    reflected: reflected?.schema,
                    statuses,
                })
            }
            .await
            .map_err(|e| e.to_string());
            Database { url, result }
        }
    }))
    .buffered(jobs)
    .collect()
    .await;
    // Each tenant with the namespace compared and its current schema, or why it has none.
    let mut tenants: Vec<(Tenant, String, Result<Schema, String>)> = Vec::new();
    for db in databases {
        match db.result {
            Ok(Read {
                schemas,
                tenants: each,
                mut reflected,
                statuses,
            }) => {
                let mut statuses = statuses.map(Vec::into_iter);
                for (schema, tenant) in schemas.into_iter().zip(each) {
                    let mut current = Schema::new(reflected.dialect);
                    if let Some(ns) = reflected.namespaces.remove(&schema) {
                        current.namespaces.insert(schema.clone(), ns);
                    }
                    let problem = match statuses.as_mut().and_then(Iterator::next) {
                        Some(Ok(status)) => crate::guard::not_at_head(&status, "check"),
                        Some(Err(e)) => Some(e.to_string()),
                        None => None,
                    };
                    tenants.push((tenant, schema, problem.map_or(Ok(current), Err)));
                }
            }
            Err(e) => tenants.push((Tenant::database(db.url), String::new(), Err(e))),
        }
    }
    let parsed = parsing.await.context("reading the entity files failed")??;
    drop(spinner);
    // Diagnostics are the same for every tenant: shown once, from the first lowering.
    let first_schema = tenants
        .iter()
        .map(|(_, schema, _)| schema.clone())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let first = sealift_entity::lower(
        &parsed,
        &LowerOptions {
            default_schema: first_schema.clone(),
            disabled_features: project.disabled_features.clone(),
            ..LowerOptions::new(dialect)
        },
    );
    let named: Vec<String> = first
        .schema
        .namespaces
        .keys()
        .filter(|n| **n != first_schema)
        .cloned()
        .collect();
    entities::report(first, observer)?;
    let several = crate::tenants::with_database(tenants.iter().map(|(t, _, _)| t));
    let results: Vec<Checked> = tenants
        .into_par_iter()
        .map(|(tenant, schema, current)| {
            let mut checked = Checked {
                database: tenant.url.to_string(),
                schema: schema.clone(),
                status: "error",
                plan: None,
                error: None,
                label: tenant.label(several),
            };
            let mut current = match current {
                Ok(current) => current,
                Err(e) => {
                    checked.error = Some(e);
                    return checked;
                }
            };
            let lower = LowerOptions {
                default_schema: schema.clone(),
                disabled_features: project.disabled_features.clone(),
                ..LowerOptions::new(dialect)
            };
            let mut desired = sealift_entity::lower(&parsed, &lower).schema;
            desired.namespaces.retain(|n, _| *n == schema);
            project.filter(&mut desired);
            project.filter(&mut current);
            let options = DiffOptions {
                compare_server_defaults: project.compare_server_defaults,
                drop_unknown_tables: project.drop_unknown_tables,
                renames: renames.clone(),
                default_schema: schema,
                ..DiffOptions::new(dialect)
            };
            let plan = sealift_diff::diff(&desired, &current, &options);
            if plan.up.is_empty() {
                checked.status = "in_sync";
            } else {
                checked.status = "drift";
                checked.plan = Some(plan);
            }
            checked
        })
        .collect();
    let mut report = CheckReport::new(results);
    report.not_compared = named;
    Ok(report)
}

/// `check` of the one database the project names: the head guard, then its plan.
pub async fn check_one(
    project: &Project,
    renames: Vec<Rename>,
    observer: &dyn Observer,
) -> Result<crate::plan::Planned> {
    let url = project.database_url()?;
    crate::guard::require_head(project, &url, "check").await?;
    crate::plan::plan(project, renames, observer).await
}
