//! `upgrade`, `downgrade`, `current`, `history`, `stamp`, `heads`, `merge`: argument handling
//! and printing around `sealift-workflow` (the guard that keeps `autogen` and `check` from
//! running against a database that is not at head is the engine's, `guard.rs`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sealift_workflow::status::Entry;
use sealift_workflow::{Direction, MigrationCrate, Place, Request};

use crate::args::{
    CrateArgs, DialectArg, DowngradeArgs, Format, HeadsArgs, HistoryArgs, LockArgs, StampArgs,
    StatusArgs, UpgradeArgs,
};
use crate::report::{self, count, print, problems, time};
use crate::{files, tenants};
use sealift_workflow::config::{Inputs, Project};

/// Exit code when the database is behind or inconsistent (`current`), or a downgrade that
/// would drop data was not confirmed.
const EXIT_NOT_AT_HEAD: u8 = 1;

/// The project's migration crate, read (or the one a bundle carries).
fn load(inputs: &Inputs) -> Result<(Project, MigrationCrate)> {
    crate::bundle::load(inputs)
}

/// `sealift upgrade [TARGET]`.
pub async fn upgrade(args: UpgradeArgs) -> Result<ExitCode> {
    let (project, krate) = load(&args.project.with_tenants(&args.tenants))?;
    let (lock_timeout, lock_wait) = locks(&project, &args.lock)?;
    let lock_retries = args.lock.lock_retries.unwrap_or(project.lock_retries);
    if args.offline.sql {
        return offline(
            &project,
            &krate,
            Direction::Up,
            &args.target,
            args.offline.dialect,
        );
    }
    let target: Place = args.target.parse()?;
    let request = Request {
        direction: Direction::Up,
        target,
        lock_timeout,
        lock_retries,
        lock_wait,
        confirmed: false,
        expected: None,
    };
    if project.fans_out() {
        return tenants::run(&project, &krate, &request, args.tenants.jobs.into()).await;
    }
    let tenant = project.tenant()?;
    let started = std::time::Instant::now();
    let done = sealift_workflow::run(&krate, &tenant, &request, &mut report::progress).await?;
    let status = sealift_workflow::status(&krate, &tenant).await?;
    let at = status.current().map_or("base", |e| e.name.as_str());
    print(&if done.is_empty() {
        format!("Nothing to apply: the database is at {at}\n")
    } else {
        format!(
            "Applied {} in {:.1} s; the database is at {at}{}\n",
            count(done.len(), "migration"),
            started.elapsed().as_secs_f64(),
            match status.pending().count() {
                0 => String::new(),
                n => format!(" ({n} pending)"),
            }
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `sealift downgrade [TARGET]`.
pub async fn downgrade(args: DowngradeArgs) -> Result<ExitCode> {
    let (project, krate) = load(&args.project.with_tenants(&args.tenants))?;
    let (lock_timeout, lock_wait) = locks(&project, &args.lock)?;
    let lock_retries = args.lock.lock_retries.unwrap_or(project.lock_retries);
    if args.offline.sql {
        return offline(
            &project,
            &krate,
            Direction::Down,
            &args.target,
            args.offline.dialect,
        );
    }
    let target: Place = args.target.parse()?;
    let mut request = Request {
        direction: Direction::Down,
        target,
        lock_timeout,
        lock_retries,
        lock_wait,
        confirmed: args.yes,
        expected: None,
    };
    if project.fans_out() {
        let jobs = args.tenants.jobs.into();
        return tenants::run(&project, &krate, &request, jobs).await;
    }
    let tenant = project.tenant()?;
    let status = sealift_workflow::status(&krate, &tenant).await?;
    let steps = sealift_workflow::steps_to(&status, Direction::Down, &request.target)?;
    if steps.is_empty() {
        print("Nothing to roll back\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut list = format!("Rolling back {}:\n", count(steps.len(), "migration"));
    for name in &steps {
        let down = status
            .entries
            .iter()
            .find(|e| &e.name == name)
            .map(|e| &e.header.down)
            .filter(|d| d.needs_confirmation());
        let _ = writeln!(
            list,
            "  - {name}{}",
            down.map(|d| format!(" ({})", d.summary()))
                .unwrap_or_default()
        );
    }
    print(&list)?;
    if !args.yes
        && let Some(why) = sealift_workflow::needs_confirmation(&status, &request.target, &steps)
    {
        eprintln!("Nothing was rolled back: {why}; run again with --yes to roll back");
        return Ok(ExitCode::from(EXIT_NOT_AT_HEAD));
    }
    // Under the lock the list must still be this one: what was shown is what runs.
    request.expected = Some(steps);
    let started = std::time::Instant::now();
    let done = match sealift_workflow::run(&krate, &tenant, &request, &mut report::progress).await {
        Err(sealift_workflow::Error::Refused(why)) => {
            eprintln!("error: {why}");
            return Ok(ExitCode::from(EXIT_NOT_AT_HEAD));
        }
        done => done?,
    };
    let status = sealift_workflow::status(&krate, &tenant).await?;
    let at = status.current().map_or("base", |e| e.name.as_str());
    print(&format!(
        "Rolled back {} in {:.1} s; the database is at {at}\n",
        count(done.len(), "migration"),
        started.elapsed().as_secs_f64()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `--lock-timeout` and `--lock-wait`, else the project's.
fn locks(project: &Project, args: &LockArgs) -> Result<(Option<Duration>, Option<Duration>)> {
    Ok((
        duration_flag(
            "--lock-timeout",
            args.lock_timeout.as_deref(),
            project.lock_timeout,
            sealift_workflow::config::parse_lock_timeout,
        )?,
        lock_wait(project, args.lock_wait.as_deref())?,
    ))
}

/// `--lock-wait`, else the project's.
fn lock_wait(project: &Project, flag: Option<&str>) -> Result<Option<Duration>> {
    duration_flag(
        "--lock-wait",
        flag,
        project.lock_wait,
        sealift_workflow::config::parse_duration,
    )
}

/// A duration flag, else the project's value.
fn duration_flag(
    name: &str,
    flag: Option<&str>,
    otherwise: Option<Duration>,
    parse: fn(&str) -> std::result::Result<Option<Duration>, String>,
) -> Result<Option<Duration>> {
    match flag {
        Some(text) => parse(text)
            .map_err(|e| anyhow::anyhow!(sealift_workflow::Error::Config(format!("{name}: {e}")))),
        None => Ok(otherwise),
    }
}

/// `--sql`: the statements, with no database connection.
fn offline(
    project: &Project,
    krate: &MigrationCrate,
    direction: Direction,
    range: &str,
    dialect: Option<DialectArg>,
) -> Result<ExitCode> {
    let backend = match dialect {
        Some(d) => d.into(),
        None => match project.database_url() {
            Ok(url) => url.dialect(),
            Err(_) => bail!(
                "--sql needs a backend: pass --dialect postgres|sqlite|mysql, or a database URL whose scheme names it"
            ),
        },
    };
    let (from, to) = match range.split_once(':') {
        Some((from, to)) => (Some(from.parse::<Place>()?), to.parse::<Place>()?),
        None => (None, range.parse::<Place>()?),
    };
    let sql = sealift_workflow::offline_sql(krate, backend, direction, from.as_ref(), &to)?;
    print(&sql)?;
    Ok(ExitCode::SUCCESS)
}

/// `sealift current`.
pub async fn current(args: StatusArgs) -> Result<ExitCode> {
    let (project, krate) = load(&args.project.with_tenants(&args.tenants))?;
    if project.fans_out() {
        return tenants::current(&project, &krate, args.tenants.jobs.into()).await;
    }
    let tenant = project.tenant()?;
    let status = sealift_workflow::status(&krate, &tenant).await?;
    let mut out = String::new();
    match status.current() {
        Some(e) => {
            let _ = writeln!(out, "Current: {} (applied {})", e.name, time(e.applied_at));
        }
        None => out.push_str("Current: base (nothing applied)\n"),
    }
    let pending: Vec<&Entry> = status.pending().collect();
    if pending.is_empty() {
        out.push_str("At head: nothing pending\n");
    } else {
        let _ = writeln!(
            out,
            "Pending: {} ({}); run `sealift upgrade`",
            pending.len(),
            pending
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    problems(&status, &mut out);
    print(&out)?;
    Ok(if status.at_head() && status.consistent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_AT_HEAD)
    })
}

/// `sealift history`.
pub async fn history(args: HistoryArgs) -> Result<ExitCode> {
    let (project, krate) = load(&args.project.with_tenants(&args.tenants))?;
    if project.fans_out() {
        return tenants::history(&project, &krate, args.format, args.tenants.jobs.into()).await;
    }
    let tenant = project.tenant()?;
    let status = sealift_workflow::status(&krate, &tenant).await?;
    if args.format == Format::Json {
        let mut text = serde_json::to_string_pretty(&status).context("cannot write JSON")?;
        text.push('\n');
        print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let current = status.current().map(|e| e.name.clone());
    let mut out = String::new();
    for m in &status.missing {
        let _ = writeln!(
            out,
            "[applied {}] {} (missing file)",
            time(Some(m.applied_at)),
            m.version
        );
    }
    for e in &status.entries {
        let state = match (e.applied_at, e.dirty) {
            (None, Some(_)) => "part applied".to_owned(),
            (Some(at), Some(_)) => format!("started {}", time(Some(at))),
            (Some(at), None) => format!("applied {}", time(Some(at))),
            (None, _) => "pending".to_owned(),
        };
        let mut marks = Vec::new();
        if current.as_deref() == Some(e.name.as_str()) {
            marks.push("current");
        }
        if status.heads.contains(&e.name) {
            marks.push("head");
        }
        if e.edited {
            marks.push("edited");
        }
        if e.out_of_order {
            marks.push("out of order");
        }
        match e.dirty {
            Some(sealift_workflow::history::Dirty::Up) => marks.push("dirty: up not finished"),
            Some(sealift_workflow::history::Dirty::Down) => marks.push("dirty: down not finished"),
            None => {}
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" ({})", marks.join(", "))
        };
        let _ = writeln!(out, "[{state}] {}{marks}", e.name);
        if args.verbose {
            if let Some(parent) = &e.header.revises {
                let _ = writeln!(out, "    revises {parent}");
            }
            if !e.header.depends_on.is_empty() {
                let _ = writeln!(out, "    depends on {}", e.header.depends_on.join(", "));
            }
            for c in &e.header.changes {
                let _ = writeln!(out, "    - {c}");
            }
            for h in &e.header.hazards {
                let _ = writeln!(out, "    ! {h}");
            }
            let _ = writeln!(out, "    rolling back: {}", e.header.down.label());
        }
    }
    if status.entries.is_empty() && status.missing.is_empty() {
        out.push_str("No migrations yet\n");
    }
    if let Some(advice) = status.dirty_advice() {
        let _ = writeln!(out, "Dirty: {advice}");
    }
    for line in status.part_applied() {
        let _ = writeln!(out, "Part applied: {line}");
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `sealift stamp TARGET`.
pub async fn stamp(args: StampArgs) -> Result<ExitCode> {
    let (project, krate) = load(&args.project.inputs())?;
    let target: Place = args.target.parse()?;
    if project.fans_out() {
        bail!(
            "stamp records one database's history: pass --database-url (and --schema NAME) for the tenant to stamp, not a selection of many"
        );
    }
    let tenant = project.tenant()?;
    let wait = lock_wait(&project, args.lock_wait.as_deref())?;
    let (added, removed) =
        sealift_workflow::stamp(&krate, &tenant, &target, wait, &mut report::progress).await?;
    let status = sealift_workflow::status(&krate, &tenant).await?;
    let at = status.current().map_or("base", |e| e.name.as_str());
    print(&format!(
        "Stamped: {} recorded as applied, {} as not applied, nothing run; the database is at {at}\n",
        count(added.len(), "migration"),
        removed.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `sealift heads`: exit 1 with `--check` when there is more than one.
pub fn heads(args: HeadsArgs) -> Result<ExitCode> {
    let (_, krate) = load(&args.krate.project.inputs())?;
    let heads = sealift_workflow::status::heads(&krate);
    let mut out = String::new();
    for h in &heads {
        let _ = writeln!(out, "{h}");
    }
    if heads.len() > 1 {
        out.push_str(
            "Multiple heads: two branches each added migrations; run `sealift merge` to join them\n",
        );
    }
    print(&out)?;
    Ok(if args.check && heads.len() > 1 {
        ExitCode::from(crate::EXIT_DRIFT)
    } else {
        ExitCode::SUCCESS
    })
}

/// `sealift merge`: writes a migration that revises every head and changes nothing, as
/// Alembic's `merge` does. No migration is rewritten: each may already be applied somewhere.
pub fn merge(args: CrateArgs) -> Result<ExitCode> {
    let project = Project::load(&args.project.inputs())?;
    let _held = files::lock_crate(&project.migration_dir)?;
    let krate = MigrationCrate::load(&project.migration_dir)?;
    let heads = sealift_workflow::status::heads(&krate);
    if heads.len() <= 1 {
        print(&format!(
            "Nothing to merge: one head ({})\n",
            heads.first().map_or("base", String::as_str)
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let lib_path = project.migration_dir.join("src/lib.rs");
    let lib = std::fs::read_to_string(&lib_path)
        .with_context(|| format!("cannot read {}", lib_path.display()))?;
    let module = files::new_module(&project.migration_dir, "merge_heads", &lib)?;
    let new_lib = sealift_codegen::register(&lib, &module)?;
    let file = project
        .migration_dir
        .join("src")
        .join(format!("{module}.rs"));
    files::write_new(
        &file,
        &sealift_codegen::merge_migration(&heads, "sealift merge"),
    )?;
    if let Err(e) = files::replace(&lib_path, &new_lib) {
        files::undo(&[file]);
        return Err(e);
    }
    let mut out = format!(
        "Wrote {} and registered it in {}: it revises {}, so the history has one head again\n",
        file.display(),
        lib_path.display(),
        heads.join(" and ")
    );
    let both = sealift_workflow::status::overlap(&krate, &heads);
    if !both.is_empty() {
        let _ = writeln!(
            out,
            "warning: more than one branch changes {}: each branch's migrations were written without the others' changes. Run `sealift upgrade`, then `sealift check`: if it finds drift, `sealift autogen` writes what is missing",
            both.join(", ")
        );
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
