//! The guide's data migration, generated: a NOT NULL column new to a table with rows, or a
//! column made NOT NULL that holds NULLs, is expanded (added nullable), backfilled (filled in
//! batches by primary key, each committed on its own) and contracted (made NOT NULL, the
//! online way on PostgreSQL).
//!
//! The fill is a step's attribute ([`Step::backfill`]), not a change: it has no inverse (the
//! down of a new column drops it, the down of a NOT NULL leaves the filled values), and the
//! step's other statements are those of its change. SQLite rebuilds such a table anyway: its
//! copy fills the column (`COALESCE(col, value)`), in the rebuild that stands for the step.

use sealift_ir::{Column, Dialect};

use crate::change::{Change, Fill, Part, TableOp};
use crate::dialect::Target;
use crate::hazard::{Hazard, HazardKind};
use crate::plan::{OnSqlite, Plan, Run, Step};
use crate::sql::statements;
use crate::statement::Statement;

/// Rows per batch: each batch's `UPDATE` holds its rows' locks only until it commits.
pub const BATCH_ROWS: u32 = 10_000;

/// A fill asked for (`--backfill table.column=value`): the table, optionally with its
/// namespace (`schema.table.column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The namespace, when stated.
    pub schema: Option<String>,
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The SQL expression.
    pub value: String,
}

impl Requested {
    /// Parses `table.column=value` or `schema.table.column=value`.
    pub fn parse(text: &str) -> Result<Requested, String> {
        let bad = || {
            format!(
                "--backfill `{text}`: write table.column=<SQL expression> (or schema.table.column=...), e.g. --backfill post.slug=\"'post-' || id\""
            )
        };
        let (target, value) = text.split_once('=').ok_or_else(bad)?;
        let parts: Vec<&str> = target.trim().split('.').collect();
        let value = value.trim();
        if value.is_empty() || parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        let (schema, table, column) = match parts.as_slice() {
            [table, column] => (None, *table, *column),
            [schema, table, column] => (Some((*schema).to_owned()), *table, *column),
            _ => return Err(bad()),
        };
        Ok(Requested {
            schema,
            table: table.to_owned(),
            column: column.to_owned(),
            value: value.to_owned(),
        })
    }

    fn names(&self, schema: &str, table: &str, column: &str) -> bool {
        self.table == table
            && self.column == column
            && self.schema.as_deref().is_none_or(|s| s == schema)
    }
}

/// The column a step makes NOT NULL over rows that may hold none: a new NOT NULL column
/// without a default (or identity, or generation), or a column made NOT NULL.
fn made_not_null(c: &Change) -> Option<&Column> {
    match c.table_op()? {
        TableOp::Add {
            part: Part::Column(col),
        } if !col.nullable
            && col.default.is_none()
            && col.identity.is_none()
            && col.generated.is_none() =>
        {
            Some(col)
        }
        TableOp::AlterColumn { from, to } if from.nullable && !to.nullable => Some(to),
        _ => None,
    }
}

impl Plan {
    /// Fills the columns `requested` names, and with `defaults` the columns made NOT NULL
    /// whose entity gives a default (`default_value`), before their steps make them NOT
    /// NULL. `key` gives a table's primary key when it is one integer column. Such a step
    /// runs online (its batches commit on their own), and so every step of the plan can run
    /// again. True when a step fills; an error names a fill no step needs.
    pub fn backfill(
        &mut self,
        requested: &[Requested],
        defaults: bool,
        key: impl Fn(&str, &str) -> Option<String>,
    ) -> Result<bool, String> {
        let mut used = vec![false; requested.len()];
        let mut fills: Vec<(String, String, Fill)> = Vec::new();
        for s in &mut self.up {
            let Change::Table { schema, table, op } = &s.change else {
                continue;
            };
            if s.backfill.is_some() {
                continue;
            }
            // A SQLite plan's rebuild holds the change; its copy does the fill.
            let (inner, filled): (Vec<&Change>, &[Fill]) = match op {
                TableOp::Rebuild { changes, fills, .. } => (changes.iter().collect(), fills),
                _ => (vec![&s.change], &[]),
            };
            let mut mine = Vec::new();
            for c in inner {
                let Some(col) = made_not_null(c) else {
                    continue;
                };
                if filled.iter().any(|f| f.column == col.name) {
                    continue;
                }
                let asked = requested
                    .iter()
                    .position(|r| r.names(schema, table, &col.name));
                let value = match asked {
                    Some(i) => {
                        used[i] = true;
                        requested[i].value.clone()
                    }
                    // A column made NOT NULL whose entity states a default: rows without a
                    // value take it.
                    None => match (c.table_op(), &col.default) {
                        (Some(TableOp::AlterColumn { .. }), Some(default)) if defaults => {
                            default.clone()
                        }
                        _ => continue,
                    },
                };
                mine.push(Fill {
                    column: col.name.clone(),
                    value,
                    key: key(schema, table),
                });
            }
            if mine.is_empty() {
                continue;
            }
            let (schema, table) = (schema.clone(), table.clone());
            // The NULLs in the way of each filled column are filled first.
            s.hazards.retain(|h| {
                !mine.iter().any(|f| {
                    let col = format!("{schema}.{table}.{}", f.column);
                    h.message.contains(&format!("{col} NOT NULL"))
                        || h.message.contains(&format!("column {col} without"))
                })
            });
            for f in &mine {
                s.hazards.push(Hazard::new(
                    HazardKind::DataDependent,
                    format!(
                        "fills {schema}.{table}.{} with {} where it is NULL, in batches of {BATCH_ROWS} rows each committed on its own, then makes it NOT NULL: fails if the value is NULL for a row; rolling back leaves the filled values",
                        f.column, f.value
                    ),
                ));
            }
            if let Change::Table {
                op: TableOp::Rebuild { fills, .. },
                ..
            } = &mut s.change
            {
                fills.extend(mine.iter().cloned());
            } else {
                s.backfill = mine.first().cloned();
            }
            s.run = Run::Online;
            fills.extend(mine.into_iter().map(|f| (schema.clone(), table.clone(), f)));
        }
        if let Some(i) = used.iter().position(|u| !u) {
            let r = &requested[i];
            return Err(format!(
                "--backfill {}.{}: the plan neither adds {} as a NOT NULL column nor makes it NOT NULL, so there is nothing to fill; leave it out",
                r.table, r.column, r.column
            ));
        }
        if fills.is_empty() {
            return Ok(false);
        }
        // SQLite's rebuild of each such table fills the column in its copy.
        for s in &mut self.up {
            let subject = s.change.subject();
            let (schema, table) = (subject.0.to_owned(), subject.1.to_owned());
            let mine: Vec<Fill> = fills
                .iter()
                .filter(|(fs, ft, _)| *fs == schema && *ft == table)
                .map(|(_, _, f)| f.clone())
                .collect();
            if mine.is_empty() {
                continue;
            }
            if let Some(OnSqlite::Instead(c)) = &mut s.on_sqlite
                && let Change::Table {
                    op: TableOp::Rebuild { fills, .. },
                    ..
                } = c.as_mut()
            {
                fills.extend(mine);
            }
        }
        for s in self.up.iter_mut().chain(self.down.iter_mut()) {
            if s.run == Run::Plain {
                s.run = Run::Guarded;
            }
        }
        Ok(true)
    }
}

