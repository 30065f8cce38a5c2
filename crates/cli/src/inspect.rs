//! `sealift inspect`: reflect a database and print its schema.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sealift_catalog::{DatabaseUrl, ReflectOptions};

use crate::args::{Format, InspectArgs};

/// Reflects the database named by the arguments and prints it to stdout.
pub async fn run(args: InspectArgs) -> Result<ExitCode> {
    let Some(raw) = args.database_url.as_deref() else {
        bail!("no database URL given; pass --database-url URL or set DATABASE_URL");
    };
    let url = DatabaseUrl::parse(raw)?;
    let options = ReflectOptions {
        schemas: args.schemas,
    };
    let reflection = sealift_catalog::reflect(&url, &options).await?;
    let text = match args.format {
        Format::Text => sealift_ir::dump(&reflection.schema),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&reflection.schema)
                .context("cannot serialize the schema as JSON")?;
            s.push('\n');
            s
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}
