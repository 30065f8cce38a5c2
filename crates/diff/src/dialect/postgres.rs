//! PostgreSQL: types by `pg_type.typname`, enum types of their own, `ALTER COLUMN` in place
//! (through text where no assignment cast exists), comments with `COMMENT ON`.

use sealift_ir::{Column, DataType, LogicalType};

use super::{Backend, plain, with_length, with_precision};
use crate::change::{Change, EnumPosition};
use crate::sql::{Target, comment_literal, statements, target_type_sql, type_sql};
use crate::statement::{Schema, Statement};

pub(crate) struct Postgres;

impl Backend for Postgres {
    fn types_equal(&self, w: &DataType, h: &DataType, modifiers_agree: bool) -> bool {
        if w.name == h.name {
            return modifiers_agree;
        }
        // `String` without a stated length (`varchar`) is any character string.
        if w.name == "varchar"
            && w.modifiers.is_empty()
            && matches!(h.name.as_str(), "varchar" | "text" | "bpchar")
        {
            return true;
        }
        // `text` is `varchar` without a length.
        let pair = [w.name.as_str(), h.name.as_str()];
        if pair.contains(&"text") && pair.contains(&"varchar") {
            let varchar = if w.name == "varchar" { w } else { h };
            return varchar.modifiers.is_empty();
        }
        false
    }

    fn logical_of(&self, t: &DataType) -> Option<LogicalType> {
        use LogicalType as L;
        match t.name.as_str() {
            "int2" => plain(t, L::SmallInteger),
            "int4" => plain(t, L::Integer),
            "int8" => plain(t, L::BigInteger),
            "float4" => plain(t, L::Float),
            "float8" => plain(t, L::Double),
            "numeric" => with_precision(t, L::Decimal),
            "varchar" => with_length(t, L::String),
            "bpchar" => with_length(t, L::Char),
            "bool" => plain(t, L::Boolean),
            "timestamp" => plain(t, L::DateTime),
            "timestamptz" => plain(t, L::TimestampWithTimeZone),
            "time" => plain(t, L::Time),
            "date" => plain(t, L::Date),
            "interval" => plain(t, L::Interval),
            "bytea" => plain(t, L::Blob),
            "jsonb" => plain(t, L::JsonBinary),
            "money" => plain(t, L::Money(None)),
            "cidr" => plain(t, L::Cidr),
            "inet" => plain(t, L::Inet),
            "macaddr" => plain(t, L::MacAddr),
            _ => None,
        }
    }

