use sealift_ir::{
    Check, Column, DataType, Deferrable, Dialect, FkAction, ForeignKey, Identity, Namespace,
    PrimaryKey, QualifiedName, Schema, Table, Unique,
};

use super::{PER_TABLE, missing, rows};

fn col(name: &str, t: DataType, nullable: bool) -> Column {
    let mut c = Column::new(name, t);
    c.nullable = nullable;
    c
}

fn fk(columns: &[&str], table: &str, referenced: &[&str]) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        referenced_table: QualifiedName::new("public", table),
        referenced_columns: referenced.iter().map(|c| (*c).to_owned()).collect(),
        on_update: FkAction::NoAction,
        on_delete: FkAction::Cascade,
        deferrable: Deferrable::No,
        not_valid: false,
    }
}

/// `post` (listed first) references `author` and itself; `shape` has a column of a type with no
/// value; `fresh` is new (not in `before`).
fn schemas() -> (Schema, Schema) {
    let mut author = Table::new("author");
    let mut id = col("id", DataType::builtin("int4"), false);
    id.identity = Some(Identity::Always);
    author.columns = vec![
        id,
        col(
            "name",
            DataType::builtin("varchar").with_modifiers([3]),
            false,
        ),
        col("status", DataType::builtin("text"), false),
    ];
    author.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    author.uniques = vec![Unique::new(None, vec!["name".into()])];
    author.checks = vec![Check::new(
        None,
        "(status = ANY (ARRAY['active'::text, 'it''s gone'::text]))",
    )];
    let mut post = Table::new("a_post");
    post.columns = vec![
        col("id", DataType::builtin("int8"), false),
        col("author_id", DataType::builtin("int4"), false),
        col("parent_id", DataType::builtin("int8"), true),
        col("tags", DataType::builtin("text").array_of(1), false),
        col("added", DataType::builtin("timestamptz"), true),
    ];
    post.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    post.foreign_keys = vec![
        fk(&["author_id"], "author", &["id"]),
        fk(&["parent_id"], "a_post", &["id"]),
    ];
    let mut shape = Table::new("shape");
    shape.columns = vec![col("area", DataType::builtin("polygon"), false)];
    let fresh = Table::new("fresh");
    let mut ns = Namespace::new("public");
    for t in [author, post, shape] {
        ns.tables.insert(t.name.clone(), t);
    }
    let mut before = Schema::new(Dialect::Postgres);
    let mut old = ns.clone();
    // `added` is the migration's own column.
    old.tables.get_mut("a_post").unwrap().columns.pop();
    before.namespaces.insert("public".into(), old);
    ns.tables.insert("fresh".into(), fresh);
    let mut after = Schema::new(Dialect::Postgres);
    after.namespaces.insert("public".into(), ns);
    (after, before)
}

#[test]
fn parents_get_rows_first_and_children_copy_their_keys() {
    let (after, before) = schemas();
    let got = rows(&after, &before, 7);
    let tables: Vec<String> = got.inserts.iter().map(|i| i.table.to_string()).collect();
    assert_eq!(tables, ["public.author", "public.a_post"]);
    let author = &got.inserts[0].sql;
    assert!(author.contains("OVERRIDING SYSTEM VALUE"), "{author}");
    // Key values are distinct, far from small ones and apart from other tables' (`a_post`
    // numbers 7 to 9); the varchar(3) is cut to fit; the check's strings are the text
    // column's values.
    assert!(
        author.contains("VALUES (900010, 'a-s', 'active'), (900011, 'b-s', 'it''s gone')"),
        "{author}"
    );
    let post = &got.inserts[1].sql;
    // The foreign key copies author's ids; the reference to itself is left NULL; the array
    // is empty; the migration's own column has a value but is not read back.
    assert!(
        post.starts_with(
            "INSERT INTO \"public\".\"a_post\" (\"id\", \"author_id\", \"tags\", \"added\") VALUES (900007, 900010, '{}', '2024-01-08 10:00:07+00')"
        ),
        "{post}"
    );
    assert_eq!(
        got.inserts[1].columns,
        ["id", "author_id", "parent_id", "tags"]
    );
    assert_eq!(
        got.inserts[1].read_back,
        "SELECT \"id\"::text, \"author_id\"::text, \"parent_id\"::text, \"tags\"::text FROM \"public\".\"a_post\""
    );
    assert_eq!(
        got.skipped,
        vec![(
            QualifiedName::new("public", "shape"),
            "no value to give column area of type polygon".to_owned()
        )]
    );
}

