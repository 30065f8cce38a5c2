//! What a person reads: the plan as one line per change, grouped by table (as Django's
//! `makemigrations` prints it), hazards under their change, colours only on a terminal.

use std::fmt::Write as _;
use std::io::IsTerminal;

use sealift_diff::{Change, HazardKind, Plan};

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
