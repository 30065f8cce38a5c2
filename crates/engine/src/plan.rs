//! One database's plan: the entity files read, parsed and lowered on other threads while the
//! catalog is read, then the diff.

use anyhow::{Context, Result, bail};
use sealift_catalog::DatabaseUrl;
use sealift_diff::{DiffOptions, Plan, Rename};
use sealift_entity::{LowerOptions, Lowered};
use sealift_ir::{Dialect, Schema};
use sealift_workflow::config::Project;

use crate::entities;
use crate::observer::Observer;

/// A plan and what it was made from.
pub struct Planned {
    /// The plan.
    pub plan: Plan,
    /// The database it was planned against.
    pub url: DatabaseUrl,
    /// The primary key of each table the plan's steps touch, where it is one integer
    /// column: what a backfill's batches walk.
    pub integer_keys: std::collections::BTreeMap<(String, String), String>,
}

/// The tables the plan touches whose primary key is one integer column, with that column.
fn integer_keys(
    plan: &Plan,
    current: &Schema,
) -> std::collections::BTreeMap<(String, String), String> {
    const INTEGERS: [&str; 9] = [
        "int2",
        "int4",
        "int8",
        "smallint",
        "integer",
        "bigint",
        "int",
        "tinyint",
        "mediumint",
    ];
    let mut out = std::collections::BTreeMap::new();
    for s in &plan.up {
        let (schema, table) = s.change.subject();
        let Some(t) = current
            .namespaces
            .get(schema)
            .and_then(|n| n.tables.get(table))
        else {
            continue;
        };
        if let Some(pk) = &t.primary_key
            && let [key] = pk.columns.as_slice()
            && let Some(col) = t.column(key)
            // MySQL's catalog says `int unsigned`.
            && col
                .data_type
                .name
                .split_whitespace()
                .next()
                .is_some_and(|n| INTEGERS.contains(&n.to_ascii_lowercase().as_str()))
            && col.data_type.array_dims == 0
        {
            out.insert((schema.to_owned(), table.to_owned()), key.clone());
        }
    }
    out
}

/// Reflects the database and reads the entities for its dialect, then plans.
pub async fn plan(
    project: &Project,
    renames: Vec<Rename>,
    observer: &dyn Observer,
) -> Result<Planned> {
    Ok(plan_from(project, renames, observer, false).await?.0)
}

/// [`plan`], and the database's schema it was planned against (what `autogen` proves the
/// plan on a copy of).
pub async fn plan_keeping_current(
    project: &Project,
    renames: Vec<Rename>,
    observer: &dyn Observer,
) -> Result<(Planned, Schema)> {
    let (planned, current) = plan_from(project, renames, observer, true).await?;
    Ok((planned, current.context("the schema was kept")?))
}

async fn plan_from(
    project: &Project,
    renames: Vec<Rename>,
    observer: &dyn Observer,
    keep_current: bool,
) -> Result<(Planned, Option<Schema>)> {
    let url = project.database_url()?;
    let dirs = project.entity_dirs()?;
    let dialect = url.dialect();
    let progress = observer.working(&format!(
        "reading the entity files and the catalog of {url}"
    ));
    // The entity files are read, parsed and lowered on other threads while the catalog is
    // read; lowering waits for the default schema, which opening the catalog tells.
    let (lower_tx, lower_rx) = std::sync::mpsc::channel::<LowerOptions>();
    let lowering = {
        let dirs = dirs.to_vec();
        tokio::task::spawn_blocking(move || -> Result<Option<Lowered>> {
            let parsed = entities::read_and_parse(&dirs)?;
            let lowered = lower_rx
                .recv()
                .ok()
                .map(|options| sealift_entity::lower(&parsed, &options));
            // Not needed again; freeing it piece by piece costs more than lowering did, so it
            // is freed on a thread of its own while the run goes on.
            free_aside(parsed);
            Ok(lowered)
        })
    };
    let reflected = reflect(&url, project, dialect, lower_tx).await;
    let lowered = lowering
        .await
        .context("reading the entity files failed")??;
    let Reflected {
        schema: mut current,
        default_schema,
        available,
    } = reflected?;
    let mut desired = entities::report(
        lowered.context("the entity files were read but not lowered")?,
        observer,
    )?;
    reflect_named_schemas(&url, project, &desired, &available, &mut current).await?;
    drop(progress);
    project.filter(&mut current);
    project.filter(&mut desired);
    let options = DiffOptions {
        compare_server_defaults: project.compare_server_defaults,
        drop_unknown_tables: project.drop_unknown_tables,
        renames,
        default_schema,
        ..DiffOptions::new(dialect)
    };
    let plan = sealift_diff::diff(&desired, &current, &options);
    let integer_keys = integer_keys(&plan, &current);
    // The inputs are not needed again: freeing tens of thousands of small allocations one by
    // one would cost more than the diff, so it happens beside what comes next (writing a
    // migration of every table holds the plan and the file; the inputs need not stay too).
    let kept = if keep_current {
        free_aside(desired);
        Some(current)
    } else {
        free_aside((desired, current));
        None
    };
    Ok((
        Planned {
            plan,
            url,
            integer_keys,
        },
        kept,
    ))
}

