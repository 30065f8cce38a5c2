//! SQL expression text as the diff needs it: which columns an expression uses (a check, an
//! index expression or predicate, a generated column), and a normal form for comparing a check
//! an entity declares with the one the database prints back.
//!
//! PostgreSQL stores an expression parsed and prints it back its own way: `price >= 0` comes
//! back `(price >= (0)::numeric)`, `kind IN ('a', 'b')` comes back
//! `((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`,
//! `LIKE` comes back `~~`. [`normal_form`] undoes those rewrites on both sides, so an edited
//! check is found and an unedited one is never proposed again.

/// One lexical token of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An unquoted word, lowercased (identifiers, keywords, type names, numbers).
    Word(String),
    /// A `"quoted"` identifier, as written inside the quotes.
    Quoted(String),
    /// A `'string'` literal, quotes included.
    Literal(String),
    /// Anything else, one operator or punctuation run at a time.
    Symbol(String),
}

fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() {
                if chars[j] == c {
                    if chars.get(j + 1) == Some(&c) {
                        s.push(c);
                        j += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[j]);
                j += 1;
            }
            out.push(if c == '\'' {
                Token::Literal(format!("'{}'", s.replace('\'', "''")))
            } else {
                Token::Quoted(s)
            });
            i = j + 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$' || {
                    // A decimal point inside a number.
                    chars[j] == '.'
                        && chars[i].is_ascii_digit()
                        && chars.get(j + 1).is_some_and(char::is_ascii_digit)
                })
            {
                j += 1;
            }
            out.push(Token::Word(
                chars[i..j].iter().collect::<String>().to_lowercase(),
            ));
            i = j;
        } else {
            let mut j = i + 1;
            let operator = |ch: char| "<>=!~*+-/%|&^#@".contains(ch);
            if operator(c) {
                while j < chars.len() && operator(chars[j]) {
                    j += 1;
                }
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                j = i + 2;
            }
            out.push(Token::Symbol(chars[i..j].iter().collect()));
            i = j;
        }
    }
    out
}

