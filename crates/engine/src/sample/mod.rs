//! Generated rows for `verify`: before a migration's down, a few rows go into every table the
//! migration leaves (tables there before its up and still there after it); after its down and
//! up again, each of those rows must still be there, in the columns the migration found (the
//! ones it adds are its own, and its down drops them).
//!
//! The rows respect the table as it is after the up: a value of each column's type, distinct
//! in key columns, a foreign key's columns copied from a row of the referenced table (parents
//! are filled first), a text column named by a check using a string the check names. What a
//! type's values look like is each backend's own ([`postgres`], [`mysql`], [`sqlite`]); a
//! column with no value to give is left to its default or NULL, and a table where that cannot
//! be done gets no rows and a reason.

mod mysql;
mod postgres;
mod sqlite;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sealift_ir::{Column, DataType, Dialect, Namespace, QualifiedName, Schema, Table, TableKind};

/// Rows generated for each table, per migration.
pub const PER_TABLE: usize = 3;

/// The statements that fill the tables a migration leaves.
#[derive(Debug, Default)]
pub struct Rows {
    /// The backend the statements are written for.
    dialect: Option<Dialect>,
    /// One multi-row `INSERT` per table, parents before children.
    pub inserts: Vec<Insert>,
    /// Tables that get no rows, and why.
    pub skipped: Vec<(QualifiedName, String)>,
    /// The namespaces of the schema, in order.
    namespaces: Vec<String>,
    /// The number the next batch's first row takes (rows are numbered apart across batches).
    pub next: usize,
}

/// One table's generated rows.
#[derive(Debug, Clone)]
pub struct Insert {
    /// The table.
    pub table: QualifiedName,
    /// The `INSERT` statement.
    pub sql: String,
    /// The query that reads every row of the table back, each compared column as text (the
    /// columns the table had before the migration's up).
    pub read_back: String,
    /// The compared columns, in the order `read_back` returns them.
    pub columns: Vec<String>,
    /// Its references point at rows written after it (a cycle, or the table itself): it runs
    /// with foreign-key checks off ([`Rows::statements`]).
    pub unchecked: bool,
    /// The tables whose rows, written after it, its references point at: when one of them
    /// refuses its rows, this table's rows are deleted again ([`Insert::delete`]).
    pub needs: Vec<QualifiedName>,
    /// Deletes the rows it writes, by their primary key (or a unique key); `None` when the
    /// table has no key whose values it writes.
    pub delete: Option<String>,
}

/// What a value is, whatever a backend calls its type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// An integer no larger than `max`.
    Int {
        max: i64,
    },
    /// An exact number; `whole` when its precision leaves room for a whole part.
    Decimal {
        whole: bool,
    },
    Float,
    Bool,
    /// Text of at most `len` characters.
    Text {
        len: Option<u32>,
    },
    /// Bytes, at most `len` of them.
    Bytes {
        len: Option<u32>,
    },
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Year,
    Uuid,
    Json,
    Interval,
    Inet,
    Cidr,
    Mac {
        eight: bool,
    },
    /// Bit strings of `len` bits (at most, when `varying`).
    Bits {
        len: Option<u32>,
        varying: bool,
    },
    /// One of these values (an enum's labels, a check's strings).
    Choice(Vec<String>),
    /// An array (PostgreSQL): an empty one.
    Array,
    Xml,
    /// A type with no value sealift can spell.
    Unknown,
}

