//! A table rebuilt to its new definition, on a backend that rebuilds what it cannot change in
//! place (SQLite's batch mode): the statement builder's own `CREATE TABLE` and `CREATE INDEX`
//! around the copy, so a rebuilt table is made exactly as a new one would be.

use sealift_ir::{Column, Table};

use super::{create_index, create_table, foreign_key_index_elsewhere};
use crate::change::Fill;
use crate::dialect::{Target, literal};
use crate::statement::Statement;

/// The statements that rebuild `from` as `to`; one refusal instead when a part of it cannot
/// run on the target.
/// The copy fills each of `fills` where the old row has no value.
pub(super) fn statements(
    schema: &str,
    from: &Table,
    to: &Table,
    fills: &[Fill],
    t: &Target,
) -> Vec<Statement> {
    // A trigger is SQL of the backend that made it: refuse before anything runs.
    if let Some(tr) = to.triggers.first().filter(|_| !t.native_backend()) {
        return vec![Statement::Unsupported(format!(
            "rebuilding {} would re-create trigger `{}`, written in {}'s SQL; \
             regenerate this migration against SQLite",
            to.name, tr.name, t.plan
        ))];
    }
    let statements = sequence(schema, from, to, fills, t);
    // A part that cannot run here refuses the whole rebuild, before anything runs.
    match statements
        .iter()
        .find(|s| matches!(s, Statement::Unsupported(_)))
    {
        Some(refusal) => vec![refusal.clone()],
        None => statements,
    }
}

/// A temp table whose named CHECK constraints stop a rebuild, in plain SQL (so the same
/// statements guard the migration file, the runner and an offline script): a row inserted with
/// `keys_on` = 1 says foreign keys are still enforced (the rebuild runs inside someone else's
/// transaction, where SQLite ignores `PRAGMA foreign_keys`, and dropping the old table would
/// run every child's ON DELETE); a row with `broken` > 0 says a foreign key no longer holds.
const GUARD: &str = "_sealift_rebuild_guard";

/// SQLite's procedure for a change it cannot make in place (lang_altertable.html, "other
/// kinds of table schema changes"): foreign keys off on the connection, outside the
/// transaction; checked off inside it before the old table is dropped; a new table, the rows
/// copied, the old one dropped, the new one renamed (with `legacy_alter_table`, so views and
/// triggers elsewhere that read the table are left as they are written, and work again once
/// the name is back); its indexes and triggers; every foreign key of the table checked
/// before it commits; foreign keys back on.
fn sequence(schema: &str, from: &Table, to: &Table, fills: &[Fill], t: &Target) -> Vec<Statement> {
    let sql = |text: String| Statement::Sql(text);
    let temp = format!("_sealift_new_{}", to.name);
    let mut staging = to.clone();
    staging.name = temp.clone();
    staging.indexes.clear();
    staging.triggers.clear();
    let guard = format!("temp.{}", t.quote(GUARD));
    let mut out = vec![
        sql("PRAGMA foreign_keys = OFF".to_owned()),
        sql(format!(
            "CREATE TEMP TABLE IF NOT EXISTS {} (\"keys_on\" INTEGER CONSTRAINT {} CHECK (\"keys_on\" = 0), \"broken\" INTEGER CONSTRAINT {} CHECK (\"broken\" = 0))",
            t.quote(GUARD),
            t.quote("foreign keys are on inside a transaction: rebuilding the table would run every child table's ON DELETE; run this migration outside a transaction"),
            t.quote("a foreign key no longer holds after the rebuild (PRAGMA foreign_key_check lists the rows)"),
        )),
        sql(format!(
            "INSERT INTO {guard} (\"keys_on\") SELECT \"foreign_keys\" FROM pragma_foreign_keys"
        )),
    ];
    out.extend(create_table(schema, &staging, t, &to.name));
    let fill = |c: &Column| fills.iter().find(|f| f.column == c.name);
    let kept: Vec<&Column> = to
        .columns
        .iter()
        .filter(|c| {
            c.generated.is_none()
                && (from.columns.iter().any(|f| f.name == c.name) || fill(c).is_some())
        })
        .collect();
    let cols: Vec<String> = kept.iter().map(|c| t.quote(&c.name)).collect();
    // A filled column takes its value where the old row has none (or no such column).
    let values: Vec<String> = kept
        .iter()
        .map(|c| match fill(c) {
            Some(f) if from.columns.iter().any(|o| o.name == c.name) => {
                format!("COALESCE({}, {})", t.quote(&c.name), f.value)
            }
            Some(f) => format!("({})", f.value),
            None => t.quote(&c.name),
        })
        .collect();
    out.push(sql(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        t.table_ref(schema, &temp),
        cols.join(", "),
        values.join(", "),
        t.table_ref(schema, &from.name),
    )));
    out.push(sql(format!(
        "DROP TABLE {}",
        t.table_ref(schema, &from.name)
    )));
    out.push(sql("PRAGMA legacy_alter_table = ON".to_owned()));
    out.push(sql(format!(
        "ALTER TABLE {} RENAME TO {}",
        t.table_ref(schema, &temp),
        t.quote(&to.name)
    )));
    out.push(sql("PRAGMA legacy_alter_table = OFF".to_owned()));
    for i in to
        .indexes
        .iter()
        .filter(|i| !foreign_key_index_elsewhere(to, i, t))
    {
        out.push(create_index(schema, &to.name, i, t));
    }
    // Dropping the old table dropped its triggers: create them again on the new one.
    out.extend(to.triggers.iter().map(|tr| sql(tr.definition.clone())));
    let namespace = if t.implicit(schema) { "main" } else { schema };
    out.push(sql(format!(
        "INSERT INTO {guard} (\"broken\") SELECT count(*) FROM pragma_foreign_key_check({}, {})",
        literal(&to.name),
        literal(namespace)
    )));
    out.push(sql(format!("DROP TABLE {guard}")));
    out.push(sql("PRAGMA foreign_keys = ON".to_owned()));
    out
}
