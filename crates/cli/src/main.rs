//! The `sealift` command line: parses arguments, runs a command, maps failures to exit codes.
//!
//! Exit codes: 0 success, 1 `check` found drift or `autogen` refused to lose data, 2 bad input or an unusable database (the
//! message says what failed and what to try).

mod args;
mod autogen;
mod bundle;
mod files;
mod inspect;
mod plan;
mod progress;
mod report;
mod tenants;
mod verify;
mod workflow;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Parsing thousands of entity files and catalog rows is allocation-heavy, on several threads:
/// mimalloc makes `sealift diff` on 10,000 tables markedly faster than the system allocator
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for bad input: a wrong flag, an unreachable database, a missing schema.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code when the database drifts from the entities (`check`) or is not at head
/// (`current`).
const EXIT_DRIFT: u8 = 1;
/// Exit code when some tenant could not be checked or migrated.
const EXIT_FAILED: u8 = 2;

fn main() -> ExitCode {
    // Every URL on the command line is known to `redact` before anything can quote it: a
    // mistyped flag makes clap quote the arguments back.
    for arg in std::env::args().skip(1) {
        let value = arg.split_once('=').map_or(arg.as_str(), |(_, v)| v);
        for text in [arg.as_str(), value] {
            if text.contains("://") {
                let _ = sealift_catalog::DatabaseUrl::parse(text);
            }
        }
    }
    // A bundle (`sealift bundle`) is this binary with migrations appended: it takes the
    // workflow commands only, on what it carries.
    let parsed = match sealift_workflow::bundle::carried() {
        Ok(Some(krate)) => bundle::parse(krate),
        Ok(None) => Cli::try_parse(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return argument_error(&e),
    };
    // A panic is a bug, but its message may quote a URL: say it in one line, password hidden,
    // and exit as for any other failure.
    if let Ok(url) = std::env::var("DATABASE_URL") {
        // Known to `redact` from the start, before anything else parses it.
        let _ = sealift_catalog::DatabaseUrl::parse(&url);
    }
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: sealift stopped on an internal error{place} (a bug; please report it with the command that caused it): {}",
            sealift_catalog::redact(&panic_text(info.payload()))
        );
    }));
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(_) => ExitCode::from(EXIT_BAD_INPUT),
    }
}

/// What clap says about the arguments, passwords hidden: help and version as they are, an
/// error (which may quote an argument) redacted, exit code 2.
fn argument_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_BAD_INPUT));
    }
    eprint!("{}", sealift_catalog::redact(&e.render().to_string()));
    ExitCode::from(EXIT_BAD_INPUT)
}

/// A panic's message, as `panic!` and `expect` give it.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

fn run(cli: Cli) -> ExitCode {
    if let Ok(text) = std::env::var("SEALIFT_DEBUG_PANIC") {
        // How the tests check the hook above; never set in normal use.
        panic!("{text}");
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // One command is one run: a connection a step is done with serves the next.
    sealift_catalog::keep_connections();
    // Entity files unchanged since the last run in this folder are not parsed again.
    sealift_engine::parse_cache::enable();
    let result = runtime.block_on(async {
        let result = match cli.command {
            Command::Autogen(args) => autogen::run(args).await,
            Command::Inspect(args) => inspect::run(args).await,
            Command::Diff(args) => plan::diff(args).await,
            Command::Check(args) => plan::check(args).await,
            Command::Init(args) => files::init(&args),
            Command::Create(args) => files::create(&args),
            Command::Upgrade(args) => workflow::upgrade(args).await,
            Command::Downgrade(args) => workflow::downgrade(args).await,
            Command::Current(args) => workflow::current(args).await,
            Command::History(args) => workflow::history(args).await,
            Command::Stamp(args) => workflow::stamp(args).await,
            Command::Heads(args) => workflow::heads(args),
            Command::Merge(args) => workflow::merge(args),
            Command::Bundle(args) => bundle::run(&args),
            Command::Verify(args) => verify::verify(args).await,
            Command::Completions(args) => {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(
                    args.shell,
                    &mut command,
                    "sealift",
                    &mut std::io::stdout(),
                );
                Ok(ExitCode::SUCCESS)
            }
        };
        sealift_catalog::close_kept().await;
        result
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // Whatever the chain quotes (a config line, a driver message), no password shows.
            eprintln!("error: {}", sealift_catalog::redact(&format!("{e:#}")));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