/// The tables of `after` that were in `before` too, filled with [`PER_TABLE`] rows each.
/// `first` numbers the first row (each batch of a replay numbers on from the last one's
/// [`Rows::next`], so that keys never meet rows a migration left).
pub fn rows(after: &Schema, before: &Schema, first: usize) -> Rows {
    let dialect = after.dialect;
    let mut out = Rows {
        dialect: Some(dialect),
        next: first,
        namespaces: after.namespaces.keys().cloned().collect(),
        ..Rows::default()
    };
    let candidates: Vec<(QualifiedName, &Namespace, &Table)> = after
        .tables()
        .filter(|(_, t)| matches!(t.kind, TableKind::Ordinary | TableKind::Partitioned { .. }))
        .filter_map(|(ns, t)| {
            let name = QualifiedName::new(ns.name.clone(), t.name.clone());
            before.table(&name).map(|_| (name, ns, t))
        })
        .collect();
    out.next = first + candidates.len() * PER_TABLE;
    let budget = budgets(after);
    // Each table's own values first: a foreign key anywhere, even in a cycle, copies them.
    let mut own: HashMap<QualifiedName, Row> = HashMap::new();
    let mut refused: HashMap<QualifiedName, String> = HashMap::new();
    for (i, (name, ns, table)) in candidates.iter().enumerate() {
        // Each table's rows numbered apart from every other's: a trigger that copies a key
        // into another table finds it free there.
        let first = first + i * PER_TABLE;
        let was = before
            .namespaces
            .get(&ns.name)
            .and_then(|n| n.tables.get(&table.name).map(|t| (n, t)));
        let was = was.map(|(n, t)| (before, n, t));
        match own_values(after, was, ns, table, name, &budget, first) {
            Ok(rows) => {
                own.insert(name.clone(), rows);
            }
            Err(why) => {
                refused.insert(name.clone(), why);
            }
        }
    }
    // Then the referencing columns, parents first.
    let mut filled: HashMap<QualifiedName, Row> = HashMap::new();
    for (name, ns, table) in parents_first(&candidates, dialect) {
        if let Some(why) = refused.remove(&name) {
            out.skipped.push((name, why));
            continue;
        }
        let rows = own.remove(&name).unwrap_or_default();
        match references(dialect, ns, table, &name, rows, &filled, &own) {
            Ok((rows, needs)) => {
                let old = before.table(&name).map(|t| &t.columns);
                let columns: Vec<String> = table
                    .columns
                    .iter()
                    .filter(|c| old.is_some_and(|o| o.iter().any(|x| x.name == c.name)))
                    .map(|c| c.name.clone())
                    .collect();
                out.inserts.push(Insert {
                    table: name.clone(),
                    sql: insert_sql(dialect, &name, table, &rows),
                    read_back: read_back_sql(dialect, &name, table, &columns),
                    delete: delete_sql(dialect, &name, table, &rows),
                    columns,
                    unchecked: !needs.is_empty(),
                    needs,
                });
                filled.insert(name, rows);
            }
            Err(why) => out.skipped.push((name, why)),
        }
    }
    out
}

/// A table's generated rows: a literal per column given a value (columns left out take their
/// default).
type Row = Vec<HashMap<String, String>>;

impl Rows {
    /// The statements to run, in order, and where each insert's own statement is among
    /// them: an insert whose references point at rows written after it runs with the
    /// backend's foreign-key checks off around it (the rows are consistent by construction).
    pub fn statements(&self) -> (Vec<String>, Vec<usize>) {
        let (off, on) = match self.dialect {
            Some(Dialect::Postgres) => (
                "SET session_replication_role = replica",
                "SET session_replication_role = DEFAULT",
            ),
            Some(Dialect::Mysql) => ("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"),
            _ => ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"),
        };
        let mut sql = Vec::new();
        if let (Some(Dialect::Postgres), false) = (self.dialect, self.namespaces.is_empty()) {
            // Triggers and checks that name tables without a schema find them, as the
            // application's own connections (whose search path names its schemas) do.
            let list: Vec<String> = self
                .namespaces
                .iter()
                .map(|n| ident(Dialect::Postgres, n))
                .collect();
            sql.push(format!("SET search_path = {}, public", list.join(", ")));
        }
        let mut at = Vec::new();
        for insert in &self.inserts {
            if insert.unchecked {
                sql.push(off.to_owned());
            }
            at.push(sql.len());
            sql.push(insert.sql.clone());
            if insert.unchecked {
                sql.push(on.to_owned());
            }
        }
        (sql, at)
    }
}

