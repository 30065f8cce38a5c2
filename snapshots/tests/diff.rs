//! The diff case corpus: one case -> one snapshot of its plan (text, up SQL, down SQL) per
//! dialect, and a round trip on a real database.
//!
//! A case is `fixtures/cases/<name>/` with `before/` and `after/` entity files (either may be
//! missing: no tables), optional `setup.<dialect>.sql` run after the before state exists, an
//! optional `options` file (`drop_unknown_tables`, `compare_server_defaults`,
//! `rename table.old=new`, `rename old=new`, `only <dialect>..`, `blocked [dialect]`: the plan
//! must carry a blocked hazard (on every dialect, or the one named), and is snapshotted but
//! not run there), and per dialect:
//!
//! 1. the before state is created with sealift's own create SQL, and re-diffing it is empty;
//! 2. the plan from the current database to `after/` is snapshotted;
//!    and so is the migration file `sealift autogen` writes for it;
//! 3. after running the generated migration's up, the diff is empty (nothing is proposed twice);
//! 4. after running its down, the catalog equals the one before up (columns compared by name:
//!    `ADD COLUMN` appends, so a column down re-adds comes back last on PostgreSQL).
//!
//! `SEALIFT_CASE=<part of a name>` runs only the matching cases.
//!
//! Every case's migration file, from every dialect, is compiled into one runner (its files
//! shared out among a few library crates that build side by side; warnings denied) and run
//! from there, so the corpus checks the code users run. Then:
//!
//! 5. the preview is what runs: each migration's up and down, run on a recording connection
//!    (sea-orm's mock database) of every backend, execute statement for statement what
//!    `sealift diff --format sql` shows for that backend (up to an error a step returns where
//!    it cannot run);
//! 6. one migration runs everywhere: generated against each dialect S and run on each other T
//!    (T's before state created from the case's before entities), up leaves nothing for
//!    `sealift check` with the after entities on T, and down gives back T's before catalog.

use std::path::Path;
use std::process::Command;

use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_codegen::migration_file;
use sealift_diff::{DiffOptions, Plan, diff, render_steps};
use sealift_entity::LowerOptions;
use sealift_ir::{Dialect, Schema};
use sealift_testkit::{TempDir, TestDb, cargo, dump_unordered, workspace_dir};

mod case;
use case::{cases, entities, options, snapshot_text, written_by_autogen};

/// The database's catalog. A MySQL database's name is its namespace, unique per test: it is
/// read as the namespace entities lower into by default, so plans leave it out as
/// `sealift autogen` does with the connection's database.
async fn reflect_db(db: &TestDb) -> Schema {
    let schema = reflect(
        &DatabaseUrl::parse(&db.url()).unwrap(),
        &ReflectOptions::default(),
    )
    .await
    .expect("reflect")
    .schema;
    match schema.dialect {
        Dialect::Mysql => {
            let default = LowerOptions::new(Dialect::Mysql).default_schema;
            sealift_testkit::namespace_renamed(schema, &default)
        }
        _ => schema,
    }
}

/// A case with its database in the before state and its plan, waiting for its migration to run.
struct Prepared {
    name: String,
    case: std::path::PathBuf,
    dialect: Dialect,
    db: TestDb,
    current: Schema,
    after: Schema,
    opts: DiffOptions,
    plan: Plan,
}

