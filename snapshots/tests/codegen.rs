//! Registering a migration in the shapes of `lib.rs` found in real projects: one snapshot each.

use sealift_codegen::{Error, empty_migration, module_name, new_migration_crate, register};

fn check(name: &str, lib: &str) {
    let out = register(lib, "m20261125_080000_add_user_table").unwrap();
    syn::parse_file(&out).unwrap_or_else(|e| panic!("{name}: result does not parse: {e}\n{out}"));
    insta::assert_snapshot!(name, out);
}

#[test]
fn sea_orm_cli_layout() {
    check(
        "sea_orm_cli",
        r#"pub use sea_orm_migration::prelude::*;

mod m20220101_000001_create_table;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20220101_000001_create_table::Migration)]
    }
}
"#,
    );
}

#[test]
fn multi_line_with_comments_and_no_trailing_comma() {
    check(
        "multi_line",
        r#"pub use sea_orm_migration::prelude::*;

// Keep this comment.
mod m20220101_000001_create_table;
mod m20220102_000001_seed; // seeds

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20220101_000001_create_table::Migration),
            // the seed must run second
            Box::new(m20220102_000001_seed::Migration)
        ]
    }

    fn migration_table_name() -> DynIden {
        "my_migrations".into_iden()
    }
}
"#,
    );
}

#[test]
fn loco_marker() {
    check(
        "loco",
        r#"#![allow(elided_lifetimes_in_paths)]
#![allow(clippy::wildcard_imports)]
pub use sea_orm_migration::prelude::*;
mod m20220101_000001_users;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20220101_000001_users::Migration),
            // inject-above (do not remove this comment)
        ]
    }
}
"#,
    );
}

#[test]
fn fresh_crate_from_init() {
    let lib = &new_migration_crate("migration")[1].1;
    check("fresh", lib);
}

#[test]
fn bad_input_is_an_error_not_a_mangled_file() {
    assert!(matches!(
        register("fn broken( {", "m1_x"),
        Err(Error::LibDoesNotParse(_))
    ));
    assert_eq!(
        register("pub struct Migrator;", "m1_x"),
        Err(Error::NoMigrationsVec)
    );
    let lib = &new_migration_crate("migration")[1].1;
    let once = register(lib, "m1_x").unwrap();
    assert_eq!(
        register(&once, "m1_x"),
        Err(Error::AlreadyRegistered("m1_x".into()))
    );
}

#[test]
fn names_become_module_names() {
    assert_eq!(
        module_name("AddUserTable", "20261125_080000").unwrap(),
        "m20261125_080000_add_user_table"
    );
    assert_eq!(
        module_name("add_user_table", "20261125_080000").unwrap(),
        "m20261125_080000_add_user_table"
    );
    assert!(module_name("add-user", "20261125_080000").is_err());
    assert!(module_name("1st", "20261125_080000").is_err());
    assert!(module_name("", "20261125_080000").is_err());
}

#[test]
fn templates_parse() {
    syn::parse_file(&empty_migration()).unwrap();
    for (path, text) in new_migration_crate("migration") {
        if path.ends_with(".rs") {
            syn::parse_file(&text).unwrap();
        }
    }
}
