//! `sealift inspect`: print a live database's schema, or the schema entity files describe.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sealift_catalog::{DatabaseUrl, ReflectOptions};
use sealift_ir::Schema;

use crate::args::{Format, InspectArgs};
use crate::entities;

/// Reflects the database (or reads the entities) named by the arguments and prints the schema.
pub async fn run(args: InspectArgs) -> Result<ExitCode> {
    let schema = match &args.entities {
        Some(dir) => entity_schema(dir, &args)?,
        None => {
            let Some(raw) = args.database_url.as_deref() else {
                bail!(
                    "no database URL given; pass --database-url URL or set DATABASE_URL (or --entities DIR to read entity files)"
                );
            };
            let url = DatabaseUrl::parse(raw)?;
            let options = ReflectOptions {
                schemas: args.schemas.clone(),
            };
            sealift_catalog::reflect(&url, &options).await?.schema
        }
    };
    print_schema(&schema, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn entity_schema(dir: &Path, args: &InspectArgs) -> Result<Schema> {
    let mut options = sealift_entity::LowerOptions::new(args.dialect.into());
    if let Some(first) = args.schemas.first() {
        options.default_schema = first.clone();
    }
    let lowered = entities::load(dir, &options)?;
    Ok(lowered)
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