#[test]
fn rows_fit_the_table_as_it_was_and_are_deleted_by_key() {
    let (after, before) = schemas();
    // The up widened `name` from varchar(3) to text: the rows still fit the column as it
    // was, and the check as it is.
    let mut wider = after.clone();
    wider
        .namespaces
        .get_mut("public")
        .unwrap()
        .tables
        .get_mut("author")
        .unwrap()
        .columns[1]
        .data_type = DataType::builtin("text");
    let got = rows(&wider, &before, 1);
    let author = got
        .inserts
        .iter()
        .find(|i| i.table.name == "author")
        .unwrap();
    assert!(
        author.sql.contains("(900004, '4-s', 'active')"),
        "{}",
        author.sql
    );
    assert_eq!(
        author.delete.as_deref(),
        Some("DELETE FROM \"public\".\"author\" WHERE \"id\" IN (900004, 900005, 900006)")
    );
    assert!(!author.unchecked && author.needs.is_empty());
}

#[test]
fn a_required_reference_to_a_table_with_no_rows_skips_the_table() {
    let (mut after, mut before) = schemas();
    for s in [&mut after, &mut before] {
        let ns = s.namespaces.get_mut("public").unwrap();
        // author gets no rows now.
        ns.tables.get_mut("author").unwrap().columns[1].data_type = DataType::builtin("box");
    }
    let got = rows(&after, &before, 1);
    assert_eq!(got.inserts.len(), 0);
    assert!(
        got.skipped.iter().any(|(t, why)| t.name == "a_post"
            && why == "column author_id must reference a row of public.author, which has none"),
        "{:?}",
        got.skipped
    );
}

#[test]
fn each_backend_spells_its_own_values() {
    let mut t = Table::new("t");
    t.columns = vec![
        col(
            "flag",
            DataType::builtin("tinyint").with_modifiers([1]),
            false,
        ),
        col("small", DataType::builtin("tinyint unsigned"), false),
        col("state", DataType::builtin("enum('on','off')"), false),
        col(
            "raw",
            DataType::builtin("binary").with_modifiers([4]),
            false,
        ),
        col("bits", DataType::builtin("bit").with_modifiers([3]), false),
    ];
    t.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["small".into()],
    });
    let mut ns = Namespace::new("db");
    ns.tables.insert("t".into(), t);
    let mut s = Schema::new(Dialect::Mysql);
    s.namespaces.insert("db".into(), ns);
    let got = rows(&s, &s, 1);
    assert_eq!(
        got.inserts[0].sql,
        "INSERT INTO `db`.`t` (`flag`, `small`, `state`, `raw`, `bits`) VALUES (TRUE, 201, 'off', '1-se', B'001'), (FALSE, 202, 'on', '2-se', B'010'), (TRUE, 203, 'off', '3-se', B'011')"
    );
    assert_eq!(
        got.inserts[0].read_back,
        "SELECT CAST(`flag` AS CHAR), CAST(`small` AS CHAR), CAST(`state` AS CHAR), HEX(`raw`), HEX(`bits`) FROM `db`.`t`"
    );
}

#[test]
fn short_texts_stay_distinct() {
    use super::short_text;
    assert_eq!(short_text(1, None), "1-sealift-row");
    assert_eq!(short_text(1500, Some(2)), "5o");
    assert_eq!(short_text(1501, Some(2)), "5p");
    assert_eq!(short_text(35, Some(4)), "z-se");
}

#[test]
fn missing_rows_count_each_copy() {
    let row = |v: &str| vec![Some(v.to_owned()), None];
    let before = vec![row("a"), row("a"), row("b")];
    assert_eq!(missing(&before, &before, 5), (0, vec![]));
    let (n, gone) = missing(&before, &[row("a"), row("c")], 1);
    assert_eq!(n, 2);
    assert_eq!(gone, vec![row("a")]);
    assert_eq!(PER_TABLE, 3);
}
