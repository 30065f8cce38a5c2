//! The one statement model: what a change runs, built once per backend. The SQL preview renders
//! it with sea-query's backend; the migration file writes the same value as Rust builder code
//! (`sealift-codegen`). So `sealift diff --format sql` is, statement for statement, what the
//! migration executes on that backend.
//!
//! A statement is either a sea-query schema statement described as data ([`SchemaStatement`]), SQL text
//! where sea-query has none, or a refusal: the change cannot run on that backend as planned.

use sea_query::extension::postgres::Type;
use sea_query::{
    Alias, Check as SqCheck, ColumnDef, ColumnType, Expr, ForeignKey as SqForeignKey,
    ForeignKeyAction, Index as SqIndex, IndexOrder, IntoTableRef, MysqlQueryBuilder,
    PostgresQueryBuilder, SchemaStatementBuilder, SqliteQueryBuilder, StringLen, Table as SqTable,
    TableRef,
};
use sealift_ir::{Dialect, FkAction, LogicalDefault, LogicalType};

/// One statement of a change on one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A sea-query schema statement: the migration calls `SchemaManager` with it.
    Schema(Box<SchemaStatement>),
    /// SQL text, run as it is (`execute_unprepared`).
    Sql(String),
    /// Nothing to run on this backend, for the reason given (SQLite keeps no comments).
    Nothing(String),
    /// The change cannot run on this backend as planned; the migration returns this error.
    Unsupported(String),
    /// A column filled where it is NULL, in batches of [`crate::BATCH_ROWS`] rows along an
    /// integer key, each committed on its own (the migration file's `backfill` helper); one
    /// `UPDATE` without a key. Names are quoted for the backend.
    Backfill {
        /// The table, as the statements name it.
        table: String,
        /// The column.
        column: String,
        /// The SQL expression it takes.
        value: String,
        /// The integer key the batches walk.
        key: Option<String>,
    },
}

/// A table (or type) name: bare when it lives in the namespace the connection is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The namespace, when it must be stated.
    pub schema: Option<String>,
    /// The object's name.
    pub name: String,
}

/// A sea-query schema statement, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SchemaStatement {
    CreateTable(CreateTable),
    DropTable(Name),
    /// A table renamed within its namespace.
    RenameTable {
        table: Name,
        to: String,
    },
    AddColumn {
        table: Name,
        column: ColumnSpec,
    },
    DropColumn {
        table: Name,
        column: String,
    },
    RenameColumn {
        table: Name,
        from: String,
        to: String,
    },
    /// MySQL's `MODIFY COLUMN`, with the whole definition.
    ModifyColumn {
        table: Name,
        column: ColumnSpec,
    },
    CreateIndex {
        table: Name,
        index: IndexSpec,
    },
    DropIndex {
        table: Name,
        name: String,
    },
    CreateForeignKey(ForeignKeySpec),
    DropForeignKey {
        table: Name,
        name: String,
    },
    /// PostgreSQL `CREATE TYPE .. AS ENUM`.
    CreateEnum {
        name: Name,
        values: Vec<String>,
    },
    /// PostgreSQL `DROP TYPE`.
    DropEnum(Name),
    /// PostgreSQL `ALTER TYPE .. ADD VALUE .. BEFORE|AFTER ..`.
    AddEnumValue {
        name: Name,
        value: String,
        /// `(true, v)`: before `v`; `(false, v)`: after `v`.
        before: bool,
        next_to: String,
    },
}

/// `CREATE TABLE` with what sea-query can say inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTable {
    /// The table.
    pub table: Name,
    /// Columns in order.
    pub columns: Vec<ColumnSpec>,
    /// The table-level primary key: constraint name and columns.
    pub primary_key: Option<(Option<String>, Vec<String>)>,
    /// Unique constraints: name, columns, `NULLS NOT DISTINCT`.
    pub uniques: Vec<(Option<String>, Vec<String>, bool)>,
    /// Checks: name and expression.
    pub checks: Vec<(Option<String>, String)>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKeySpec>,
}

/// A column as sea-query's `ColumnDef` builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The column's name.
    pub name: String,
    /// SeaORM's type; `Custom` carries SQL text where no logical type fits.
    pub ty: LogicalType,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The default.
    pub default: Option<LogicalDefault>,
    /// `AUTO_INCREMENT` / `AUTOINCREMENT` / an identity, as sea-query writes it per backend.
    pub auto_increment: bool,
    /// `PRIMARY KEY` inline.
    pub primary_key: bool,
    /// Text after the definition (`GENERATED ALWAYS AS IDENTITY`).
    pub extra: Option<String>,
    /// A generated column's expression and whether it is stored.
    pub generated: Option<(String, bool)>,
    /// The comment (sea-query writes it on MySQL only).
    pub comment: Option<String>,
}