/// Steps 1 and 2: the before state, the plan and the migration file, snapshotted.
async fn prepare(case: &Path, dialect: Dialect) -> Option<(Prepared, String)> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let (opts, runs, blocked) = options(case, dialect);
    if !runs {
        return None;
    }
    // 1. The before state, created by sealift itself; re-diffing it is empty.
    let db = before_state(case, &name, dialect).await;

    // 2. The plan, and the migration file `sealift autogen` writes for it.
    let current = reflect_db(&db).await;
    let after = entities(&case.join("after"), dialect);
    let plan = diff(&after, &current, &opts);
    insta::assert_snapshot!(format!("{name}__{dialect}"), snapshot_text(&plan));
    let is_blocked = plan
        .hazards()
        .any(|h| h.kind == sealift_diff::HazardKind::Blocked);
    assert_eq!(
        is_blocked,
        blocked,
        "{name} on {dialect}: blocked hazards are {}expected",
        if blocked { "" } else { "not " }
    );
    if plan.is_empty() || blocked {
        // Nothing to write, or a plan `sealift autogen` refuses to write.
        return None;
    }
    let file = migration_file(&plan, &written_by_autogen(Vec::new()));
    insta::assert_snapshot!(format!("{name}__{dialect}__migration"), file);
    Some((
        Prepared {
            name,
            case: case.to_owned(),
            dialect,
            db,
            current,
            after,
            opts,
            plan,
        },
        file,
    ))
}

/// A database of `dialect` holding the case's before state: created with sealift's own SQL
/// from the before entities, then the case's `setup.<dialect>.sql`.
async fn before_state(case: &Path, name: &str, dialect: Dialect) -> TestDb {
    let db = TestDb::create(name, dialect).await;
    let empty = reflect_db(&db).await;
    let before = entities(&case.join("before"), dialect);
    let create = diff(&before, &empty, &DiffOptions::new(dialect));
    db.run(&render_steps(&create.up, &create.target())).await;
    let again = diff(&before, &reflect_db(&db).await, &DiffOptions::new(dialect));
    assert!(
        again.is_empty(),
        "{name} on {dialect}: creating the before state left a diff:\n{}",
        again.to_text()
    );
    if let Ok(setup) = std::fs::read_to_string(case.join(format!("setup.{}.sql", dialect.as_str())))
    {
        db.run(&[setup]).await;
    }
    db
}

/// Steps 3 and 4, running the generated migration's `up` and `down`.
async fn run(p: &Prepared, runner: &Path) -> Result<(), String> {
    run_module(p, runner, &module(&p.name, p.dialect)).await
}

/// Steps 3 and 4 for the case's migration in module `m`.
async fn run_module(p: &Prepared, runner: &Path, m: &str) -> Result<(), String> {
    let name = &p.name;
    let dialect = p.dialect;
    // 3. Up, then nothing is left to do.
    migrate(runner, m, "up", &p.db.url())?;
    let upgraded = reflect_db(&p.db).await;
    let rest = diff(&p.after, &upgraded, &p.opts);
    if !rest.is_empty() {
        return Err(format!(
            "{name} on {dialect}: after up the plan is not empty:\n{}",
            rest.to_text()
        ));
    }

    // 4. Down restores the catalog exactly.
    migrate(runner, m, "down", &p.db.url())?;
    let restored = dump_unordered(&reflect_db(&p.db).await);
    let before = dump_unordered(&p.current);
    if restored != before {
        return Err(format!(
            "{name} on {dialect}: down did not restore the catalog:\n{restored}\nexpected:\n{before}"
        ));
    }
    Ok(())
}

/// Runs one migration of the corpus runner; the error holds what it printed.
fn migrate(runner: &Path, module: &str, direction: &str, url: &str) -> Result<String, String> {
    let out = Command::new(runner)
        .args([module, direction, url])
        .output()
        .expect("run the corpus runner");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(printed)
    } else {
        Err(format!(
            "{module}: the generated migration's {direction} failed\n{printed}"
        ))
    }
}

fn module(case: &str, dialect: Dialect) -> String {
    format!("case_{case}_{}", dialect.as_str())
}

