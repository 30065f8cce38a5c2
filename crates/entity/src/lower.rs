//! Entities -> the schema model, per dialect, as SeaORM 2.x would create them
//! (`Schema::create_table_from_entity`, `create_enum_from_entity`, `create_index_from_entity`,
//! rendered by sea-query). Names follow SeaORM: `fk-{table}-{cols}`, `idx-{table}-{col}`,
//! `idx-{table}-{key}`, `pk-{table}` for a composite key; the rest is named by the database
//! (`{table}_pkey`, `{table}_{col}_key` on PostgreSQL).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sealift_ir::{
    Check, Column, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexPart, Logical,
    Namespace, PrimaryKey, QualifiedName, Schema, Table, Unique,
};

use crate::diagnostic::{Diagnostic, Pos};
use crate::dialect::{Server, server};
use crate::model::{ColType, ColumnDef, EntityDef};
use crate::modpath::{self, Found};
use crate::type_index::{TypeIndex, Unresolved};

/// How to lower.
#[derive(Debug, Clone)]
pub struct LowerOptions {
    /// The target database family.
    pub dialect: Dialect,
    /// The namespace of entities with no `schema_name` (and of PostgreSQL enums, which SeaORM
    /// creates unqualified): `public`, `main`, or the MySQL database name.
    pub default_schema: String,
    /// Other schemas the project works in (`--schema`, `schemas` in sealift.toml), besides
    /// those the entities name: an `enum_name = "schema.type"` may name a type of one of them.
    pub schemas: Vec<String>,
    /// Cargo features that are off (`disabled_features` in sealift.toml): an entity whose
    /// derive is behind one (`cfg_attr(feature = "...", derive(DeriveEntityModel))`) is not
    /// read. Every other feature counts as on.
    pub disabled_features: Vec<String>,
}

impl LowerOptions {
    /// The usual default namespace for a dialect: `public`, `main`, or `default` on MySQL
    /// (where the real name is the database's).
    pub fn new(dialect: Dialect) -> Self {
        LowerOptions {
            dialect,
            default_schema: server(dialect).default_schema().to_owned(),
            schemas: Vec::new(),
            disabled_features: Vec::new(),
        }
    }
}

