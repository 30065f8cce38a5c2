//! MySQL and MariaDB: backquoted names, enum values inline in each column's type, a column
//! changed with `MODIFY COLUMN` and its whole definition, table comments with `ALTER TABLE`.

use sealift_ir::{Column, DataType, ForeignKey, Index, LogicalType, Table};

use super::{Backend, Features, plain, with_length, with_precision};
use super::{Target, column_spec, literal};
use crate::change::{Change, EnumOp};
use crate::statement::{SchemaStatement, Statement};

pub(crate) struct Mysql;

static FEATURES: Features = Features {
    not_valid: false,
    deferrable: false,
    nulls_not_distinct: false,
    index_methods: false,
    inline_comments: true,
    stored_generated: true,
    qualified_references: true,
    named_foreign_keys: true,
    casts_in_expressions: false,
    names_unnamed: false,
    quoted_collations: false,
    enum_types: false,
    inline_enums: true,
    rebuilds_tables: false,
    rowid_keys: false,
    foreign_keys_pin_types: true,
    index_builds_block_writes: false,
    dependents_block_type_changes: false,
    transactional_ddl: false,
    on_update: true,
    name_limit: Some(64),
    names_bmp_only: true,
    auto_increment_needs_key: true,
};

impl Backend for Mysql {
    fn features(&self) -> &'static Features {
        &FEATURES
    }

    /// A connection works in one database; names are not qualified with it.
    /// InnoDB adds a foreign key in place only with `foreign_key_checks` off (the rows there
    /// then go unchecked), and a check constraint never: both copy the table under a shared
    /// lock.
    fn copies_to_add(&self, part: &crate::change::Part) -> Option<&'static str> {
        match part {
            crate::change::Part::ForeignKey(_) => Some(
                "MySQL and MariaDB add a foreign key by copying the table while writes wait (in place only with foreign_key_checks off, which leaves the rows there unchecked)",
            ),
            crate::change::Part::Check(_) => {
                Some("MySQL and MariaDB add a check by copying the table while writes wait")
            }
            _ => None,
        }
    }

    /// InnoDB changes a column's type by copying the table, but for values appended to the
    /// end of an enum or set's list (instant); a longer VARCHAR of the same length class is in
    /// place too, which this does not tell apart.
    fn rewrites_table(&self, from: &DataType, to: &DataType) -> bool {
        use sealift_dialect::mysql::enum_values;
        match (enum_values(&from.name), enum_values(&to.name)) {
            (Some(before), Some(after)) => {
                from.name.get(..4) != to.name.get(..4) || !after.starts_with(&before)
            }
            _ => from.name != to.name,
        }
    }

    fn implicit_schema(&self, _: &str) -> bool {
        true
    }

    fn index_for_foreign_key(&self, fk: &ForeignKey, index: &Index) -> bool {
        !index.unique
            && index.name == sealift_dialect::mysql::foreign_key_index_name(fk)
            && index.key_columns() == fk.columns
    }

    /// Every primary key is called `PRIMARY`
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-table.html>).
    fn default_primary_key_name(&self, _table: &str) -> Option<String> {
        Some("PRIMARY".to_owned())
    }

    /// A unique key made without a name is called after its first column (with `_2`, `_3`
    /// when that is taken; <https://dev.mysql.com/doc/refman/8.0/en/create-table.html>).
    fn default_unique_name(&self, _table: &str, columns: &[String]) -> Option<String> {
        columns.first().cloned()
    }

    fn names_primary_keys(&self) -> bool {
        false
    }

    fn drop_primary_key(&self, table_ref: &str, _name: &str) -> String {
        format!("ALTER TABLE {table_ref} DROP PRIMARY KEY")
    }

    /// A key over a whole TEXT or BLOB column: MariaDB keeps the longest prefix the key allows
    /// (768 characters of `utf8mb4`), MySQL 8 refuses it (error 1170,
    /// <https://dev.mysql.com/doc/refman/8.0/en/column-indexes.html#column-indexes-prefix>).
    fn implied_key_prefix(&self, column_type: &DataType) -> bool {
        matches!(
            column_type.name.as_str(),
            "tinytext"
                | "text"
                | "mediumtext"
                | "longtext"
                | "tinyblob"
                | "blob"
                | "mediumblob"
                | "longblob"
        )
    }

    /// A unique key is an index, and `DROP INDEX` drops any on both servers; MariaDB 10.11
    /// refuses `DROP CONSTRAINT` for one it keeps as a hash, over a TEXT column (error 1091;
    /// <https://mariadb.com/kb/en/alter-table/#drop-constraint>).
    fn drop_unique(&self, table_ref: &str, name: &str) -> String {
        format!("ALTER TABLE {table_ref} DROP INDEX {}", self.quote(name))
    }

    fn rendered_type(&self, spelled: &str) -> DataType {
        sealift_dialect::mysql::column_type(spelled)
    }

    fn types_equal(&self, w: &DataType, h: &DataType, modifiers_agree: bool) -> bool {
        w.name == h.name && modifiers_agree
    }

    fn logical_of(&self, t: &DataType) -> Option<LogicalType> {
        use LogicalType as L;
        match t.name.as_str() {
            "int" => plain(t, L::Integer),
            "bigint" => plain(t, L::BigInteger),
            "smallint" => plain(t, L::SmallInteger),
            "tinyint" if t.modifiers == [1] => Some(L::Boolean),
            "tinyint" => plain(t, L::TinyInteger),
            "tinyint unsigned" => plain(t, L::TinyUnsigned),
            "smallint unsigned" => plain(t, L::SmallUnsigned),
            "int unsigned" => plain(t, L::Unsigned),
            "bigint unsigned" => plain(t, L::BigUnsigned),
            "decimal" => with_precision(t, L::Decimal),
            // SeaORM's `String` without a length: sea-query writes `varchar(255)` on MySQL
            // and a bare `varchar` elsewhere.
            "varchar" if t.modifiers == [255] => Some(L::String(None)),
            "varchar" => with_length(t, L::String),
            "char" => with_length(t, L::Char),
            "datetime" => plain(t, L::DateTime),
            "timestamp" => plain(t, L::Timestamp),
            "json" => plain(t, L::Json),
            _ => None,
        }
    }

    fn quote(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn no_columns(&self) -> Option<&'static str> {
        Some("MySQL has no tables without columns; the entity's table is not made there")
    }

    fn enum_change(&self, c: &Change, _t: &Target) -> Vec<Statement> {
        match c {
            Change::Enum {
                op: EnumOp::AddValue { def, .. },
                ..
            }
            | Change::Enum {
                op: EnumOp::Replace { to: def, .. },
                ..
            } => {
                vec![Statement::Unsupported(format!(
                    "on MySQL the values of enum `{}` live in each column that uses it, and this \
                     migration was not made against MySQL; regenerate it with `sealift autogen` \
                     against MySQL",
                    def.name
                ))]
            }
            _ => vec![Statement::Nothing(
                "MySQL keeps an enum's values in each column's type".to_owned(),
            )],
        }
    }

    fn alter_column(
        &self,
        schema: &str,
        table: &str,
        _from: &Column,
        to: &Column,
        t: &Target,
    ) -> Vec<Statement> {
        vec![Statement::Schema(Box::new(SchemaStatement::ModifyColumn {
            table: t.name(schema, table),
            column: column_spec(to, t, false),
        }))]
    }

    /// Column comments are in their definitions; the table's follows the table.
    fn comments_after_create(&self, schema: &str, table: &Table, t: &Target) -> Vec<Statement> {
        match &table.comment {
            Some(c) => self.table_comment(schema, &table.name, Some(c), t),
            None => Vec::new(),
        }
    }

    fn table_comment(
        &self,
        schema: &str,
        table: &str,
        to: Option<&str>,
        t: &Target,
    ) -> Vec<Statement> {
        vec![Statement::Sql(format!(
            "ALTER TABLE {} COMMENT = {}",
            t.table_ref(schema, table),
            literal(to.unwrap_or(""))
        ))]
    }
}