/// For each referenced integer column, the largest value every column referencing it holds
/// (a `smallint` referencing an `integer` key keeps the key's values small).
fn budgets(schema: &Schema) -> HashMap<(QualifiedName, String), i64> {
    let mut out: HashMap<(QualifiedName, String), i64> = HashMap::new();
    for (ns, table) in schema.tables() {
        for fk in &table.foreign_keys {
            let parent = referenced(fk, ns, schema.dialect);
            for (c, p) in fk.columns.iter().zip(&fk.referenced_columns) {
                let Some(column) = table.columns.iter().find(|x| &x.name == c) else {
                    continue;
                };
                if let Kind::Int { max } = kind_of(schema, ns, table, column) {
                    let entry = out.entry((parent.clone(), p.clone())).or_insert(max);
                    *entry = (*entry).min(max);
                }
            }
        }
    }
    out
}

/// `candidates` with every table after the tables its foreign keys reference (a cycle is
/// broken in name order).
fn parents_first<'a>(
    candidates: &[(QualifiedName, &'a Namespace, &'a Table)],
    dialect: Dialect,
) -> Vec<(QualifiedName, &'a Namespace, &'a Table)> {
    let names: BTreeSet<&QualifiedName> = candidates.iter().map(|(n, _, _)| n).collect();
    let mut placed: BTreeSet<QualifiedName> = BTreeSet::new();
    let mut out = Vec::new();
    let mut left: Vec<&(QualifiedName, &Namespace, &Table)> = candidates.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|(name, ns, t)| {
            t.foreign_keys.iter().all(|fk| {
                let parent = referenced(fk, ns, dialect);
                parent == *name || !names.contains(&parent) || placed.contains(&parent)
            })
        });
        // In a cycle, the first left goes next.
        let (name, ns, table) = left.remove(ready.unwrap_or(0));
        placed.insert(name.clone());
        out.push((name.clone(), *ns, *table));
    }
    out
}

/// The table a foreign key references, qualified (an unqualified reference is in the
/// referencing table's namespace).
fn referenced(fk: &sealift_ir::ForeignKey, ns: &Namespace, dialect: Dialect) -> QualifiedName {
    let schema = match (&fk.referenced_table.schema, dialect) {
        (Some(s), Dialect::Postgres | Dialect::Mysql) => s.clone(),
        _ => ns.name.clone(),
    };
    QualifiedName::new(schema, fk.referenced_table.name.clone())
}

/// The columns of `table` a foreign key fills, each with the table and column it copies.
fn referencing<'t>(
    dialect: Dialect,
    ns: &Namespace,
    table: &'t Table,
) -> BTreeMap<&'t str, (QualifiedName, &'t str)> {
    let mut out = BTreeMap::new();
    for fk in &table.foreign_keys {
        let parent = referenced(fk, ns, dialect);
        for (c, p) in fk.columns.iter().zip(&fk.referenced_columns) {
            out.entry(c.as_str())
                .or_insert((parent.clone(), p.as_str()));
        }
    }
    out
}

