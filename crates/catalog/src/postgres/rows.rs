//! The rows the PostgreSQL catalog queries return, one struct per query.
//!
//! Each row is decoded by position, in the order its query selects the columns ([`Cols`]):
//! 110,000 rows at 10,000 tables made sqlx's by-name lookup and per-value type check most of
//! reflection's own time. Debug builds (the tests) check every name and type on the way.

use sqlx::postgres::{PgRow, Postgres};
use sqlx::{Column, Decode, FromRow, Row, Type};

/// Reads a row's columns one after another.
struct Cols<'r> {
    row: &'r PgRow,
    next: usize,
}

impl<'r> Cols<'r> {
    fn new(row: &'r PgRow) -> Self {
        Cols { row, next: 0 }
    }

    /// The next column, which the query names `name`.
    fn get<T>(&mut self, name: &str) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Postgres> + Type<Postgres>,
    {
        let i = self.next;
        self.next += 1;
        if cfg!(debug_assertions) {
            let found = self.row.try_column(i)?.name();
            if found != name {
                return Err(sqlx::Error::ColumnNotFound(format!(
                    "{name} (column {i} of the query is {found})"
                )));
            }
            self.row.try_get(i)
        } else {
            self.row.try_get_unchecked(i)
        }
    }

    /// The type columns, selected in [`TypeCols`]' order.
    fn type_cols(&mut self) -> Result<TypeCols, sqlx::Error> {
        Ok(TypeCols {
            typmod: self.get("typmod")?,
            ndims: self.get("ndims")?,
            is_array: self.get("is_array")?,
            type_name: self.get("type_name")?,
            type_schema: self.get("type_schema")?,
            type_type: self.get("type_type")?,
        })
    }
}

/// [`super::queries::SCHEMAS`].
#[derive(Debug, Clone)]
pub struct SchemasRow {
    pub version: i32,
    pub current: Option<String>,
    pub available: Vec<String>,
}

/// [`super::queries::RELATIONS`].
#[derive(Debug, Clone)]
pub struct RelationRow {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub relkind: String,
    /// Columns, dropped ones included: room to make for them.
    pub attribute_count: i16,
    pub is_partition: bool,
    pub partition_key: Option<String>,
    pub partition_bound: Option<String>,
    pub parent_schema: Option<String>,
    pub parent_name: Option<String>,
    pub comment: Option<String>,
}

/// The type columns shared by [`ColumnRow`] and [`DomainRow`]: a scalar type (the element type
/// for arrays) and the type modifier stated with it.
#[derive(Debug, Clone)]
pub struct TypeCols {
    pub typmod: i32,
    pub ndims: i32,
    pub is_array: bool,
    pub type_name: String,
    pub type_schema: String,
    pub type_type: String,
}

/// [`super::queries::COLUMNS`].
#[derive(Debug, Clone)]
pub struct ColumnRow {
    pub table_oid: i64,
    pub position: i16,
    pub name: String,
    pub not_null: bool,
    pub identity: String,
    pub generated: String,
    pub ty: TypeCols,
    pub default_expr: Option<String>,
    pub collation: Option<String>,
    pub comment: Option<String>,
    pub seq_schema: Option<String>,
    pub seq_name: Option<String>,
}

/// [`super::queries::CONSTRAINTS`].
#[derive(Debug, Clone)]
pub struct ConstraintRow {
    pub table_oid: i64,
    pub name: String,
    pub kind: String,
    /// Key column numbers; names come from the columns query (one query fewer per row).
    pub attnums: Vec<i16>,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    pub ref_oid: i64,
    pub ref_attnums: Vec<i16>,
    /// Names of the referenced columns, only when the referenced table is not reflected.
    pub ref_columns: Vec<String>,
    pub on_update: String,
    pub on_delete: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub validated: bool,
    pub nulls_not_distinct: bool,
    pub check_expr: Option<String>,
}

/// [`super::queries::INDEXES`].
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub table_oid: i64,
    pub name: String,
    pub is_unique: bool,
    pub nulls_not_distinct: bool,
    pub method: String,
    pub key_count: i32,
    pub attnums: Vec<i16>,
    pub options: Vec<i16>,
    pub defs: Vec<Option<String>>,
    pub opclasses: Vec<Option<String>>,
    /// Key collations that differ from their column's, schema-qualified outside `pg_catalog`.
    pub collations: Vec<Option<String>>,
    pub predicate: Option<String>,
}

/// [`super::queries::ENUMS`].
#[derive(Debug, Clone)]
pub struct EnumRow {
    pub schema: String,
    pub name: String,
    pub labels: Vec<String>,
}

/// [`super::queries::DOMAINS`].
#[derive(Debug, Clone)]
pub struct DomainRow {
    pub schema: String,
    pub name: String,
    pub ty: TypeCols,
    pub not_null: bool,
    pub default_expr: Option<String>,
    pub check_names: Vec<String>,
    pub check_exprs: Vec<String>,
}

/// [`super::queries::TRIGGERS`].
#[derive(Debug, Clone)]
pub struct TriggerRow {
    pub table_oid: i64,
    pub name: String,
    pub definition: String,
}

/// [`super::queries::DEPENDENTS`].
#[derive(Debug, Clone)]
pub struct DependentRow {
    pub table_oid: i64,
    pub kind: String,
    pub name: String,
    pub attnums: Vec<i16>,
}

/// `impl FromRow` reading the listed fields in the order the query selects them; `ty` stands
/// for the [`TypeCols`].
macro_rules! from_row {
    ($row:ident { $($field:ident),* $(,)? }) => {
        impl<'r> FromRow<'r, PgRow> for $row {
            fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
                let mut c = Cols::new(row);
                Ok($row { $($field: from_row!(@get c $field)),* })
            }
        }
    };
    (@get $c:ident ty) => { $c.type_cols()? };
    (@get $c:ident $field:ident) => { $c.get(stringify!($field))? };
}

from_row!(SchemasRow {
    version,
    current,
    available
});
from_row!(RelationRow {
    oid,
    schema,
    name,
    relkind,
    attribute_count,
    is_partition,
    partition_key,
    partition_bound,
    parent_schema,
    parent_name,
    comment,
});
from_row!(ColumnRow {
    table_oid,
    position,
    name,
    not_null,
    identity,
    generated,
    ty,
    default_expr,
    collation,
    comment,
    seq_schema,
    seq_name,
});
from_row!(ConstraintRow {
    table_oid,
    name,
    kind,
    attnums,
    ref_schema,
    ref_table,
    ref_oid,
    ref_attnums,
    ref_columns,
    on_update,
    on_delete,
    deferrable,
    deferred,
    validated,
    nulls_not_distinct,
    check_expr,
});
from_row!(IndexRow {
    table_oid,
    name,
    is_unique,
    nulls_not_distinct,
    method,
    key_count,
    attnums,
    options,
    defs,
    opclasses,
    collations,
    predicate,
});
from_row!(EnumRow {
    schema,
    name,
    labels
});
from_row!(DomainRow {
    schema,
    name,
    ty,
    not_null,
    default_expr,
    check_names,
    check_exprs,
});
from_row!(TriggerRow {
    table_oid,
    name,
    definition
});
from_row!(DependentRow {
    table_oid,
    kind,
    name,
    attnums
});