/// Lowers every entity; problems become diagnostics and the rest still lowers.
pub fn lower(
    entities: &[EntityDef],
    types: &TypeIndex,
    options: &LowerOptions,
) -> (Schema, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let backend = server(options.dialect);
    // Entities behind a Cargo feature the project turns off are not there.
    let enabled: Vec<EntityDef>;
    let entities = if entities.iter().any(|e| {
        e.features
            .iter()
            .any(|f| options.disabled_features.contains(f))
    }) {
        enabled = entities
            .iter()
            .filter(|e| {
                !e.features
                    .iter()
                    .any(|f| options.disabled_features.contains(f))
            })
            .cloned()
            .collect();
        &enabled[..]
    } else {
        entities
    };
    let fitted;
    let entities = match fit_names(entities, backend, &mut diags) {
        Some(shortened) => {
            fitted = shortened;
            &fitted[..]
        }
        None => entities,
    };
    // Names SeaORM derives that PostgreSQL cuts: reported once, not once per object.
    let mut derived: Vec<Diagnostic> = Vec::new();
    let mut schema = Schema::new(options.dialect);
    let mut by_module: HashMap<&str, Vec<&EntityDef>> = HashMap::new();
    for e in entities {
        by_module.entry(e.module.as_str()).or_default().push(e);
    }
    // By namespace and name: SeaORM creates an enum unqualified, so it lands in the schema
    // the entities using it are read from (`sea-orm-cli -s` and `DATABASE_SCHEMA` set it).
    let mut enums: BTreeMap<(String, String), Enum> = BTreeMap::new();
    // The schemas the entities live in: an `enum_name = "schema.type"` names a type of one of
    // them (SeaORM casts to the schema-qualified name), never a type with a dot in its name.
    let schemas: BTreeSet<String> = entities
        .iter()
        .filter_map(|e| e.schema_name.clone())
        .chain([options.default_schema.clone()])
        .chain(options.schemas.iter().cloned())
        .collect();

    for e in entities {
        if e.table_name.is_empty() {
            continue;
        }
        let ns_name = e
            .schema_name
            .clone()
            .unwrap_or_else(|| options.default_schema.clone());
        let mut table = Table::new(e.table_name.clone());
        table.columns.reserve_exact(e.columns.len());
        if backend.comments() {
            table.comment = e.comment.clone();
        }
        let primary: Vec<&ColumnDef> = e
            .columns
            .iter()
            .filter(|c| c.primary_key && !c.ignore)
            .collect();
        let auto_increment = match e.auto_increment {
            Some(v) => v && primary.len() == 1,
            None => primary.len() == 1,
        };
        let mut unique_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // A `unique_key` group with an ignored field is over a column the entity does not
        // manage: the group is not made from the other fields alone (the key the database has
        // is left as it is).
        let mut ignored_keys: BTreeSet<&str> = BTreeSet::new();

        for c in &e.columns {
            if c.ignore {
                table.ignored_columns.push(c.name.clone());
                ignored_keys.extend(c.unique_key.as_deref());
                continue;
            }
            let ct = match types.resolve(&c.ty, &e.location) {
                Ok(t) => t,
                Err(why) => {
                    diags.push(unresolved_type(e, c, why));
                    continue;
                }
            };
            let ct = match fit_enum(ct, backend) {
                Ok(ct) => ct,
                Err(label) => {
                    diags.push(Diagnostic::error(
                        &e.file,
                        c.pos,
                        format!(
                            "the enum value `{label}` of column `{}` is {} bytes; {} allows {}",
                            c.name,
                            label.len(),
                            options.dialect.product(),
                            backend.max_identifier().unwrap_or_default(),
                        ),
                        "shorten its string_value",
                    ));
                    continue;
                }
            };
            // An enum named with its schema lives there.
            let (ct, enum_ns) = match qualified_enum(&ct, &schemas) {
                Some((ns, ct)) if backend.enum_types() => (ct, ns),
                _ => (ct, ns_name.clone()),
            };
            if let ColType::Enum { name, variants } = enum_of(&ct)
                && backend.enum_types()
            {
                let new = Enum {
                    name: name.clone(),
                    values: variants.clone(),
                };
                match enums.get(&(enum_ns.clone(), name.clone())) {
                    Some(old) if old.values != new.values => diags.push(Diagnostic::error(
                        &e.file,
                        c.pos,
                        format!("enum `{name}` is declared twice with different values"),
                        "give one of them another enum_name",
                    )),
                    Some(_) => {}
                    None => {
                        enums.insert((enum_ns.clone(), name.clone()), new);
                    }
                }
            }
            let data_type = match backend.data_type(&ct, &enum_ns, &options.default_schema) {
                Ok(t) => t,
                Err(why) => {
                    diags.push(Diagnostic::error(
                        &e.file,
                        c.pos,
                        format!("column `{}`: {why}", c.name),
                        "choose a column_type this database supports",
                    ));
                    continue;
                }
            };
            let mut col = Column::new(c.name.clone(), data_type);
            col.nullable = c.nullable && (!c.primary_key || backend.nullable_key_columns());
            if c.primary_key && auto_increment {
                col.identity = Some(match backend.identity(&ct) {
                    Ok(identity) => identity,
                    Err(wanted) => {
                        diags.push(Diagnostic::error(
                            &e.file,
                            c.pos,
                            format!("auto-increment key `{}` must be {wanted} on {}", c.name, options.dialect.product()),
                            "use a signed integer type, or set #[sea_orm(primary_key, auto_increment = false)]",
                        ));
                        Identity::ByDefault
                    }
                });
                col.nullable = false;
            }
            col.renamed_from = c.renamed_from.clone();
            col.default = c
                .default
                .as_ref()
                .map(|d| backend.default_text(d, &col.data_type));
            col.logical = Some(Logical {
                ty: ct.clone(),
                default: c.default.clone(),
            });
            if backend.comments() {
                col.comment = match (&c.comment, &c.renamed_from) {
                    (Some(cm), Some(r)) => Some(format!("{cm}; renamed_from \"{r}\"")),
                    (None, Some(r)) => Some(format!("renamed_from \"{r}\"")),
                    (cm, None) => cm.clone(),
                };
            }
            if let Some(extra) = &c.extra {
                match check_of(extra) {
                    Some(expr) => table
                        .checks
                        .push(Check::new(backend.check_name(&e.table_name, &c.name), expr)),
                    None => diags.push(Diagnostic::warning(
                        &e.file,
                        c.pos,
                        format!(
                            "extra `{extra}` on column `{}` is applied verbatim and not compared",
                            c.name
                        ),
                        "only extra = \"CHECK (...)\" is managed",
                    )),
                }
            }
            // SeaORM 2.x marks a `unique` column unique even when it is the primary key too
            // (sea-query writes `PRIMARY KEY ... UNIQUE`). SQLite and MySQL create both;
            // PostgreSQL drops a unique constraint that repeats the primary key.
            if c.unique
                && !(c.primary_key && primary.len() == 1 && !backend.unique_beside_primary_key())
            {
                table.uniques.push(Unique::new(
                    backend.unique_name(&e.table_name, &c.name),
                    vec![c.name.clone()],
                ));
            }
            if c.indexed && !c.unique {
                table.indexes.push(index(
                    fit_derived(
                        format!("idx-{}-{}", e.table_name, c.name),
                        backend,
                        (&e.file, c.pos),
                        &mut derived,
                    ),
                    false,
                    vec![c.name.clone()],
                    backend,
                ));
            }
            if let Some(key) = &c.unique_key {
                unique_keys
                    .entry(key.clone())
                    .or_default()
                    .push(c.name.clone());
            }
            table.columns.push(col);
        }
        for (key, cols) in unique_keys {
            if ignored_keys.contains(key.as_str()) {
                continue;
            }
            table.indexes.push(index(
                fit_derived(
                    format!("idx-{}-{key}", e.table_name),
                    backend,
                    (&e.file, e.pos),
                    &mut derived,
                ),
                true,
                cols,
                backend,
            ));
        }

        if !primary.is_empty() {
            table.primary_key = Some(PrimaryKey {
                name: backend.primary_key_name(
                    &e.table_name,
                    (primary.len() > 1).then(|| {
                        fit_derived(
                            format!("pk-{}", e.table_name),
                            backend,
                            (&e.file, e.pos),
                            &mut derived,
                        )
                    }),
                ),
                columns: primary.iter().map(|c| c.name.clone()).collect(),
            });
        }

        for r in &e.relations {
            if r.skip_fk {
                continue;
            }
            let target = match &r.target {
                None => e,
                Some(path) => {
                    let name = path.last().map(String::as_str).unwrap_or_default();
                    let candidates = by_module
                        .get(name)
                        .into_iter()
                        .flatten()
                        .map(|t| (*t, t.location.as_slice()));
                    match modpath::find(&e.location, Some(path), candidates) {
                        Found::One(t) => t,
                        Found::Missing => {
                            diags.push(Diagnostic::error(
                                &e.file,
                                r.pos,
                                format!("this relation points at `{}::Entity`, which is not among the entity files", path.join("::")),
                                "add that entity's file to the entities directory, or fix the path in belongs_to",
                            ));
                            continue;
                        }
                        Found::Ambiguous(several) => {
                            let files: Vec<String> = several
                                .iter()
                                .map(|t| t.file.display().to_string())
                                .collect();
                            diags.push(Diagnostic::error(
                                &e.file,
                                r.pos,
                                format!(
                                    "this relation's `{}::Entity` could be any of {}",
                                    path.join("::"),
                                    files.join(", ")
                                ),
                                "write the path from this file, e.g. super::cake::Entity for a file beside it",
                            ));
                            continue;
                        }
                    }
                }
            };
            let names = |ent: &EntityDef, variants: &[String]| -> Result<Vec<String>, String> {
                variants
                    .iter()
                    .map(|v| {
                        ent.columns
                            .iter()
                            .find(|c| &c.variant == v)
                            .map(|c| c.name.clone())
                            .ok_or_else(|| format!("entity `{}` has no column `{v}`", ent.module))
                    })
                    .collect()
            };
            if r.from.is_empty() || r.to.is_empty() {
                diags.push(Diagnostic::error(
                    &e.file,
                    r.pos,
                    format!(
                        "this relation names no column in `{}`",
                        if r.from.is_empty() { "from" } else { "to" }
                    ),
                    "a belongs_to relation needs both, e.g. from = \"Column::CakeId\", to = \"super::cake::Column::Id\"",
                ));
                continue;
            }
            if r.from.len() != r.to.len() {
                diags.push(Diagnostic::error(
                    &e.file,
                    r.pos,
                    format!(
                        "this relation pairs {} column(s) in `from` with {} in `to`",
                        r.from.len(),
                        r.to.len()
                    ),
                    "list the same number of columns on both sides, each `to` column under its `from` column, e.g. from = \"(Column::A, Column::B)\", to = \"(super::x::Column::A, super::x::Column::B)\"",
                ));
                continue;
            }
            // A key over a field the entity declares with `ignore` (sea-orm-cli writes them
            // for column types SeaORM cannot map): SeaORM makes no such column, so neither the
            // key; the database's key, if any, is left alone.
            let ignored: Vec<&str> = r
                .from
                .iter()
                .filter_map(|v| e.columns.iter().find(|c| &c.variant == v && c.ignore))
                .map(|c| c.name.as_str())
                .collect();
            if !ignored.is_empty() {
                diags.push(Diagnostic::warning(
                    &e.file,
                    r.pos,
                    format!(
                        "this relation's key is over {}, which the entity declares with ignore: no foreign key is made for it",
                        ignored.join(", ")
                    ),
                    "give the field a column_type SeaORM maps and drop ignore, or mark the relation skip_fk",
                ));
                continue;
            }
            match (names(e, &r.from), names(target, &r.to)) {
                (Ok(from), Ok(to)) => {
                    let name = match &r.fk_name {
                        Some(n) => n.clone(),
                        None => fit_derived(
                            format!("fk-{}-{}", e.table_name, from.join("-")),
                            backend,
                            (&e.file, r.pos),
                            &mut derived,
                        ),
                    };
                    table.foreign_keys.push(ForeignKey {
                        name: backend.names_foreign_keys().then_some(name),
                        columns: from,
                        referenced_table: QualifiedName::new(
                            target
                                .schema_name
                                .clone()
                                .unwrap_or_else(|| options.default_schema.clone()),
                            target.table_name.clone(),
                        ),
                        referenced_columns: to,
                        on_update: backend.fk_action(r.on_update.unwrap_or(FkAction::NoAction)),
                        on_delete: backend.fk_action(r.on_delete.unwrap_or(FkAction::NoAction)),
                        deferrable: Default::default(),
                        not_valid: false,
                    });
                }
                (Err(why), _) | (_, Err(why)) => diags.push(Diagnostic::error(
                    &e.file,
                    r.pos,
                    format!("this relation names a column that does not exist: {why}"),
                    "from and to name Column variants, e.g. from = \"Column::CakeId\"",
                )),
            }
        }
        backend.created(&mut table);
        table.sort();
        let ns = schema
            .namespaces
            .entry(ns_name.clone())
            .or_insert_with(|| Namespace::new(ns_name));
        if ns.tables.contains_key(&table.name) {
            diags.push(Diagnostic::error(
                &e.file,
                e.pos,
                format!("table `{}` is declared by more than one entity", table.name),
                "give each entity its own table_name",
            ));
        }
        ns.tables.insert(table.name.clone(), table);
    }

    if let Some(first) = derived.first() {
        let mut summary = first.clone();
        if derived.len() > 1 {
            summary.message = format!(
                "{} (and {} more name(s) SeaORM derives over {} bytes, cut the same way)",
                first.message,
                backend.max_identifier().unwrap_or_default(),
                derived.len() - 1
            );
        }
        diags.push(summary);
    }
    for ((ns_name, name), en) in enums {
        let ns = schema
            .namespaces
            .entry(ns_name.clone())
            .or_insert_with(|| Namespace::new(ns_name));
        ns.enums.insert(name, en);
    }
    (schema, diags)
}

