//! Where statements run: the backend, the dialect the plan was made in, the connection's
//! namespace; and how names and literals are written there.

use sealift_ir::Dialect;

use super::{Backend, Features, backend};
use crate::statement::Name;

/// Where statements run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The backend that runs them.
    pub backend: Dialect,
    /// The dialect the plan was made in: its types, defaults and expressions are spelled so.
    pub plan: Dialect,
    /// The namespace the connection is set to (PostgreSQL's current schema): tables in it are
    /// named without a schema, so a migration follows the search path.
    pub default_schema: &'a str,
}

impl<'a> Target<'a> {
    /// The plan's own backend.
    pub fn native(dialect: Dialect, default_schema: &'a str) -> Self {
        Target {
            backend: dialect,
            plan: dialect,
            default_schema,
        }
    }

    /// The same plan on another backend.
    pub fn on(self, backend: Dialect) -> Self {
        Target { backend, ..self }
    }

    /// The target as if the plan had been made on its backend.
    pub(crate) fn native_plan(self) -> Self {
        Target {
            plan: self.backend,
            ..self
        }
    }

    pub(crate) fn native_backend(&self) -> bool {
        self.backend == self.plan
    }

    /// True for a name PostgreSQL gave (`default`) in a plan made there, running elsewhere:
    /// the object has no name on the other backends.
    pub(crate) fn foreign_pg_name(&self, name: &str, default: &str) -> bool {
        self.away() && backend(self.plan).features().names_unnamed && name == default
    }

    /// The name to give a constraint being added: none where the plan's server chose the
    /// name itself and the plan runs elsewhere, or where the target keeps no name
    /// (`names_kept` false), so the target's server names it its own way.
    pub(crate) fn given_name(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn Backend) -> Option<String>,
        names_kept: bool,
    ) -> Option<String> {
        match name {
            Some(_) if self.chosen_by_server(name, &default) && (self.away() || !names_kept) => {
                None
            }
            other => other.map(str::to_owned),
        }
    }

    /// True when `name` is the one the plan's server gives such a constraint by itself.
    pub(crate) fn chosen_by_server(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn Backend) -> Option<String>,
    ) -> bool {
        name.is_some() && name == default(backend(self.plan)).as_deref()
    }

    /// The name a constraint has on the target's server: its own, or for one that has none
    /// (SQLite keeps none) or that the plan's server named itself, the name the target's
    /// server gives; `None` where it gives none.
    pub(crate) fn name_on_server(
        &self,
        name: Option<&str>,
        default: impl Fn(&dyn Backend) -> Option<String>,
    ) -> Option<String> {
        match name {
            Some(n) if !(self.away() && self.chosen_by_server(name, &default)) => {
                Some(n.to_owned())
            }
            _ => default(backend(self.backend)),
        }
    }

    /// True when the plan runs on another backend than the one it was made on.
    pub(crate) fn away(&self) -> bool {
        self.plan != self.backend
    }

    /// What the target's backend can say.
    pub(crate) fn features(&self) -> &'static Features {
        backend(self.backend).features()
    }

    /// An expression of the plan's catalog, as another backend reads it.
    pub(crate) fn expression(&self, text: &str) -> String {
        if !self.away() {
            return text.to_owned();
        }
        let text = if backend(self.plan).features().casts_in_expressions {
            crate::expr::without_casts(text)
        } else {
            text.to_owned()
        };
        // Names quoted as the plan's server quotes them (MySQL's backquotes), quoted as the
        // target's.
        let quote_char = |d: Dialect| backend(d).quote("").chars().next().unwrap_or('"');
        crate::expr::requoted(&text, quote_char(self.plan), quote_char(self.backend))
    }

    pub(crate) fn implicit(&self, schema: &str) -> bool {
        schema.is_empty()
            || schema == self.default_schema
            || backend(self.plan).implicit_schema(schema)
            || backend(self.backend).implicit_schema(schema)
    }

    pub(crate) fn name(&self, schema: &str, name: &str) -> Name {
        Name {
            schema: (!self.implicit(schema)).then(|| schema.to_owned()),
            name: name.to_owned(),
        }
    }

    /// `"schema"."name"`, or the bare name in the connection's namespace.
    pub(crate) fn table_ref(&self, schema: &str, name: &str) -> String {
        if self.implicit(schema) {
            quote(name, self.backend)
        } else {
            format!(
                "{}.{}",
                quote(schema, self.backend),
                quote(name, self.backend)
            )
        }
    }

    pub(crate) fn quote(&self, name: &str) -> String {
        quote(name, self.backend)
    }
}

/// An identifier, quoted for the dialect.
pub(crate) fn quote(name: &str, d: Dialect) -> String {
    backend(d).quote(name)
}

/// True when a name needs no schema: SQLite's `main`, MySQL's current database.
fn implicit_schema(schema: &str, d: Dialect) -> bool {
    schema.is_empty() || backend(d).implicit_schema(schema)
}

/// `"schema"."name"`; SQLite's `main` is left implicit.
pub(crate) fn table_ref(schema: &str, name: &str, d: Dialect) -> String {
    if implicit_schema(schema, d) {
        quote(name, d)
    } else {
        format!("{}.{}", quote(schema, d), quote(name, d))
    }
}

pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub(crate) fn comment_literal(c: &Option<String>) -> String {
    c.as_deref()
        .map(literal)
        .unwrap_or_else(|| "NULL".to_owned())
}
