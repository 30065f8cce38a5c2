//! `autogen` proves its plan before writing it: on a scratch database
//! ([`sealift_workflow::scratch`]), a copy of the tables the plan touches is made (with the
//! tables their foreign keys lead to, and the tables whose keys lead to them), then the plan's
//! up statements run one at a time, then its down statements. A statement the server rejects
//! is the refusal. When the copy itself cannot be made (an object sealift does not re-create,
//! a table of another database), the plan is not proven and is written as before: the proof
//! only ever refuses for a statement of the plan itself.

use std::collections::BTreeSet;

use sealift_catalog::DatabaseUrl;
use sealift_diff::{Change, DiffOptions, EnumOp, Part, Plan, Step, TableOp, render_steps};
use sealift_ir::{Dialect, Namespace, QualifiedName, Schema, Table, TableKind};
use sealift_workflow::scratch::{self, Scratch};

use crate::observer::Observer;

/// What the proof found.
#[derive(Debug)]
pub enum Proof {
    /// Every up statement and then every down statement ran.
    Held {
        /// How many statements ran (up and down).
        statements: usize,
    },
    /// The server rejected a statement of the plan.
    Rejected {
        /// In the down (else the up).
        down: bool,
        /// The statement.
        statement: String,
        /// What the server said.
        error: String,
    },
    /// The proof could not be made, for this reason.
    NotProven(String),
}

/// Proves `plan`, made against `current` on the database at `dev`, on a scratch database.
pub async fn prove(
    plan: &Plan,
    current: &Schema,
    dev: &DatabaseUrl,
    observer: &dyn Observer,
) -> Proof {
    let copy = match copy_of(plan, current) {
        Ok(copy) => copy,
        Err(why) => return Proof::NotProven(why),
    };
    let _progress = observer.working("proving the plan on a scratch database");
    let scratch = match Scratch::create(dev, None).await {
        Ok(s) => s,
        Err(e) => return Proof::NotProven(format!("no scratch database could be made: {e}")),
    };
    let proof = run(plan, &copy, &scratch.url).await;
    if let Err(e) = scratch.remove().await {
        observer.note(&format!("warning: {e}"));
    }
    proof
}

async fn run(plan: &Plan, copy: &Schema, url: &DatabaseUrl) -> Proof {
    let target = plan.target();
    let mut setup: Vec<String> = Vec::new();
    if plan.dialect == Dialect::Postgres {
        for ns in copy.namespaces.keys().filter(|n| *n != "public") {
            setup.push(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                ns.replace('"', "\"\"")
            ));
        }
    }
    let empty = Schema {
        dialect: copy.dialect,
        namespaces: copy
            .namespaces
            .keys()
            .map(|n| (n.clone(), Namespace::new(n.clone())))
            .collect(),
    };
    let options = DiffOptions {
        default_schema: plan.default_schema.clone(),
        ..DiffOptions::new(plan.dialect)
    };
    let made = sealift_diff::diff(copy, &empty, &options);
    setup.extend(render_steps(&made.up, &target));
    if let Err((_, statement, error)) = scratch::run_statements(url, &setup).await {
        return Proof::NotProven(format!(
            "the tables it touches could not be copied: {} failed with: {error}",
            first_line(&statement)
        ));
    }
    let mut count = 0;
    for (down, steps) in [(false, &plan.up), (true, &plan.down)] {
        let statements = render_steps(steps, &target);
        count += statements.len();
        if let Err((_, statement, error)) = scratch::run_statements(url, &statements).await {
            return Proof::Rejected {
                down,
                statement,
                error,
            };
        }
    }
    Proof::Held { statements: count }
}

