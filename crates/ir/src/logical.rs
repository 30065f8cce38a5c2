//! SeaORM's own column types and defaults: what an entity says, before any backend spells it.
//!
//! A migration written with these (`.big_integer()`, `.string_len(45)`, `.default("x")`) is
//! rendered by sea-query for whichever backend runs it, as hand-written SeaORM migrations are.
//! The lowered [`DataType`](crate::DataType) beside it is what the diff compares.

use serde::{Deserialize, Serialize};

/// SeaORM's `ColumnType`, as far as DDL goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum LogicalType {
    Char(Option<u32>),
    String(Option<u32>),
    Text,
    TinyInteger,
    SmallInteger,
    Integer,
    BigInteger,
    TinyUnsigned,
    SmallUnsigned,
    Unsigned,
    BigUnsigned,
    Float,
    Double,
    Decimal(Option<(u32, u32)>),
    Money(Option<(u32, u32)>),
    DateTime,
    Timestamp,
    TimestampWithTimeZone,
    Time,
    Date,
    Year,
    Interval,
    Binary(u32),
    VarBinary(Option<u32>),
    Blob,
    Bit(Option<u32>),
    VarBit(u32),
    Boolean,
    Json,
    JsonBinary,
    Uuid,
    Cidr,
    Inet,
    MacAddr,
    LTree,
    Vector(Option<u32>),
    /// A type name written verbatim.
    Custom(String),
    /// An enum: its type name and labels in order.
    Enum {
        name: String,
        variants: Vec<String>,
    },
    Array(Box<LogicalType>),
}

/// A column default as an entity declares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LogicalDefault {
    /// `default_value = "..."`: a string literal.
    Str(String),
    /// An integer literal.
    Int(i128),
    /// A float literal, as written.
    Float(String),
    /// A boolean literal.
    Bool(bool),
    /// `Expr::current_timestamp()` and friends: an SQL keyword, written as it is.
    Keyword(String),
    /// `Expr::cust("...")`: SQL text, which sea-query writes in parentheses.
    Sql(String),
}

/// A column as SeaORM writes it: its logical type and default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Logical {
    /// The column type.
    #[serde(rename = "type")]
    pub ty: LogicalType,
    /// The default, when the entity declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<LogicalDefault>,
}
