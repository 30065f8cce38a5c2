//! `sealift bundle`, and running as a bundle: the executable it writes is this binary with the
//! project's runner and migration crate appended (`sealift_workflow::bundle`). Started as a
//! bundle, it takes the workflow commands only, with the migrations it carries, and runs them
//! through the same code as `sealift upgrade` and the rest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, FromArgMatches};
use sealift_workflow::MigrationCrate;
use sealift_workflow::config::{Inputs, Project};
use sealift_workflow::runner::{Flavor, Runner};

use crate::args::{BundleArgs, Bundled, Cli};
use crate::report::{count, print};

/// The migration crate this process carries, when it runs as a bundle.
static CARRIED: OnceLock<MigrationCrate> = OnceLock::new();

/// The crate a bundle carries, when this process is one.
pub fn carried() -> Option<&'static MigrationCrate> {
    CARRIED.get()
}

/// The bundle's arguments, as the command they name; `krate` is what it carries.
pub fn parse(krate: MigrationCrate) -> std::result::Result<Cli, clap::Error> {
    let name = std::env::args_os()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "migrate".to_owned());
    let head = krate
        .migrations
        .last()
        .map_or("base", |m| m.name.as_str())
        .to_owned();
    let about = format!(
        "Runs this project's {} (head: {head}), built in by `sealift bundle` (sealift {}): no cargo, no sources. The database comes from --database-url, DATABASE_URL or .env.",
        count(krate.migrations.len(), "migration"),
        env!("CARGO_PKG_VERSION"),
    );
    // Named as it was started (`migrate`); once per process, so leaking it costs nothing.
    let name: &'static str = Box::leak(name.into_boxed_str());
    let command = Bundled::command()
        .name(name)
        .bin_name(name)
        .about(about)
        .mut_subcommands(|s| {
            // What the bundle carries replaces them; a value given is refused in `inputs`.
            s.mut_arg("entities", |a| a.hide(true))
                .mut_arg("migration_dir", |a| a.hide(true))
        });
    let matches = command.try_get_matches()?;
    let bundled = Bundled::from_arg_matches(&matches)?;
    let _ = CARRIED.set(krate);
    Ok(Cli {
        command: bundled.command.into(),
    })
}

/// The project and the migration crate a workflow command works on: the one a bundle carries
/// (with no `sealift.toml` read unless `--config` names one), else the one on disk.
pub fn load(inputs: &Inputs) -> Result<(Project, MigrationCrate)> {
    let Some(krate) = carried() else {
        let project = Project::load(inputs)?;
        let krate = MigrationCrate::load(&project.migration_dir)?;
        return Ok((project, krate));
    };
    if inputs.migration_dir.is_some() || !inputs.entities.is_empty() {
        bail!(sealift_workflow::Error::Config(
            "this executable carries its migrations (it was made by `sealift bundle`): --migration-dir and --entities do not apply; leave them out".to_owned()
        ));
    }
    let project = Project::load(&Inputs {
        no_default_config: true,
        ..inputs.clone()
    })?;
    Ok((project, krate.clone()))
}

/// `sealift bundle`.
pub fn run(args: &BundleArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project.inputs())?;
    let krate = MigrationCrate::load(&project.migration_dir)?;
    let profile = if args.debug { "debug" } else { "release" };
    eprintln!(
        "Building the runner of {} ({profile}, with offline SQL); cargo's progress follows",
        krate.dir.display()
    );
    let runner = Runner::build(
        &krate,
        Flavor {
            offline: true,
            release: !args.debug,
        },
    )?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(runner.binary()));
    let sealift = std::env::current_exe().context("cannot find sealift's own executable")?;
    let size = sealift_workflow::bundle::write(&sealift, runner.binary(), &krate, &out)?;
    let head = krate.migrations.last().map_or("base", |m| m.name.as_str());
    let shown = out.display();
    print(&format!(
        "Wrote {shown} ({:.1} MB): {} (head: {head}) and the history table {}.\n\
         It needs no cargo and no sources: `{shown} upgrade` with DATABASE_URL set; `{shown} --help` lists the commands.\n",
        size as f64 / 1e6,
        count(krate.migrations.len(), "migration"),
        krate.history_table,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `<target>/sealift/migrate`, beside the runner's build folder.
fn default_out(runner: &Path) -> PathBuf {
    let target = runner
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    target
        .join("sealift")
        .join(format!("migrate{}", std::env::consts::EXE_SUFFIX))
}
