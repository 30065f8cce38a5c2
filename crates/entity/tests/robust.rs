//! The parser never panics: every fixture file, cut off at many points, still parses and lowers
//! to a schema plus diagnostics.

use std::path::{Path, PathBuf};

use sealift_entity::{LowerOptions, SourceFile};
use sealift_ir::Dialect;

fn fixture_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/entities");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(out.len() > 30, "fixtures found: {}", out.len());
    out
}

#[test]
fn truncated_files_give_diagnostics_not_panics() {
    let sources = fixture_sources();
    for (path, text) in &sources {
        let cuts: Vec<usize> = (0..text.len())
            .step_by(23)
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for cut in cuts {
            let file = SourceFile {
                path: path.clone(),
                text: text[..cut].to_owned(),
            };
            for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql] {
                let _ =
                    sealift_entity::load(std::slice::from_ref(&file), &LowerOptions::new(dialect));
            }
        }
    }
}

#[test]
fn a_whole_entity_set_with_one_broken_file_still_lowers_the_rest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/entities/shop/compact");
    let mut files: Vec<SourceFile> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| SourceFile {
            text: std::fs::read_to_string(&path).unwrap(),
            path,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let cake = files
        .iter_mut()
        .find(|f| f.path.ends_with("cake.rs"))
        .unwrap();
    cake.text = cake
        .text
        .replacen("pub struct Model {", "pub struct Model {{", 1);
    let lowered = sealift_entity::load(&files, &LowerOptions::new(Dialect::Postgres));
    assert!(lowered.has_errors());
    let tables = &lowered.schema.namespaces["public"].tables;
    assert!(!tables.contains_key("cake"));
    assert_eq!(tables.len(), 6, "{:?}", tables.keys().collect::<Vec<_>>());
    // cake_filling's relation to the broken cake is reported, not a panic.
    assert!(
        lowered
            .diagnostics
            .iter()
            .any(|d| d.message.contains("`super::cake::Entity`")),
        "{:?}",
        lowered.diagnostics
    );
}

#[test]
fn reading_while_parsing_gives_what_parsing_read_texts_gives() {
    let sources = fixture_sources();
    let files: Vec<SourceFile> = sources
        .iter()
        .map(|(path, text)| SourceFile {
            path: path.clone(),
            text: text.clone(),
        })
        .collect();
    let paths: Vec<PathBuf> = sources.iter().map(|(p, _)| p.clone()).collect();
    let read = |p: &Path| std::fs::read_to_string(p);
    let streamed = sealift_entity::read_and_parse(&paths, read).unwrap();
    let whole = sealift_entity::parse(&files);
    assert_eq!(
        format!("{:?}", streamed.entities),
        format!("{:?}", whole.entities)
    );
    assert_eq!(streamed.diagnostics, whole.diagnostics);

    // The first read error is returned, whatever the other files hold.
    let missing = [paths[0].clone(), PathBuf::from("/nonexistent/entity.rs")];
    let err = sealift_entity::read_and_parse(&missing, read).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn a_relation_without_its_columns_is_an_error_not_a_key_of_no_columns() {
    let text = r#"use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "employee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub manager_id: Option<i32>,
}
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", on_delete = "Cascade")]
    Manager,
}
"#;
    let file = SourceFile {
        path: PathBuf::from("employee.rs"),
        text: text.to_owned(),
    };
    for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql] {
        let lowered =
            sealift_entity::load(std::slice::from_ref(&file), &LowerOptions::new(dialect));
        assert!(
            lowered
                .diagnostics
                .iter()
                .any(|d| d.message == "this relation names no column in `from`"),
            "{:?}",
            lowered.diagnostics
        );
        let table = lowered.schema.namespaces.values().next().unwrap().tables["employee"].clone();
        assert!(table.foreign_keys.is_empty(), "{table:?}");
    }
}
