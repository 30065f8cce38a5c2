//! Many tenants at once: `--schema 'tenant_*'`, `--all-schemas`, or a list of databases.
//! `check` reflects every selected schema of a database in one round of the catalog queries
//! and diffs each against the entities without `schema_name`; `upgrade`, `downgrade`,
//! `current` and `history` fan out over the tenants `--jobs` at a time through one runner.
//! Each tenant gets its own result; one failing never stops the others.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use futures_util::StreamExt;
use rayon::prelude::*;
use sealift_catalog::DatabaseUrl;
use sealift_diff::{DiffOptions, Plan};
use sealift_entity::LowerOptions;
use sealift_ir::Schema;
use sealift_workflow::config::Project;
use sealift_workflow::{Direction, MigrationCrate, Outcome, Progress, Request, Status, Tenant};

use crate::args::Format;
use crate::plan::print;
use crate::report::{self, Style};
use crate::{entities, progress, workflow};

/// Exit code when some tenant drifts (`check`) or is not at head (`current`).
const EXIT_DRIFT: u8 = 1;
/// Exit code when some tenant could not be checked or migrated.
const EXIT_FAILED: u8 = 2;

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
            drop(catalog);
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
pub async fn plan_on_first(project: &mut Project) -> Result<()> {
    if !project.fans_out() {
        return Ok(());
    }
    let tenants = resolve(project, 1).await?;
    let Some(first) = tenants.first() else {
        anyhow::bail!(
            "the selection names no tenant; check --schema, --all-schemas or --databases"
        );
    };
    eprintln!(
        "Planning against {}, the first of {} tenant(s); the migration runs on each",
        first.label(with_database(&tenants)),
        tenants.len()
    );
    project.narrow_to(first.url.expose(), first.schema.clone());
    Ok(())
}

