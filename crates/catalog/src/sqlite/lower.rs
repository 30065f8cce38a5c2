//! Pure lowering of SQLite catalog rows (and DDL text) into one namespace of the model.

use std::collections::{BTreeMap, HashMap};

use sealift_ir::{
    Check, Column, Deferrable, Dependent, FkAction, ForeignKey, Identity, Index, IndexKey,
    IndexPart, Namespace, PrimaryKey, QualifiedName, Table, TableKind, Trigger, Unique,
};

use super::ddl;
use super::rows::*;

/// `index_xinfo.cid` of a key part that is an expression.
const CID_EXPRESSION: i64 = -2;

/// Builds the namespace `name` from one database's rows.
pub fn lower(name: &str, rows: CatalogRows) -> Namespace {
    let mut ns = Namespace::new(name);
    let mut table_ddl: HashMap<String, ddl::TableDdl> = HashMap::new();
    let mut index_ddl: HashMap<String, ddl::IndexDdl> = HashMap::new();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut triggers = Vec::new();
    let mut views = Vec::new();
    for o in rows.objects {
        match o.kind.as_str() {
            "table" | "view" => {
                let mut t = Table::new(o.name.clone());
                if o.kind == "view" {
                    t.kind = TableKind::View {
                        materialized: false,
                    };
                    if let Some(sql) = &o.sql {
                        views.push((o.name.clone(), ddl::names_used(sql)));
                    }
                } else if let Some(module) = o.sql.as_deref().and_then(virtual_module) {
                    t.kind = TableKind::Virtual { module };
                } else if let Some(sql) = &o.sql {
                    table_ddl.insert(o.name.clone(), ddl::table(sql));
                }
                tables.insert(o.name, t);
            }
            "index" => {
                if let Some(sql) = &o.sql {
                    index_ddl.insert(o.name, ddl::index(sql));
                }
            }
            "trigger" => {
                if let Some(sql) = o.sql {
                    triggers.push((
                        o.table_name,
                        Trigger {
                            name: o.name,
                            definition: sql,
                        },
                    ));
                }
            }
            _ => {}
        }
    }

    // A virtual table's shadow tables (`docs_data`, `docs_idx`, ...) are part of it.
    let shadows: Vec<String> = tables
        .values()
        .filter(|t| matches!(t.kind, TableKind::Virtual { .. }))
        .flat_map(|v| {
            SHADOW_SUFFIXES
                .iter()
                .map(move |suffix| format!("{}_{suffix}", v.name))
        })
        .collect();
    for shadow in &shadows {
        tables.remove(shadow);
        table_ddl.remove(shadow);
    }

    let mut columns = rows.columns;
    columns.sort_by(|a, b| (&a.table_name, a.cid).cmp(&(&b.table_name, b.cid)));
    let mut pk_columns: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for c in columns {
        let Some(t) = tables.get_mut(&c.table_name) else {
            continue;
        };
        // Hidden 1: a virtual table's own hidden column (fts5's `rank`, the table-named one).
        if c.hidden == 1 {
            continue;
        }
        let ddl = table_ddl.get(&c.table_name);
        if c.pk > 0 {
            pk_columns
                .entry(c.table_name.clone())
                .or_default()
                .push((c.pk, c.name.clone()));
        }
        let generated = ddl.and_then(|d| {
            d.generated
                .iter()
                .find(|(col, _)| col.eq_ignore_ascii_case(&c.name))
                .map(|(_, e)| e.clone())
        });
        let autoincrement = ddl.is_some_and(|d| {
            d.autoincrement
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&c.name))
        });
        let mut col = Column::new(
            c.name,
            sealift_dialect::sqlite::declared_type(&c.declared_type),
        );
        col.nullable = !c.not_null;
        // Hidden 2 and 3 are generated columns: their "default" is the generation expression.
        if c.hidden == 2 || c.hidden == 3 {
            col.generated = generated;
        } else {
            col.default = c.default_value;
        }
        col.identity = autoincrement.then_some(Identity::AutoIncrement);
        col.collation = ddl.and_then(|d| {
            d.collations
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&col.name))
                .map(|(_, coll)| coll.clone())
        });
        t.columns.push(col);
    }

    for (table, mut cols) in pk_columns {
        if let Some(t) = tables.get_mut(&table) {
            cols.sort();
            t.primary_key = Some(PrimaryKey {
                name: table_ddl
                    .get(&table)
                    .and_then(|d| d.primary_key_name.clone()),
                columns: cols.into_iter().map(|(_, n)| n).collect(),
            });
        }
    }

    lower_indexes(&mut tables, rows.index_columns, &index_ddl, &table_ddl);
    lower_foreign_keys(&mut tables, rows.foreign_keys, &table_ddl, name);

    for (table, d) in &table_ddl {
        if let Some(t) = tables.get_mut(table) {
            t.checks = d
                .checks
                .iter()
                .map(|(name, expression)| Check::new(name.clone(), expression.clone()))
                .collect();
        }
    }

    for (table, trigger) in triggers {
        if let Some(t) = tables.get_mut(&table) {
            t.triggers.push(trigger);
        }
    }

    // What each view reads, read from its text: a table it names, and the columns of that
    // table it names (all of them for `*`). A column a view reads cannot be dropped from
    // under it: SQLite would leave the view broken.
    for (view, (names, star)) in &views {
        for t in tables.values_mut().filter(|t| !t.kind.is_view()) {
            if !names.contains(&t.name.to_lowercase()) {
                continue;
            }
            let columns: Vec<String> = t
                .columns
                .iter()
                .filter(|c| *star || names.contains(&c.name.to_lowercase()))
                .map(|c| c.name.clone())
                .collect();
            t.dependents.push(Dependent {
                kind: "view".to_owned(),
                name: view.clone(),
                columns,
            });
        }
    }

    for (name, mut t) in tables {
        t.sort();
        ns.tables.insert(name, t);
    }
    ns
}