/// The columns among `columns` that the expression names (string literals and function names
/// never count; unquoted names compare case-insensitively, as both databases fold them).
pub fn columns_used<'a>(expression: &str, columns: impl Iterator<Item = &'a str>) -> Vec<String> {
    let toks = tokens(expression);
    // Words that name no column: type names in casts (`::date`), the type of a typed literal
    // (`date '2020-01-01'`), a field of `EXTRACT(year FROM ..)`, a function's name.
    let mut not_names = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        if is_sym(toks.get(i), "::") {
            let end = skip_cast(&toks, i);
            not_names[i..end].fill(true);
            i = end.max(i + 1);
            continue;
        }
        let next = toks.get(i + 1);
        if matches!(next, Some(Token::Literal(_))) || is_word(next, "from") || is_sym(next, "(") {
            not_names[i] = true;
        }
        i += 1;
    }
    columns
        .filter(|col| {
            toks.iter().enumerate().any(|(i, t)| match t {
                Token::Quoted(q) => q == col,
                Token::Word(w) => !not_names[i] && w.eq_ignore_ascii_case(col),
                _ => false,
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Words that continue a type name after `::` (`character varying`, `double precision`,
/// `timestamp with time zone`).
const TYPE_WORDS: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];

fn is_sym(t: Option<&Token>, s: &str) -> bool {
    matches!(t, Some(Token::Symbol(x)) if x == s)
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x == w)
}

/// The index after the cast starting at `i` (`::type`, `::"type"`, `::schema.type`,
/// `::character varying(10)[]`); `i` itself when there is none.
fn skip_cast(toks: &[Token], mut i: usize) -> usize {
    if !is_sym(toks.get(i), "::") {
        return i;
    }
    i += 1;
    if matches!(toks.get(i), Some(Token::Word(_) | Token::Quoted(_))) {
        i += 1;
    }
    while is_sym(toks.get(i), ".")
        && matches!(toks.get(i + 1), Some(Token::Word(_) | Token::Quoted(_)))
    {
        i += 2;
    }
    while matches!(toks.get(i), Some(Token::Word(w)) if TYPE_WORDS.contains(&w.as_str())) {
        i += 1;
    }
    if is_sym(toks.get(i), "(") {
        while i < toks.len() && !is_sym(toks.get(i), ")") {
            i += 1;
        }
        i += 1;
    }
    while is_sym(toks.get(i), "[") && is_sym(toks.get(i + 1), "]") {
        i += 2;
    }
    i
}

/// The index of the parenthesis matching the one at `open` (forward).
fn close_of(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (j, t) in toks.iter().enumerate().skip(open) {
        if is_sym(Some(t), "(") {
            depth += 1;
        } else if is_sym(Some(t), ")") {
            depth -= 1;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// The index of the parenthesis matching the one at `close` (backward).
fn open_of(toks: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0i32;
    for j in (0..=close).rev() {
        if is_sym(toks.get(j), ")") {
            depth += 1;
        } else if is_sym(toks.get(j), "(") {
            depth -= 1;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// The start of the operand that ends at `end` (inclusive): a name, literal or number, a
/// parenthesized group, or a call `f(..)`, with a sign before it.
fn operand_start(toks: &[Token], end: usize) -> usize {
    let mut start = if is_sym(toks.get(end), ")") {
        let open = open_of(toks, end).unwrap_or(end);
        if open > 0 && matches!(toks.get(open - 1), Some(Token::Word(_) | Token::Quoted(_))) {
            open - 1
        } else {
            open
        }
    } else {
        end
    };
    if start > 0 && is_sym(toks.get(start - 1), "-") {
        start -= 1;
    }
    start
}

/// The end (exclusive) of the operand starting at `start`, casts included.
fn operand_end(toks: &[Token], start: usize) -> usize {
    let mut i = start;
    if is_sym(toks.get(i), "-") {
        i += 1;
    }
    if is_sym(toks.get(i), "(") {
        i = close_of(toks, i).map_or(toks.len(), |c| c + 1);
    } else {
        i += 1;
        if is_sym(toks.get(i), "(") {
            i = close_of(toks, i).map_or(toks.len(), |c| c + 1);
        }
    }
    skip_cast(toks, i).min(toks.len())
}

/// `x [NOT] BETWEEN a AND b` -> `x >= a AND x <= b` (`x < a OR x > b`), as PostgreSQL prints it.
fn between_as_comparisons(toks: &mut Vec<Token>) {
    let mut i = 1;
    while i < toks.len() {
        if !is_word(toks.get(i), "between") {
            i += 1;
            continue;
        }
        let negated = is_word(toks.get(i - 1), "not");
        if negated && i < 2 {
            i += 1;
            continue;
        }
        let x_end = if negated { i - 2 } else { i - 1 };
        let x_start = operand_start(toks, x_end);
        let a_end = operand_end(toks, i + 1);
        if !is_word(toks.get(a_end), "and") {
            i += 1;
            continue;
        }
        let b_end = operand_end(toks, a_end + 1);
        let x: Vec<Token> = toks[x_start..=x_end].to_vec();
        let a: Vec<Token> = toks[i + 1..a_end].to_vec();
        let b: Vec<Token> = toks[a_end + 1..b_end].to_vec();
        let (lo, join, hi) = if negated {
            ("<", "or", ">")
        } else {
            (">=", "and", "<=")
        };
        let mut replacement = x.clone();
        replacement.push(Token::Symbol(lo.into()));
        replacement.extend(a);
        replacement.push(Token::Word(join.into()));
        replacement.extend(x);
        replacement.push(Token::Symbol(hi.into()));
        replacement.extend(b);
        let len = replacement.len();
        toks.splice(x_start..b_end, replacement);
        i = x_start + len;
    }
}

/// `x [NOT] IN (v)` with one value is how `x = v` (`x <> v`) reads; PostgreSQL prints the
/// latter.
fn single_value_in(toks: &mut Vec<Token>) {
    let mut i = 0;
    while i < toks.len() {
        if is_word(toks.get(i), "in") && is_sym(toks.get(i + 1), "(") {
            let Some(close) = close_of(toks, i + 1) else {
                break;
            };
            let inner = &toks[i + 2..close];
            let mut depth = 0i32;
            let top_comma = inner.iter().any(|t| {
                if is_sym(Some(t), "(") {
                    depth += 1;
                } else if is_sym(Some(t), ")") {
                    depth -= 1;
                }
                depth == 0 && is_sym(Some(t), ",")
            });
            let subquery = is_word(inner.first(), "select");
            if !top_comma && !subquery {
                let negated = i > 0 && is_word(toks.get(i - 1), "not");
                let op = if negated { "<>" } else { "=" };
                toks[i] = Token::Symbol(op.into());
                if negated {
                    toks.remove(i - 1);
                    i -= 1;
                }
            }
        }
        i += 1;
    }
}

/// A literal that holds a number (`'-90'`, PostgreSQL's spelling of a negative constant) as
/// the number written out (`- 90`); other literals as they are, less the time PostgreSQL
/// adds to a date written as a timestamp.
fn literal_tokens(l: &str, out: &mut Vec<Token>) {
    let body = &l[1..l.len().saturating_sub(1).max(1)];
    let (sign, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let numeric = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit());
    if numeric {
        if sign {
            out.push(Token::Symbol("-".into()));
        }
        out.push(Token::Word(digits.to_owned()));
        return;
    }
    let trimmed = l
        .strip_suffix('\'')
        .map(|b| b.trim_end_matches("+00").trim_end_matches(" 00:00:00"))
        .map_or_else(|| l.to_owned(), |b| format!("{b}'"));
    out.push(Token::Literal(trimmed));
}

/// The expression with what the database adds or respells taken out: casts, parentheses,
/// quoting and case of names, `!=`, `LIKE` and `ILIKE`, `[NOT] BETWEEN`, `[NOT] IN (..)`
/// (PostgreSQL prints `= ANY (ARRAY[..])`, `<> ALL (ARRAY[..])`, or `=` for one value),
/// negative numbers as quoted literals. It is a comparison key, not a parse: grouping
/// parentheses and the case of quoted names are dropped too, so an edit that only regroups or
/// only changes that case is not told apart.
pub fn normal_form(expression: &str) -> String {
    normal_form_renamed(expression, &std::collections::BTreeMap::new())
}

/// The first name in an expression that is neither a keyword nor a function: the column
/// PostgreSQL names a check after.
pub fn first_identifier(expression: &str) -> Option<String> {
    const KEYWORDS: &[&str] = &[
        "and", "or", "not", "in", "is", "null", "between", "like", "ilike", "true", "false",
        "case", "when", "then", "else", "end", "any", "all", "array", "some", "escape",
    ];
    let toks = tokens(expression);
    toks.iter().enumerate().find_map(|(i, t)| {
        let call = is_sym(toks.get(i + 1), "(");
        match t {
            Token::Quoted(q) if !call => Some(q.clone()),
            Token::Word(w)
                if !(call
                    || KEYWORDS.contains(&w.as_str())
                    || w.starts_with(|c: char| c.is_ascii_digit())
                    || (i > 0 && is_sym(toks.get(i - 1), "::"))) =>
            {
                Some(w.clone())
            }
            _ => None,
        }
    })
}

/// A name in an expression, as written.
enum Name<'a> {
    /// Unquoted; `qualified` when it follows a dot (a field, or another table's column).
    Bare { text: &'a str, qualified: bool },
    /// Between `quote`s, with doubled quotes undone.
    Quoted { quote: char, text: String },
}

/// `text` between `quote`s, a quote inside it doubled.
fn quoted(quote: char, text: &str) -> String {
    let doubled: String = [quote, quote].iter().collect();
    format!("{quote}{}{quote}", text.replace(quote, &doubled))
}

/// The expression with each name (bare, `"quoted"` or `` `quoted` ``) written as `write`
/// says; string literals, numbers and symbols copied as they are.
fn map_names(expression: &str, mut write: impl FnMut(Name<'_>) -> String) -> String {
    let mut out = String::with_capacity(expression.len());
    let mut rest = expression;
    while let Some(c) = rest.chars().next() {
        match c {
            '\'' | '"' | '`' => {
                // Up to the closing quote; a doubled quote is one inside.
                let mut text = String::new();
                let mut end = rest.len();
                let mut chars = rest.char_indices().skip(1).peekable();
                while let Some((i, n)) = chars.next() {
                    if n != c {
                        text.push(n);
                    } else if chars.peek().is_some_and(|(_, m)| *m == c) {
                        chars.next();
                        text.push(c);
                    } else {
                        end = i + c.len_utf8();
                        break;
                    }
                }
                if c == '\'' {
                    out.push_str(&rest[..end]);
                } else {
                    out.push_str(&write(Name::Quoted { quote: c, text }));
                }
                rest = &rest[end..];
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let end = rest
                    .find(|n: char| !(n.is_ascii_alphanumeric() || n == '_' || n == '$'))
                    .unwrap_or(rest.len());
                let qualified = out.ends_with('.');
                out.push_str(&write(Name::Bare {
                    text: &rest[..end],
                    qualified,
                }));
                rest = &rest[end..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The expression with its names quoted with `from` (`` `a b` ``) quoted with `to` instead
/// (`"a b"`); string literals and everything else as they were.
pub fn requoted(expression: &str, from: char, to: char) -> String {
    if from == to || !expression.contains(from) {
        return expression.to_owned();
    }
    map_names(expression, |name| match name {
        Name::Quoted { quote, text } => quoted(if quote == from { to } else { quote }, &text),
        Name::Bare { text, .. } => text.to_owned(),
    })
}

/// The expression with the column `from` called `to`: a bare name matched without regard to
/// case, a quoted one (`"a"`, `` `a` ``) exactly; the new name in the same quotes, or bare when
/// it was bare and needs none. String literals and everything else as they were.
pub fn renamed(expression: &str, from: &str, to: &str) -> String {
    let plain = to
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && to.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    map_names(expression, |name| match name {
        Name::Quoted { quote, text } => quoted(quote, if text == from { to } else { &text }),
        // A name after a dot is a field or a column of another table: not this one.
        Name::Bare { text, qualified } if !qualified && text.eq_ignore_ascii_case(from) => {
            if plain {
                to.to_owned()
            } else {
                quoted('"', to)
            }
        }
        Name::Bare { text, .. } => text.to_owned(),
    })
}

/// The expression with PostgreSQL's casts taken off (`((name)::text <> ''::text)` ->
/// `( ( name ) <> '' )`), for another backend; the rest as it was.
pub fn without_casts(expression: &str) -> String {
    let toks = tokens(expression);
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if is_sym(toks.get(i), "::") {
            i = skip_cast(&toks, i).max(i + 1);
            continue;
        }
        out.push(match &toks[i] {
            Token::Quoted(q) => format!("\"{}\"", q.replace('"', "\"\"")),
            Token::Word(w) | Token::Literal(w) | Token::Symbol(w) => w.clone(),
        });
        i += 1;
    }
    out.join(" ")
}

/// [`normal_form`] with names renamed (old name -> new name) first.
pub fn normal_form_renamed(
    expression: &str,
    renames: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut toks = tokens(expression);
    if !renames.is_empty() {
        for t in &mut toks {
            let new = match t {
                Token::Word(w) => renames.get(w.as_str()),
                Token::Quoted(q) => renames.get(q.as_str()),
                _ => None,
            };
            if let Some(new) = new {
                *t = Token::Quoted(new.clone());
            }
        }
    }
    between_as_comparisons(&mut toks);
    single_value_in(&mut toks);
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Symbol(s) if s == "::" => i = skip_cast(&toks, i).max(i + 1),
            Token::Symbol(s) if s == "(" || s == ")" || s == "[" || s == "]" => i += 1,
            Token::Symbol(s) if s == "!=" => {
                out.push(Token::Symbol("<>".into()));
                i += 1;
            }
            Token::Quoted(q) => {
                out.push(Token::Word(q.to_lowercase()));
                i += 1;
            }
            Token::Literal(l) => {
                literal_tokens(l, &mut out);
                i += 1;
            }
            Token::Word(w) if w == "like" || w == "ilike" => {
                let op = if w == "like" { "~~" } else { "~~*" };
                let negated = matches!(out.last(), Some(Token::Word(n)) if n == "not");
                if negated {
                    out.pop();
                    out.push(Token::Symbol(format!("!{op}")));
                } else {
                    out.push(Token::Symbol(op.into()));
                }
                i += 1;
            }
            // `= ANY (ARRAY[a, b])` is `IN (a, b)`; `<> ALL (ARRAY[a, b])` is `NOT IN (a, b)`.
            Token::Word(w)
                if ((w == "any" && matches!(out.last(), Some(Token::Symbol(s)) if s == "="))
                    || (w == "all"
                        && matches!(out.last(), Some(Token::Symbol(s)) if s == "<>")))
                    && toks[i + 1..]
                        .iter()
                        .find(|t| !is_sym(Some(t), "("))
                        .is_some_and(|t| *t == Token::Word("array".into())) =>
            {
                let negated = w == "all";
                out.pop();
                if negated {
                    out.push(Token::Word("not".into()));
                }
                out.push(Token::Word("in".into()));
                i += 1;
                while i < toks.len() && !is_word(toks.get(i), "array") {
                    i += 1;
                }
                i += 1;
            }
            other => {
                out.push(other.clone());
                i += 1;
            }
        }
    }
    out.iter()
        .map(|t| match t {
            Token::Word(w) => format!("{w} "),
            Token::Quoted(q) => format!("{q} "),
            Token::Literal(l) => format!("{l} "),
            Token::Symbol(s) => format!("{s} "),
        })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backquoted_names_are_requoted_outside_strings() {
        assert_eq!(
            requoted("(`region` > 0 and `a``b` <> 'x`y''z')", '`', '"'),
            "(\"region\" > 0 and \"a`b\" <> 'x`y''z')"
        );
        assert_eq!(
            requoted("`say \"hi\"` = 1", '`', '"'),
            "\"say \"\"hi\"\"\" = 1"
        );
        assert_eq!(requoted("a > 0", '`', '"'), "a > 0");
        assert_eq!(
            requoted("`a` || \"b\" || 'é`'", '`', '"'),
            "\"a\" || \"b\" || 'é`'"
        );
    }

    #[test]
    fn a_check_is_named_after_its_first_column() {
        assert_eq!(first_identifier("price > 0").as_deref(), Some("price"));
        assert_eq!(
            first_identifier("lower(\"Name\") <> ''").as_deref(),
            Some("Name")
        );
        assert_eq!(first_identifier("1 < 2"), None);
    }

    #[test]
    fn casts_come_off_for_another_backend() {
        assert_eq!(
            without_casts("((name)::text <> ''::text)"),
            "( ( name ) <> '' )"
        );
        assert_eq!(without_casts("price > 0"), "price > 0");
    }

    #[test]
    fn checks_equal_what_postgresql_prints_back() {
        for (written, printed) in [
            ("price >= 0", "(price >= (0)::numeric)"),
            ("name <> ''", "((name)::text <> ''::text)"),
            (
                "kind IN ('a', 'b')",
                "((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
            ),
            ("\"Price\" != 1.5", "(\"Price\" <> 1.5)"),
            ("code LIKE 'x%'", "((code)::text ~~ 'x%'::text)"),
            ("code NOT LIKE 'x%'", "((code)::text !~~ 'x%'::text)"),
            ("n BETWEEN 1 AND 10", "((n >= 1) AND (n <= 10))"),
            (
                "at > '2020-01-01'",
                "(at > '2020-01-01 00:00:00'::timestamp without time zone)",
            ),
            ("length(name) > 0", "(length((name)::text) > 0)"),
            ("lat >= -90", "(lat >= ('-90'::integer)::double precision)"),
            ("n >= -5", "(n >= '-5'::integer)"),
            ("status IN ('active')", "(status = 'active'::text)"),
            (
                "status NOT IN ('a', 'b')",
                "(status <> ALL (ARRAY['a'::text, 'b'::text]))",
            ),
            ("n NOT BETWEEN 1 AND 10", "((n < 1) OR (n > 10))"),
            (
                "length(s) BETWEEN 1 AND 5",
                "((length((s)::text) >= 1) AND (length((s)::text) <= 5))",
            ),
            (
                "s ILIKE 'a%' OR s NOT ILIKE 'b%'",
                "(((s)::text ~~* 'a%'::text) OR ((s)::text !~~* 'b%'::text))",
            ),
            (
                "EXTRACT(year FROM d) > 2000",
                "(EXTRACT(year FROM d) > (2000)::numeric)",
            ),
            (
                "\"Price\" > -1.5",
                "((\"Price\")::numeric > '-1.5'::numeric)",
            ),
            ("d > '2020-01-01'", "(d > '2020-01-01'::date)"),
        ] {
            assert_eq!(
                normal_form(written),
                normal_form(printed),
                "{written} vs {printed}"
            );
        }
        assert_ne!(normal_form("price >= 0"), normal_form("price > 0"));
        assert_ne!(
            normal_form("n BETWEEN 1 AND 10"),
            normal_form("n NOT BETWEEN 1 AND 10")
        );
        assert_ne!(normal_form("s IN ('a')"), normal_form("s IN ('a', 'b')"));
        assert_ne!(normal_form("code = '5'"), normal_form("code = '6'"));
        assert_ne!(normal_form("a = 'x'"), normal_form("a = 'y'"));
    }

    #[test]
    fn renamed_names_outside_literals_in_their_quotes() {
        assert_eq!(renamed("qty > 0", "qty", "amount"), "amount > 0");
        assert_eq!(
            renamed("`qty` > 0 AND QTY < 9", "qty", "amount"),
            "`amount` > 0 AND amount < 9"
        );
        assert_eq!(
            renamed("\"qty\" <> 'qty'", "qty", "amount"),
            "\"amount\" <> 'qty'"
        );
        assert_eq!(renamed("qty2 + t.qty", "qty", "amount"), "qty2 + t.qty");
        assert_eq!(
            renamed("qty > 0", "qty", "new amount"),
            "\"new amount\" > 0"
        );
    }

    #[test]
    fn columns_used_skip_literals_and_function_names() {
        let cols = ["price", "lower", "Name", "kind"];
        assert_eq!(
            columns_used("lower(\"Name\") <> 'price' AND kind > 0", cols.into_iter()),
            ["Name", "kind"]
        );
        assert_eq!(
            columns_used("(price >= (0)::numeric)", cols.into_iter()),
            ["price"]
        );
        let cols = ["date", "year", "day", "created_at", "interval"];
        assert_eq!(
            columns_used(
                "(created_at)::date > date '2020-01-01' AND EXTRACT(year FROM day) > 2000",
                cols.into_iter()
            ),
            ["day", "created_at"]
        );
    }
}
