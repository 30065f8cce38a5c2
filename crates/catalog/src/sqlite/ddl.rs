//! Reads what SQLite keeps only in a table's or index's DDL text (`sqlite_master.sql`):
//! constraint names, check expressions, `AUTOINCREMENT`, deferrable foreign keys, generated
//! column expressions, index expressions and partial-index predicates.
//!
//! The pragmas give structure; this gives the rest. It is a tokenizer plus a walk over the
//! top-level items of the column list, not a SQL parser: anything it does not recognise is
//! skipped, never an error.

/// One token: its kind and its byte span in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word or a quoted identifier ("x", `x`, [x]).
    Word,
    /// A string literal.
    Str,
    /// Anything else: numbers, operators.
    Other,
    Open,
    Close,
    Comma,
}

fn tokenize(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => break,
                        // A doubled quote is an escaped quote.
                        Some(&b) if b == close && bytes.get(i + 1) == Some(&close) && c != b'[' => {
                            i += 2
                        }
                        Some(&b) if b == close => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if c == b'\'' { Kind::Str } else { Kind::Word }
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// The names a statement mentions (unquoted, lowercased), and whether it selects `*`: what a
/// view reads, as far as its text tells without resolving it (SQLite keeps no dependencies).
pub fn names_used(sql: &str) -> (std::collections::BTreeSet<String>, bool) {
    let mut names = std::collections::BTreeSet::new();
    let mut star = false;
    for t in tokenize(sql) {
        let text = &sql[t.start..t.end];
        match t.kind {
            Kind::Word => {
                names.insert(unquote(text).to_lowercase());
            }
            Kind::Other if text == "*" => star = true,
            _ => {}
        }
    }
    (names, star)
}

/// A cursor over the tokens of one statement.
struct Tokens<'s> {
    sql: &'s str,
    toks: Vec<Token>,
}

impl<'s> Tokens<'s> {
    fn new(sql: &'s str) -> Self {
        Tokens {
            sql,
            toks: tokenize(sql),
        }
    }

    fn text(&self, t: Token) -> &'s str {
        &self.sql[t.start..t.end]
    }

    /// True when token `i` is the keyword `kw` (case-insensitive).
    fn is(&self, i: usize, kw: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Word && self.text(*t).eq_ignore_ascii_case(kw))
    }

    /// The identifier at `i`, unquoted.
    fn ident(&self, i: usize) -> Option<String> {
        self.toks.get(i).map(|t| unquote(self.text(*t)))
    }

    /// The index of the `)` closing the `(` at `open`.
    fn close_of(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, t) in self.toks.iter().enumerate().skip(open) {
            match t.kind {
                Kind::Open => depth += 1,
                Kind::Close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The source text strictly between tokens `open` and `close`.
    fn inner(&self, open: usize, close: usize) -> String {
        self.sql[self.toks[open].end..self.toks[close].start]
            .trim()
            .to_owned()
    }

    /// Splits tokens `from..to` at top-level commas.
    fn split_commas(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let mut items = Vec::new();
        let mut depth = 0usize;
        let mut start = from;
        for i in from..to {
            match self.toks[i].kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                Kind::Comma if depth == 0 => {
                    items.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < to {
            items.push((start, to));
        }
        items
    }

    /// Identifiers of the parenthesised list at `open` (column names; sort words dropped).
    fn name_list(&self, open: usize) -> Vec<String> {
        let Some(close) = self.close_of(open) else {
            return Vec::new();
        };
        self.split_commas(open + 1, close)
            .into_iter()
            .filter_map(|(a, _)| self.ident(a))
            .collect()
    }
}

/// Strips SQL identifier quotes and undoubles escaped quotes.
pub fn unquote(text: &str) -> String {
    let b = text.as_bytes();
    match (b.first(), b.last()) {
        (Some(b'"'), Some(b'"')) if b.len() >= 2 => text[1..text.len() - 1].replace("\"\"", "\""),
        (Some(b'`'), Some(b'`')) if b.len() >= 2 => text[1..text.len() - 1].replace("``", "`"),
        (Some(b'['), Some(b']')) if b.len() >= 2 => text[1..text.len() - 1].to_owned(),
        _ => text.to_owned(),
    }
}

/// What a `CREATE TABLE` statement says beyond what the pragmas report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TableDdl {
    /// The `CONSTRAINT` name of the primary key.
    pub primary_key_name: Option<String>,
    /// Named unique constraints: name and columns.
    pub uniques: Vec<(String, Vec<String>)>,
    /// Checks: name (if any) and expression.
    pub checks: Vec<(Option<String>, String)>,
    /// Foreign keys in declaration order.
    pub foreign_keys: Vec<FkDdl>,
    /// Columns declared `AUTOINCREMENT`.
    pub autoincrement: Vec<String>,
    /// Generated columns and their expressions.
    pub generated: Vec<(String, String)>,
    /// Columns declared with a `COLLATE` and the collation's name.
    pub collations: Vec<(String, String)>,
}

/// A foreign key as declared.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FkDdl {
    /// The `CONSTRAINT` name.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// `DEFERRABLE INITIALLY DEFERRED` (true) or immediate / not deferrable (false).
    pub deferrable: Option<bool>,
}

/// Reads a `CREATE TABLE` statement.
pub fn table(sql: &str) -> TableDdl {
    let t = Tokens::new(sql);
    let mut out = TableDdl::default();
    let Some(open) = t.toks.iter().position(|k| k.kind == Kind::Open) else {
        return out;
    };
    let Some(close) = t.close_of(open) else {
        return out;
    };
    for (a, b) in t.split_commas(open + 1, close) {
        let table_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|kw| t.is(a, kw));
        if table_constraint {
            constraint(&t, a, b, None, &mut out);
        } else if let Some(column) = t.ident(a) {
            column_constraints(&t, a + 1, b, &column, &mut out);
        }
    }
    out
}

