//! `autogen` proves its plan before writing it: on a scratch database
//! ([`sealift_workflow::scratch`]), a copy of the tables the plan touches is made (with the
//! tables their foreign keys lead to, and the tables whose keys lead to them), then the plan's
//! up statements run one at a time, then its down statements. A statement the server rejects
//! is the refusal. When the copy itself cannot be made (an object sealift does not re-create,
//! a table of another database), the plan is not proven and is written as before: the proof
//! only ever refuses for a statement of the plan itself.

use std::collections::{BTreeMap, BTreeSet};

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

/// A scratch database made while the plan is worked out: `autogen` starts it first
/// ([`Prover::start`]), proves on it once the plan is there ([`Prover::prove`]), and drops it
/// on every path ([`Prover::finish`]). Making it (PostgreSQL's `CREATE DATABASE`, on a
/// connection of its own) then costs the run nothing the planning does not already wait for.
pub struct Prover {
    dev: DatabaseUrl,
    making: Option<tokio::task::JoinHandle<Result<Scratch, String>>>,
    made: Option<Scratch>,
}

impl Prover {
    /// Starts making a scratch database beside `dev`.
    pub fn start(dev: &DatabaseUrl) -> Prover {
        let url = dev.clone();
        let making = tokio::spawn(async move {
            let scratch = Scratch::create(&url, None)
                .await
                .map_err(|e| e.to_string())?;
            scratch.warm().await;
            Ok(scratch)
        });
        Prover {
            dev: dev.clone(),
            making: Some(making),
            made: None,
        }
    }

    /// Proves `plan`, made against `current`, on the scratch database.
    pub async fn prove(&mut self, plan: &Plan, current: &Schema, observer: &dyn Observer) -> Proof {
        let copy = match copy_of(plan, current) {
            Ok(copy) => copy,
            Err(why) => return Proof::NotProven(why),
        };
        let _progress = observer.working("proving the plan on a scratch database");
        // What the copy's checks, defaults and indexes call (PostgreSQL).
        let schemas: Vec<String> = copy.namespaces.keys().cloned().collect();
        // Called by the copy, or by what the plan adds (a check calling the schema's own
        // function).
        let mut texts = calling(&copy);
        texts.extend(render_steps(&plan.up, &plan.target()));
        let functions = sealift_catalog::functions(&self.dev, &schemas, &texts)
            .await
            .unwrap_or_default();
        let scratch = match self.scratch().await {
            Ok(s) => s,
            Err(e) => return Proof::NotProven(format!("no scratch database could be made: {e}")),
        };
        run(plan, &copy, &functions, &scratch.url).await
    }

    /// The scratch database, once made.
    async fn scratch(&mut self) -> Result<&Scratch, String> {
        // Awaited in place and let go of only once done: a run stopped here (Ctrl-C) leaves
        // the task with `finish`, which waits for it and drops what it made.
        if let Some(making) = self.making.as_mut() {
            let made = making.await;
            self.making = None;
            self.made = Some(made.map_err(|e| format!("making it stopped: {e}"))??);
        }
        self.made
            .as_ref()
            .ok_or_else(|| "it was not made".to_owned())
    }

    /// Drops the scratch database (waiting for it to be made first, if it is being made).
    pub async fn finish(mut self, observer: &dyn Observer) {
        if self.scratch().await.is_err() {
            return;
        }
        if let Some(scratch) = self.made.take()
            && let Err(e) = scratch.remove().await
        {
            observer.note(&format!("warning: {e}"));
        }
    }
}