/// Drops `value` on a thread of its own: the memory comes back while the run goes on, and
/// the run does not wait for it (at exit the thread is simply stopped). Where no thread can be
/// had, it is dropped here.
pub fn free_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// What [`reflect`] read.
struct Reflected {
    schema: Schema,
    /// The namespace entities without `schema_name` live in.
    default_schema: String,
    /// Every namespace the database has.
    available: Vec<String>,
}

/// Opens the catalog, sends the entities' lowering options (their default schema is the first
/// requested schema, or the connection's current one) to `lower_to`, then reads the catalog.
async fn reflect(
    url: &DatabaseUrl,
    project: &Project,
    dialect: Dialect,
    lower_to: std::sync::mpsc::Sender<LowerOptions>,
) -> Result<Reflected> {
    let catalog = sealift_catalog::open(url, &project.reflect_options()).await?;
    let mut lower = LowerOptions::new(dialect);
    if let Some(first) = project.schemas.first().or(catalog.schemas().first()) {
        lower.default_schema = first.clone();
    }
    // An `enum_name = "schema.type"` names a type of a schema the database has.
    lower.schemas = catalog.available().to_vec();
    lower.disabled_features = project.disabled_features.clone();
    let default_schema = lower.default_schema.clone();
    // The receiver is gone only when reading the entity files failed, which is reported.
    let _ = lower_to.send(lower);
    let available = catalog.available().to_vec();
    Ok(Reflected {
        schema: catalog.reflect().await?.schema,
        default_schema,
        available,
    })
}

/// The entities' `schema_name`s are compared too, whatever `--schema` says: a schema the
/// entities name and the first reflection left out is read now (one more round of the same
/// bulk queries), so its tables are never taken for new ones. A schema the database does not
/// have is an error naming it.
async fn reflect_named_schemas(
    url: &DatabaseUrl,
    project: &Project,
    desired: &Schema,
    available: &[String],
    current: &mut Schema,
) -> Result<()> {
    let missing: Vec<&String> = desired
        .namespaces
        .keys()
        .filter(|n| !current.namespaces.contains_key(*n))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let absent: Vec<&str> = missing
        .iter()
        .filter(|n| !available.contains(n))
        .map(|n| n.as_str())
        .collect();
    if !absent.is_empty() {
        bail!(
            "the entities name schema(s) {} that the database at {url} does not have (it has: {}); create them first (CREATE SCHEMA ...) or fix schema_name in the entities",
            absent.join(", "),
            available.join(", ")
        );
    }
    let mut options = project.reflect_options();
    options.schemas = missing.into_iter().cloned().collect();
    let more = sealift_catalog::reflect(url, &options).await?.schema;
    current.namespaces.extend(more.namespaces);
    Ok(())
}

/// Renames as `--rename` states them, parsed.
pub fn parse_renames(texts: &[String]) -> Result<Vec<Rename>> {
    texts.iter().map(|r| parse_rename(r)).collect()
}

/// `old=new` (a table) or `table.old=new` (a column).
fn parse_rename(text: &str) -> Result<Rename> {
    let Some((from, to)) = text
        .split_once('=')
        .filter(|(f, t)| !f.is_empty() && !t.is_empty())
    else {
        bail!("invalid --rename `{text}`; write old=new for a table or table.old=new for a column");
    };
    let (table, from) = match from.split_once('.') {
        Some((t, f)) => (Some(t.to_owned()), f.to_owned()),
        None => (None, from.to_owned()),
    };
    Ok(Rename {
        table,
        from,
        to: to.to_owned(),
    })
}