/// Reads one constraint (table- or column-level) starting at token `i`, up to `end`.
/// Returns the token after it. `column` is set for column constraints.
fn constraint(
    t: &Tokens<'_>,
    mut i: usize,
    end: usize,
    column: Option<&str>,
    out: &mut TableDdl,
) -> usize {
    let mut name = None;
    if t.is(i, "CONSTRAINT") {
        name = t.ident(i + 1);
        i += 2;
    }
    let paren_after = |from: usize| (from..end).find(|&j| t.toks[j].kind == Kind::Open);
    if t.is(i, "PRIMARY") {
        if name.is_some() {
            out.primary_key_name = name;
        }
        i += 2;
        while i < end && !starts_constraint(t, i) {
            if t.is(i, "AUTOINCREMENT")
                && let Some(c) = column
            {
                out.autoincrement.push(c.to_owned());
            }
            i += 1;
        }
        return i;
    }
    if t.is(i, "UNIQUE") {
        let cols = match column {
            Some(c) => vec![c.to_owned()],
            None => paren_after(i).map(|o| t.name_list(o)).unwrap_or_default(),
        };
        if let Some(n) = name {
            out.uniques.push((n, cols));
        }
        return skip_to_next(t, i + 1, end);
    }
    if t.is(i, "CHECK") {
        if let Some(o) = paren_after(i)
            && let Some(c) = t.close_of(o)
        {
            out.checks.push((name, t.inner(o, c)));
            return c + 1;
        }
        return end;
    }
    if t.is(i, "FOREIGN") || t.is(i, "REFERENCES") {
        let columns = if t.is(i, "FOREIGN") {
            let cols = paren_after(i).map(|o| t.name_list(o)).unwrap_or_default();
            i = (i..end).find(|&j| t.is(j, "REFERENCES")).unwrap_or(end);
            cols
        } else {
            column.map(|c| vec![c.to_owned()]).unwrap_or_default()
        };
        let mut deferrable = None;
        i += 1;
        // `SET NULL` / `SET DEFAULT` belong to the clause, not to a next constraint.
        while i < end && (!starts_constraint(t, i) || t.is(i - 1, "SET")) {
            if t.is(i, "DEFERRABLE") {
                let negated = i > 0 && t.is(i - 1, "NOT");
                let deferred = t.is(i + 1, "INITIALLY") && t.is(i + 2, "DEFERRED");
                deferrable = Some(!negated && deferred);
            }
            i += 1;
        }
        out.foreign_keys.push(FkDdl {
            name,
            columns,
            deferrable,
        });
        return i;
    }
    if t.is(i, "GENERATED") || t.is(i, "AS") {
        if let Some(o) = paren_after(i)
            && let Some(c) = t.close_of(o)
        {
            if let Some(col) = column {
                out.generated.push((col.to_owned(), t.inner(o, c)));
            }
            return c + 1;
        }
        return end;
    }
    skip_to_next(t, i + 1, end)
}

/// True when token `i` begins a column constraint.
fn starts_constraint(t: &Tokens<'_>, i: usize) -> bool {
    [
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "REFERENCES",
        "GENERATED",
        "AS",
        "DEFAULT",
        "COLLATE",
        "NOT",
        "NULL",
    ]
    .iter()
    .any(|kw| t.is(i, kw))
        && !(t.is(i, "NOT") && t.is(i + 1, "DEFERRABLE"))
}

/// Skips tokens (and whole parenthesised groups) until the next constraint keyword.
fn skip_to_next(t: &Tokens<'_>, mut i: usize, end: usize) -> usize {
    while i < end && !starts_constraint(t, i) {
        if t.toks[i].kind == Kind::Open {
            i = t.close_of(i).unwrap_or(end);
        }
        i += 1;
    }
    i
}