    fn enum_change(&self, c: &Change, t: &Target) -> Vec<Statement> {
        let sql = Statement::Sql;
        let sea = |s: Schema| Statement::Schema(Box::new(s));
        match c {
            // A plan made where enums live in columns does not know whether an earlier
            // migration made the type: it is created unless it exists, and dropped only once
            // no column uses it.
            Change::CreateEnum { .. } if t.plan != t.backend => {
                let create = statements(c, &t.native_plan())
                    .iter()
                    .map(|s| s.to_sql(t.backend))
                    .collect::<String>();
                vec![sql(format!(
                    "DO $$ BEGIN {create}; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                ))]
            }
            Change::DropEnum { schema, def } if t.plan != t.backend => vec![sql(format!(
                "DO $$ BEGIN DROP TYPE {}; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $$",
                t.table_ref(schema, &def.name)
            ))],
            // sea-query leaves out the parentheses of an enum without labels.
            Change::CreateEnum { schema, def } if def.values.is_empty() => vec![sql(format!(
                "CREATE TYPE {} AS ENUM ()",
                t.table_ref(schema, &def.name)
            ))],
            Change::CreateEnum { schema, def } => vec![sea(Schema::CreateEnum {
                name: t.name(schema, &def.name),
                values: def.values.clone(),
            })],
            Change::DropEnum { schema, def } => {
                vec![sea(Schema::DropEnum(t.name(schema, &def.name)))]
            }
            Change::AddEnumValue {
                schema,
                def,
                value,
                position,
                ..
            } => {
                let (before, next_to) = match position {
                    EnumPosition::Before(v) => (true, v.clone()),
                    EnumPosition::After(v) => (false, v.clone()),
                };
                vec![sea(Schema::AddEnumValue {
                    name: t.name(schema, &def.name),
                    value: value.clone(),
                    before,
                    next_to,
                })]
            }
            Change::ReplaceEnum {
                schema,
                from,
                to,
                columns,
            } => replace_enum(schema, from, to, columns, t),
            _ => Vec::new(),
        }
    }

    fn alter_column(
        &self,
        schema: &str,
        table: &str,
        from: &Column,
        to: &Column,
        t: &Target,
    ) -> Vec<Statement> {
        alter_column(schema, table, from, to, t)
            .into_iter()
            .map(Statement::Sql)
            .collect()
    }

    fn table_comment(
        &self,
        schema: &str,
        table: &str,
        to: Option<&str>,
        t: &Target,
    ) -> Vec<Statement> {
        vec![Statement::Sql(format!(
            "COMMENT ON TABLE {} IS {}",
            t.table_ref(schema, table),
            comment_literal(&to.map(str::to_owned))
        ))]
    }
}

/// The name an enum type has while it is replaced: `{name}_old`, short enough that
/// PostgreSQL keeps it whole (cut at 63 bytes it could be the name itself again).
fn old_type_name(name: &str) -> String {
    let mut end = name.len().min(59);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_old", &name[..end])
}

/// PostgreSQL: rename the old type, create the new one, re-cast every column (defaults off
/// and on around it), drop the old type.
fn replace_enum(
    schema: &str,
    from: &sealift_ir::Enum,
    to: &sealift_ir::Enum,
    columns: &[crate::change::EnumColumn],
    t: &Target,
) -> Vec<Statement> {
    let ty = t.table_ref(schema, &to.name);
    let old_name = old_type_name(&from.name);
    let mut out = vec![format!(
        "ALTER TYPE {} RENAME TO {}",
        t.table_ref(schema, &from.name),
        t.quote(&old_name)
    )];
    out.extend(
        statements(
            &Change::CreateEnum {
                schema: schema.to_owned(),
                def: to.clone(),
            },
            t,
        )
        .iter()
        .map(|s| s.to_sql(t.backend)),
    );
    // A default names the type: it goes before the re-cast and comes back after it, spelled
    // as before, which now names the new type.
    for col in columns.iter().filter(|c| c.default.is_some()) {
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
            t.table_ref(&col.schema, &col.table),
            t.quote(&col.column)
        ));
    }
    for col in columns {
        let dims = "[]".repeat(col.array_dims as usize);
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {c} TYPE {ty}{dims} USING {c}::text{dims}::{ty}{dims}",
            t.table_ref(&col.schema, &col.table),
            c = t.quote(&col.column)
        ));
    }
    for col in columns {
        if let Some(default) = &col.default {
            out.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default}",
                t.table_ref(&col.schema, &col.table),
                t.quote(&col.column)
            ));
        }
    }
    let mut statements: Vec<Statement> = out.into_iter().map(Statement::Sql).collect();
    statements.push(Statement::Schema(Box::new(Schema::DropEnum(
        t.name(schema, &old_name),
    ))));
    statements
}