/// The names SQLite's own virtual table modules give their shadow tables, after the table's
/// name and `_` (fts3, fts4, fts5, rtree).
const SHADOW_SUFFIXES: &[&str] = &[
    "data", "idx", "content", "docsize", "config", "segments", "segdir", "stat", "node", "parent",
    "rowid",
];

/// `fts5` of `CREATE VIRTUAL TABLE docs USING fts5(title, body)`; `None` for other DDL.
fn virtual_module(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql.split_whitespace().take(3).collect();
    let is_virtual = words.len() == 3
        && words[0].eq_ignore_ascii_case("create")
        && words[1].eq_ignore_ascii_case("virtual")
        && words[2].eq_ignore_ascii_case("table");
    if !is_virtual {
        return None;
    }
    let upper = sql.to_ascii_uppercase();
    let at = upper.find(" USING ")? + " USING ".len();
    let module: String = sql[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    Some(module.to_lowercase())
}

fn lower_indexes(
    tables: &mut BTreeMap<String, Table>,
    mut rows: Vec<IndexColumnRow>,
    index_ddl: &HashMap<String, ddl::IndexDdl>,
    table_ddl: &HashMap<String, ddl::TableDdl>,
) {
    rows.sort_by(|a, b| {
        (&a.table_name, &a.index_name, a.seqno).cmp(&(&b.table_name, &b.index_name, b.seqno))
    });
    let mut grouped: BTreeMap<(String, String), Vec<IndexColumnRow>> = BTreeMap::new();
    for r in rows {
        grouped
            .entry((r.table_name.clone(), r.index_name.clone()))
            .or_default()
            .push(r);
    }
    for ((table, index_name), parts) in grouped {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let first = &parts[0];
        match first.origin.as_str() {
            // The primary key's own index is the primary key.
            "pk" => {}
            "u" => {
                let columns: Vec<String> =
                    parts.iter().filter_map(|p| p.column_name.clone()).collect();
                let name = table_ddl.get(&table).and_then(|d| {
                    d.uniques
                        .iter()
                        .find(|(_, cols)| same_names(cols, &columns))
                        .map(|(n, _)| n.clone())
                });
                t.uniques.push(Unique::new(name, columns));
            }
            _ => {
                let ddl = index_ddl.get(&index_name);
                let is_unique = first.is_unique;
                let partial = first.partial;
                let key_parts = parts
                    .into_iter()
                    .map(|p| {
                        let key = match p.column_name {
                            Some(c) if p.cid != CID_EXPRESSION => IndexKey::Column(c),
                            _ => IndexKey::Expression(
                                ddl.and_then(|d| d.parts.get(p.seqno as usize).cloned())
                                    .unwrap_or_default(),
                            ),
                        };
                        IndexPart {
                            key,
                            descending: p.descending,
                            nulls_first: None,
                            collation: p.collation.filter(|c| !c.eq_ignore_ascii_case("BINARY")),
                            opclass: None,
                            prefix: None,
                        }
                    })
                    .collect();
                t.indexes.push(Index {
                    name: index_name,
                    unique: is_unique,
                    parts: key_parts,
                    method: None,
                    predicate: if partial {
                        ddl.and_then(|d| d.predicate.clone())
                    } else {
                        None
                    },
                    include: Vec::new(),
                    nulls_not_distinct: false,
                });
            }
        }
    }
}

fn lower_foreign_keys(
    tables: &mut BTreeMap<String, Table>,
    mut rows: Vec<ForeignKeyRow>,
    table_ddl: &HashMap<String, ddl::TableDdl>,
    namespace: &str,
) {
    rows.sort_by(|a, b| (&a.table_name, a.id, a.seq).cmp(&(&b.table_name, b.id, b.seq)));
    let mut grouped: BTreeMap<(String, i64), Vec<ForeignKeyRow>> = BTreeMap::new();
    for r in rows {
        grouped
            .entry((r.table_name.clone(), r.id))
            .or_default()
            .push(r);
    }
    // A reference with no column list points at the referenced table's primary key.
    let primary_keys: HashMap<String, Vec<String>> = tables
        .iter()
        .filter_map(|(n, t)| {
            Some((
                n.to_ascii_lowercase(),
                t.primary_key.as_ref()?.columns.clone(),
            ))
        })
        .collect();
    for ((table, _), pairs) in grouped {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let first = &pairs[0];
        let columns: Vec<String> = pairs.iter().map(|p| p.from_column.clone()).collect();
        let referenced_columns = if pairs.iter().all(|p| p.to_column.is_some()) {
            pairs.iter().filter_map(|p| p.to_column.clone()).collect()
        } else {
            primary_keys
                .get(&first.ref_table.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default()
        };
        let declared = table_ddl.get(&table).and_then(|d| {
            d.foreign_keys
                .iter()
                .find(|f| same_names(&f.columns, &columns))
        });
        t.foreign_keys.push(ForeignKey {
            name: declared.and_then(|d| d.name.clone()),
            columns,
            referenced_table: QualifiedName::new(namespace, first.ref_table.clone()),
            referenced_columns,
            on_update: FkAction::from_sql(&first.on_update).unwrap_or_default(),
            on_delete: FkAction::from_sql(&first.on_delete).unwrap_or_default(),
            deferrable: match declared.and_then(|d| d.deferrable) {
                None => Deferrable::No,
                Some(false) => Deferrable::InitiallyImmediate,
                Some(true) => Deferrable::InitiallyDeferred,
            },
            not_valid: false,
        });
    }
}

/// SQLite compares identifiers case-insensitively.
fn same_names(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}