/// Walks the constraints of a column definition (tokens after the column name).
fn column_constraints(t: &Tokens<'_>, mut i: usize, end: usize, column: &str, out: &mut TableDdl) {
    // Skip the type name and its modifiers.
    i = skip_to_next(t, i, end);
    while i < end {
        if t.is(i, "DEFAULT") {
            // A default is a literal, a signed number or a parenthesised expression.
            i += 1;
            if t.toks.get(i).is_some_and(|k| k.kind == Kind::Open) {
                i = t.close_of(i).map_or(end, |c| c + 1);
            } else {
                i = skip_to_next(t, i + 1, end);
            }
            continue;
        }
        if t.is(i, "COLLATE") {
            if let Some(coll) = t.ident(i + 1) {
                out.collations.push((column.to_owned(), coll));
            }
            i = skip_to_next(t, i + 2, end);
            continue;
        }
        if ["NOT", "NULL"].iter().any(|kw| t.is(i, kw)) {
            i = skip_to_next(t, i + 1, end);
            continue;
        }
        let next = constraint(t, i, end, Some(column), out);
        i = next.max(i + 1);
    }
}

/// What a `CREATE INDEX` statement says beyond the pragmas: key texts and the predicate.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IndexDdl {
    /// Each key part's text, without `ASC`/`DESC`/`COLLATE`.
    pub parts: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
}

/// Reads a `CREATE INDEX` statement.
pub fn index(sql: &str) -> IndexDdl {
    let t = Tokens::new(sql);
    let mut out = IndexDdl::default();
    let Some(on) = (0..t.toks.len()).find(|&i| t.is(i, "ON")) else {
        return out;
    };
    let Some(open) = (on..t.toks.len()).find(|&i| t.toks[i].kind == Kind::Open) else {
        return out;
    };
    let Some(close) = t.close_of(open) else {
        return out;
    };
    for (a, b) in t.split_commas(open + 1, close) {
        let mut last = b;
        while last > a + 1 && ["ASC", "DESC"].iter().any(|kw| t.is(last - 1, kw)) {
            last -= 1;
        }
        if let Some(c) = (a..last).find(|&j| t.is(j, "COLLATE")) {
            last = c;
        }
        if last > a {
            out.parts.push(
                t.sql[t.toks[a].start..t.toks[last - 1].end]
                    .trim()
                    .to_owned(),
            );
        }
    }
    if t.is(close + 1, "WHERE") && close + 2 < t.toks.len() {
        let start = t.toks[close + 2].start;
        let text = t.sql[start..].trim().trim_end_matches(';').trim();
        out.predicate = Some(text.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_named_constraints_checks_and_autoincrement() {
        let ddl = table(
            r#"CREATE TABLE "film" (
  film_id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  rating VARCHAR(10) DEFAULT 'G' COLLATE NOCASE CHECK (rating <> ''),
  "lang id" int CONSTRAINT fk_lang REFERENCES language (id) DEFERRABLE INITIALLY DEFERRED,
  total real GENERATED ALWAYS AS (price * 2) STORED,
  code text, -- trailing comment, with a comma
  CONSTRAINT uq_code UNIQUE (code),
  CONSTRAINT CHECK_rating CHECK(rating in ('G','PG', 'it''s')),
  CONSTRAINT fk_film_language FOREIGN KEY (code) REFERENCES language (code) ON DELETE SET NULL
)"#,
        );
        assert_eq!(ddl.autoincrement, vec!["film_id"]);
        assert_eq!(
            ddl.uniques,
            vec![("uq_code".to_owned(), vec!["code".to_owned()])]
        );
        assert_eq!(
            ddl.checks,
            vec![
                (None, "rating <> ''".to_owned()),
                (
                    Some("CHECK_rating".to_owned()),
                    "rating in ('G','PG', 'it''s')".to_owned()
                ),
            ]
        );
        assert_eq!(
            ddl.foreign_keys,
            vec![
                FkDdl {
                    name: Some("fk_lang".into()),
                    columns: vec!["lang id".into()],
                    deferrable: Some(true),
                },
                FkDdl {
                    name: Some("fk_film_language".into()),
                    columns: vec!["code".into()],
                    deferrable: None,
                },
            ]
        );
        assert_eq!(
            ddl.generated,
            vec![("total".to_owned(), "price * 2".to_owned())]
        );
        assert_eq!(
            ddl.collations,
            vec![("rating".to_owned(), "NOCASE".to_owned())]
        );
    }

    #[test]
    fn reads_a_named_primary_key() {
        let ddl = table("CREATE TABLE t (a int, b int, CONSTRAINT pk_t PRIMARY KEY (a, b))");
        assert_eq!(ddl.primary_key_name.as_deref(), Some("pk_t"));
    }

    #[test]
    fn reads_index_expressions_and_predicates() {
        let ddl = index(
            "CREATE UNIQUE INDEX ix ON t (lower(name) DESC, age COLLATE nocase ASC) WHERE age > 0;",
        );
        assert_eq!(ddl.parts, vec!["lower(name)", "age"]);
        assert_eq!(ddl.predicate.as_deref(), Some("age > 0"));
    }
}
