//! Pure lowering of PostgreSQL catalog rows into the schema model.

use std::collections::{BTreeMap, HashMap};

use sealift_ir::{
    Check, Column, DataType, Deferrable, Dialect, Domain, Enum, FkAction, ForeignKey, Identity,
    Index, IndexKey, IndexPart, Namespace, PrimaryKey, QualifiedName, Schema, Table, TableKind,
    Trigger, TypeKind, Unique,
};

use super::rows::*;

/// `indoption` bit: the key is sorted descending.
const INDOPTION_DESC: i16 = 1;
/// `indoption` bit: NULLs sort first.
const INDOPTION_NULLS_FIRST: i16 = 2;

/// Builds the schema of the given namespaces from the catalog rows.
pub fn lower(rows: CatalogRows, schemas: &[String]) -> Schema {
    let domains: HashMap<(String, String), &DomainRow> = rows
        .domains
        .iter()
        .map(|d| ((d.schema.clone(), d.name.clone()), d))
        .collect();
    let types = TypeResolver { domains: &domains };

    let mut schema = Schema::new(Dialect::Postgres);
    for name in schemas {
        schema
            .namespaces
            .insert(name.clone(), Namespace::new(name.clone()));
    }

    for d in &rows.domains {
        if let Some(ns) = schema.namespaces.get_mut(&d.schema) {
            let domain = Domain {
                name: d.name.clone(),
                base: types.resolve(&d.ty),
                nullable: !d.not_null,
                default: d.default_expr.clone(),
                checks: d
                    .check_names
                    .iter()
                    .zip(&d.check_exprs)
                    .map(|(n, e)| Check {
                        name: Some(n.clone()),
                        expression: e.clone(),
                    })
                    .collect(),
            };
            ns.domains.insert(d.name.clone(), domain);
        }
    }
    for e in rows.enums {
        if let Some(ns) = schema.namespaces.get_mut(&e.schema) {
            ns.enums.insert(
                e.name.clone(),
                Enum {
                    name: e.name,
                    values: e.labels,
                },
            );
        }
    }

    // Tables by oid while they are filled in, then moved into their namespaces.
    let mut tables: BTreeMap<i64, (String, Table)> = BTreeMap::new();
    for r in rows.relations {
        let mut t = Table::new(r.name);
        t.comment = r.comment;
        t.kind = relation_kind(
            &r.relkind,
            r.is_partition,
            r.partition_key,
            r.partition_bound,
            r.parent_schema.zip(r.parent_name),
        );
        tables.insert(r.oid, (r.schema, t));
    }

    let mut columns = rows.columns;
    columns.sort_by_key(|c| (c.table_oid, c.position));
    let mut column_names: HashMap<(i64, i16), String> = HashMap::new();
    for c in columns {
        column_names.insert((c.table_oid, c.position), c.name.clone());
        if let Some((_, t)) = tables.get_mut(&c.table_oid) {
            t.columns.push(column(c, &types));
        }
    }

    let names = |oid: i64, attnums: &[i16]| -> Vec<String> {
        attnums
            .iter()
            .filter_map(|n| column_names.get(&(oid, *n)).cloned())
            .collect()
    };
    for c in rows.constraints {
        let Some((_, t)) = tables.get_mut(&c.table_oid) else {
            continue;
        };
        let name = Some(c.name.clone());
        let columns = names(c.table_oid, &c.attnums);
        let referenced_columns = if c.ref_columns.is_empty() {
            names(c.ref_oid, &c.ref_attnums)
        } else {
            c.ref_columns
        };
        match c.kind.as_str() {
            "p" => t.primary_key = Some(PrimaryKey { name, columns }),
            "u" => t.uniques.push(Unique { name, columns }),
            "f" => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                referenced_table: QualifiedName {
                    schema: c.ref_schema,
                    name: c.ref_table.unwrap_or_default(),
                },
                referenced_columns,
                on_update: fk_action(&c.on_update),
                on_delete: fk_action(&c.on_delete),
                deferrable: match (c.deferrable, c.deferred) {
                    (false, _) => Deferrable::No,
                    (true, false) => Deferrable::InitiallyImmediate,
                    (true, true) => Deferrable::InitiallyDeferred,
                },
            }),
            "c" => t.checks.push(Check {
                name,
                expression: c.check_expr.unwrap_or_default(),
            }),
            _ => {}
        }
    }

    for i in rows.indexes {
        let table_oid = i.table_oid;
        if let Some((_, t)) = tables.get_mut(&table_oid) {
            t.indexes.push(index(i, |attnum| {
                column_names.get(&(table_oid, attnum)).cloned()
            }));
        }
    }

    for tr in rows.triggers {
        if let Some((_, t)) = tables.get_mut(&tr.table_oid) {
            t.triggers.push(Trigger {
                name: tr.name,
                definition: tr.definition,
            });
        }
    }

    for (_, (ns_name, mut t)) in tables {
        t.sort();
        if let Some(ns) = schema.namespaces.get_mut(&ns_name) {
            ns.tables.insert(t.name.clone(), t);
        }
    }
    schema
}

fn relation_kind(
    relkind: &str,
    is_partition: bool,
    key: Option<String>,
    bound: Option<String>,
    parent: Option<(String, String)>,
) -> TableKind {
    match (relkind, parent) {
        ("v", _) => TableKind::View {
            materialized: false,
        },
        ("m", _) => TableKind::View { materialized: true },
        (_, Some((schema, name))) => TableKind::PartitionOf {
            parent: QualifiedName::new(schema, name),
            bound: if is_partition { bound } else { None },
        },
        ("p", None) => TableKind::Partitioned {
            key: key.unwrap_or_default(),
        },
        _ => TableKind::Ordinary,
    }
}