async fn run(plan: &Plan, copy: &Schema, functions: &[String], url: &DatabaseUrl) -> Proof {
    let target = plan.target();
    // One session: the namespaces and the functions the copy calls, the copy, the plan's up,
    // its down.
    let mut prelude: Vec<String> = Vec::new();
    if plan.dialect == Dialect::Postgres {
        // A scratch database need not wait for each commit to reach the disk.
        prelude.push("SET synchronous_commit = off".to_owned());
        for ns in copy.namespaces.keys().filter(|n| *n != "public") {
            prelude.push(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                ns.replace('"', "\"\"")
            ));
        }
        if !functions.is_empty() {
            // Bodies are not checked against tables the copy leaves out; a function that
            // still cannot be made (a type of its own) is left out, and a check that calls it
            // then leaves a gap in the copy.
            prelude.push("SET check_function_bodies = false".to_owned());
            prelude.extend(functions.iter().cloned());
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
    let setup = render_steps(&sealift_diff::diff(copy, &empty, &options).up, &target);
    let up = render_steps(&plan.up, &target);
    let down = render_steps(&plan.down, &target);
    let all: Vec<String> = [&prelude, &setup, &up, &down]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let answers = match scratch::run_each(url, &all).await {
        Ok(answers) => answers,
        Err(e) => return Proof::NotProven(format!("no copy could be made: {e}")),
    };
    let failed = |from: usize, to: usize| {
        (from..to).find_map(|i| answers[i].as_ref().err().map(|e| (&all[i], e.clone())))
    };
    // Every statement of the copy is tried: one that fails (an index on a text search
    // configuration sealift does not copy) leaves a gap, and a plan statement that fails
    // after a gap proves nothing.
    let copied = prelude.len() + setup.len();
    let gap = failed(prelude.len(), copied);
    let ups = copied + up.len();
    let first = failed(copied, ups)
        .map(|f| (false, f))
        .or_else(|| failed(ups, all.len()).map(|f| (true, f)));
    match (first, gap) {
        (None, _) => Proof::Held {
            statements: up.len() + down.len(),
        },
        (Some((down, (statement, error))), None) => Proof::Rejected {
            down,
            statement: statement.clone(),
            error,
        },
        (Some((_, (statement, error))), Some((left_out, why))) => Proof::NotProven(format!(
            "{} failed with: {error}, on a copy that lacks what {} makes ({why})",
            first_line(statement),
            first_line(left_out)
        )),
    }
}

/// The part of `current` the proof needs: the tables the plan touches; the tables whose
/// foreign keys use what the plan drops, renames or retypes in them (dropping a key they
/// need must fail here too); and every table the keys of those lead to; with each
/// namespace's enums and domains. Triggers are left out (their functions are the
/// application's). An error says why no faithful copy can be made.
fn copy_of(plan: &Plan, current: &Schema) -> Result<Schema, String> {
    let mut reach: BTreeMap<(String, String), Reach> = BTreeMap::new();
    for step in plan.up.iter().chain(&plan.down) {
        seeds(step, &mut reach);
    }
    let mut wanted: BTreeSet<(String, String)> = reach.keys().cloned().collect();
    let table = |(ns, name): &(String, String)| -> Option<&Table> {
        current.namespaces.get(ns).and_then(|n| n.tables.get(name))
    };
    for ns in current.namespaces.values() {
        for t in ns.tables.values() {
            let uses = t.foreign_keys.iter().any(|fk| {
                match reach.get(&key(&fk.referenced_table, &ns.name)) {
                    Some(Reach::Whole) => true,
                    Some(Reach::Columns(columns)) => {
                        fk.referenced_columns.iter().any(|c| columns.contains(c))
                    }
                    None => false,
                }
            });
            if uses {
                wanted.insert((ns.name.clone(), t.name.clone()));
            }
        }
    }
    let touched: BTreeSet<(String, String)> = reach.into_keys().collect();
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
        let mut t = t.clone();
        t.triggers.clear();
        match &t.kind {
            TableKind::Ordinary => {}
            // A partitioned table the plan does not touch stands in as a plain one: its keys
            // are what the proof needs of it. Its partitions are left out.
            TableKind::Partitioned { .. } if !touched.contains(at) => {
                t.kind = TableKind::Ordinary;
            }
            TableKind::PartitionOf { .. } if !touched.contains(at) => continue,
            _ => return Err(format!("{}.{} is not a plain table", at.0, at.1)),
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
        ns.tables.insert(at.1.clone(), t);
    }
    Ok(copy)
}

/// The expressions of the copy that may call functions: checks, defaults, generated
/// columns, index expressions and predicates.
fn calling(copy: &Schema) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for (_, t) in copy.tables() {
        texts.extend(t.checks.iter().map(|c| c.expression.clone()));
        for c in &t.columns {
            texts.extend(c.default.clone());
            texts.extend(c.generated.clone());
        }
        for i in &t.indexes {
            texts.extend(i.predicate.clone());
            for part in &i.parts {
                if let sealift_ir::IndexKey::Expression(e) = &part.key {
                    texts.push(e.clone());
                }
            }
        }
    }
    texts
}

