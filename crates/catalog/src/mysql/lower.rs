//! MySQL and MariaDB catalog rows -> the schema model. Pure: no connection here.
//!
//! - Types: `COLUMN_TYPE` with integer display widths dropped (`int(11)` -> `int`), except
//!   `tinyint(1)`, the mark of a boolean; `enum(..)` and `set(..)` keep their values.
//! - Defaults: one spelling from either server (`sealift_dialect::mysql::default_value`).
//! - Keys: the index `PRIMARY` is the primary key; a unique B-tree index of whole columns in
//!   ascending order is a unique constraint (MySQL makes no difference between the two);
//!   every other index stays an index, with prefix lengths, `FULLTEXT` or `SPATIAL`.
//! - MariaDB's `JSON` is `longtext` with a check `json_valid(col)` named after the column: such
//!   a column is read back as `json`, without the check or the `utf8mb4_bin` collation
//!   (<https://mariadb.com/kb/en/json/>).

use std::collections::{BTreeMap, HashMap};

use sealift_dialect::mysql::{self as my, Flavor};
use sealift_ir::{
    Check, Column, DataType, Deferrable, FkAction, ForeignKey, Identity, Index, IndexKey,
    IndexPart, Namespace, PrimaryKey, QualifiedName, Table, TableKind, Trigger, Unique,
};

use super::rows::{
    CatalogRows, CheckRow, ColumnRow, ForeignKeyRow, IndexRow, PartitionRow, TriggerRow,
};

/// (database, table).
type Key = (String, String);

/// Lowers the rows of every requested database into one namespace each.
pub fn lower(rows: CatalogRows, flavor: Flavor) -> BTreeMap<String, Namespace> {
    let mut tables: BTreeMap<Key, (Table, Option<String>)> = BTreeMap::new();
    for t in rows.tables {
        let mut table = Table::new(t.table_name.0.clone());
        let view = t.table_type.0 == "VIEW";
        if view {
            table.kind = TableKind::View {
                materialized: false,
            };
        } else {
            table.comment = t.table_comment.and_then(|c| c.non_empty());
        }
        let collation = t.table_collation.map(|c| c.0);
        tables.insert((t.table_schema.0, t.table_name.0), (table, collation));
    }

    let mut columns: HashMap<Key, Vec<ColumnRow>> = HashMap::new();
    for c in rows.columns {
        columns
            .entry((c.table_schema.0.clone(), c.table_name.0.clone()))
            .or_default()
            .push(c);
    }
    for (key, mut cols) in columns {
        let Some((table, collation)) = tables.get_mut(&key) else {
            continue;
        };
        cols.sort_by_key(|c| c.position);
        table.columns = cols
            .into_iter()
            .map(|c| column(c, collation.as_deref(), flavor))
            .collect();
        // A view's columns report their source's defaults, which mean nothing on the view.
        if table.kind.is_view() {
            for c in &mut table.columns {
                c.default = None;
                c.identity = None;
                c.on_update = None;
            }
        }
    }

    for (key, index) in group(rows.indexes, |r| {
        (
            r.table_schema.0.clone(),
            r.table_name.0.clone(),
            r.index_name.0.clone(),
        )
    }) {
        if let Some((table, _)) = tables.get_mut(&(key.0, key.1)) {
            add_index(table, key.2, index);
        }
    }

    for (key, fk) in group(rows.foreign_keys, |r| {
        (
            r.table_schema.0.clone(),
            r.table_name.0.clone(),
            r.constraint_name.0.clone(),
        )
    }) {
        if let Some((table, _)) = tables.get_mut(&(key.0, key.1)) {
            table.foreign_keys.push(foreign_key(key.2, fk));
        }
    }

    for c in rows.checks {
        if let Some((table, _)) =
            tables.get_mut(&(c.table_schema.0.clone(), c.table_name.0.clone()))
        {
            add_check(table, c);
        }
    }

    for t in rows.triggers {
        if let Some((table, _)) =
            tables.get_mut(&(t.table_schema.0.clone(), t.table_name.0.clone()))
        {
            table.triggers.push(trigger(t));
        }
    }

    // Every partition of a table states the same method and expression.
    for p in rows.partitions {
        if let Some((table, _)) =
            tables.get_mut(&(p.table_schema.0.clone(), p.table_name.0.clone()))
        {
            table.kind = partitioned(&p);
        }
    }

    let mut out: BTreeMap<String, Namespace> = BTreeMap::new();
    for ((schema, name), (mut table, _)) in tables {
        table.sort();
        out.entry(schema.clone())
            .or_insert_with(|| Namespace::new(schema))
            .tables
            .insert(name, table);
    }
    out
}

/// Rows grouped by `key`, each group in the order the rows' `seq`/`position` give.
fn group<R: Ordered>(
    rows: Vec<R>,
    key: impl Fn(&R) -> (String, String, String),
) -> BTreeMap<(String, String, String), Vec<R>> {
    let mut out: BTreeMap<(String, String, String), Vec<R>> = BTreeMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    for rows in out.values_mut() {
        rows.sort_by_key(Ordered::order);
    }
    out
}

/// A row's place within its group.
trait Ordered {
    fn order(&self) -> i64;
}

impl Ordered for IndexRow {
    fn order(&self) -> i64 {
        self.seq
    }
}