/// An index sea-query's builder states fully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index name.
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// Columns, each with `true` for descending.
    pub columns: Vec<(String, bool)>,
}

/// A foreign key as sea-query builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeySpec {
    /// The constraint name.
    pub name: Option<String>,
    /// The referencing table.
    pub from: Name,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub to: Name,
    /// Referenced columns.
    pub referenced: Vec<String>,
    /// `ON UPDATE`, when not `NO ACTION`.
    pub on_update: Option<FkAction>,
    /// `ON DELETE`, when not `NO ACTION`.
    pub on_delete: Option<FkAction>,
}

impl Statement {
    /// The SQL this statement runs on `d`, without a trailing semicolon; a refusal reads as an
    /// SQL comment.
    pub fn to_sql(&self, d: Dialect) -> String {
        match self {
            Statement::Schema(s) => s.to_sql(d),
            Statement::Sql(text) => text.clone(),
            Statement::Nothing(why) => format!("-- nothing to run on {d}: {why}"),
            Statement::Unsupported(why) => format!("-- cannot run on {d}: {why}"),
            // The batches together do what this one statement does.
            Statement::Backfill {
                table,
                column,
                value,
                ..
            } => format!("UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"),
        }
    }
}

impl SchemaStatement {
    /// Rendered by sea-query's backend for `d`.
    pub fn to_sql(&self, d: Dialect) -> String {
        match self {
            SchemaStatement::CreateTable(t) => one_item_per_line(&build(&t.to_sea(), d)),
            SchemaStatement::DropTable(t) => build(SqTable::drop().table(t.to_sea()), d),
            SchemaStatement::RenameTable { table, to } => {
                build(SqTable::rename().table(table.to_sea(), Alias::new(to)), d)
            }
            SchemaStatement::AddColumn { table, column } => build(
                SqTable::alter()
                    .table(table.to_sea())
                    .add_column(column.to_sea()),
                d,
            ),
            SchemaStatement::DropColumn { table, column } => build(
                SqTable::alter()
                    .table(table.to_sea())
                    .drop_column(Alias::new(column)),
                d,
            ),
            SchemaStatement::RenameColumn { table, from, to } => build(
                SqTable::alter()
                    .table(table.to_sea())
                    .rename_column(Alias::new(from), Alias::new(to)),
                d,
            ),
            SchemaStatement::ModifyColumn { table, column } => build(
                SqTable::alter()
                    .table(table.to_sea())
                    .modify_column(column.to_sea()),
                d,
            ),
            SchemaStatement::CreateIndex { table, index } => {
                let mut stmt = SqIndex::create();
                stmt.name(&index.name).table(table.to_sea());
                if index.unique {
                    stmt.unique();
                }
                for (c, desc) in &index.columns {
                    if *desc {
                        stmt.col((Alias::new(c), IndexOrder::Desc));
                    } else {
                        stmt.col(Alias::new(c));
                    }
                }
                build(&stmt, d)
            }
            SchemaStatement::DropIndex { table, name } => {
                build(SqIndex::drop().name(name).table(table.to_sea()), d)
            }
            SchemaStatement::CreateForeignKey(fk) => build(&fk.to_sea(), d),
            SchemaStatement::DropForeignKey { table, name } => {
                build(SqForeignKey::drop().name(name).table(table.to_sea()), d)
            }
            SchemaStatement::CreateEnum { name, values } => Type::create()
                .as_enum(name.to_type())
                .values(values.iter().map(Alias::new).collect::<Vec<_>>())
                .to_owned()
                .to_string(PostgresQueryBuilder),
            SchemaStatement::DropEnum(name) => Type::drop()
                .name(name.to_type())
                .to_owned()
                .to_string(PostgresQueryBuilder),
            SchemaStatement::AddEnumValue {
                name,
                value,
                before,
                next_to,
            } => {
                let add = Type::alter()
                    .name(name.to_type())
                    .add_value(Alias::new(value));
                let stmt = if *before {
                    add.before(Alias::new(next_to))
                } else {
                    add.after(Alias::new(next_to))
                };
                stmt.to_string(PostgresQueryBuilder)
            }
        }
    }
}