/// [`PER_TABLE`] rows of `table`'s own values: every column no foreign key fills. A column
/// the table had before the migration's up (`was`) takes a value of the type it had then, so
/// that the rows fit the schema the down goes back to (a label of the enum before a value was
/// added, text as short as the column was).
fn own_values(
    schema: &Schema,
    was: Option<(&Schema, &Namespace, &Table)>,
    ns: &Namespace,
    table: &Table,
    name: &QualifiedName,
    budget: &HashMap<(QualifiedName, String), i64>,
    first: usize,
) -> Result<Row, String> {
    let keys = key_columns(table);
    let filled_by_keys = referencing(schema.dialect, ns, table);
    let mut rows: Row = vec![HashMap::new(); PER_TABLE];
    for column in table.columns.iter().filter(|c| c.generated.is_none()) {
        if filled_by_keys.contains_key(column.name.as_str()) {
            continue;
        }
        let old = was.and_then(|(s, n, t)| t.column(&column.name).map(|c| (s, n, c)));
        // Values of the type as it was (an enum's labels then, a length then), so that the
        // down can take them back; under the checks as they are (the rows are written under
        // them). A type of another kind now (`bool` made `integer`) gets the value of then
        // converted by the server on the way in (PostgreSQL: a cast to the type now; MySQL
        // and SQLite convert on their own).
        let now = kind_of(schema, ns, table, column);
        let mut cast = None;
        let mut kind = match old {
            Some((s, n, c)) => {
                let then = checked(table, column, type_kind(s, n, c));
                if std::mem::discriminant(&then) != std::mem::discriminant(&now)
                    && schema.dialect == Dialect::Postgres
                {
                    cast = Some(column.data_type.to_string());
                }
                then
            }
            None => now,
        };
        if old.is_some()
            && let (Kind::Int { max }, Kind::Int { max: now }) =
                (&mut kind, kind_of(schema, ns, table, column))
        {
            // Within both types, when the up narrows it.
            *max = (*max).min(now);
        }
        if column.nullable
            && !matches!(kind, Kind::Choice(_))
            && constrained(schema, ns, table, column)
        {
            // A check sealift does not read could refuse any value: NULL passes it.
            continue;
        }
        if let (Kind::Int { max }, Some(limit)) =
            (&mut kind, budget.get(&(name.clone(), column.name.clone())))
        {
            *max = (*max).min(*limit);
        }
        let key = keys.contains(column.name.as_str());
        for (k, row) in rows.iter_mut().enumerate() {
            match literal(schema.dialect, &kind, first + k, k, key) {
                Some(v) => {
                    let v = match &cast {
                        Some(to) => format!("({v})::{to}"),
                        None => v,
                    };
                    row.insert(column.name.clone(), v);
                }
                None if column.nullable
                    || column.default.is_some()
                    || column.identity.is_some() => {}
                None => {
                    return Err(format!(
                        "no value to give column {} of type {}",
                        column.name, column.data_type
                    ));
                }
            }
        }
    }
    if let Some((column, low, high)) = partition_range(schema, name, table) {
        // Every row in the first partition's range, so that a partition takes it.
        let span = (high - low).max(1);
        for (k, row) in rows.iter_mut().enumerate() {
            row.insert(
                column.clone(),
                (low + ((first + k) as i64) % span).to_string(),
            );
        }
    }
    Ok(rows)
}

/// For a table partitioned by range on one integer column: the column and the first
/// partition's bounds (`FOR VALUES FROM (1) TO (999)`).
fn partition_range(
    schema: &Schema,
    name: &QualifiedName,
    table: &Table,
) -> Option<(String, i64, i64)> {
    let TableKind::Partitioned { key } = &table.kind else {
        return None;
    };
    let column = key
        .trim()
        .strip_prefix("RANGE (")?
        .strip_suffix(')')?
        .trim()
        .trim_matches('"')
        .to_owned();
    table.columns.iter().find(|c| c.name == column)?;
    schema.tables().find_map(|(ns, t)| match &t.kind {
        TableKind::PartitionOf {
            parent,
            bound: Some(bound),
        } if parent.name == name.name
            && parent.schema.as_deref().unwrap_or(&ns.name)
                == name.schema.as_deref().unwrap_or("") =>
        {
            let (_, rest) = bound.split_once("FROM (")?;
            let (low, rest) = rest.split_once(')')?;
            let (_, rest) = rest.split_once("TO (")?;
            let (high, _) = rest.split_once(')')?;
            Some((
                column.clone(),
                low.trim().parse().ok()?,
                high.trim().parse().ok()?,
            ))
        }
        _ => None,
    })
}

/// `rows` with the columns foreign keys fill, copied from the referenced rows (`filled`:
/// tables written before; `own`: the own values of tables written after, which makes the
/// insert unchecked). A column whose referenced table has no rows is left NULL, or the table
/// gets none.
fn references(
    dialect: Dialect,
    ns: &Namespace,
    table: &Table,
    name: &QualifiedName,
    mut rows: Row,
    filled: &HashMap<QualifiedName, Row>,
    own: &HashMap<QualifiedName, Row>,
) -> Result<(Row, Vec<QualifiedName>), String> {
    let mut needs: Vec<QualifiedName> = Vec::new();
    for (column, (parent, parent_column)) in referencing(dialect, ns, table) {
        let Some(c) = table.columns.iter().find(|c| c.name == column) else {
            continue;
        };
        let (source, later) = if parent == *name {
            (Some(rows.clone()), true)
        } else if let Some(done) = filled.get(&parent) {
            (Some(done.clone()), false)
        } else {
            (own.get(&parent).cloned(), true)
        };
        if later && c.nullable {
            // A reference to rows not written yet (the table itself, a cycle): NULL.
            continue;
        }
        let values: Option<Vec<String>> = source.and_then(|parent_rows| {
            (0..PER_TABLE)
                .map(|k| {
                    parent_rows
                        .get(k % parent_rows.len().max(1))?
                        .get(parent_column)
                        .cloned()
                })
                .collect()
        });
        match values {
            Some(values) => {
                if later && parent != *name && !needs.contains(&parent) {
                    needs.push(parent.clone());
                }
                if later && parent == *name && !needs.contains(name) {
                    needs.push(name.clone());
                }
                for (row, v) in rows.iter_mut().zip(values) {
                    row.insert(c.name.clone(), v);
                }
            }
            None if c.nullable => {}
            None => {
                return Err(format!(
                    "column {} must reference a row of {parent}, which has none",
                    c.name
                ));
            }
        }
    }
    Ok((rows, needs))
}