fn alter_column(schema: &str, table: &str, from: &Column, to: &Column, t: &Target) -> Vec<String> {
    let tbl = t.table_ref(schema, table);
    let c = t.quote(&to.name);
    let mut out = Vec::new();
    // Families are the plan's: on another backend every type change goes through text.
    let across = |a: &DataType, b: &DataType| !t.native_backend() || family(a) != family(b);
    if from.data_type != to.data_type || from.collation != to.collation {
        let target = if t.native_backend() {
            type_sql(&to.data_type, None, t)
        } else {
            target_type_sql(to, t)
        };
        let mut ty = target.clone();
        if let Some(coll) = to.collation.as_ref().filter(|_| t.native_backend()) {
            ty.push_str(&format!(" COLLATE {}", t.quote(coll)));
        }
        // Within a family PostgreSQL's assignment cast applies: it rejects values that do not
        // fit instead of truncating them, and skips the rewrite for in-place widenings. Across
        // families there is no assignment cast, so the value goes through text.
        let across = across(&from.data_type, &to.data_type);
        let using = if across {
            format!(" USING {c}::text::{target}")
        } else {
            String::new()
        };
        // PostgreSQL converts a default only with an assignment cast, which no pair of
        // families has: the default goes before the change and comes back after it, as an
        // untyped literal when it is one (PostgreSQL then reads it as the new type).
        let (restore, before) = match (&from.default, across) {
            (Some(_), true) => (
                to.default.as_deref().map(untyped_default),
                Some(format!("ALTER TABLE {tbl} ALTER COLUMN {c} DROP DEFAULT")),
            ),
            _ => (None, None),
        };
        out.extend(before);
        out.push(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {c} TYPE {ty}{using}"
        ));
        if from.default == to.default
            && let Some(default) = restore
        {
            out.push(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {c} SET DEFAULT {default}"
            ));
        }
    }
    if from.nullable != to.nullable {
        let verb = if to.nullable { "DROP" } else { "SET" };
        out.push(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {c} {verb} NOT NULL"
        ));
    }
    let dropped_for_type = from.data_type != to.data_type
        && from.default.is_some()
        && across(&from.data_type, &to.data_type);
    if from.default != to.default && !(dropped_for_type && to.default.is_none()) {
        out.push(match &to.default {
            Some(def) => format!("ALTER TABLE {tbl} ALTER COLUMN {c} SET DEFAULT {def}"),
            None => format!("ALTER TABLE {tbl} ALTER COLUMN {c} DROP DEFAULT"),
        });
    }
    if from.comment != to.comment {
        out.push(format!(
            "COMMENT ON COLUMN {tbl}.{c} IS {}",
            comment_literal(&to.comment)
        ));
    }
    out
}

/// A default with the cast PostgreSQL printed on its literal taken off: `'5'::text` -> `'5'`,
/// `'{}'::jsonb` -> `'{}'`. Other expressions are kept as they are.
pub(crate) fn untyped_default(default: &str) -> String {
    let d = default.trim();
    if d.starts_with('\'')
        && let Some(end) = d.rfind("'::").filter(|e| *e > 0)
        && !d[1..end].replace("''", "").contains('\'')
    {
        return d[..=end].to_owned();
    }
    d.to_owned()
}

/// True when PostgreSQL has no assignment cast from one type to the other (different
/// families): the change goes through text with `USING`, and a default does not follow.
pub(crate) fn family_changes(from: &DataType, to: &DataType) -> bool {
    family(from) != family(to)
}

/// Types PostgreSQL converts between with an assignment cast.
fn family(t: &DataType) -> String {
    let name = match t.name.as_str() {
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" => "number",
        "varchar" | "text" | "bpchar" => "text",
        // No assignment cast reaches `time` from a date, nor a date from `time`.
        "timestamp" | "timestamptz" | "date" => "datetime",
        "time" | "timetz" => "clock",
        other => other,
    };
    format!("{name}{}", "[]".repeat(t.array_dims as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_enum_keeps_a_name_of_its_own_while_it_goes() {
        let long = "e".repeat(63);
        let old = old_type_name(&long);
        assert!(old.len() <= 63 && old != long[..old.len()], "{old}");
        assert_eq!(old_type_name("mood"), "mood_old");
    }

    #[test]
    fn defaults_lose_the_cast_on_their_literal_only() {
        assert_eq!(untyped_default("'5'::text"), "'5'");
        assert_eq!(untyped_default("'it''s'::character varying"), "'it''s'");
        assert_eq!(untyped_default("now()"), "now()");
        assert_eq!(untyped_default("'::x'"), "'::x'");
        assert_eq!(
            untyped_default("'a'::text || 'b'::text"),
            "'a'::text || 'b'::text"
        );
    }

    #[test]
    fn time_is_not_in_the_date_family() {
        let b = DataType::builtin;
        assert!(family_changes(&b("date"), &b("time")));
        assert!(!family_changes(&b("date"), &b("timestamp")));
        assert!(!family_changes(&b("int4"), &b("int8")));
    }
}
