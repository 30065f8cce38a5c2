//! The SQL text of every MySQL and MariaDB catalog read. Each reads `information_schema` for
//! all the requested databases at once (`{schemas}` is replaced by their quoted names), so the
//! number of queries does not depend on the number of tables.
//!
//! The servers differ in a few columns; those queries come in two spellings, chosen by
//! [`Flavor`]:
//! - `STATISTICS`: MySQL 8.0.13 and later have `EXPRESSION` (functional key parts); MariaDB
//!   has no functional indexes
//!   (<https://dev.mysql.com/doc/refman/8.0/en/information-schema-statistics-table.html>).
//! - `CHECK_CONSTRAINTS`: MariaDB has `TABLE_NAME` and names checks per table; MySQL names
//!   them per schema and has the table only in `TABLE_CONSTRAINTS`
//!   (<https://mariadb.com/kb/en/information-schema-check_constraints-table/>,
//!   <https://dev.mysql.com/doc/refman/8.0/en/information-schema-check-constraints-table.html>).

use sealift_dialect::mysql::Flavor;

/// The server's version and the connection's database.
pub const SERVER: &str = "SELECT VERSION() AS version, DATABASE() AS current_database";

/// Every user database.
pub const SCHEMAS: &str = r#"
SELECT SCHEMA_NAME AS name
FROM information_schema.SCHEMATA
WHERE SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
ORDER BY SCHEMA_NAME
"#;

/// Tables and views, with comment and collation.
pub const TABLES: &str = r#"
SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, TABLE_TYPE AS table_type,
       TABLE_COLLATION AS table_collation, TABLE_COMMENT AS table_comment
FROM information_schema.TABLES
WHERE TABLE_SCHEMA IN ({schemas})
  AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
  AND TABLE_NAME <> 'seaql_migrations'
"#;

/// Every column of every table and view, in order.
pub const COLUMNS: &str = r#"
SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, COLUMN_NAME AS column_name,
       CAST(ORDINAL_POSITION AS SIGNED) AS position, COLUMN_TYPE AS column_type,
       DATA_TYPE AS data_type, IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default,
       EXTRA AS extra, GENERATION_EXPRESSION AS generation_expression,
       COLLATION_NAME AS collation_name, COLUMN_COMMENT AS column_comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA IN ({schemas})
  AND TABLE_NAME <> 'seaql_migrations'
"#;

/// Every key part of every index, the primary key's (`PRIMARY`) included; `{expression}` is
/// the functional key part's column, which only MySQL has.
const INDEXES: &str = r#"
SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, INDEX_NAME AS index_name,
       CAST(NON_UNIQUE AS SIGNED) AS non_unique, CAST(SEQ_IN_INDEX AS SIGNED) AS seq,
       COLUMN_NAME AS column_name, CAST(SUB_PART AS SIGNED) AS sub_part,
       INDEX_TYPE AS index_type, COLLATION AS collation, {expression} AS expression
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA IN ({schemas})
  AND TABLE_NAME <> 'seaql_migrations'
"#;

/// Every column pair of every foreign key, with its actions.
pub const FOREIGN_KEYS: &str = r#"
SELECT k.TABLE_SCHEMA AS table_schema, k.TABLE_NAME AS table_name,
       k.CONSTRAINT_NAME AS constraint_name, k.COLUMN_NAME AS column_name,
       CAST(k.ORDINAL_POSITION AS SIGNED) AS position,
       k.REFERENCED_TABLE_SCHEMA AS referenced_schema,
       k.REFERENCED_TABLE_NAME AS referenced_table,
       k.REFERENCED_COLUMN_NAME AS referenced_column,
       r.UPDATE_RULE AS update_rule, r.DELETE_RULE AS delete_rule
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
 AND r.TABLE_NAME = k.TABLE_NAME
 AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA IN ({schemas})
  AND k.REFERENCED_TABLE_NAME IS NOT NULL
  AND k.TABLE_NAME <> 'seaql_migrations'
"#;

/// Every check constraint with its table.
const CHECKS_MARIADB: &str = r#"
SELECT CONSTRAINT_SCHEMA AS table_schema, TABLE_NAME AS table_name,
       CONSTRAINT_NAME AS constraint_name, CHECK_CLAUSE AS check_clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA IN ({schemas})
"#;

const CHECKS_MYSQL: &str = r#"
SELECT tc.TABLE_SCHEMA AS table_schema, tc.TABLE_NAME AS table_name,
       tc.CONSTRAINT_NAME AS constraint_name, cc.CHECK_CLAUSE AS check_clause
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA
 AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA IN ({schemas})
  AND tc.CONSTRAINT_TYPE = 'CHECK'
"#;

/// Every trigger, with what it reacts to and its body as written.
pub const TRIGGERS: &str = r#"
SELECT TRIGGER_SCHEMA AS table_schema, EVENT_OBJECT_TABLE AS table_name,
       TRIGGER_NAME AS trigger_name, ACTION_TIMING AS timing,
       EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body
FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA IN ({schemas})
"#;

/// The partitioning of every partitioned table (one row per partition; an unpartitioned
/// table's single row has no partition name).
pub const PARTITIONS: &str = r#"
SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name,
       PARTITION_METHOD AS method, PARTITION_EXPRESSION AS expression
FROM information_schema.PARTITIONS
WHERE TABLE_SCHEMA IN ({schemas})
  AND PARTITION_NAME IS NOT NULL
"#;

/// The index query for the server.
pub fn indexes(flavor: Flavor) -> String {
    INDEXES.replace(
        "{expression}",
        match flavor {
            Flavor::MariaDb => "NULL",
            Flavor::MySql => "EXPRESSION",
        },
    )
}

/// The check query for the server.
pub fn checks(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::MariaDb => CHECKS_MARIADB,
        Flavor::MySql => CHECKS_MYSQL,
    }
}

/// A query with the database names filled in as string literals.
pub fn for_schemas(sql: &str, schemas: &[String]) -> String {
    let list: Vec<String> = schemas
        .iter()
        .map(|s| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")))
        .collect();
    sql.replace("{schemas}", &list.join(", "))
}
