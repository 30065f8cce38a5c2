//! Round trip on real databases over generated schema pairs (proptest):
//! create `current`, diff to `desired`, run up -> the diff is empty; run down -> the catalog
//! equals `current` again.
//!
//! A few cases run in the normal suite; `cargo xtask proptest` runs many more
//! (`PROPTEST_CASES`).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_diff::{DiffOptions, diff, render_steps};
use sealift_ir::{
    Column, DataType, Dialect, FkAction, ForeignKey, Identity, Index, IndexPart, Namespace,
    PrimaryKey, QualifiedName, Schema, Table, Unique,
};
use sealift_testkit::{TestDb, dump_unordered};

/// Tables `t0..t3`; a table's columns `c0..c3`, so two generated schemas overlap and alter.
const TABLES: usize = 4;
const COLUMNS: usize = 4;

#[derive(Debug, Clone)]
struct ColSpec {
    present: bool,
    ty: usize,
    nullable: bool,
    unique: bool,
    indexed: bool,
}

#[derive(Debug, Clone)]
struct TableSpec {
    present: bool,
    cols: Vec<ColSpec>,
    /// A `ref_id` column with a foreign key to this earlier table.
    fk_to: Option<usize>,
}

fn col_spec() -> impl Strategy<Value = ColSpec> {
    (
        any::<bool>(),
        0usize..9,
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(present, ty, nullable, unique, indexed)| ColSpec {
            present,
            ty,
            nullable,
            unique,
            indexed,
        })
}

fn schema_spec() -> impl Strategy<Value = Vec<TableSpec>> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.75),
            prop::collection::vec(col_spec(), COLUMNS),
            prop::option::of(0usize..TABLES),
        ),
        TABLES,
    )
    .prop_map(|tables| {
        tables
            .into_iter()
            .enumerate()
            .map(|(i, (present, cols, fk))| TableSpec {
                present,
                cols,
                fk_to: fk.filter(|j| *j < i),
            })
            .collect()
    })
}

fn types(dialect: Dialect) -> Vec<DataType> {
    let b = DataType::builtin;
    match dialect {
        Dialect::Postgres => vec![
            b("int4"),
            b("int8"),
            b("varchar"),
            b("varchar").with_modifiers([20]),
            b("text"),
            b("bool"),
            b("float8"),
            b("numeric").with_modifiers([10, 2]),
            b("timestamptz"),
        ],
        Dialect::Mysql => vec![
            b("int"),
            b("bigint"),
            b("varchar").with_modifiers([255]),
            b("varchar").with_modifiers([20]),
            b("text"),
            b("tinyint").with_modifiers([1]),
            b("double"),
            b("decimal").with_modifiers([10, 2]),
            b("datetime"),
        ],
        Dialect::Sqlite => vec![
            b("integer"),
            b("varchar"),
            b("varchar").with_modifiers([20]),
            b("text"),
            b("boolean"),
            b("double"),
            b("real").with_modifiers([10, 2]),
            b("datetime_text"),
            b("date_text"),
        ],
    }
}

/// The namespace a test database's tables are in (a MySQL database's own name is read as this).
fn namespace(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "public",
        Dialect::Mysql => "db",
        Dialect::Sqlite => "main",
    }
}