/// The columns whose values must differ from row to row: the primary key's, a unique
/// constraint's or a unique index's.
fn key_columns(table: &Table) -> BTreeSet<&str> {
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    if let Some(pk) = &table.primary_key {
        keys.extend(pk.columns.iter().map(String::as_str));
    }
    for u in &table.uniques {
        keys.extend(u.columns.iter().map(String::as_str));
    }
    for i in table.indexes.iter().filter(|i| i.unique) {
        for part in &i.parts {
            if let sealift_ir::IndexKey::Column(c) = &part.key {
                keys.insert(c.as_str());
            }
        }
    }
    keys
}

/// What values `column` takes: a text column a check compares with strings takes one of
/// them; otherwise its type decides, the backend reading it.
fn kind_of(schema: &Schema, ns: &Namespace, table: &Table, column: &Column) -> Kind {
    checked(table, column, type_kind(schema, ns, column))
}

/// What values a column's type takes, as the backend reads it.
fn type_kind(schema: &Schema, ns: &Namespace, column: &Column) -> Kind {
    match schema.dialect {
        Dialect::Postgres => postgres::kind(schema, ns, &column.data_type),
        Dialect::Mysql => mysql::kind(&column.data_type),
        Dialect::Sqlite => sqlite::kind(&column.data_type),
    }
}

/// `kind`, or for text the values a check of `table` on the column lists.
fn checked(table: &Table, column: &Column, kind: Kind) -> Kind {
    if let Kind::Text { .. } = kind {
        let named: Vec<String> = table
            .checks
            .iter()
            .filter(|c| mentions(&c.expression, &column.name) && lists_values(&c.expression))
            .flat_map(|c| strings_in(&c.expression))
            .collect();
        if !named.is_empty() {
            return Kind::Choice(named);
        }
    }
    kind
}

/// True when a check of the table names the column, or the column's type is a domain with
/// checks of its own.
fn constrained(schema: &Schema, ns: &Namespace, table: &Table, column: &Column) -> bool {
    let named = table
        .checks
        .iter()
        .any(|c| mentions(&c.expression, &column.name));
    let domain = match &column.data_type.kind {
        sealift_ir::TypeKind::Domain { .. } => {
            let home = column.data_type.schema.as_deref().unwrap_or(&ns.name);
            schema
                .namespaces
                .get(home)
                .and_then(|n| n.domains.get(&column.data_type.name))
                .is_some_and(|d| !d.checks.is_empty())
        }
        _ => false,
    };
    named || domain
}

/// True when `expression` limits a value to a list (`x IN ('a', 'b')`, PostgreSQL's
/// `x = ANY (ARRAY['a'::text, ...])`): its strings are then the values it allows. Other
/// strings in a check (`x <> ''`) may be the ones it forbids.
fn lists_values(expression: &str) -> bool {
    let upper = expression.to_ascii_uppercase();
    (upper.contains(" IN (") || upper.contains("= ANY ("))
        && !upper.contains("NOT IN (")
        && !upper.contains("<> ALL (")
}

