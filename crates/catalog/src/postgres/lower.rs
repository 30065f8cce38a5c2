//! Pure lowering of PostgreSQL catalog rows into the schema model.

use std::collections::HashMap;

use sealift_ir::{
    Check, Column, DataType, Deferrable, Dependent, Dialect, Domain, Enum, FkAction, ForeignKey,
    Identity, Index, IndexKey, IndexPart, Namespace, PrimaryKey, QualifiedName, Schema, Table,
    TableKind, Trigger, TypeKind, Unique,
};

use super::rows::*;

/// `indoption` bit: the key is sorted descending.
const INDOPTION_DESC: i16 = 1;
/// `indoption` bit: NULLs sort first.
const INDOPTION_NULLS_FIRST: i16 = 2;

/// Builds the schema of the given namespaces from catalog rows fed one at a time, as each
/// query streams them: no query's rows are ever all in memory, and the lowering runs while the
/// server answers. Enums and domains come first (column types resolve against domains), then
/// relations, then columns, then what refers to columns by number (constraints, indexes).
pub struct Builder {
    schema: Schema,
    domains: HashMap<(String, String), DomainRow>,
    tables: HashMap<i64, Pending>,
    skip: Option<String>,
}

/// A table being filled in. Its columns arrive in no particular order, so each goes in the
/// slot of its `attnum` (1 is slot 0; a dropped column's slot stays empty), and the table
/// gets them in catalog order at the end, each moved once.
struct Pending {
    namespace: String,
    table: Table,
    columns: Vec<Option<Column>>,
}

impl Pending {
    /// The names of the columns with these numbers, in that order; unknown numbers are skipped.
    fn names(&self, attnums: &[i16]) -> Vec<String> {
        attnums.iter().filter_map(|n| self.name(*n)).collect()
    }

    fn name(&self, attnum: i16) -> Option<String> {
        let slot = usize::try_from(attnum).ok()?.checked_sub(1)?;
        Some(self.columns.get(slot)?.as_ref()?.name.clone())
    }

    /// Puts `column` in the slot of its `attnum`; a number out of range is ignored.
    fn put(&mut self, attnum: i16, column: Column) {
        let Some(slot) = usize::try_from(attnum).ok().and_then(|n| n.checked_sub(1)) else {
            return;
        };
        if slot >= self.columns.len() {
            self.columns.resize_with(slot + 1, || None);
        }
        self.columns[slot] = Some(column);
    }
}

