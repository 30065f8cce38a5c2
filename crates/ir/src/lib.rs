//! The schema model every sealift stage speaks: what a database holds, or what entity files ask
//! for, as plain ordered data.
//!
//! Both sides of a diff are lowered into this model: `sealift-catalog` from a live database,
//! the entity parser from SeaORM entity files. It does no IO, has no async and knows nothing of
//! sqlx or syn. Collections are ordered (`BTreeMap`, or `Vec` sorted by name where order carries
//! no meaning) so that equal schemas compare, serialize and dump to the same bytes.

mod dump;
mod logical;
mod model;
mod types;

pub use dump::dump;
pub use logical::{Logical, LogicalDefault, LogicalType};
pub use model::*;
pub use types::{DataType, TypeKind};