impl Ordered for ForeignKeyRow {
    fn order(&self) -> i64 {
        self.position
    }
}

fn column(c: ColumnRow, table_collation: Option<&str>, flavor: Flavor) -> Column {
    let extra = my::extra(c.extra.as_ref().map_or("", |e| e.0.as_str()));
    let generated = c.generation_expression.and_then(|g| g.non_empty());
    let mut col = Column::new(c.column_name.0, my::column_type(&c.column_type.0));
    col.nullable = c.is_nullable.0 == "YES";
    col.default = match generated {
        Some(_) => None,
        None => my::default_value(
            c.column_default.as_ref().map(|d| d.0.as_str()),
            flavor,
            extra.default_generated,
            my::is_numeric(&c.data_type.0),
        ),
    };
    col.generated = generated;
    col.identity = extra.auto_increment.then_some(Identity::AutoIncrement);
    col.on_update = extra.on_update;
    col.collation = c
        .collation_name
        .map(|n| n.0)
        .filter(|n| Some(n.as_str()) != table_collation);
    col.comment = c.column_comment.and_then(|t| t.non_empty());
    col
}

fn add_index(table: &mut Table, name: String, rows: Vec<IndexRow>) {
    let unique = rows.first().is_some_and(|r| r.non_unique == 0);
    // A unique key over whole TEXT or BLOB columns is kept by MariaDB (10.4 and later) as a
    // hash of the values, reported as `HASH`: it is what `UNIQUE (col)` makes there, not a
    // method anyone chose (<https://mariadb.com/kb/en/create-table/#unique>). InnoDB has no
    // other hash indexes (it takes `USING HASH` as BTREE).
    let method = rows
        .first()
        .map(|r| r.index_type.0.to_ascii_lowercase())
        .filter(|m| m != "btree" && !(unique && m == "hash"));
    let parts: Vec<IndexPart> = rows
        .into_iter()
        .map(|r| IndexPart {
            key: match (r.column_name, r.expression) {
                (Some(c), _) => IndexKey::Column(c.0),
                (None, Some(e)) => IndexKey::Expression(e.0),
                (None, None) => IndexKey::Expression(String::new()),
            },
            descending: r.collation.is_some_and(|c| c.0 == "D"),
            prefix: r.sub_part.and_then(|n| u32::try_from(n).ok()),
            ..IndexPart::column("")
        })
        .collect();
    let whole_columns = parts
        .iter()
        .all(|p| matches!(p.key, IndexKey::Column(_)) && !p.descending && p.prefix.is_none());
    let columns = || -> Vec<String> {
        parts
            .iter()
            .filter_map(|p| match &p.key {
                IndexKey::Column(c) => Some(c.clone()),
                IndexKey::Expression(_) => None,
            })
            .collect()
    };
    if name == "PRIMARY" {
        table.primary_key = Some(PrimaryKey {
            name: Some(name),
            columns: columns(),
        });
    } else if unique && whole_columns && method.is_none() {
        table.uniques.push(Unique::new(Some(name), columns()));
    } else {
        table.indexes.push(Index {
            name,
            unique,
            parts,
            method,
            predicate: None,
            include: Vec::new(),
            nulls_not_distinct: false,
        });
    }
}

fn foreign_key(name: String, rows: Vec<ForeignKeyRow>) -> ForeignKey {
    let first = &rows[0];
    let action = |t: &str| my::fk_action(FkAction::from_sql(t).unwrap_or_default());
    ForeignKey {
        name: Some(name),
        referenced_table: QualifiedName::new(
            first.referenced_schema.0.clone(),
            first.referenced_table.0.clone(),
        ),
        on_update: action(&first.update_rule.0),
        on_delete: action(&first.delete_rule.0),
        deferrable: Deferrable::No,
        not_valid: false,
        columns: rows.iter().map(|r| r.column_name.0.clone()).collect(),
        referenced_columns: rows.iter().map(|r| r.referenced_column.0.clone()).collect(),
    }
}

/// A check, unless it is MariaDB's own `json_valid` on a JSON column, which makes the column
/// `json` instead.
fn add_check(table: &mut Table, c: CheckRow) {
    let name = c.constraint_name.0;
    let clause = my::doubled_quotes(&c.check_clause.0);
    if let Some(col) = table.columns.iter_mut().find(|col| {
        col.name == name
            && col.data_type == DataType::builtin("longtext")
            && clause == format!("json_valid(`{}`)", col.name.replace('`', "``"))
    }) {
        col.data_type = DataType::builtin("json");
        col.collation = None;
        return;
    }
    table.checks.push(Check::new(Some(name), clause));
}

fn trigger(t: TriggerRow) -> Trigger {
    let quote = |s: &str| format!("`{}`", s.replace('`', "``"));
    Trigger {
        definition: format!(
            "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
            quote(&t.trigger_name.0),
            t.timing.0,
            t.event.0,
            quote(&t.table_name.0),
            t.body.0
        ),
        name: t.trigger_name.0,
    }
}

/// `RANGE (year(created))`: the partitioning method and expression.
fn partitioned(p: &PartitionRow) -> TableKind {
    let method = p.method.as_ref().map_or("", |m| m.0.as_str());
    let expression = p.expression.as_ref().map_or("", |e| e.0.as_str());
    TableKind::Partitioned {
        key: format!("{method} ({expression})"),
    }
}
