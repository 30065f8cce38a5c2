//! `sealift inspect`: print a live database's schema, or the schema entity files describe.

use std::process::ExitCode;

use anyhow::{Context, Result};
use sealift_ir::Schema;

use crate::args::{Format, InspectArgs};
use crate::report::Console;
use sealift_engine::inspect::Source;
use sealift_workflow::config::Project;

/// Reflects the database (or reads the entities, with `--entities`) and prints the schema.
pub async fn run(mut args: InspectArgs) -> Result<ExitCode> {
    if let Some(url) = args.url.take() {
        args.project.database_url = Some(url);
    }
    let project = Project::load(&args.project.inputs())?;
    let from_entities = !args.project.entities.is_empty() && args.project.database_url.is_none();
    let source = if from_entities {
        Source::Entities(args.dialect.into())
    } else {
        Source::Database
    };
    let schema = sealift_engine::inspect::schema(&project, source, &Console).await?;
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
    crate::report::print(&text)
}