impl Builder {
    /// Starts the schema of `schemas` with their enums and the domains of every schema.
    pub fn new(schemas: &[String], enums: Vec<EnumRow>, domains: Vec<DomainRow>) -> Self {
        let mut schema = Schema::new(Dialect::Postgres);
        for name in schemas {
            schema
                .namespaces
                .insert(name.clone(), Namespace::new(name.clone()));
        }
        let domains: HashMap<(String, String), DomainRow> = domains
            .into_iter()
            .map(|d| ((d.schema.clone(), d.name.clone()), d))
            .collect();
        let types = TypeResolver { domains: &domains };
        for d in domains.values() {
            if let Some(ns) = schema.namespaces.get_mut(&d.schema) {
                let domain = Domain {
                    name: d.name.clone(),
                    base: types.resolve(d.ty.clone(), 0),
                    nullable: !d.not_null,
                    default: d.default_expr.clone(),
                    checks: d
                        .check_names
                        .iter()
                        .zip(&d.check_exprs)
                        .map(|(n, e)| Check::new(Some(n.clone()), e.clone()))
                        .collect(),
                };
                ns.domains.insert(d.name.clone(), domain);
            }
        }
        for e in enums {
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
        Builder {
            schema,
            domains,
            tables: HashMap::new(),
            skip: None,
        }
    }

    /// Leaves out tables of this name (a migration history table), and what refers to them.
    pub fn skip_table(&mut self, name: Option<String>) {
        self.skip = name;
    }

    /// A table or view.
    pub fn relation(&mut self, r: RelationRow) {
        if self.skip.as_ref() == Some(&r.name) {
            return;
        }
        let room = usize::try_from(r.attribute_count).unwrap_or(0);
        let mut table = Table::new(r.name);
        table.comment = r.comment;
        table.kind = relation_kind(
            &r.relkind,
            r.is_partition,
            r.partition_key,
            r.partition_bound,
            r.parent_schema.zip(r.parent_name),
        );
        self.tables.insert(
            r.oid,
            Pending {
                namespace: r.schema,
                table,
                columns: std::iter::repeat_with(|| None).take(room).collect(),
            },
        );
    }

    /// A column of a relation already seen.
    pub fn column(&mut self, c: ColumnRow) {
        if let Some(p) = self.tables.get_mut(&c.table_oid) {
            let types = TypeResolver {
                domains: &self.domains,
            };
            let position = c.position;
            p.put(position, column(c, &types));
        }
    }

    /// A primary key, unique, foreign key or check constraint.
    pub fn constraint(&mut self, c: ConstraintRow) {
        let Some(owner) = self.tables.get(&c.table_oid) else {
            return;
        };
        let name = Some(c.name);
        let columns = owner.names(&c.attnums);
        let referenced_columns = if c.ref_columns.is_empty() {
            self.tables
                .get(&c.ref_oid)
                .map(|r| r.names(&c.ref_attnums))
                .unwrap_or_default()
        } else {
            c.ref_columns
        };
        let Some(t) = self.tables.get_mut(&c.table_oid).map(|p| &mut p.table) else {
            return;
        };
        match c.kind.as_str() {
            "p" => t.primary_key = Some(PrimaryKey { name, columns }),
            "u" => t.uniques.push(Unique {
                name,
                columns,
                nulls_not_distinct: c.nulls_not_distinct,
            }),
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
                not_valid: !c.validated,
            }),
            "c" => t.checks.push(Check {
                name,
                expression: c.check_expr.unwrap_or_default(),
                not_valid: !c.validated,
            }),
            _ => {}
        }
    }

    /// An index that backs no constraint.
    pub fn index(&mut self, i: IndexRow) {
        if let Some(p) = self.tables.get_mut(&i.table_oid) {
            let index = index(i, |attnum| p.name(attnum));
            p.table.indexes.push(index);
        }
    }

    /// A trigger.
    pub fn trigger(&mut self, tr: TriggerRow) {
        if let Some(p) = self.tables.get_mut(&tr.table_oid) {
            p.table.triggers.push(Trigger {
                name: tr.name,
                definition: tr.definition,
            });
        }
    }

    /// A view, rule or policy that uses columns of a table.
    pub fn dependent(&mut self, d: DependentRow) {
        if let Some(p) = self.tables.get_mut(&d.table_oid) {
            let mut attnums = d.attnums;
            attnums.sort_unstable();
            p.table.dependents.push(Dependent {
                kind: d.kind,
                name: d.name,
                columns: p.names(&attnums),
            });
        }
    }

    /// Puts each table's columns in catalog order and the tables into their namespaces.
    pub fn finish(mut self) -> Schema {
        for (_, p) in self.tables {
            let Pending {
                namespace,
                mut table,
                columns,
            } = p;
            // In place: a column and its slot take the same room.
            table.columns = columns.into_iter().flatten().collect();
            table.sort();
            if let Some(ns) = self.schema.namespaces.get_mut(&namespace) {
                ns.tables.insert(table.name.clone(), table);
            }
        }
        self.schema
    }
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
    // A serial is an owned sequence that the column's default draws from; a sequence owned
    // with no `nextval` default (the default dropped or replaced) is not one.
    let draws = c
        .default_expr
        .as_deref()
        .is_some_and(|d| d.starts_with("nextval("));
    let identity = match (c.identity.as_str(), c.seq_schema, c.seq_name) {
        ("a", _, _) => Some(Identity::Always),
        ("d", _, _) => Some(Identity::ByDefault),
        (_, Some(schema), Some(name)) if draws => Some(Identity::Serial {
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
        data_type: types.resolve(c.ty, 0),
        nullable: !c.not_null,
        default,
        identity,
        generated,
        collation: c.collation,
        comment: c.comment,
        renamed_from: None,
        on_update: None,
        logical: None,
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
            collation: i.collations.get(pos).cloned().flatten(),
            opclass: i.opclasses.get(pos).cloned().flatten(),
            prefix: None,
        });
    }
    Index {
        name: i.name,
        unique: i.is_unique,
        parts,
        method: Some(i.method),
        predicate: i.predicate,
        include,
        nulls_not_distinct: i.nulls_not_distinct,
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
    domains: &'a HashMap<(String, String), DomainRow>,
}