/// How much of a table the plan reaches: all of it (dropped, renamed, rebuilt), or these
/// columns (dropped, renamed, retyped, or keyed anew).
enum Reach {
    Whole,
    Columns(BTreeSet<String>),
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

/// The tables a step is about, with what of each it reaches, and the tables the keys it
/// creates lead to (reached in nothing: they must only be there).
fn seeds(step: &Step, out: &mut BTreeMap<(String, String), Reach>) {
    fn note(out: &mut BTreeMap<(String, String), Reach>, at: (String, String), reach: Reach) {
        let entry = out.entry(at).or_insert(Reach::Columns(BTreeSet::new()));
        match (entry, reach) {
            (Reach::Whole, _) => {}
            (entry, Reach::Whole) => *entry = Reach::Whole,
            (Reach::Columns(have), Reach::Columns(more)) => have.extend(more),
        }
    }
    fn columns<'a>(names: impl IntoIterator<Item = &'a String>) -> Reach {
        Reach::Columns(names.into_iter().cloned().collect())
    }
    let none = || Reach::Columns(BTreeSet::new());
    let add_keys = |schema: &str, t: &Table, out: &mut BTreeMap<(String, String), Reach>| {
        for fk in &t.foreign_keys {
            note(out, key(&fk.referenced_table, schema), none());
        }
    };
    let visit = |change: &Change, out: &mut BTreeMap<(String, String), Reach>| match change {
        Change::Table { schema, table, op } => {
            let at = (schema.clone(), table.clone());
            match op {
                TableOp::Create { def } => {
                    note(out, at, none());
                    add_keys(schema, def, out);
                }
                TableOp::Drop { def } => {
                    note(out, at, Reach::Whole);
                    add_keys(schema, def, out);
                }
                TableOp::Rebuild { from, to, .. } => {
                    note(out, at, Reach::Whole);
                    add_keys(schema, from, out);
                    add_keys(schema, to, out);
                }
                TableOp::Rename { .. } => note(out, at, Reach::Whole),
                TableOp::Add { part } | TableOp::Remove { part } => {
                    let reach = match part {
                        Part::Column(c) => columns([&c.name]),
                        Part::PrimaryKey(pk) => columns(&pk.columns),
                        Part::Unique(u) => columns(&u.columns),
                        Part::Index(i) => Reach::Columns(i.key_columns().into_iter().collect()),
                        Part::ForeignKey(fk) => {
                            note(out, key(&fk.referenced_table, schema), none());
                            none()
                        }
                        Part::Check(_) => none(),
                    };
                    note(out, at, reach);
                }
                TableOp::RenameColumn { from, .. } => note(out, at, columns([from])),
                TableOp::AlterColumn { from, .. } => note(out, at, columns([&from.name])),
                TableOp::SetComment { .. } => note(out, at, none()),
            }
        }
        Change::Enum { op, .. } => {
            if let EnumOp::AddValue { columns, .. } | EnumOp::Replace { columns, .. } = op {
                for c in columns {
                    note(out, (c.schema.clone(), c.table.clone()), Reach::Whole);
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
