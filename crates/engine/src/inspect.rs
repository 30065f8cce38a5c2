//! `inspect`: the schema a live database holds, or the one entity files describe.

use anyhow::Result;
use sealift_entity::LowerOptions;
use sealift_ir::{Dialect, Schema};
use sealift_workflow::config::Project;

use crate::entities;
use crate::observer::Observer;

/// Where the schema comes from.
pub enum Source {
    /// The project's database, reflected.
    Database,
    /// The project's entity files, lowered as for this backend.
    Entities(Dialect),
}

/// The schema `source` describes.
pub async fn schema(project: &Project, source: Source, observer: &dyn Observer) -> Result<Schema> {
    match source {
        Source::Entities(dialect) => {
            let mut options = LowerOptions::new(dialect);
            if let Some(first) = project.schemas.first() {
                options.default_schema = first.clone();
            }
            options.disabled_features = project.disabled_features.clone();
            entities::load(project.entity_dirs()?, &options, observer)
        }
        Source::Database => {
            let url = project.database_url()?;
            let _working = observer.working(&format!("reading the catalog of {url}"));
            Ok(sealift_catalog::reflect(&url, &project.reflect_options())
                .await?
                .schema)
        }
    }
}