impl Statement {
    /// This statement as SQL text when sea-query would write it wrong on `d`: it writes index,
    /// key and constraint names between quotes as they are, so a name holding `d`'s quote
    /// character (`"` or `` ` ``) would end early. Rendered with stand-ins for those names,
    /// then each replaced by the name quoted with the quote doubled.
    pub(crate) fn spelled_for(self, d: Dialect, quote: impl Fn(&str) -> String) -> Statement {
        let Statement::Schema(schema) = &self else {
            return self;
        };
        let q = quote("")
            .chars()
            .next()
            .expect("a quoted name starts with its quote");
        let mut copy = (**schema).clone();
        let mut stand_ins = Vec::new();
        for name in copy.raw_names() {
            if name.contains(q) {
                let stand_in = format!("sealift\u{1}{}", stand_ins.len());
                stand_ins.push((format!("{q}{stand_in}{q}"), quote(name)));
                *name = stand_in;
            }
        }
        if stand_ins.is_empty() {
            return self;
        }
        let mut sql = copy.to_sql(d);
        for (stand_in, quoted) in stand_ins {
            sql = sql.replace(&stand_in, &quoted);
        }
        Statement::Sql(sql)
    }
}

impl SchemaStatement {
    /// The names sea-query writes without escaping them.
    fn raw_names(&mut self) -> Vec<&mut String> {
        match self {
            SchemaStatement::CreateTable(t) => {
                let mut names: Vec<&mut String> = Vec::new();
                if let Some((Some(n), _)) = &mut t.primary_key {
                    names.push(n);
                }
                names.extend(t.uniques.iter_mut().filter_map(|(n, _, _)| n.as_mut()));
                names.extend(t.foreign_keys.iter_mut().filter_map(|fk| fk.name.as_mut()));
                names
            }
            SchemaStatement::CreateIndex { index, .. } => vec![&mut index.name],
            SchemaStatement::DropIndex { name, .. }
            | SchemaStatement::DropForeignKey { name, .. } => vec![name],
            SchemaStatement::CreateForeignKey(fk) => fk.name.as_mut().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl Name {
    fn to_sea(&self) -> TableRef {
        match &self.schema {
            Some(s) => (Alias::new(s), Alias::new(&self.name)).into_table_ref(),
            None => Alias::new(&self.name).into_table_ref(),
        }
    }

    fn to_type(&self) -> sea_query::TypeRef {
        match &self.schema {
            Some(s) => (Alias::new(s), Alias::new(&self.name)).into(),
            None => Alias::new(&self.name).into(),
        }
    }
}

impl CreateTable {
    fn to_sea(&self) -> sea_query::TableCreateStatement {
        let mut stmt = SqTable::create();
        stmt.table(self.table.to_sea());
        for c in &self.columns {
            stmt.col(c.to_sea());
        }
        if let Some((name, cols)) = &self.primary_key {
            let mut idx = SqIndex::create();
            if let Some(n) = name {
                idx.name(n);
            }
            for c in cols {
                idx.col(Alias::new(c));
            }
            stmt.primary_key(&mut idx);
        }
        for (name, cols, nnd) in &self.uniques {
            let mut idx = SqIndex::create();
            idx.unique();
            if *nnd {
                idx.nulls_not_distinct();
            }
            if let Some(n) = name {
                idx.name(n);
            }
            for c in cols {
                idx.col(Alias::new(c));
            }
            stmt.index(&mut idx);
        }
        for (name, expr) in &self.checks {
            stmt.check(match name {
                Some(n) => SqCheck::named(Alias::new(n), Expr::cust(expr.clone())),
                None => Expr::cust(expr.clone()).into(),
            });
        }
        for fk in &self.foreign_keys {
            stmt.foreign_key(&mut fk.to_sea());
        }
        stmt
    }
}

impl ColumnSpec {
    /// The sea-query column definition.
    pub fn to_sea(&self) -> ColumnDef {
        let mut def = ColumnDef::new_with_type(Alias::new(&self.name), sea_type(&self.ty));
        if self.not_null {
            def.not_null();
        }
        if let Some(d) = &self.default {
            def.default(sea_default(d));
        }
        if self.primary_key {
            def.primary_key();
        }
        if self.auto_increment {
            def.auto_increment();
        }
        if let Some(e) = &self.extra {
            def.extra(e);
        }
        if let Some((expr, stored)) = &self.generated {
            def.generated(Expr::cust(expr.clone()), *stored);
        }
        if let Some(c) = &self.comment {
            def.comment(c);
        }
        def
    }
}

impl ForeignKeySpec {
    fn to_sea(&self) -> sea_query::ForeignKeyCreateStatement {
        let mut stmt = SqForeignKey::create();
        if let Some(n) = &self.name {
            stmt.name(n);
        }
        stmt.from_tbl(self.from.to_sea()).to_tbl(self.to.to_sea());
        for c in &self.columns {
            stmt.from_col(Alias::new(c));
        }
        for c in &self.referenced {
            stmt.to_col(Alias::new(c));
        }
        if let Some(a) = self.on_update {
            stmt.on_update(sea_action(a));
        }
        if let Some(a) = self.on_delete {
            stmt.on_delete(sea_action(a));
        }
        stmt
    }
}

/// sea-query's column type for a logical type.
pub(crate) fn sea_type(t: &LogicalType) -> ColumnType {
    use LogicalType as L;
    match t {
        L::Char(n) => ColumnType::Char(*n),
        L::String(Some(n)) => ColumnType::String(StringLen::N(*n)),
        L::String(None) => ColumnType::String(StringLen::None),
        L::Text => ColumnType::Text,
        L::TinyInteger => ColumnType::TinyInteger,
        L::SmallInteger => ColumnType::SmallInteger,
        L::Integer => ColumnType::Integer,
        L::BigInteger => ColumnType::BigInteger,
        L::TinyUnsigned => ColumnType::TinyUnsigned,
        L::SmallUnsigned => ColumnType::SmallUnsigned,
        L::Unsigned => ColumnType::Unsigned,
        L::BigUnsigned => ColumnType::BigUnsigned,
        L::Float => ColumnType::Float,
        L::Double => ColumnType::Double,
        L::Decimal(p) => ColumnType::Decimal(*p),
        L::Money(p) => ColumnType::Money(*p),
        L::DateTime => ColumnType::DateTime,
        L::Timestamp => ColumnType::Timestamp,
        L::TimestampWithTimeZone => ColumnType::TimestampWithTimeZone,
        L::Time => ColumnType::Time,
        L::Date => ColumnType::Date,
        L::Year => ColumnType::Year,
        L::Interval => ColumnType::Interval(None, None),
        L::Binary(n) => ColumnType::Binary(*n),
        L::VarBinary(Some(n)) => ColumnType::VarBinary(StringLen::N(*n)),
        L::VarBinary(None) => ColumnType::VarBinary(StringLen::None),
        L::Blob => ColumnType::Blob,
        L::Bit(n) => ColumnType::Bit(*n),
        L::VarBit(n) => ColumnType::VarBit(*n),
        L::Boolean => ColumnType::Boolean,
        L::Json => ColumnType::Json,
        L::JsonBinary => ColumnType::JsonBinary,
        L::Uuid => ColumnType::Uuid,
        L::Cidr => ColumnType::Cidr,
        L::Inet => ColumnType::Inet,
        L::MacAddr => ColumnType::MacAddr,
        L::LTree => ColumnType::LTree,
        L::Vector(n) => ColumnType::Vector(*n),
        L::Custom(text) => ColumnType::custom(Alias::new(text)),
        L::Enum { name, variants } => ColumnType::Enum {
            name: Alias::new(name).into(),
            variants: variants.iter().map(|v| Alias::new(v).into()).collect(),
        },
        L::Array(inner) => ColumnType::Array(sea_type(inner).into()),
    }
}

/// sea-query's expression for a default: a value where the entity states a literal, the text
/// as it is for keywords and numbers as written, parenthesized SQL for `Expr::cust`.
pub(crate) fn sea_default(d: &LogicalDefault) -> Expr {
    match d {
        LogicalDefault::Str(s) => Expr::val(s.as_str()),
        LogicalDefault::Int(i) => match i64::try_from(*i) {
            Ok(i) => Expr::val(i),
            Err(_) => Expr::custom_keyword(Alias::new(i.to_string())),
        },
        LogicalDefault::Bool(b) => Expr::val(*b),
        LogicalDefault::Float(text) | LogicalDefault::Keyword(text) => {
            Expr::custom_keyword(Alias::new(text))
        }
        LogicalDefault::Sql(text) => Expr::cust(text.clone()),
    }
}

fn sea_action(a: FkAction) -> ForeignKeyAction {
    match a {
        FkAction::NoAction => ForeignKeyAction::NoAction,
        FkAction::Restrict => ForeignKeyAction::Restrict,
        FkAction::Cascade => ForeignKeyAction::Cascade,
        FkAction::SetNull => ForeignKeyAction::SetNull,
        FkAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

/// Renders a sea-query schema statement with the dialect's backend.
pub(crate) fn build(stmt: &impl SchemaStatementBuilder, d: Dialect) -> String {
    match d {
        Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
        Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Dialect::Mysql => stmt.to_string(MysqlQueryBuilder),
    }
}

/// `CREATE TABLE t ( a, b )` -> one column or constraint per line, for reviewers.
pub(crate) fn one_item_per_line(sql: &str) -> String {
    let (Some(open), Some(close)) = (sql.find('('), sql.rfind(')')) else {
        return sql.to_owned();
    };
    let body = &sql[open + 1..close];
    let mut items = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, ch) in body.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(body[start..].trim());
    format!(
        "{}(\n  {}\n){}",
        &sql[..open],
        items.join(",\n  "),
        &sql[close + 1..]
    )
}
