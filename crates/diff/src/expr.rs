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
    columns
        .filter(|col| {
            toks.iter().enumerate().any(|(i, t)| {
                let called = matches!(toks.get(i + 1), Some(Token::Symbol(s)) if s == "(");
                match t {
                    Token::Quoted(q) => q == col,
                    Token::Word(w) => !called && w.eq_ignore_ascii_case(col),
                    _ => false,
                }
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Words that continue a type name after `::` (`character varying`, `double precision`,
/// `timestamp with time zone`).
const TYPE_WORDS: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];

/// The expression with what the database adds or respells removed: casts, parentheses,
/// quoting of plain names, case, `!=`, `LIKE`, `BETWEEN`, `IN (...)` as `= ANY (ARRAY[...])`.
/// Two expressions with the same normal form mean the same check.
pub fn normal_form(expression: &str) -> String {
    let toks = tokens(expression);
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            // A cast: `::type`, `::"type"`, `::schema.type`, `::character varying(10)[]`.
            Token::Symbol(s) if s == "::" => {
                i += 1;
                if matches!(toks.get(i), Some(Token::Word(_) | Token::Quoted(_))) {
                    i += 1;
                }
                while matches!(toks.get(i), Some(Token::Symbol(s)) if s == ".")
                    && matches!(toks.get(i + 1), Some(Token::Word(_) | Token::Quoted(_)))
                {
                    i += 2;
                }
                while matches!(toks.get(i), Some(Token::Word(w)) if TYPE_WORDS.contains(&w.as_str()))
                {
                    i += 1;
                }
                if matches!(toks.get(i), Some(Token::Symbol(s)) if s == "(") {
                    while i < toks.len() && !matches!(&toks[i], Token::Symbol(s) if s == ")") {
                        i += 1;
                    }
                    i += 1;
                }
                while matches!(toks.get(i), Some(Token::Symbol(s)) if s == "[")
                    && matches!(toks.get(i + 1), Some(Token::Symbol(s)) if s == "]")
                {
                    i += 2;
                }
            }
            Token::Symbol(s) if s == "(" || s == ")" || s == "[" || s == "]" => i += 1,
            Token::Symbol(s) if s == "!=" => {
                out.push(Token::Symbol("<>".into()));
                i += 1;
            }
            Token::Quoted(q) => {
                out.push(Token::Word(q.to_lowercase()));
                i += 1;
            }
            // A timestamp literal comes back with its time written out.
            Token::Literal(l) => {
                let trimmed = l
                    .strip_suffix("'")
                    .map(|body| body.trim_end_matches("+00").trim_end_matches(" 00:00:00"))
                    .map_or_else(|| l.clone(), |body| format!("{body}'"));
                out.push(Token::Literal(trimmed));
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
            // `= ANY (ARRAY[a, b])` is how PostgreSQL prints `IN (a, b)`.
            Token::Word(w)
                if w == "any"
                    && matches!(out.last(), Some(Token::Symbol(s)) if s == "=")
                    && toks[i + 1..]
                        .iter()
                        .find(|t| !matches!(t, Token::Symbol(s) if s == "("))
                        .is_some_and(|t| *t == Token::Word("array".into())) =>
            {
                out.pop();
                out.push(Token::Word("in".into()));
                i += 1;
                while i < toks.len() && !matches!(&toks[i], Token::Word(a) if a == "array") {
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
    between_as_comparisons(&mut out);
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

/// `x BETWEEN a AND b` -> `x >= a AND x <= b`, as PostgreSQL prints it (single-token operands).
fn between_as_comparisons(toks: &mut Vec<Token>) {
    let word = |t: Option<&Token>, w: &str| matches!(t, Some(Token::Word(x)) if x == w);
    let mut i = 1;
    while i + 3 < toks.len() + 1 {
        if word(toks.get(i), "between") && word(toks.get(i + 2), "and") && i + 3 < toks.len() {
            let x = toks[i - 1].clone();
            let (a, b) = (toks[i + 1].clone(), toks[i + 3].clone());
            let replacement = vec![
                x.clone(),
                Token::Symbol(">=".into()),
                a,
                Token::Word("and".into()),
                x,
                Token::Symbol("<=".into()),
                b,
            ];
            toks.splice(i - 1..i + 4, replacement);
            i += 6;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert_eq!(
                normal_form(written),
                normal_form(printed),
                "{written} vs {printed}"
            );
        }
        assert_ne!(normal_form("price >= 0"), normal_form("price > 0"));
        assert_ne!(normal_form("a = 'x'"), normal_form("a = 'y'"));
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
    }
}