impl TypeResolver<'_> {
    /// The model type of catalog type columns; `depth` counts domains resolved on the way.
    fn resolve(&self, ty: TypeCols, depth: u8) -> DataType {
        let builtin = ty.type_schema == "pg_catalog";
        let kind = match ty.type_type.as_str() {
            "e" => TypeKind::Enum,
            "d" => match self
                .domains
                .get(&(ty.type_schema.clone(), ty.type_name.clone()))
            {
                // Domains nest rarely; the depth bound only guards against a cycle.
                Some(d) if depth < 8 => TypeKind::Domain {
                    base: Box::new(self.resolve(d.ty.clone(), depth + 1)),
                },
                _ => TypeKind::Other,
            },
            _ if builtin => TypeKind::Builtin,
            _ => TypeKind::Other,
        };
        DataType {
            modifiers: modifiers(&ty.type_name, ty.typmod),
            array_dims: array_dims(&ty),
            kind,
            schema: (!builtin).then_some(ty.type_schema),
            name: ty.type_name,
        }
    }
}

/// Array dimensions: `attndims` is 0 for arrays declared without a size, so at least 1.
fn array_dims(ty: &TypeCols) -> u32 {
    if ty.is_array {
        u32::try_from(ty.ndims.max(1)).unwrap_or(1)
    } else {
        0
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
            nulls_not_distinct: false,
            method: "btree".into(),
            key_count: 1,
            attnums: vec![1],
            options,
            defs: vec![None],
            opclasses: vec![None],
            collations: vec![None],
            predicate: None,
        };
        let name = |_| Some("a".to_owned());
        assert_eq!(index(row(vec![0]), name).parts[0].nulls_first, None);
        assert_eq!(index(row(vec![3]), name).parts[0].nulls_first, None);
        assert_eq!(index(row(vec![2]), name).parts[0].nulls_first, Some(true));
        assert_eq!(index(row(vec![1]), name).parts[0].nulls_first, Some(false));
    }

    fn relation(oid: i64, name: &str) -> RelationRow {
        RelationRow {
            oid,
            schema: "public".into(),
            name: name.into(),
            relkind: "r".into(),
            attribute_count: 2,
            is_partition: false,
            partition_key: None,
            partition_bound: None,
            parent_schema: None,
            parent_name: None,
            comment: None,
        }
    }

    fn column(table_oid: i64, position: i16, name: &str) -> ColumnRow {
        ColumnRow {
            table_oid,
            position,
            name: name.into(),
            not_null: true,
            identity: String::new(),
            generated: String::new(),
            ty: TypeCols {
                type_name: "int4".into(),
                type_schema: "pg_catalog".into(),
                type_type: "b".into(),
                typmod: -1,
                ndims: 0,
                is_array: false,
            },
            default_expr: None,
            collation: None,
            comment: None,
            seq_schema: None,
            seq_name: None,
        }
    }

    #[test]
    fn streamed_rows_in_any_order_build_tables_in_catalog_order() {
        let mut b = Builder::new(&["public".to_owned()], Vec::new(), Vec::new());
        b.relation(relation(1, "parent"));
        b.relation(relation(2, "child"));
        // Columns arrive in no particular order, with a gap where a column was dropped.
        for (oid, pos, name) in [
            (2, 4, "parent_id"),
            (1, 1, "id"),
            (2, 1, "id"),
            (1, 2, "code"),
        ] {
            b.column(column(oid, pos, name));
        }
        b.constraint(ConstraintRow {
            table_oid: 2,
            name: "child_parent_fk".into(),
            kind: "f".into(),
            attnums: vec![4],
            ref_schema: Some("public".into()),
            ref_table: Some("parent".into()),
            ref_oid: 1,
            ref_attnums: vec![1],
            ref_columns: Vec::new(),
            on_update: "a".into(),
            on_delete: "c".into(),
            deferrable: false,
            deferred: false,
            validated: true,
            nulls_not_distinct: false,
            check_expr: None,
        });
        let schema = b.finish();
        let ns = &schema.namespaces["public"];
        let names = |t: &str| -> Vec<String> {
            ns.tables[t]
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect()
        };
        assert_eq!(names("parent"), ["id", "code"]);
        assert_eq!(names("child"), ["id", "parent_id"]);
        let fk = &ns.tables["child"].foreign_keys[0];
        assert_eq!(fk.columns, ["parent_id"]);
        assert_eq!(fk.referenced_columns, ["id"]);
        assert_eq!(fk.on_delete, FkAction::Cascade);
    }
}