/// True when `expression` names `column` as a whole word.
fn mentions(expression: &str, column: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    expression.match_indices(column).any(|(at, _)| {
        let before = expression[..at].chars().next_back();
        let after = expression[at + column.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The single-quoted strings of an expression (`''` inside one is a quote).
fn strings_in(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    s.push('\'');
                }
                Some('\'') | None => break,
                Some(c) => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

/// Row `n`'s value of `kind` (`k`: its place in this batch), as a literal of the backend;
/// `key` when it must differ from every other row's. `None` when the kind has none.
fn literal(dialect: Dialect, kind: &Kind, n: usize, k: usize, key: bool) -> Option<String> {
    let day = n % 28 + 1;
    let text = |len: Option<u32>| quoted(dialect, &short_text(n, len));
    let spelled = match kind {
        Kind::Int { max } if key => {
            // Far from the small numbers a history's own rows use, within the type (and
            // within the types of the columns that reference it).
            let n = n as i64;
            let v = match *max {
                m if m <= 127 => 100 + n % 27,
                m if m <= 255 => 200 + n % 55,
                m if m <= 65_535 => 30_000 + n % 2_767,
                _ => 900_000 + n,
            };
            v.to_string()
        }
        Kind::Int { .. } => (k + 1).to_string(),
        Kind::Decimal { whole: true } if key => n.to_string(),
        Kind::Decimal { whole: true } => (k + 1).to_string(),
        Kind::Decimal { whole: false } => "0".to_owned(),
        Kind::Float => format!("{}.5", k + 1),
        Kind::Bool => if n % 2 == 1 { "TRUE" } else { "FALSE" }.to_owned(),
        Kind::Text { len } => text(*len),
        Kind::Date => format!("'2024-01-{day:02}'"),
        Kind::Time => format!("'10:00:{:02}'", n % 60),
        Kind::Timestamp => format!("'2024-01-{day:02} 10:00:{:02}'", n % 60),
        Kind::Year => (2000 + n % 100).to_string(),
        Kind::Uuid => format!("'00000000-0000-4000-8000-{n:012}'"),
        Kind::Json => format!("'{{\"sealift\": {n}}}'"),
        Kind::Choice(values) => quoted(dialect, &values[n % values.len()]),
        Kind::Unknown => return None,
        _ => {
            return match dialect {
                Dialect::Postgres => postgres::literal(kind, n),
                Dialect::Mysql => mysql::literal(kind, n),
                Dialect::Sqlite => sqlite::literal(kind, n),
            };
        }
    };
    Some(spelled)
}

/// Row `n`'s text, at most `len` characters, distinct from other rows' however short: the
/// row's number in base 36 first, then as much of `-sealift-row` as fits.
pub(crate) fn short_text(n: usize, len: Option<u32>) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut number = Vec::new();
    let mut rest = n;
    loop {
        number.push(DIGITS[rest % 36]);
        rest /= 36;
        if rest == 0 {
            break;
        }
    }
    number.reverse();
    let number = String::from_utf8(number).unwrap_or_default();
    let full = format!("{number}-sealift-row");
    match len.map(|l| l.max(1) as usize) {
        // Too short for the whole number: its last digits.
        Some(len) if len < number.len() => number[number.len() - len..].to_owned(),
        Some(len) => full.chars().take(len).collect(),
        None => full,
    }
}

/// A string literal.
pub(crate) fn quoted(dialect: Dialect, s: &str) -> String {
    let s = s.replace('\'', "''");
    match dialect {
        // A backslash escapes in MySQL's strings unless NO_BACKSLASH_ESCAPES is set.
        Dialect::Mysql => format!("'{}'", s.replace('\\', "\\\\")),
        _ => format!("'{s}'"),
    }
}

/// An identifier quoted for the backend.
fn ident(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn table_sql(dialect: Dialect, name: &QualifiedName) -> String {
    match &name.schema {
        Some(s) => format!("{}.{}", ident(dialect, s), ident(dialect, &name.name)),
        None => ident(dialect, &name.name),
    }
}

/// One `INSERT` of every row; the columns are those any row gives a value, in the table's
/// order (a row that gives none writes `DEFAULT`, or NULL on SQLite, which has no `DEFAULT`
/// in a value list).
fn insert_sql(
    dialect: Dialect,
    name: &QualifiedName,
    table: &Table,
    rows: &[HashMap<String, String>],
) -> String {
    let columns: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| rows.iter().any(|r| r.contains_key(&c.name)))
        .collect();
    if columns.is_empty() {
        let row = match dialect {
            Dialect::Mysql => "() VALUES ()".to_owned(),
            _ => "DEFAULT VALUES".to_owned(),
        };
        return (0..rows.len())
            .map(|_| format!("INSERT INTO {} {row};", table_sql(dialect, name)))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let list: Vec<String> = columns.iter().map(|c| ident(dialect, &c.name)).collect();
    let overriding = dialect == Dialect::Postgres
        && columns
            .iter()
            .any(|c| c.identity == Some(sealift_ir::Identity::Always));
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| match r.get(&c.name) {
                    Some(v) => v.clone(),
                    None if dialect == Dialect::Sqlite => "NULL".to_owned(),
                    None => "DEFAULT".to_owned(),
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}){} VALUES {}",
        table_sql(dialect, name),
        list.join(", "),
        if overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        values.join(", ")
    )
}

/// Deletes `rows` from the table by their primary key's values (or a unique key's), all of
/// which they must give.
fn delete_sql(
    dialect: Dialect,
    name: &QualifiedName,
    table: &Table,
    rows: &[HashMap<String, String>],
) -> Option<String> {
    let keys: Vec<&Vec<String>> = table
        .primary_key
        .iter()
        .map(|pk| &pk.columns)
        .chain(table.uniques.iter().map(|u| &u.columns))
        .collect();
    let key = keys.into_iter().find(|cols| {
        !cols.is_empty() && rows.iter().all(|r| cols.iter().all(|c| r.contains_key(c)))
    })?;
    let tuple = |values: Vec<String>| {
        if values.len() == 1 {
            values.concat()
        } else {
            format!("({})", values.join(", "))
        }
    };
    let columns = tuple(key.iter().map(|c| ident(dialect, c)).collect());
    let values: Vec<String> = rows
        .iter()
        .map(|r| tuple(key.iter().map(|c| r[c].clone()).collect()))
        .collect();
    Some(format!(
        "DELETE FROM {} WHERE {columns} IN ({})",
        table_sql(dialect, name),
        values.join(", ")
    ))
}

/// Reads every row of the table back, each of `columns` as text.
fn read_back_sql(
    dialect: Dialect,
    name: &QualifiedName,
    table: &Table,
    columns: &[String],
) -> String {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| {
            let ty = table
                .columns
                .iter()
                .find(|x| &x.name == c)
                .map(|x| &x.data_type);
            let col = ident(dialect, c);
            match dialect {
                Dialect::Postgres => format!("{col}::text"),
                Dialect::Mysql => mysql::as_text(&col, ty),
                Dialect::Sqlite => format!("quote({col})"),
            }
        })
        .collect();
    let list = if cells.is_empty() {
        "'1'".to_owned()
    } else {
        cells.join(", ")
    };
    format!("SELECT {list} FROM {}", table_sql(dialect, name))
}

/// The rows of `before` not found in `after` (each row as often as it appears), at most
/// `limit` of them, with how many there are.
pub fn missing(
    before: &[Vec<Option<String>>],
    after: &[Vec<Option<String>>],
    limit: usize,
) -> (usize, Vec<Vec<Option<String>>>) {
    let mut left: HashMap<&Vec<Option<String>>, usize> = HashMap::new();
    for row in after {
        *left.entry(row).or_default() += 1;
    }
    let mut gone = Vec::new();
    let mut count = 0;
    for row in before {
        match left.get_mut(row) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                count += 1;
                if gone.len() < limit {
                    gone.push(row.clone());
                }
            }
        }
    }
    (count, gone)
}

/// Row `n` as a bit string literal of `len` bits (at most, when `varying`): its low bits.
fn bits(n: usize, len: Option<u32>, varying: bool) -> String {
    let width = len.unwrap_or(1).clamp(1, 64) as usize;
    let full = format!("{n:064b}");
    let low = &full[64 - width..];
    let shown = if varying {
        low.trim_start_matches('0')
    } else {
        low
    };
    format!("B'{}'", if shown.is_empty() { "0" } else { shown })
}

/// A type's length modifier, when it has one.
fn len(t: &DataType) -> Option<u32> {
    t.modifiers.first().copied()
}

#[cfg(test)]
mod tests;
