//! Column types in each dialect's normalized spelling.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A column type: a normalized base name, the modifiers stated with it, and array dimensions.
///
/// On PostgreSQL the name is `pg_type.typname` (`int4`, `varchar`, `timestamptz`), so `integer`,
/// `int` and `serial`'s base are all `int4`. On SQLite it is the declared name, lowercased, as
/// sea-query writes it (`datetime_text`, `real`). Modifiers are kept only where stated: `varchar`
/// and `varchar(255)` are different values, and a later stage decides whether they differ.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DataType {
    /// The normalized base name.
    pub name: String,
    /// The namespace of a user-defined type (enum, domain, composite); none for built-ins.
    pub schema: Option<String>,
    /// Length, or precision and scale, as stated; empty when none was stated.
    pub modifiers: Vec<u32>,
    /// Array dimensions: 0 for a scalar.
    pub array_dims: u32,
    /// Built-in, enum, domain or other user-defined type.
    pub kind: TypeKind,
}

/// What a type name refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// A type the database ships.
    #[default]
    Builtin,
    /// An enum type of the schema.
    Enum,
    /// A domain, with the type it is built on.
    Domain {
        /// The domain's base type.
        base: Box<DataType>,
    },
    /// Another user-defined type (composite, range, extension type).
    Other,
}

impl DataType {
    /// A built-in type with no modifiers.
    pub fn builtin(name: impl Into<String>) -> Self {
        DataType {
            name: name.into(),
            schema: None,
            modifiers: Vec::new(),
            array_dims: 0,
            kind: TypeKind::Builtin,
        }
    }

    /// The same type with these modifiers.
    pub fn with_modifiers(mut self, modifiers: impl Into<Vec<u32>>) -> Self {
        self.modifiers = modifiers.into();
        self
    }

    /// The same type as an array of `dims` dimensions.
    pub fn array_of(mut self, dims: u32) -> Self {
        self.array_dims = dims;
        self
    }

    /// The base type to compare by: a domain's base, resolved through nested domains.
    pub fn resolved(&self) -> &DataType {
        match &self.kind {
            TypeKind::Domain { base } => base.resolved(),
            _ => self,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}.")?;
        }
        f.write_str(&self.name)?;
        if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(u32::to_string).collect();
            write!(f, "({})", mods.join(","))?;
        }
        for _ in 0..self.array_dims {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_schema_modifiers_and_dimensions() {
        let mut t = DataType::builtin("numeric").with_modifiers([4, 2]);
        assert_eq!(t.to_string(), "numeric(4,2)");
        t = DataType::builtin("text").array_of(2);
        assert_eq!(t.to_string(), "text[][]");
        t.schema = Some("public".into());
        assert_eq!(t.to_string(), "public.text[][]");
    }

    #[test]
    fn a_domain_resolves_to_its_innermost_base() {
        let inner = DataType {
            kind: TypeKind::Domain {
                base: Box::new(DataType::builtin("int4")),
            },
            ..DataType::builtin("year")
        };
        let outer = DataType {
            kind: TypeKind::Domain {
                base: Box::new(inner),
            },
            ..DataType::builtin("era")
        };
        assert_eq!(outer.resolved(), &DataType::builtin("int4"));
    }
}
