//! What a person reads: the plan as one line per change, grouped by table (as Django's
//! `makemigrations` prints it), hazards under their change, colours only on a terminal.

use std::fmt::Write as _;
use std::io::IsTerminal;

use std::io::Write as _;

use anyhow::{Context, Result};
use sealift_diff::{Change, HazardKind, Plan};
use sealift_workflow::runner::Event;
use sealift_workflow::{Progress, Status};

/// ANSI styles, or nothing when the output is not a terminal or `NO_COLOR` is set.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colours when standard output is a terminal and `NO_COLOR` is unset.
    pub fn stdout() -> Style {
        Style {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Red, bold: data loss.
    pub fn danger(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// Yellow: depends on the rows.
    pub fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// The up plan grouped by table, each change on one line with `+`, `-` or `~`, hazards
/// beneath; `findings` (row counts) after; then how many things are left alone.
pub fn plan_text(plan: &Plan, findings: &[String], style: Style) -> String {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, s) in plan.up.iter().enumerate() {
        let (schema, table) = s.change.subject();
        let key = if schema.is_empty() {
            table.to_owned()
        } else {
            format!("{schema}.{table}")
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let mut out = String::new();
    for (key, steps) in &groups {
        let _ = writeln!(out, "{}", style.bold(key));
        for &i in steps {
            let s = &plan.up[i];
            let line = match sign(&s.change) {
                '+' => style.green("+"),
                '-' => style.danger("-"),
                _ => style.warn("~"),
            };
            let _ = writeln!(out, "  {line} {}", s.change);
            for c in s.change.rebuilt() {
                let inner = match sign(c) {
                    '+' => style.green("+"),
                    '-' => style.danger("-"),
                    _ => style.warn("~"),
                };
                let _ = writeln!(out, "      {inner} {c}");
            }
            for h in &s.hazards {
                let label = match h.kind {
                    HazardKind::Destructive => style.danger("destructive"),
                    HazardKind::DataDependent => style.warn("data-dependent"),
                    HazardKind::Blocking => style.warn("blocking"),
                    HazardKind::Blocked => style.danger("blocked"),
                    HazardKind::Behavior => style.warn("behavior"),
                };
                let _ = writeln!(out, "      ! {label}: {}", h.message);
            }
        }
    }
    if !findings.is_empty() {
        let _ = writeln!(out, "{}", style.bold("The data now"));
        for f in findings {
            let _ = writeln!(out, "  {f}");
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!(
                "{} thing(s) left alone (not expressible in entities); see `sealift diff --format markdown`",
                plan.notes.len()
            ))
        );
    }
    out
}

/// `+` adds, `-` removes, `~` changes.
fn sign(c: &Change) -> char {
    use sealift_diff::{EnumOp, TableOp};
    match c {
        Change::Enum {
            op: EnumOp::Create { .. } | EnumOp::AddValue { .. },
            ..
        }
        | Change::Table {
            op: TableOp::Create { .. } | TableOp::Add { .. },
            ..
        } => '+',
        Change::Enum {
            op: EnumOp::Drop { .. },
            ..
        }
        | Change::Table {
            op: TableOp::Drop { .. } | TableOp::Remove { .. },
            ..
        } => '-',
        _ => '~',
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealift_ir::{Column, DataType, Dialect, Table};

    #[test]
    fn changes_are_grouped_by_table_without_colour_off_a_terminal() {
        let col = |n: &str| Column::new(n, DataType::builtin("int4"));
        let mut t = Table::new("post");
        t.columns.push(col("id"));
        let plan = sealift_diff::diff(
            &{
                let mut s = sealift_ir::Schema::new(Dialect::Postgres);
                let mut ns = sealift_ir::Namespace::new("public");
                ns.tables.insert("post".into(), t);
                s.namespaces.insert("public".into(), ns);
                s
            },
            &{
                let mut s = sealift_ir::Schema::new(Dialect::Postgres);
                s.namespaces
                    .insert("public".into(), sealift_ir::Namespace::new("public"));
                s
            },
            &sealift_diff::DiffOptions::new(Dialect::Postgres),
        );
        let text = plan_text(
            &plan,
            &["public.post has 0 rows".into()],
            Style { on: false },
        );
        assert!(text.starts_with("public.post\n  + create table"), "{text}");
        assert!(
            text.contains("The data now\n  public.post has 0 rows"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
    }
}

/// The engine's observer on a terminal: a spinner while it works, the entity files'
/// diagnostics and notes on standard error.
pub struct Console;

impl sealift_engine::Observer for Console {
    fn working(&self, what: &str) -> Box<dyn Send> {
        Box::new(crate::progress::Spinner::start(what))
    }

    fn diagnostic(&self, d: &sealift_entity::Diagnostic) {
        eprintln!("{d}");
    }

    fn note(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// Writes `text` to standard output.
pub fn print(text: &str) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")
}

/// What the plan left alone, as a suffix to "No changes detected".
pub fn notes_suffix(plan: &Plan) -> String {
    match plan.notes.len() {
        0 => String::new(),
        n => format!(" ({n} note(s) on what is left alone; see sealift diff --format markdown)"),
    }
}

thread_local! {
    /// The notes already printed: the runner repeats one for each migration.
    static NOTED: std::cell::RefCell<std::collections::BTreeSet<String>> = Default::default();
}

/// Prints a run's progress as it goes.
pub fn progress(progress: Progress) {
    let mut out = std::io::stdout().lock();
    let _ = match progress {
        Progress::Waiting(holder) => writeln!(
            out,
            "Waiting: another run holds the migration lock on this database: {holder}..."
        ),
        Progress::Edited(name) => writeln!(
            out,
            "warning: {name} changed after it was applied; the database has the version applied then"
        ),
        Progress::Runner(Event::Start(name)) => write!(out, "  {name} ..."),
        Progress::Runner(Event::Done(_, ms)) => writeln!(out, " done ({ms} ms)"),
        Progress::Runner(Event::Skipped(_)) => {
            writeln!(out, " already done by another run; skipped")
        }
        Progress::Runner(Event::Waiting) => {
            write!(out, " (waiting for another run's write lock)")
        }
        Progress::Runner(Event::Note(text)) => {
            if NOTED.with(|n| n.borrow_mut().insert(text.clone())) {
                writeln!(out, "\nnote: {text}")
            } else {
                Ok(())
            }
        }
        Progress::Runner(Event::LockWait { on, by }) => {
            write!(out, " (waiting for a lock on {on}, held by {by})")
        }
        Progress::Runner(Event::Retry {
            name,
            attempt,
            of,
            wait_ms,
        }) => {
            write!(
                out,
                "\n  {name} gave up waiting for the lock and was rolled back; running it again in {} (retry {attempt} of {of}) ...",
                sealift_workflow::config::show_duration(std::time::Duration::from_millis(wait_ms))
            )
        }
    };
    let _ = out.flush();
}

/// What is inconsistent, one line each.
pub fn problems(status: &Status, out: &mut String) {
    if let Some(advice) = status.dirty_advice() {
        let _ = writeln!(out, "Dirty: {advice}");
    }
    for line in status.part_applied() {
        let _ = writeln!(out, "Part applied: {line}");
    }
    for m in &status.missing {
        let _ = writeln!(
            out,
            "Missing: {} is applied (at {}) but the migration crate no longer has it; restore its file, or `sealift stamp` to forget it",
            m.version,
            time(Some(m.applied_at))
        );
    }
    for e in status.entries.iter().filter(|e| e.out_of_order) {
        let _ = writeln!(
            out,
            "Out of order: {} is pending but comes before applied migrations; `sealift upgrade` applies it",
            e.name
        );
    }
    for e in status.entries.iter().filter(|e| e.edited) {
        let _ = writeln!(
            out,
            "Edited: {} changed after it was applied; the database has the version applied then",
            e.name
        );
    }
    if status.heads.len() > 1 {
        let _ = writeln!(
            out,
            "Multiple heads: {}; run `sealift merge`",
            status.heads.join(", ")
        );
    }
}

pub fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC`; `-` for none.
pub fn time(secs: Option<i64>) -> String {
    secs.map_or_else(|| "-".to_owned(), sealift_workflow::time::utc)
}
