//! Which steps of a plan run online ([`sealift_diff::Plan::go_online`]), decided from the
//! size the catalog estimates for each table they touch, and what the reviewer is told of
//! those sizes.

use sealift_catalog::TableSize;
use sealift_diff::{HazardKind, Run, Step, TableOp};
use sealift_workflow::config::Online;

use crate::plan::Planned;

/// Bytes a row is taken to use when the server has never estimated a table's rows.
const BYTES_PER_ROW: u64 = 64;

/// Marks the steps of `planned` that run online under `online`, reading the sizes of the
/// tables they touch (one catalog query). The blocking hazards of steps that still rewrite
/// or lock a table get its size and the way around them. [`Sizes::findings`] says, once the
/// plan is final, what was decided and why.
pub async fn apply(planned: &mut Planned, online: Online) -> Sizes {
    let plan = &mut planned.plan;
    let mut tables: Vec<(String, String)> = Vec::new();
    for s in &plan.up {
        let weighs = sealift_diff::has_online_form(&s.change)
            || s.hazards
                .iter()
                .any(|h| matches!(h.kind, HazardKind::Blocking | HazardKind::DataDependent));
        if let sealift_diff::Change::Table { schema, table, op } = &s.change
            && weighs
            && !matches!(op, TableOp::Create { .. })
        {
            let key = (schema.clone(), table.clone());
            if !tables.contains(&key) {
                tables.push(key);
            }
        }
    }
    // Read even when nothing runs online: the hazards of what still blocks give the sizes.
    if tables.is_empty() {
        return Sizes::default();
    }
    let (sizes, unread) = match sealift_catalog::sizes(&planned.url, &tables).await {
        Ok(sizes) => (sizes, None),
        Err(e) => (vec![None; tables.len()], Some(e.to_string())),
    };
    let size_of = |schema: &str, table: &str| {
        tables
            .iter()
            .position(|(s, t)| s == schema && t == table)
            .and_then(|i| sizes[i])
    };
    // PostgreSQL builds no index concurrently on a partitioned table, nor attaches a key
    // `USING INDEX` there: its steps stay plain (build each partition's by hand, see
    // docs/online.md).
    let partitioned =
        |schema: &str, table: &str| size_of(schema, table).is_some_and(|z| z.partitioned);
    let big = |schema: &str, table: &str| {
        !partitioned(schema, table)
            && match online {
                Online::Always => true,
                Online::Never => false,
                Online::Auto { min_rows } => {
                    size_of(schema, table).is_some_and(|z| rows(z) >= min_rows)
                }
            }
    };
    plan.go_online(big);
    for s in &mut plan.up {
        let (schema, table) = s.change.subject();
        if let Some(size) = size_of(schema, table) {
            with_size(s, size);
        }
    }
    Sizes {
        tables,
        sizes,
        unread,
    }
}

/// The sizes [`apply`] read.
#[derive(Debug, Default)]
pub struct Sizes {
    tables: Vec<(String, String)>,
    sizes: Vec<Option<TableSize>>,
    unread: Option<String>,
}

impl Sizes {
    /// One line per table for the reviewer: its size, and whether its steps run online in
    /// `plan` (read once the plan is final: a backfill makes its step online too).
    pub fn findings(&self, plan: &sealift_diff::Plan) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = &self.unread {
            out.push(format!(
                "table sizes unavailable ({e}): steps run online only with online = \"always\" or --online"
            ));
        }
        for (i, (schema, table)) in self.tables.iter().enumerate() {
            let online_here = plan
                .up
                .iter()
                .any(|s| s.run == Run::Online && s.change.subject() == (schema, table));
            let decided = if online_here {
                "its index, key, NOT NULL and fill steps run online on PostgreSQL"
            } else if self.sizes[i].is_some_and(|z| z.partitioned) {
                "partitioned, where PostgreSQL builds no index concurrently: its steps run plainly"
            } else {
                "its steps run plainly"
            };
            let size = match self.sizes[i] {
                Some(z) => describe(z),
                None => "size unknown".to_owned(),
            };
            out.push(format!("{schema}.{table}: {size}; {decided}"));
        }
        out
    }
}

/// Fills the columns `requested` names before they are made NOT NULL, and with `defaults`
/// the columns made NOT NULL whose entity gives a default ([`sealift_diff::Plan::backfill`]):
/// `autogen` asks for those when NULLs stand in the way.
pub fn backfill(
    planned: &mut Planned,
    requested: &[sealift_diff::BackfillRequest],
    defaults: bool,
) -> anyhow::Result<bool> {
    let keys = &planned.integer_keys;
    planned
        .plan
        .backfill(requested, defaults, |schema, table| {
            keys.get(&(schema.to_owned(), table.to_owned())).cloned()
        })
        .map_err(|e| sealift_workflow::Error::Config(e).into())
}

/// The rows a size stands for: the estimate, or for a table never estimated its bytes over
/// [`BYTES_PER_ROW`].
fn rows(z: TableSize) -> u64 {
    z.rows.unwrap_or(z.bytes / BYTES_PER_ROW)
}

/// "about 8,000,000 rows, 1.1 GB (the catalog's estimate)".
pub fn describe(z: TableSize) -> String {
    let rows = match z.rows {
        Some(n) => format!("about {} rows", thousands(n)),
        None => "rows never estimated".to_owned(),
    };
    format!("{rows}, {} (the catalog's estimate)", bytes(z.bytes))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A blocking hazard of a step that still locks or rewrites its table gets the table's size
/// and the way to keep it writable.
fn with_size(step: &mut Step, size: TableSize) {
    if step.run == Run::Online {
        return;
    }
    let rewrites = matches!(
        step.change,
        sealift_diff::Change::Table {
            op: TableOp::AlterColumn { .. },
            ..
        }
    );
    for h in step
        .hazards
        .iter_mut()
        .filter(|h| h.kind == HazardKind::Blocking)
    {
        h.message.push_str(&format!(" ({})", describe(size)));
        if rewrites {
            h.message.push_str(
                "; to keep it writable, expand and contract instead: add a new column, fill it in batches, switch the application to it, then drop the old one",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(thousands(8_000_000), "8,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(1_181_116_006), "1.1 GB");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(
            rows(TableSize {
                rows: None,
                bytes: 640,
                partitioned: false,
            }),
            10
        );
    }
}