fn column(c: ColumnRow, types: &TypeResolver<'_>) -> Column {
    let identity = match (c.identity.as_str(), c.seq_schema, c.seq_name) {
        ("a", _, _) => Some(Identity::Always),
        ("d", _, _) => Some(Identity::ByDefault),
        (_, Some(schema), Some(name)) => Some(Identity::Serial {
            sequence: QualifiedName::new(schema, name),
        }),
        _ => None,
    };
    let (default, generated) = match c.generated.as_str() {
        "s" => (None, c.default_expr),
        _ => (c.default_expr, None),
    };
    Column {
        name: c.name,
        data_type: types.resolve(&c.ty),
        nullable: !c.not_null,
        default,
        identity,
        generated,
        collation: c.collation,
        comment: c.comment,
        renamed_from: None,
    }
}

fn index(i: IndexRow, column_name: impl Fn(i16) -> Option<String>) -> Index {
    let key_count = usize::try_from(i.key_count).unwrap_or(0);
    let mut parts = Vec::new();
    let mut include = Vec::new();
    for (pos, attnum) in i.attnums.iter().enumerate() {
        let def = i.defs.get(pos).cloned().flatten().unwrap_or_default();
        let key = match column_name(*attnum) {
            Some(name) if *attnum != 0 => IndexKey::Column(name),
            _ => IndexKey::Expression(def),
        };
        if pos >= key_count {
            if let IndexKey::Column(name) = key {
                include.push(name);
            }
            continue;
        }
        let option = i.options.get(pos).copied().unwrap_or(0);
        let descending = option & INDOPTION_DESC != 0;
        let nulls_first = option & INDOPTION_NULLS_FIRST != 0;
        parts.push(IndexPart {
            key,
            descending,
            // Only when it differs from the default for the direction.
            nulls_first: (nulls_first != descending).then_some(nulls_first),
            collation: None,
            opclass: i.opclasses.get(pos).cloned().flatten(),
        });
    }
    Index {
        name: i.name,
        unique: i.is_unique,
        parts,
        method: Some(i.method),
        predicate: i.predicate,
        include,
    }
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Turns catalog type columns into model types, resolving domains to their base types.
struct TypeResolver<'a> {
    domains: &'a HashMap<(String, String), &'a DomainRow>,
}

impl TypeResolver<'_> {
    fn resolve(&self, ty: &TypeCols) -> DataType {
        self.resolve_depth(ty, 0)
    }

    fn resolve_depth(&self, ty: &TypeCols, depth: u8) -> DataType {
        let builtin = ty.type_schema == "pg_catalog";
        let kind = match ty.type_type.as_str() {
            "e" => TypeKind::Enum,
            "d" => match self
                .domains
                .get(&(ty.type_schema.clone(), ty.type_name.clone()))
            {
                // Domains nest rarely; the depth bound only guards against a cycle.
                Some(d) if depth < 8 => TypeKind::Domain {
                    base: Box::new(self.resolve_depth(&d.ty, depth + 1)),
                },
                _ => TypeKind::Other,
            },
            _ if builtin => TypeKind::Builtin,
            _ => TypeKind::Other,
        };
        DataType {
            name: ty.type_name.clone(),
            schema: (!builtin).then(|| ty.type_schema.clone()),
            modifiers: modifiers(&ty.type_name, ty.typmod),
            array_dims: if ty.is_array {
                u32::try_from(ty.ndims.max(1)).unwrap_or(1)
            } else {
                0
            },
            kind,
        }
    }
}

/// Decodes `atttypmod` into the length, precision and scale the user stated.
fn modifiers(type_name: &str, typmod: i32) -> Vec<u32> {
    // varlena header size that PostgreSQL adds to length-like typmods.
    const VARHDRSZ: i32 = 4;
    if typmod < 0 {
        return Vec::new();
    }
    let m = typmod as u32;
    match type_name {
        "varchar" | "bpchar" if typmod >= VARHDRSZ => vec![(typmod - VARHDRSZ) as u32],
        "numeric" if typmod >= VARHDRSZ => {
            let t = (typmod - VARHDRSZ) as u32;
            vec![(t >> 16) & 0xffff, t & 0xffff]
        }
        "timestamp" | "timestamptz" | "time" | "timetz" | "bit" | "varbit" => vec![m],
        // The low 16 bits hold the precision; 0xffff means none was stated.
        "interval" if m & 0xffff != 0xffff => vec![m & 0xffff],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_decode_to_what_was_stated() {
        assert_eq!(modifiers("varchar", 49), vec![45]);
        assert_eq!(modifiers("varchar", -1), Vec::<u32>::new());
        assert_eq!(modifiers("numeric", (4 << 16 | 2) + 4), vec![4, 2]);
        assert_eq!(modifiers("timestamptz", 3), vec![3]);
        assert_eq!(modifiers("int4", -1), Vec::<u32>::new());
        assert_eq!(modifiers("interval", 0x7fff_ffff), Vec::<u32>::new());
    }

    #[test]
    fn nulls_order_is_kept_only_when_it_differs_from_the_default() {
        let row = |options: Vec<i16>| IndexRow {
            table_oid: 1,
            name: "i".into(),
            is_unique: false,
            method: "btree".into(),
            key_count: 1,
            attnums: vec![1],
            options,
            defs: vec![None],
            opclasses: vec![None],
            predicate: None,
        };
        let name = |_| Some("a".to_owned());
        assert_eq!(index(row(vec![0]), name).parts[0].nulls_first, None);
        assert_eq!(index(row(vec![3]), name).parts[0].nulls_first, None);
        assert_eq!(index(row(vec![2]), name).parts[0].nulls_first, Some(true));
        assert_eq!(index(row(vec![1]), name).parts[0].nulls_first, Some(false));
    }
}