/// A name as the server keeps it: on PostgreSQL at most 63 bytes, cut at a character boundary
/// (the server truncates longer identifiers, with only a NOTICE). Other databases keep names as
/// they are.
fn fit(name: String, target: &dyn Server) -> String {
    let Some(max) = target.max_identifier().filter(|max| name.len() > *max) else {
        return name;
    };
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// A name SeaORM derives (`idx-..`, `fk-..`, `pk-..`), as PostgreSQL keeps it, with a warning
/// when it is cut.
fn fit_derived(
    name: String,
    target: &dyn Server,
    (file, pos): (&std::path::Path, Pos),
    diags: &mut Vec<Diagnostic>,
) -> String {
    let kept = fit(name.clone(), target);
    if kept != name {
        diags.push(Diagnostic::warning(
            file,
            pos,
            format!(
                "SeaORM names this `{name}` ({} bytes); PostgreSQL keeps the first {}: `{kept}`",
                name.len(),
                target.max_identifier().unwrap_or_default()
            ),
            "shorter table or column names give names PostgreSQL keeps whole",
        ));
    }
    kept
}

/// On PostgreSQL, the entities with every name they state cut to what the server keeps, and a
/// warning for each name cut; `None` when no name is too long (the common case: no copy).
fn fit_names(
    entities: &[EntityDef],
    target: &dyn Server,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<EntityDef>> {
    let too_long = |n: &str| target.max_identifier().is_some_and(|max| n.len() > max);
    let any = entities.iter().any(|e| {
        too_long(&e.table_name)
            || e.schema_name.as_deref().is_some_and(too_long)
            || e.columns.iter().any(|c| too_long(&c.name))
            || e.relations
                .iter()
                .any(|r| r.fk_name.as_deref().is_some_and(too_long))
    });
    if !any {
        return None;
    }
    let mut warn = |file: &std::path::Path, pos, what: &str, name: &mut String| {
        if too_long(name) {
            let kept = fit(name.clone(), target);
            diags.push(Diagnostic::warning(
                file,
                pos,
                format!(
                    "the {what} `{name}` is {} bytes; PostgreSQL keeps the first {}: `{kept}`",
                    name.len(),
                    target.max_identifier().unwrap_or_default()
                ),
                "shorten it in the entity; sealift compares and names it as PostgreSQL does",
            ));
            *name = kept;
        }
    };
    let mut out = entities.to_vec();
    for e in &mut out {
        let (file, pos) = (e.file.clone(), e.pos);
        warn(&file, pos, "table name", &mut e.table_name);
        if let Some(s) = &mut e.schema_name {
            warn(&file, pos, "schema name", s);
        }
        for c in &mut e.columns {
            warn(&file, c.pos, "column name", &mut c.name);
        }
        for r in &mut e.relations {
            if let Some(n) = &mut r.fk_name {
                warn(&file, r.pos, "foreign key name", n);
            }
        }
    }
    Some(out)
}

/// An enum column type with its type name cut as PostgreSQL keeps it; a label over the limit
/// (which PostgreSQL rejects) is the error.
fn fit_enum(ct: ColType, target: &dyn Server) -> Result<ColType, String> {
    match ct {
        ColType::Enum { name, variants } if target.enum_types() => {
            let max = target.max_identifier().unwrap_or(usize::MAX);
            if let Some(long) = variants.iter().find(|v| v.len() > max) {
                return Err(long.clone());
            }
            Ok(ColType::Enum {
                name: fit(name, target),
                variants,
            })
        }
        ColType::Array(inner) => Ok(ColType::Array(Box::new(fit_enum(*inner, target)?))),
        other => Ok(other),
    }
}

fn unresolved_type(e: &EntityDef, c: &ColumnDef, why: Unresolved) -> Diagnostic {
    let (message, hint) = match why {
        Unresolved::Missing(path) => (
            format!("cannot resolve the type `{path}` of column `{}`", c.name),
            "define it in the entities crate (DeriveActiveEnum, DeriveValueType, FromJsonQueryResult or a type alias), or set column_type = \"...\"",
        ),
        Unresolved::Ambiguous(path, places) => (
            format!(
                "the type `{path}` of column `{}` could be any of the types declared in {}",
                c.name,
                places.join(", ")
            ),
            "write its path from this file, e.g. super::sea_orm_active_enums::Mood",
        ),
        Unresolved::Cycle(_) => (
            format!("the type of column `{}` is a cycle of type aliases", c.name),
            "make one of the aliases name a real type",
        ),
    };
    Diagnostic::error(&e.file, c.pos, message, hint)
}

/// An enum (or array of one) named `schema.type` where `schema` is one of `schemas`: that
/// schema, and the column type naming the type alone.
fn qualified_enum(ct: &ColType, schemas: &BTreeSet<String>) -> Option<(String, ColType)> {
    match ct {
        ColType::Array(inner) => {
            qualified_enum(inner, schemas).map(|(ns, t)| (ns, ColType::Array(Box::new(t))))
        }
        ColType::Enum { name, variants } => {
            let (ns, bare) = name.split_once('.')?;
            schemas.contains(ns).then(|| {
                (
                    ns.to_owned(),
                    ColType::Enum {
                        name: bare.to_owned(),
                        variants: variants.clone(),
                    },
                )
            })
        }
        _ => None,
    }
}

fn enum_of(ct: &ColType) -> &ColType {
    match ct {
        ColType::Array(inner) => enum_of(inner),
        other => other,
    }
}

fn index(name: String, unique: bool, columns: Vec<String>, target: &dyn Server) -> Index {
    Index {
        name,
        unique,
        parts: columns.into_iter().map(IndexPart::column).collect(),
        method: target.index_method().map(str::to_owned),
        predicate: None,
        include: Vec::new(),
        nulls_not_distinct: false,
    }
}

/// `CHECK (expr)` -> `expr`.
fn check_of(extra: &str) -> Option<String> {
    let t = extra.trim();
    let rest = t
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("check"))
        .map(|_| t[5..].trim())?;
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_come_from_extra() {
        assert_eq!(check_of("CHECK (price > 0)").as_deref(), Some("price > 0"));
        assert_eq!(check_of("check(a <> '')").as_deref(), Some("a <> ''"));
        assert_eq!(check_of("COLLATE nocase"), None);
    }
}