/// Whether reports name each tenant's database too (several databases).
fn with_database(tenants: &[Tenant]) -> bool {
    tenants
        .first()
        .is_some_and(|first| tenants.iter().any(|t| t.url.expose() != first.url.expose()))
}

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
    tenants: Vec<Checked>,
    in_sync: usize,
    drift: usize,
    error: usize,
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
        }
    }

    /// 0 all in sync, 1 some drift, 2 some could not be checked.
    pub fn exit_code(&self) -> ExitCode {
        if self.error > 0 {
            ExitCode::from(EXIT_FAILED)
        } else if self.drift > 0 {
            ExitCode::from(EXIT_DRIFT)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// Prints it as JSON.
    pub fn print_json(&self) -> Result<ExitCode> {
        let mut text = serde_json::to_string_pretty(self).context("cannot write JSON")?;
        text.push('\n');
        print(&sealift_catalog::redact(&text))?;
        Ok(self.exit_code())
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

/// `sealift check` over many tenants: exit 0 when every one is in sync, 1 when some drift,
/// 2 when some could not be checked.
pub async fn check(
    project: &Project,
    policy: &crate::args::PolicyArgs,
    format: Format,
    jobs: usize,
) -> Result<ExitCode> {
    let dirs = project.entity_dirs()?.to_vec();
    let urls = project.database_urls()?;
    let dialect = urls[0].dialect();
    let renames = crate::plan::renames(policy)?;
    let spinner = progress::Spinner::start("reading the entity files and the catalogs");
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
                        Some(Ok(status)) => workflow::not_at_head(&status, "check"),
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
    entities::report(first)?;
    let several = tenants.first().is_some_and(|(f, _, _)| {
        tenants
            .iter()
            .any(|(t, _, _)| t.url.expose() != f.url.expose())
    });
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
    let report = CheckReport::new(results);
    let code = report.exit_code();
    if format == Format::Json {
        return report.print_json();
    }
    let style = Style::stdout();
    let mut out = String::new();
    for t in &report.tenants {
        let name = &t.label;
        match (&t.plan, &t.error) {
            (_, Some(e)) => {
                let _ = writeln!(out, "{name}: {}", style.warn(&format!("error: {e}")));
            }
            (Some(plan), None) => {
                let _ = writeln!(
                    out,
                    "{name}: {}",
                    style.warn(&format!("drift, {} change(s)", plan.up.len()))
                );
                for line in report::plan_text(plan, &[], style).lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            (None, None) => {
                let _ = writeln!(out, "{name}: in sync");
            }
        }
    }
    let _ = writeln!(
        out,
        "Checked {} tenant(s): {} in sync, {} drifted, {} could not be checked",
        report.tenants.len(),
        report.in_sync,
        report.drift,
        report.error
    );
    if !named.is_empty() {
        let _ = writeln!(
            out,
            "Not compared per tenant: the entities naming schema(s) {} (schema_name); check those with `sealift check --schema NAME`",
            named.join(", ")
        );
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(code)
}

/// `sealift upgrade` or `downgrade` over many tenants: the progress, then a table of every
/// tenant and a summary. Exit 0 when every tenant got there, 2 when some failed.
pub async fn run(
    project: &Project,
    krate: &MigrationCrate,
    request: &Request,
    jobs: usize,
) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    if request.direction == Direction::Down && !request.confirmed {
        // The same guard as for one database (and again under each tenant's lock): a down
        // that loses data, or going to base, needs --yes.
        let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
        let why = statuses.iter().flatten().find_map(|status| {
            let steps = sealift_workflow::plan(status, Direction::Down, &request.target)
                .unwrap_or_default();
            sealift_workflow::needs_confirmation(status, &request.target, &steps)
        });
        if let Some(why) = why {
            eprintln!(
                "Nothing was rolled back in {} tenant(s): {why}; run again with --yes to roll back",
                tenants.len()
            );
            return Ok(ExitCode::from(EXIT_DRIFT));
        }
    }
    let started = Instant::now();
    let verb = match request.direction {
        Direction::Up => "upgrading",
        Direction::Down => "downgrading",
    };
    let bar = progress::Bar::start(format!("{verb} {} tenant(s)", tenants.len()), tenants.len());
    let lines = !bar.shown();
    let on = |i: usize, p: Progress| {
        if let (true, Progress::Runner(sealift_workflow::runner::Event::Done(name, ms))) =
            (lines, &p)
        {
            println!("{}: {name} done ({ms} ms)", tenants[i].label(several));
        }
        if let (Progress::Waiting(holder), true) = (&p, lines) {
            println!(
                "{}: waiting, another run holds its migration lock: {holder}",
                tenants[i].label(several)
            );
        }
    };
    let outcomes =
        sealift_workflow::run_all(krate, &tenants, request, jobs, &on, &|_| bar.tick()).await?;
    drop(bar);
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    let moved = outcomes.iter().filter(|o| !o.done.is_empty()).count();
    let mut out = summary_table(&tenants, &outcomes, several);
    let _ = writeln!(
        out,
        "{} {} of {} tenant(s) in {:.1} s; {} already there, {failed} failed",
        match request.direction {
            Direction::Up => "Upgraded",
            Direction::Down => "Rolled back",
        },
        moved,
        tenants.len(),
        started.elapsed().as_secs_f64(),
        tenants.len() - moved - failed,
    );
    if failed > 0 {
        out.push_str("Run the command again to finish the failed tenants: it applies only what is still pending\n");
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// One row per tenant: migrations run, where it is now, and how it ended.
fn summary_table(tenants: &[Tenant], outcomes: &[Outcome], several: bool) -> String {
    let rows: Vec<[String; 4]> = tenants
        .iter()
        .zip(outcomes)
        .map(|(t, o)| {
            let at = o.status.as_ref().map_or_else(
                || "?".to_owned(),
                |s| s.current().map_or("base".to_owned(), |e| e.name.clone()),
            );
            let result = match &o.error {
                Some(e) => format!("failed: {e}"),
                None => "ok".to_owned(),
            };
            [t.label(several), o.done.len().to_string(), at, result]
        })
        .collect();
    table(&["tenant", "ran", "now at", "result"], &rows)
}

/// A plain text table, columns padded to their widest cell (the last one not).
fn table<const N: usize>(head: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = head.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(head.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `sealift current` over many tenants: a line each; exit 0 when all are at head, 1 when some
/// are behind or inconsistent, 2 when some could not be read.
pub async fn current(project: &Project, krate: &MigrationCrate, jobs: usize) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
    let mut rows = Vec::new();
    let (mut behind, mut failed) = (0, 0);
    for (t, status) in tenants.iter().zip(&statuses) {
        let (at, state) = match status {
            Ok(s) => {
                let at = s.current().map_or("base".to_owned(), |e| e.name.clone());
                let pending = s.pending().count();
                let mut problems = String::new();
                workflow::problems(s, &mut problems);
                let state = if pending == 0 && s.consistent() {
                    "at head".to_owned()
                } else {
                    behind += 1;
                    let mut parts = Vec::new();
                    if pending > 0 {
                        parts.push(format!("{pending} pending"));
                    }
                    parts.extend(problems.lines().map(str::to_owned));
                    parts.join("; ")
                };
                (at, state)
            }
            Err(e) => {
                failed += 1;
                ("?".to_owned(), format!("error: {e}"))
            }
        };
        rows.push([t.label(several), at, state]);
    }
    let mut out = table(&["tenant", "current", "state"], &rows);
    let _ = writeln!(
        out,
        "{} tenant(s): {} at head, {behind} behind or inconsistent, {failed} could not be read{}",
        tenants.len(),
        tenants.len() - behind - failed,
        if behind > 0 {
            "; run `sealift upgrade` with the same selection"
        } else {
            ""
        }
    );
    print(&sealift_catalog::redact(&out))?;
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else if behind > 0 {
        ExitCode::from(EXIT_DRIFT)
    } else {
        ExitCode::SUCCESS
    })
}

/// `sealift history` over many tenants: each migration with how many tenants have it applied
/// (and which do not, when few); `--format json`: every tenant's history.
pub async fn history(
    project: &Project,
    krate: &MigrationCrate,
    format: Format,
    jobs: usize,
) -> Result<ExitCode> {
    let tenants = resolve(project, jobs).await?;
    let several = with_database(&tenants);
    let statuses = sealift_workflow::status_all(krate, &tenants, jobs).await;
    if format == Format::Json {
        let list: Vec<serde_json::Value> = tenants
            .iter()
            .zip(&statuses)
            .map(|(t, s)| {
                let mut value = serde_json::json!({
                    "database": t.url.to_string(),
                    "schema": t.schema,
                });
                match s {
                    Ok(s) => value["status"] = serde_json::to_value(s).unwrap_or_default(),
                    Err(e) => value["error"] = e.to_string().into(),
                }
                value
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "tenants": list }))
            .context("cannot write JSON")?;
        text.push('\n');
        print(&sealift_catalog::redact(&text))?;
        return Ok(ExitCode::SUCCESS);
    }
    let read: Vec<(&Tenant, &Status)> = tenants
        .iter()
        .zip(&statuses)
        .filter_map(|(t, s)| s.as_ref().ok().map(|s| (t, s)))
        .collect();
    let mut out = String::new();
    let all = Status::new(krate, &[]);
    for e in &all.entries {
        let lacking: Vec<String> = read
            .iter()
            .filter(|(_, s)| {
                !s.entries
                    .iter()
                    .any(|x| x.name == e.name && x.is_applied() && x.dirty.is_none())
            })
            .map(|(t, _)| t.label(several))
            .collect();
        let applied = read.len() - lacking.len();
        let _ = write!(out, "[applied in {applied} of {}] {}", read.len(), e.name);
        if !lacking.is_empty() && lacking.len() <= 10 {
            let _ = write!(out, " (not in: {})", lacking.join(", "));
        }
        out.push('\n');
    }
    if all.entries.is_empty() {
        out.push_str("No migrations yet\n");
    }
    let mut missing: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, s) in &read {
        for m in &s.missing {
            *missing.entry(m.version.as_str()).or_default() += 1;
        }
    }
    for (name, n) in missing {
        let _ = writeln!(out, "[applied in {n}] {name} (missing file)");
    }
    for (t, s) in tenants.iter().zip(&statuses) {
        if let Err(e) = s {
            let _ = writeln!(out, "{}: error: {e}", t.label(several));
        }
    }
    print(&sealift_catalog::redact(&out))?;
    Ok(if statuses.iter().any(Result::is_err) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
