//! Entity files built from arbitrary tokens: a SeaORM entity's shape (derives, a `Model`
//! struct, attributes, a `Relation` enum, an `ActiveEnum`) filled with words SeaORM's macros
//! read, literals of every kind and nested groups, so the fuzzer spends its time in the
//! parser's and lowering's branches rather than in syn's rejection of random bytes.

use std::fmt::Write;

use arbitrary::Arbitrary;

/// Words the entity reader looks for, and a few it must not be confused by.
const WORDS: [&str; 64] = [
    "sea_orm",
    "table_name",
    "schema_name",
    "primary_key",
    "auto_increment",
    "column_type",
    "column_name",
    "nullable",
    "unique",
    "unique_key",
    "indexed",
    "default_value",
    "default_expr",
    "extra",
    "comment",
    "ignore",
    "enum_name",
    "db_type",
    "rs_type",
    "string_value",
    "num_value",
    "belongs_to",
    "has_many",
    "has_one",
    "from",
    "to",
    "on_delete",
    "on_update",
    "Cascade",
    "SetNull",
    "Restrict",
    "Column",
    "Entity",
    "Model",
    "Relation",
    "ActiveModel",
    "String",
    "Text",
    "Integer",
    "BigInteger",
    "Decimal",
    "Enum",
    "Option",
    "Vec",
    "i32",
    "i64",
    "u8",
    "f64",
    "bool",
    "Uuid",
    "DateTime",
    "DateTimeWithTimeZone",
    "Json",
    "Decimal",
    "custom",
    "Char",
    "Binary",
    "VarBinary",
    "self",
    "super",
    "crate",
    "pub",
    "r#type",
    "order",
];

const PUNCT: [&str; 14] = [
    ",", "=", "::", ":", ";", "#", "!", "<", ">", "&", "'", "-", ".", "..",
];

/// One token or group.
#[derive(Debug, Arbitrary)]
pub enum Tok {
    /// A word from [`WORDS`].
    Word(u8),
    /// Any identifier-like text.
    Ident(String),
    /// Punctuation from [`PUNCT`].
    Punct(u8),
    /// A string literal, escaped.
    Str(String),
    /// A raw string literal holding anything.
    RawStr(String),
    /// A number.
    Int(i64),
    /// A float.
    Float(f64),
    /// A parenthesised, bracketed or braced group.
    Group(u8, Vec<Tok>),
}

/// A field of `Model`: its attributes, name and type.
#[derive(Debug, Arbitrary)]
pub struct Field {
    attrs: Vec<Tok>,
    name: Tok,
    ty: Vec<Tok>,
}

/// An enum variant or a relation: its attributes and its name.
type Variant = (Vec<Tok>, Tok);

/// A whole entity file.
#[derive(Debug, Arbitrary)]
pub struct EntityTokens {
    model_attrs: Vec<Tok>,
    fields: Vec<Field>,
    relations: Vec<Variant>,
    enum_attrs: Option<(Vec<Tok>, Vec<Variant>)>,
    tail: Vec<Tok>,
}

impl EntityTokens {
    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = String::from("use sea_orm::entity::prelude::*;\n\n");
        s.push_str("#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(");
        render_all(&mut s, &self.model_attrs);
        s.push_str(")]\npub struct Model {\n");
        for f in &self.fields {
            s.push_str("    #[sea_orm(");
            render_all(&mut s, &f.attrs);
            s.push_str(")]\n    pub ");
            render(&mut s, &f.name);
            s.push_str(": ");
            render_all(&mut s, &f.ty);
            s.push_str(",\n");
        }
        s.push_str(
            "}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {\n",
        );
        for (attrs, name) in &self.relations {
            s.push_str("    #[sea_orm(");
            render_all(&mut s, attrs);
            s.push_str(")]\n    ");
            render(&mut s, name);
            s.push_str(",\n");
        }
        s.push_str("}\n\nimpl ActiveModelBehavior for ActiveModel {}\n");
        if let Some((attrs, variants)) = &self.enum_attrs {
            s.push_str(
                "\n#[derive(Debug, Clone, PartialEq, Eq, EnumIter, DeriveActiveEnum)]\n#[sea_orm(",
            );
            render_all(&mut s, attrs);
            s.push_str(")]\npub enum Mood {\n");
            for (attrs, name) in variants {
                s.push_str("    #[sea_orm(");
                render_all(&mut s, attrs);
                s.push_str(")]\n    ");
                render(&mut s, name);
                s.push_str(",\n");
            }
            s.push_str("}\n");
        }
        render_all(&mut s, &self.tail);
        s
    }
}

fn render_all(s: &mut String, toks: &[Tok]) {
    for (i, t) in toks.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        render(s, t);
    }
}

fn render(s: &mut String, tok: &Tok) {
    match tok {
        Tok::Word(i) => s.push_str(WORDS[*i as usize % WORDS.len()]),
        Tok::Ident(text) => {
            let ident: String = text
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            s.push_str(if ident.is_empty() { "x" } else { &ident });
        }
        Tok::Punct(i) => s.push_str(PUNCT[*i as usize % PUNCT.len()]),
        Tok::Str(text) => {
            let _ = write!(s, "{text:?}");
        }
        Tok::RawStr(text) => {
            let hashes = "#".repeat(text.matches('"').count().min(4) + 1);
            let _ = write!(s, "r{hashes}\"{text}\"{hashes}");
        }
        Tok::Int(n) => {
            let _ = write!(s, "{n}");
        }
        Tok::Float(f) => {
            let _ = write!(s, "{f:?}");
        }
        Tok::Group(kind, inner) => {
            let (open, close) = [("(", ")"), ("[", "]"), ("{", "}")][*kind as usize % 3];
            s.push_str(open);
            render_all(s, inner);
            s.push_str(close);
        }
    }
}