/// The schema as reflection reports what sealift creates (names as the database makes them).
fn to_schema(spec: &[TableSpec], dialect: Dialect) -> Schema {
    let ns_name = namespace(dialect);
    let pg = dialect == Dialect::Postgres;
    let my = dialect == Dialect::Mysql;
    let int = match dialect {
        Dialect::Postgres => DataType::builtin("int4"),
        Dialect::Mysql => DataType::builtin("int"),
        Dialect::Sqlite => DataType::builtin("integer"),
    };
    let tys = types(dialect);
    let mut ns = Namespace::new(ns_name);
    for (i, t) in spec.iter().enumerate().filter(|(_, t)| t.present) {
        let name = format!("t{i}");
        let mut table = Table::new(name.clone());
        let mut id = Column::new("id", int.clone());
        id.nullable = false;
        id.identity = Some(if pg {
            Identity::ByDefault
        } else {
            Identity::AutoIncrement
        });
        table.columns.push(id);
        table.primary_key = Some(PrimaryKey {
            name: match dialect {
                Dialect::Postgres => Some(format!("{name}_pkey")),
                Dialect::Mysql => Some("PRIMARY".to_owned()),
                Dialect::Sqlite => None,
            },
            columns: vec!["id".into()],
        });
        for (j, c) in t.cols.iter().enumerate().filter(|(_, c)| c.present) {
            let cname = format!("c{j}");
            let mut col = Column::new(cname.clone(), tys[c.ty].clone());
            col.nullable = c.nullable;
            table.columns.push(col);
            if c.unique {
                // MySQL calls an unnamed unique key after its column.
                let unique_name = match dialect {
                    Dialect::Postgres => Some(format!("{name}_{cname}_key")),
                    Dialect::Mysql => Some(cname.clone()),
                    Dialect::Sqlite => None,
                };
                table
                    .uniques
                    .push(Unique::new(unique_name, vec![cname.clone()]));
            } else if c.indexed {
                table.indexes.push(Index {
                    name: format!("idx-{name}-{cname}"),
                    unique: false,
                    parts: vec![IndexPart::column(cname.clone())],
                    method: pg.then(|| "btree".to_owned()),
                    predicate: None,
                    include: Vec::new(),
                    nulls_not_distinct: false,
                });
            }
        }
        if let Some(j) = t.fk_to.filter(|j| spec[*j].present) {
            let mut col = Column::new("ref_id", int.clone());
            col.nullable = true;
            table.columns.push(col);
            table.foreign_keys.push(ForeignKey {
                name: (pg || my).then(|| format!("fk-{name}-ref_id")),
                columns: vec!["ref_id".into()],
                referenced_table: QualifiedName::new(ns_name, format!("t{j}")),
                referenced_columns: vec!["id".into()],
                on_update: FkAction::NoAction,
                on_delete: FkAction::Cascade,
                deferrable: Default::default(),
                not_valid: false,
            });
            if my {
                // The index InnoDB makes for a foreign key, named after it.
                table.indexes.push(Index {
                    name: format!("fk-{name}-ref_id"),
                    unique: false,
                    parts: vec![IndexPart::column("ref_id")],
                    method: None,
                    predicate: None,
                    include: Vec::new(),
                    nulls_not_distinct: false,
                });
            }
        }
        table.sort();
        ns.tables.insert(name, table);
    }
    let mut s = Schema::new(dialect);
    s.namespaces.insert(ns_name.into(), ns);
    s
}

async fn reflect_db(db: &TestDb) -> Schema {
    let schema = reflect(
        &DatabaseUrl::parse(&db.url()).unwrap(),
        &ReflectOptions::default(),
    )
    .await
    .unwrap()
    .schema;
    match db {
        TestDb::My(_) => sealift_testkit::namespace_renamed(schema, namespace(Dialect::Mysql)),
        _ => schema,
    }
}

async fn round_trip(current: Schema, desired: Schema, dialect: Dialect) -> Result<(), String> {
    let mut options = DiffOptions::new(dialect);
    options.drop_unknown_tables = true;
    options.default_schema = namespace(dialect).to_owned();
    let db = TestDb::create("prop", dialect).await;
    let empty = reflect_db(&db).await;
    let create = diff(&current, &empty, &options);
    db.run(&render_steps(&create.up, &create.target())).await;
    let start = reflect_db(&db).await;
    // MariaDB keeps a prefix of its choosing for an index over a whole TEXT column: there the
    // re-diff must be empty; elsewhere the catalog is exactly what was created.
    let same = match dialect {
        Dialect::Mysql => diff(&current, &start, &options).is_empty(),
        _ => sealift_ir::dump(&start) == sealift_ir::dump(&current),
    };
    if !same {
        return Err(format!(
            "creating current did not give current:\n{}\nvs\n{}",
            sealift_ir::dump(&start),
            sealift_ir::dump(&current)
        ));
    }
    let plan = diff(&desired, &start, &options);
    db.run(&render_steps(&plan.up, &plan.target())).await;
    let reflected = reflect_db(&db).await;
    let after_up = diff(&desired, &reflected, &options);
    if !after_up.is_empty() {
        return Err(format!(
            "after up:\n{}\nplan was:\n{}\ndesired:\n{}\ndatabase:\n{}",
            after_up.to_text(),
            plan.to_text(),
            sealift_ir::dump(&desired),
            sealift_ir::dump(&reflected)
        ));
    }
    db.run(&render_steps(&plan.down, &plan.target())).await;
    let restored = reflect_db(&db).await;
    if dump_unordered(&restored) != dump_unordered(&start) {
        return Err(format!(
            "down did not restore:\n{}\nexpected:\n{}\nplan was:\n{}",
            dump_unordered(&restored),
            dump_unordered(&start),
            plan.to_text()
        ));
    }
    Ok(())
}

fn run(dialect: Dialect) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runner
        .run(&(schema_spec(), schema_spec()), |(a, b)| {
            let (current, desired) = (to_schema(&a, dialect), to_schema(&b, dialect));
            rt.block_on(round_trip(current, desired, dialect))
                .map_err(TestCaseError::fail)
        })
        .unwrap();
}

#[test]
fn postgres_round_trips() {
    run(Dialect::Postgres);
}

#[test]
fn mysql_round_trips() {
    run(Dialect::Mysql);
}

#[test]
fn sqlite_round_trips() {
    run(Dialect::Sqlite);
}