/// Step 5: on every backend, the statements the migration executes on a recording connection
/// are those the preview shows for that backend. A step that cannot run there returns an
/// error, which stands where the preview says `-- cannot run on ..`.
fn preview_is_execution(p: &Prepared, runner: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    for backend in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let target = p.plan.target().on(backend);
        for (direction, steps) in [("up", &p.plan.up), ("down", &p.plan.down)] {
            let mut expected = Vec::new();
            for stmt in render_steps(steps, &target) {
                if stmt.starts_with("-- cannot run on") {
                    expected.push("ERROR".to_owned());
                    break;
                }
                // Foreign keys are switched off around a rebuild, which runs in a transaction.
                expected.push(normalize(&stmt));
            }
            let recorded = migrate(
                runner,
                &module(&p.name, p.dialect),
                &format!("record-{direction}"),
                backend.as_str(),
            )
            .unwrap();
            let got: Vec<String> = recorded
                .split("\n;;\n")
                .filter(|s| !s.is_empty() && *s != "BEGIN" && *s != "COMMIT")
                .map(|s| {
                    if s.starts_with("ERROR") {
                        "ERROR".to_owned()
                    } else {
                        normalize(s)
                    }
                })
                .collect();
            if got != expected {
                failures.push(format!(
                    "{} (made on {}) {direction} on {backend}: the migration ran\n  {}\nthe preview shows\n  {}",
                    p.name,
                    p.dialect,
                    got.join("\n  "),
                    expected.join("\n  ")
                ));
            }
        }
    }
    failures
}

/// One statement on one line, with single spaces: the preview lays `CREATE TABLE` out one
/// column per line.
fn normalize(sql: &str) -> String {
    sql.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// Step 6: the migration made on the case's dialect, run on `backend`.
async fn portable(p: &Prepared, runner: &Path, backend: Dialect) -> Result<(), String> {
    let (opts, runs, blocked) = options(&p.case, backend);
    if !runs || blocked {
        return Ok(());
    }
    let name = &p.name;
    let db = before_state(&p.case, name, backend).await;
    let before = reflect_db(&db).await;
    let m = module(name, p.dialect);
    migrate(runner, &m, "up", &db.url())?;
    let after = entities(&p.case.join("after"), backend);
    let rest = diff(&after, &reflect_db(&db).await, &opts);
    if !rest.is_empty() {
        return Err(format!(
            "{name}: made on {}, after up on {backend} the plan is not empty:\n{}",
            p.dialect,
            rest.to_text()
        ));
    }
    migrate(runner, &m, "down", &db.url())?;
    let restored = comparable(reflect_db(&db).await);
    let before = comparable(before);
    if restored != before {
        return Err(format!(
            "{name}: made on {}, down on {backend} did not restore the catalog:\n{restored}\nexpected:\n{before}",
            p.dialect,
        ));
    }
    Ok(())
}

/// A catalog's dump with checks in their normal form: a check a migration made elsewhere
/// restores is the same check, as its own backend would not spell it.
fn comparable(mut schema: Schema) -> String {
    for ns in schema.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            for c in &mut t.checks {
                c.expression = sealift_diff::normal_form(&c.expression);
            }
        }
    }
    dump_unordered(&schema)
}