/// The statements of a change with a fill, on a backend that alters in place: the column
/// added nullable (a new one), filled, then made NOT NULL (the online way on PostgreSQL);
/// `run` is how the step's other statements run.
pub(crate) fn filled(c: &Change, b: &Fill, run: Run, t: &Target) -> Vec<Statement> {
    let Change::Table { schema, table, op } = c else {
        return statements(c, t);
    };
    let Some(col) = made_not_null(c) else {
        return statements(c, t);
    };
    let nullable = Column {
        nullable: true,
        ..col.clone()
    };
    let mut out = Vec::new();
    let table_change = |op: TableOp| Change::Table {
        schema: schema.clone(),
        table: table.clone(),
        op,
    };
    let not_null = match op {
        TableOp::Add { .. } => {
            let expand = Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::Add {
                    part: Part::Column(nullable.clone()),
                },
            };
            out.extend(in_mode(&expand, run, t));
            Change::Table {
                schema: schema.clone(),
                table: table.clone(),
                op: TableOp::AlterColumn {
                    from: nullable,
                    to: col.clone(),
                },
            }
        }
        // What else changes comes first, so that the fill writes the column's new type.
        TableOp::AlterColumn { from, .. } => {
            out.extend(in_mode(
                &table_change(TableOp::AlterColumn {
                    from: from.clone(),
                    to: nullable.clone(),
                }),
                run,
                t,
            ));
            table_change(TableOp::AlterColumn {
                from: nullable,
                to: col.clone(),
            })
        }
        _ => c.clone(),
    };
    out.push(Statement::Backfill {
        table: t.table_ref(schema, table),
        column: t.quote(&col.name),
        value: b.value.clone(),
        key: b.key.as_deref().map(|k| t.quote(k)),
    });
    out.extend(in_mode(&not_null, Run::Online, t));
    out
}

/// A change's statements as a step of `run` would have them.
fn in_mode(c: &Change, run: Run, t: &Target) -> Vec<Statement> {
    if t.backend == Dialect::Mysql
        && run == Run::Online
        && let Some(online) = crate::online::mysql(c, t)
    {
        return online;
    }
    if t.backend != Dialect::Postgres {
        return statements(c, t);
    }
    let step = Step {
        change: c.clone(),
        hazards: Vec::new(),
        on_sqlite: None,
        run,
        backfill: None,
    };
    crate::online::step_statements(&step, t)
}

#[cfg(test)]
mod tests {
    use super::Requested;

    #[test]
    fn a_fill_names_its_column_and_value() {
        let r = Requested::parse("post.slug='post-' || id").unwrap();
        assert_eq!(
            (
                r.schema,
                r.table.as_str(),
                r.column.as_str(),
                r.value.as_str()
            ),
            (None, "post", "slug", "'post-' || id")
        );
        let r = Requested::parse("blog.post.rank = 0").unwrap();
        assert_eq!(r.schema.as_deref(), Some("blog"));
        assert_eq!(r.value, "0");
        for bad in ["post.slug", "slug=1", "post.slug=", ".slug=1", "a.b.c.d=1"] {
            assert!(Requested::parse(bad).is_err(), "{bad}");
        }
    }
}
