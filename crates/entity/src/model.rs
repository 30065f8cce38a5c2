//! What an entity file declares, before lowering: tables, columns with SeaORM column types,
//! relations. Every format (compact, expanded, dense, compact_model) produces these.

use std::path::PathBuf;

use sealift_ir::FkAction;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Pos;

/// Which way the entity was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// `#[derive(DeriveEntityModel)]` on `Model` with a `DeriveRelation` enum.
    Compact,
    /// `DeriveEntity` + `impl EntityName` + `enum Column` + `impl ColumnTrait`.
    Expanded,
    /// SeaORM 2.0 `#[sea_orm::model]`, relations as `BelongsTo`/`HasOne`/`HasMany` fields.
    Dense,
    /// `#[sea_orm::compact_model]`: dense struct, compact `Relation` enum.
    CompactModel,
}

/// SeaORM's `ColumnType`, as far as DDL goes (the model's logical type).
pub use sealift_ir::LogicalType as ColType;

/// A column's type as declared: a SeaORM column type, or a Rust type still to resolve against
/// the crate's user types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeRef {
    /// Known: from `column_type`, a `def()` body, or a built-in Rust type.
    Column(ColType),
    /// A Rust type path (whitespace removed), e.g. `super::sea_orm_active_enums::Mood`.
    Rust(String),
    /// `Enum::db_type()` in an expanded `def()`: the active enum's type.
    DbTypeOf(String),
}

/// A default as declared (the model's logical default).
pub use sealift_ir::LogicalDefault as DefaultDef;

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// The `Column` enum variant (UpperCamel), what relations refer to.
    pub variant: String,
    /// The column name in the database.
    pub name: String,
    /// The declared type.
    pub ty: TypeRef,
    /// True for `Option<T>`, `nullable`, `.null()`, `.nullable()`.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// `unique`.
    pub unique: bool,
    /// `indexed`.
    pub indexed: bool,
    /// `unique_key = "name"`: a multi-column unique index.
    pub unique_key: Option<String>,
    /// The default.
    pub default: Option<DefaultDef>,
    /// `comment`.
    pub comment: Option<String>,
    /// `extra`: SQL appended to the column definition.
    pub extra: Option<String>,
    /// `renamed_from`: the column's previous name.
    pub renamed_from: Option<String>,
    /// `ignore`: a field that is not a column SeaORM manages.
    pub ignore: bool,
    /// Where it is declared.
    pub pos: Pos,
}

impl ColumnDef {
    /// A column with nothing set but its names, type and place.
    pub fn new(variant: String, name: String, ty: TypeRef, pos: Pos) -> Self {
        ColumnDef {
            variant,
            name,
            ty,
            nullable: false,
            primary_key: false,
            unique: false,
            indexed: false,
            unique_key: None,
            default: None,
            comment: None,
            extra: None,
            renamed_from: None,
            ignore: false,
            pos,
        }
    }
}

/// A `belongs_to` relation: the only kind that makes a foreign key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelationDef {
    /// The related entity's module path as written (`["super", "cake"]` for
    /// `super::cake::Entity`), or `None` for `Entity` itself (a self reference).
    pub target: Option<Vec<String>>,
    /// Local `Column` variants.
    pub from: Vec<String>,
    /// The related entity's `Column` variants.
    pub to: Vec<String>,
    /// `on_update`.
    pub on_update: Option<FkAction>,
    /// `on_delete`.
    pub on_delete: Option<FkAction>,
    /// `fk_name`.
    pub fk_name: Option<String>,
    /// `skip_fk`: a relation with no foreign key in the database.
    pub skip_fk: bool,
    /// Where it is declared.
    pub pos: Pos,
}

/// One entity, whatever format it was written in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityDef {
    /// The file it is in.
    pub file: PathBuf,
    /// Its module name (the file stem, or the folder for `mod.rs`).
    pub module: String,
    /// Its module's place (folders, then modules), which relation paths resolve against.
    pub location: Vec<String>,
    /// How it was written.
    pub format: Format,
    /// `table_name`.
    pub table_name: String,
    /// `schema_name`.
    pub schema_name: Option<String>,
    /// The table `comment`.
    pub comment: Option<String>,
    /// Columns in field order, `ignore` fields included.
    pub columns: Vec<ColumnDef>,
    /// Explicit `auto_increment` of the primary key; `None` means SeaORM's default.
    pub auto_increment: Option<bool>,
    /// Foreign-key-making relations.
    pub relations: Vec<RelationDef>,
    /// Where the entity is declared.
    pub pos: Pos,
    /// The Cargo features its derive is behind (`#[cfg_attr(feature = "ssr",
    /// derive(DeriveEntityModel), ...)]`): it is read unless one of them is off.
    pub features: Vec<String>,
}
