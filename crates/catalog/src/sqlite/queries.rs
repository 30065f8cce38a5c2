//! The SQL text of every SQLite catalog read. Each joins `sqlite_master` with a table-valued
//! pragma, so one query covers every table of a database; `{schema}` is replaced by the quoted
//! database name (`main`, or an attached one) before running.

/// The databases of the connection (`main`, `temp`, attached ones).
pub const DATABASES: &str = "SELECT name FROM pragma_database_list ORDER BY seq";

/// Tables, views, indexes and triggers with their DDL text.
pub const OBJECTS: &str = r#"
SELECT type AS kind, name, tbl_name AS table_name, sql
FROM {schema}.sqlite_master
WHERE type IN ('table', 'view', 'index', 'trigger')
  AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND tbl_name <> 'seaql_migrations'
"#;

/// Every column of every table and view, generated ones included (`table_xinfo`).
pub const COLUMNS: &str = r#"
SELECT m.name AS table_name, p.cid, p.name, p.type AS declared_type,
       p."notnull" AS not_null, p.dflt_value AS default_value, p.pk, p.hidden
FROM {schema}.sqlite_master m
JOIN pragma_table_xinfo(m.name, {schema_literal}) p
WHERE m.type IN ('table', 'view')
  AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.name <> 'seaql_migrations'
"#;

/// Every key column of every index (`index_list` x `index_xinfo`).
pub const INDEX_COLUMNS: &str = r#"
SELECT m.name AS table_name, il.name AS index_name, il."unique" AS is_unique,
       il.origin, il.partial, ix.seqno, ix.cid, ix.name AS column_name,
       ix."desc" AS descending, ix.coll AS collation
FROM {schema}.sqlite_master m
JOIN pragma_index_list(m.name, {schema_literal}) il
JOIN pragma_index_xinfo(il.name, {schema_literal}) ix
WHERE m.type = 'table'
  AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.name <> 'seaql_migrations'
  AND ix.key = 1
"#;

/// Every column pair of every foreign key.
pub const FOREIGN_KEYS: &str = r#"
SELECT m.name AS table_name, fk.id, fk.seq, fk."table" AS ref_table,
       fk."from" AS from_column, fk."to" AS to_column, fk.on_update, fk.on_delete
FROM {schema}.sqlite_master m
JOIN pragma_foreign_key_list(m.name, {schema_literal}) fk
WHERE m.type = 'table'
  AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.name <> 'seaql_migrations'
"#;

/// A query with the database name filled in, as an identifier and as a string literal.
pub fn for_schema(sql: &str, schema: &str) -> String {
    let ident = format!("\"{}\"", schema.replace('"', "\"\""));
    let literal = format!("'{}'", schema.replace('\'', "''"));
    sql.replace("{schema_literal}", &literal)
        .replace("{schema}", &ident)
}