/// The part of `current` the proof needs: the tables the plan touches, those whose foreign
/// keys lead to one of them, and every table their keys lead to; with each namespace's enums
/// and domains. An error says why no faithful copy can be made.
fn copy_of(plan: &Plan, current: &Schema) -> Result<Schema, String> {
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
    for step in plan.up.iter().chain(&plan.down) {
        seeds(step, &mut wanted);
    }
    let table = |(ns, name): &(String, String)| -> Option<&Table> {
        current.namespaces.get(ns).and_then(|n| n.tables.get(name))
    };
    // Tables whose keys lead to a touched table: dropping a key they need must fail here too.
    let touched: Vec<(String, String)> = wanted.iter().cloned().collect();
    for ns in current.namespaces.values() {
        for t in ns.tables.values() {
            if t.foreign_keys
                .iter()
                .any(|fk| touched.contains(&key(&fk.referenced_table, &ns.name)))
            {
                wanted.insert((ns.name.clone(), t.name.clone()));
            }
        }
    }
    // Every table a copied key leads to, transitively.
    let mut todo: Vec<(String, String)> = wanted.iter().cloned().collect();
    while let Some(at) = todo.pop() {
        let Some(t) = table(&at) else { continue };
        for fk in &t.foreign_keys {
            let to = key(&fk.referenced_table, &at.0);
            if wanted.insert(to.clone()) {
                todo.push(to);
            }
        }
    }
    let mut copy = Schema {
        dialect: current.dialect,
        namespaces: Default::default(),
    };
    for at in &wanted {
        let Some(t) = table(at) else {
            // A table the plan creates: not there yet.
            continue;
        };
        if current.dialect != Dialect::Postgres && at.0 != plan.default_schema {
            return Err(format!(
                "it touches {}.{}, in another database than the one planned against",
                at.0, at.1
            ));
        }
        if !matches!(t.kind, TableKind::Ordinary) {
            return Err(format!("{}.{} is not a plain table", at.0, at.1));
        }
        let source = &current.namespaces[&at.0];
        let ns = copy
            .namespaces
            .entry(at.0.clone())
            .or_insert_with(|| Namespace {
                enums: source.enums.clone(),
                domains: source.domains.clone(),
                ..Namespace::new(at.0.clone())
            });
        ns.tables.insert(at.1.clone(), t.clone());
    }
    Ok(copy)
}

/// A statement's first line, cut at 100 characters: enough to tell which it was.
fn first_line(statement: &str) -> String {
    let line = statement.lines().next().unwrap_or_default();
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("`{}...`", &line[..at]),
        None if statement.lines().nth(1).is_some() => format!("`{line} ...`"),
        None => format!("`{line}`"),
    }
}

/// `(namespace, table)` of a key's target; a target without a schema is in `home`.
fn key(name: &QualifiedName, home: &str) -> (String, String) {
    let ns = name.schema.clone().unwrap_or_else(|| home.to_owned());
    (ns, name.name.clone())
}

/// The tables a step is about, and the tables the keys it creates lead to.
fn seeds(step: &Step, out: &mut BTreeSet<(String, String)>) {
    let add_keys = |schema: &str, t: &Table, out: &mut BTreeSet<(String, String)>| {
        for fk in &t.foreign_keys {
            out.insert(key(&fk.referenced_table, schema));
        }
    };
    let visit = |change: &Change, out: &mut BTreeSet<(String, String)>| match change {
        Change::Table { schema, table, op } => {
            out.insert((schema.clone(), table.clone()));
            match op {
                TableOp::Create { def } | TableOp::Drop { def } => add_keys(schema, def, out),
                TableOp::Rebuild { from, to, .. } => {
                    add_keys(schema, from, out);
                    add_keys(schema, to, out);
                }
                TableOp::Add {
                    part: Part::ForeignKey(fk),
                }
                | TableOp::Remove {
                    part: Part::ForeignKey(fk),
                } => {
                    out.insert(key(&fk.referenced_table, schema));
                }
                _ => {}
            }
        }
        Change::Enum { op, .. } => {
            if let EnumOp::AddValue { columns, .. } | EnumOp::Replace { columns, .. } = op {
                for c in columns {
                    out.insert((c.schema.clone(), c.table.clone()));
                }
            }
        }
    };
    visit(&step.change, out);
    for c in step.change.rebuilt() {
        visit(c, out);
    }
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn a_statement_is_named_by_its_first_line() {
        assert_eq!(first_line("DROP TABLE t"), "`DROP TABLE t`");
        assert_eq!(
            first_line("CREATE TABLE t (\n  a int\n)"),
            "`CREATE TABLE t ( ...`"
        );
        assert_eq!(first_line(&"x".repeat(120)).len(), 105);
    }
}
