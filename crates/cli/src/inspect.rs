//! `sealift inspect`: print a live database's schema, or the schema entity files describe.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sealift_ir::Schema;

use crate::args::{Format, InspectArgs};
use crate::{entities, progress};
use sealift_workflow::config::Project;

/// Reflects the database (or reads the entities, with `--entities`) and prints the schema.
pub async fn run(mut args: InspectArgs) -> Result<ExitCode> {
    if let Some(url) = args.url.take() {
        args.project.database_url = Some(url);
    }
    let project = Project::load(&args.project.inputs())?;
    let from_entities = !args.project.entities.is_empty() && args.project.database_url.is_none();
    let schema = if from_entities {
        let mut options = sealift_entity::LowerOptions::new(args.dialect.into());
        if let Some(first) = project.schemas.first() {
            options.default_schema = first.clone();
        }
        options.disabled_features = project.disabled_features.clone();
        entities::load(project.entity_dirs()?, &options)?
    } else {
        let url = project.database_url()?;
        let options = project.reflect_options();
        let _p = progress::Spinner::start(format!("reading the catalog of {url}"));
        sealift_catalog::reflect(&url, &options).await?.schema
    };
    print_schema(&schema, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_schema(schema: &Schema, format: Format) -> Result<()> {
    let text = match format {
        Format::Text => sealift_ir::dump(schema),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(schema)
                .context("cannot serialize the schema as JSON")?;
            s.push('\n');
            s
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")
}