/// Cases whose migration, made on one backend, cannot carry the change to another, and why.
/// The matrix fails when one of them starts to work, so the list only shrinks.
const NOT_PORTABLE: &[(&str, Dialect, Dialect, &str)] = &[
    (
        "long_names",
        Dialect::Postgres,
        Dialect::Sqlite,
        "PostgreSQL cuts names at 63 bytes and the plan names what it cut; SQLite keeps them whole",
    ),
    (
        "several_changes_one_table",
        Dialect::Sqlite,
        Dialect::Postgres,
        "SQLite's catalog spells i32 and i64 both `integer`: a change between them is not seen there",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Postgres,
        Dialect::Sqlite,
        "down re-creates a NULLS NOT DISTINCT index the setup SQL made on PostgreSQL, which SQLite does not have: the step refuses there",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Sqlite,
        Dialect::Postgres,
        "the setup SQL makes objects on PostgreSQL that SQLite has no counterpart for (a NULLS NOT DISTINCT index, a NOT VALID foreign key); a plan made on SQLite cannot know them, PostgreSQL drops them with the column, and down cannot bring them back",
    ),
    (
        "rebuild_keeps_triggers",
        Dialect::Postgres,
        Dialect::Sqlite,
        "the rebuild would re-create a trigger written in PostgreSQL's SQL: the migration refuses on SQLite before it changes anything",
    ),
    (
        "type_change_under_foreign_key_and_default",
        Dialect::Sqlite,
        Dialect::Postgres,
        "PostgreSQL needs the foreign key dropped around the type change; a plan made on SQLite rebuilds the table instead",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Mysql,
        Dialect::Postgres,
        "the setup SQL makes objects on PostgreSQL MariaDB has no counterpart for (an expression index with a WHERE, a NULLS NOT DISTINCT index, a NOT VALID foreign key); a plan made on MySQL cannot know them, PostgreSQL drops them with the column, and down cannot bring them back",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Mysql,
        Dialect::Sqlite,
        "SQLite keeps the names MySQL gave (`PRIMARY`) and the foreign key and check the MySQL setup made, which SQLite's setup does not have, in the table a rebuild writes",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan drops the expression index PostgreSQL's setup made, which MariaDB does not have",
    ),
    (
        "drop_column_used_by_left_alone_objects",
        Dialect::Sqlite,
        Dialect::Mysql,
        "the plan drops an index InnoDB needs for a foreign key the MySQL setup made, which SQLite's setup does not have: MySQL refuses",
    ),
    (
        "drop_three_table_cycle",
        Dialect::Mysql,
        Dialect::Postgres,
        "down creates the tables of a cycle before their foreign keys: the indexes InnoDB made for those keys cannot be told from the user's there, and PostgreSQL gets them as plain indexes",
    ),
    (
        "drop_unique",
        Dialect::Mysql,
        Dialect::Sqlite,
        "the unique key's name MySQL chose (after its first column) is written into the table SQLite's rebuild makes",
    ),
    (
        "keys_in_another_column_order",
        Dialect::Mysql,
        Dialect::Sqlite,
        "MySQL reads a unique index as a unique key and calls the primary key `PRIMARY`: SQLite's rebuild writes them so",
    ),
    (
        "keys_in_another_column_order",
        Dialect::Mysql,
        Dialect::Postgres,
        "MySQL reads the unique index `pair_y_b_idx` as a unique key: the plan drops it as a constraint, which PostgreSQL's index is not",
    ),
    (
        "type_change_under_foreign_key_and_default",
        Dialect::Mysql,
        Dialect::Sqlite,
        "the unique key's name MySQL chose (after its column) is written into the table SQLite's rebuild makes",
    ),
    (
        "type_change_under_foreign_key_and_default",
        Dialect::Sqlite,
        Dialect::Mysql,
        "MySQL refuses to change a column's type under a foreign key; a plan made on SQLite rebuilds the table instead and does not drop the key around the change",
    ),
    (
        "edit_check",
        Dialect::Mysql,
        Dialect::Postgres,
        "a check made without a name is named by each server its own way (PostgreSQL `{table}_{column}_check`, MariaDB after its column, MySQL `{table}_chk_{n}`): a plan made on one cannot drop it by name on another",
    ),
    (
        "edit_check",
        Dialect::Mysql,
        Dialect::Sqlite,
        "a check made without a name is named by each server its own way; MariaDB's name (after its column) is written into the table SQLite's rebuild makes",
    ),
    (
        "edit_check",
        Dialect::Postgres,
        Dialect::Mysql,
        "a check made without a name is named by each server its own way: PostgreSQL's name is not MariaDB's",
    ),
    (
        "edit_check",
        Dialect::Sqlite,
        Dialect::Mysql,
        "a check made without a name is named by each server its own way: the plan drops it by PostgreSQL's name, which MariaDB did not give it",
    ),
    (
        "enum_remove_value",
        Dialect::Mysql,
        Dialect::Postgres,
        "MySQL keeps enum values in the column's type, PostgreSQL in a type of its own: the step refuses there and says to regenerate the migration against PostgreSQL",
    ),
    (
        "enum_remove_value",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan replaces PostgreSQL's enum type; on MySQL the values live in each column, whose full definition the plan does not have: the step refuses and says to regenerate the migration against MySQL",
    ),
    (
        "enum_add_value",
        Dialect::Mysql,
        Dialect::Postgres,
        "MySQL keeps enum values in the column's type, PostgreSQL in a type of its own: the step refuses there and says to regenerate the migration against PostgreSQL",
    ),
    (
        "enum_add_value_at_end",
        Dialect::Mysql,
        Dialect::Postgres,
        "MySQL keeps enum values in the column's type, PostgreSQL in a type of its own: the step refuses there and says to regenerate the migration against PostgreSQL",
    ),
    (
        "enum_add_value",
        Dialect::Mysql,
        Dialect::Sqlite,
        "down writes the column's type as MySQL spells it (`enum('sad','happy')`), which SQLite cannot read",
    ),
    (
        "enum_add_value_at_end",
        Dialect::Mysql,
        Dialect::Sqlite,
        "down writes the column's type as MySQL spells it (`enum('sad','happy')`), which SQLite cannot read",
    ),
    (
        "enum_add_value",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan changes PostgreSQL's enum type; on MySQL the values live in each column, whose full definition the plan does not have: the step refuses and says to regenerate the migration against MySQL",
    ),
    (
        "enum_add_value_at_end",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan changes PostgreSQL's enum type; on MySQL the values live in each column, whose full definition the plan does not have: the step refuses and says to regenerate the migration against MySQL",
    ),
    (
        "hostile_names",
        Dialect::Mysql,
        Dialect::Sqlite,
        "SQLite's rebuild writes the enum column's type as MySQL spells it (`enum('it''s',..)`), which SQLite cannot read",
    ),
    (
        "hostile_names",
        Dialect::Postgres,
        Dialect::Mysql,
        "SeaORM writes column comments on MySQL only, so a plan made on PostgreSQL has none to carry: MySQL is left without the new column's comment, which `sealift check` there reports",
    ),
    (
        "hostile_names",
        Dialect::Sqlite,
        Dialect::Mysql,
        "SeaORM writes column comments on MySQL only, so a plan made on SQLite has none to carry: MySQL is left without the new column's comment, which `sealift check` there reports",
    ),
    (
        "hostile_enum_values",
        Dialect::Mysql,
        Dialect::Postgres,
        "MySQL keeps enum values in the column's type, PostgreSQL in a type of its own: the step refuses there and says to regenerate the migration against PostgreSQL",
    ),
    (
        "hostile_enum_values",
        Dialect::Mysql,
        Dialect::Sqlite,
        "down writes the column's type as MySQL spells it (`enum('it''s',..)`), which SQLite cannot read",
    ),
    (
        "hostile_enum_values",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan changes PostgreSQL's enum type; on MySQL the values live in each column, whose full definition the plan does not have: the step refuses and says to regenerate the migration against MySQL",
    ),
    (
        "rebuild_keeps_triggers",
        Dialect::Mysql,
        Dialect::Sqlite,
        "the rebuild would re-create a trigger written in MySQL's SQL: the migration refuses on SQLite before it changes anything",
    ),
    (
        "add_foreign_key",
        Dialect::Postgres,
        Dialect::Mysql,
        "InnoDB adds an index for the new foreign key; down, made where keys need none, drops the key and leaves the index",
    ),
    (
        "add_foreign_key",
        Dialect::Sqlite,
        Dialect::Mysql,
        "InnoDB adds an index for the new foreign key; down, made where keys need none, drops the key and leaves the index",
    ),
    (
        "rename_column_renamed_from",
        Dialect::Postgres,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
    (
        "rename_column_renamed_from",
        Dialect::Sqlite,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
    (
        "drop_index_a_foreign_key_needs",
        Dialect::Postgres,
        Dialect::Mysql,
        "the plan drops the only index on the foreign key's column, which InnoDB refuses (error 1553, naming the index); the step does not know the table's foreign keys on MySQL: regenerate the migration against MySQL, where the index is kept",
    ),
    (
        "drop_index_a_foreign_key_needs",
        Dialect::Sqlite,
        Dialect::Mysql,
        "the plan drops the only index on the foreign key's column, which InnoDB refuses (error 1553, naming the index); the step does not know the table's foreign keys on MySQL: regenerate the migration against MySQL, where the index is kept",
    ),
    (
        "rename_columns_under_key_index_and_check",
        Dialect::Mysql,
        Dialect::Sqlite,
        "SQLite's rebuild writes the table as the plan knows it from MySQL: the key and check by MySQL's names (`PRIMARY`, `qty`), and without the expression index only the SQLite database has (`item_label_lower_idx`, from its setup)",
    ),
    (
        "rename_columns_under_key_index_and_check",
        Dialect::Postgres,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
    (
        "rename_columns_under_key_index_and_check",
        Dialect::Sqlite,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
    (
        "several_changes_one_table",
        Dialect::Postgres,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
    (
        "several_changes_one_table",
        Dialect::Sqlite,
        Dialect::Mysql,
        "SeaORM writes `renamed_from` into a column's comment on MySQL (sea-orm schema/entity.rs) and sets no comment on PostgreSQL and SQLite: a plan made there does not write it",
    ),
];

/// How many library crates the migration files are shared out among: cargo compiles them side
/// by side (one crate of 150 files kept one core busy for most of a minute while every other
/// test that builds waited on cargo's lock of `target/e2e`).
const RUNNER_PARTS: usize = 4;

/// A crate whose `main` runs one case's generated migration: `runner <module> up|down <url>`,
/// inside a transaction on PostgreSQL as sea-orm-migration's migrator does; or
/// `runner <module> record-up|record-down <backend>`, which runs it on a recording connection
/// and prints each statement executed, then `ERROR ..` if it failed. The migration files
/// are modules of [`RUNNER_PARTS`] library crates beside it (`parts/<n>`), each with a
/// `migration(name)` that finds one of its own.
fn write_runner(dir: &Path, krate: &str, files: &[(String, String)]) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    // The dependencies `sealift init` writes, for a binary-only crate.
    let manifest = sealift_codegen::new_migration_crate(krate)
        .into_iter()
        .find(|(p, _)| p == "Cargo.toml")
        .unwrap()
        .1;
    let deps = &manifest[manifest.find("[dependencies]").unwrap()..];
    let deps = deps.replacen(
        "[dependencies]\n",
        "[dependencies]\nsea-orm = { version = \"2\", default-features = false, features = [\"mock\"] }\n",
        1,
    );
    let package = |name: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{deps}"
        )
    };
    let mut main_deps = deps.clone();
    let mut lookups = String::new();
    for part in 0..RUNNER_PARTS {
        let name = format!("{krate}_part{part}");
        let root = dir.join("parts").join(part.to_string());
        let src = root.join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(root.join("Cargo.toml"), package(&name, &deps)).unwrap();
        let mut lib = String::from("use sea_orm_migration::prelude::*;\n\n");
        let mut arms = String::new();
        for (m, text) in files.iter().skip(part).step_by(RUNNER_PARTS) {
            std::fs::write(src.join(format!("{m}.rs")), text).unwrap();
            lib.push_str(&format!("mod {m};\n"));
            arms.push_str(&format!("        \"{m}\" => Box::new({m}::Migration),\n"));
        }
        lib.push_str(&format!(
            "\n/// The migration of the case module `name`, if it is one of this part's.\npub fn migration(name: &str) -> Option<Box<dyn MigrationTrait>> {{\n    Some(match name {{\n{arms}        _ => return None,\n    }})\n}}\n"
        ));
        std::fs::write(src.join("lib.rs"), lib).unwrap();
        main_deps.push_str(&format!(
            "\n[dependencies.{name}]\npath = \"parts/{part}\"\n"
        ));
        lookups.push_str(&format!("        .or_else(|| {name}::migration(name))\n"));
    }
    std::fs::write(dir.join("Cargo.toml"), package(krate, &main_deps)).unwrap();
    let mut main = String::from(
        "use sea_orm_migration::prelude::*;\nuse sea_orm_migration::sea_orm::{Database, DbBackend, MockDatabase, MockExecResult, TransactionTrait};\n",
    );
    main.push_str(&format!(
        r#"
fn migration(name: &str) -> Box<dyn MigrationTrait> {{
    None
{lookups}        .unwrap_or_else(|| panic!("no case {{name}}"))
}}

async fn run(m: &dyn MigrationTrait, manager: &SchemaManager<'_>, up: bool) -> Result<(), DbErr> {{
    if up {{ m.up(manager).await }} else {{ m.down(manager).await }}
}}

#[tokio::main]
async fn main() -> Result<(), DbErr> {{
    let args: Vec<String> = std::env::args().collect();
    let migration = migration(&args[1]);
    if let Some(direction) = args[2].strip_prefix("record-") {{
        let backend = match args[3].as_str() {{
            "postgres" => DbBackend::Postgres,
            "mysql" => DbBackend::MySql,
            _ => DbBackend::Sqlite,
        }};
        let results = std::iter::repeat_with(|| MockExecResult {{ last_insert_id: 0, rows_affected: 0 }}).take(10_000);
        let db = MockDatabase::new(backend).append_exec_results(results).into_connection();
        let result = run(migration.as_ref(), &SchemaManager::new(&db), direction == "up").await;
        for t in db.into_transaction_log() {{
            for s in t.statements() {{
                print!("{{s}}\n;;\n");
            }}
        }}
        if let Err(e) = result {{
            print!("ERROR {{e}}\n;;\n");
        }}
        return Ok(());
    }}
    let up = args[2] == "up";
    let db = Database::connect(args[3].as_str()).await?;
    if db.get_database_backend() == DbBackend::Postgres {{
        let txn = db.begin().await?;
        run(migration.as_ref(), &SchemaManager::new(&txn), up).await?;
        txn.commit().await
    }} else {{
        run(migration.as_ref(), &SchemaManager::new(&db), up).await
    }}
}}
"#
    ));
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

/// The backends the corpus runs on.
const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql];

/// The whole corpus: every case prepared on every dialect, their migrations built into one
/// runner ([`write_runner`]), then each run on its own database (steps 3 and 4), recorded on
/// every backend (step 5) and run on each other dialect (step 6). Each dialect's databases
/// are worked through one after another, the three dialects side by side.
async fn corpus() {
    let (pg, sqlite, mysql) = tokio::join!(
        prepare_all(Dialect::Postgres),
        prepare_all(Dialect::Sqlite),
        prepare_all(Dialect::Mysql)
    );
    let mut prepared = Vec::new();
    let mut files = Vec::new();
    for (p, f) in [pg, sqlite, mysql] {
        prepared.extend(p);
        files.extend(f);
    }
    let krate = "corpus";
    let dir = TempDir::new(krate);
    write_runner(dir.path(), krate, &files);
    cargo(
        dir.path(),
        &["build", "--quiet"],
        None,
        "build the corpus migrations",
    );
    let runner = workspace_dir().join("target/e2e/debug").join(krate);
    let made_on =
        |d: Dialect| -> Vec<&Prepared> { prepared.iter().filter(|p| p.dialect == d).collect() };
    let ran = futures_join_all(DIALECTS.map(|d| {
        let mine = made_on(d);
        let runner = &runner;
        async move {
            let mut failures = Vec::new();
            for p in mine {
                failures.extend(run(p, runner).await.err());
            }
            failures
        }
    }))
    .await;
    let mut failures: Vec<String> = ran.into_iter().flatten().collect();
    let files_written: Vec<&String> = files.iter().map(|(m, _)| m).collect();
    if let Some(p) = prepared
        .iter()
        .find(|p| files_written.contains(&&postgres_only(&p.name)))
    {
        failures.extend(postgres_only_runs_there_alone(p, &runner).await);
    } else {
        failures.push("no case was written for PostgreSQL only".to_owned());
    }
    failures.extend(
        prepared
            .iter()
            .flat_map(|p| preview_is_execution(p, &runner)),
    );
    let results = futures_join_all(DIALECTS.map(|on| {
        let others: Vec<&Prepared> = prepared.iter().filter(|p| p.dialect != on).collect();
        let runner = &runner;
        async move {
            let mut out = Vec::new();
            for p in others {
                out.push((p, on, portable(p, runner, on).await));
            }
            out
        }
    }))
    .await;
    for (p, on, result) in results.into_iter().flatten() {
        let known = NOT_PORTABLE
            .iter()
            .any(|(case, made, run, _)| *case == p.name && *made == p.dialect && *run == on);
        match (result, known) {
            (Err(e), false) => failures.push(e),
            (Ok(()), true) => failures.push(format!(
                "{} made on {} now runs on {on}: take it off NOT_PORTABLE",
                p.name, p.dialect
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Runs three futures side by side and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: [F; 3]) -> [F::Output; 3] {
    let [a, b, c] = futures;
    let (a, b, c) = tokio::join!(a, b, c);
    [a, b, c]
}

/// Every case prepared on one dialect, with the migration files to build.
async fn prepare_all(dialect: Dialect) -> (Vec<Prepared>, Vec<(String, String)>) {
    let mut prepared = Vec::new();
    let mut files = Vec::new();
    for case in cases() {
        if let Some((p, file)) = prepare(&case, dialect).await {
            files.push((module(&p.name, dialect), file));
            prepared.push(p);
        }
    }
    // A project that runs on PostgreSQL alone (`backends = ["postgres"]`): the first case
    // whose file has a SQLite rebuild is also written for PostgreSQL only.
    if dialect == Dialect::Postgres
        && let Some(i) = files
            .iter()
            .position(|(_, f)| f.contains("sqlite_rebuild("))
    {
        let p = &prepared[i];
        let file = migration_file(&p.plan, &written_by_autogen(vec![Dialect::Postgres]));
        assert!(
            !file.contains("sqlite_rebuild") && !file.contains("DbBackend::Sqlite"),
            "{}: the PostgreSQL-only file has code for SQLite:\n{file}",
            p.name
        );
        insta::assert_snapshot!(format!("{}__postgres_only__migration", p.name), file);
        files.push((postgres_only(&p.name), file));
    }
    (prepared, files)
}

/// The module of a case's migration written for PostgreSQL only.
fn postgres_only(case: &str) -> String {
    format!("{}_only", module(case, Dialect::Postgres))
}

/// The PostgreSQL-only migration: on PostgreSQL it runs both ways as the full one does; on
/// the other backends it stops before running anything, saying why.
async fn postgres_only_runs_there_alone(p: &Prepared, runner: &Path) -> Vec<String> {
    let m = postgres_only(&p.name);
    let mut failures = Vec::new();
    for backend in [Dialect::Mysql, Dialect::Sqlite] {
        let recorded = migrate(runner, &m, "record-up", backend.as_str()).unwrap();
        let statements: Vec<&str> = recorded.split("\n;;\n").filter(|s| !s.is_empty()).collect();
        if !matches!(statements.as_slice(), [only] if only.starts_with("ERROR") && only.contains("written for PostgreSQL only"))
        {
            failures.push(format!(
                "{m} on {backend}: expected one refusal before anything runs, got\n  {}",
                statements.join("\n  ")
            ));
        }
    }
    failures.extend(run_module(p, runner, &m).await.err());
    failures
}

#[tokio::test(flavor = "multi_thread")]
async fn cases_on_every_backend() {
    corpus().await;
}
