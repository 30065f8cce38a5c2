//! MySQL and MariaDB: column types as `information_schema.COLUMNS.COLUMN_TYPE` spells them, and
//! defaults in one spelling whichever server reported them.
//!
//! Where the two servers differ, the difference is handled here and nowhere else:
//! - Integer display widths: MariaDB reports `int(11)`, MySQL 8.0.19 and later `int`; both keep
//!   `tinyint(1)`, the only mark of a boolean. Widths are dropped, `tinyint(1)` kept
//!   (<https://dev.mysql.com/doc/refman/8.0/en/numeric-type-attributes.html>).
//! - Literal defaults: MariaDB 10.2.7 and later quote them in `COLUMN_DEFAULT` (`'abc'`, and the
//!   text `NULL` for a nullable column without one), MySQL does not (`abc`, SQL NULL)
//!   (<https://mariadb.com/kb/en/information-schema-columns-table/>,
//!   <https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html>).
//! - Expression defaults: MariaDB spells `current_timestamp()`, MySQL `CURRENT_TIMESTAMP` and
//!   marks expression defaults `DEFAULT_GENERATED` in `EXTRA`.

use sealift_ir::{DataType, FkAction, ForeignKey};

use crate::fold_type_name;

/// The types whose parenthesized number is a display width, not a size (`year(4)` on
/// MariaDB).
const DISPLAY_WIDTH: [&str; 6] = ["tinyint", "smallint", "mediumint", "int", "bigint", "year"];

/// The values of an inline enum type (`enum('a','b c','d''e')` gives `a`, `b c`, `d'e`), in
/// order; `None` for any other type.
pub fn enum_values(type_name: &str) -> Option<Vec<String>> {
    quoted_list(type_name.strip_prefix("enum")?)
}

/// The quoted values of a parenthesized list (`('a', 'b''c')`), in order; `None` when the text
/// is not one.
fn quoted_list(text: &str) -> Option<Vec<String>> {
    let body = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    let mut values = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        match chars.next() {
            None => return Some(values),
            Some(',') => {}
            Some(c) if c.is_whitespace() => {}
            Some('\'') => {
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        // The server writes a backslash doubled (`\\`); the other escapes
                        // of a string literal, should one appear, stand for their character.
                        '\\' => value.push(match chars.next()? {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            '0' => '\0',
                            'Z' => '\u{1a}',
                            c => c,
                        }),
                        c => value.push(c),
                    }
                }
                values.push(value);
            }
            Some(_) => return None,
        }
    }
}

/// An expression with each `\'` inside a string literal written `''`, as MariaDB prints
/// a check's quote and as the entity states it; other backslash escapes are kept (`''` means
/// the same as `\'` on MySQL, so the text runs unchanged).
pub fn doubled_quotes(expression: &str) -> String {
    let mut out = String::with_capacity(expression.len());
    let mut chars = expression.chars();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"' | '`') => quote = Some(c),
            (Some('\''), '\\') => {
                match chars.next() {
                    Some('\'') => out.push_str("''"),
                    Some(next) => {
                        out.push('\\');
                        out.push(next);
                    }
                    None => out.push('\\'),
                }
                continue;
            }
            // A doubled quote closes and opens again: the same either way.
            (Some(q), _) if c == q => quote = None,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `enum(..)` or `set(..)` as the server prints it back: the keyword in lowercase, the values
/// as written, quoted, without spaces between them (`SET ('a', 'b')` is `set('a','b')`).
fn value_list_type(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let keyword = ["enum", "set"]
        .into_iter()
        .find(|k| lower.starts_with(k) && lower[k.len()..].trim_start().starts_with('('))?;
    Some(value_list(keyword, &quoted_list(&text[keyword.len()..])?))
}

/// An `enum` or `set` type with these values, as the server prints it: `enum('a','b''c')`, a
/// backslash doubled (also how it must be written, unless `NO_BACKSLASH_ESCAPES` is set).
pub fn value_list(keyword: &str, values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "''")))
        .collect();
    format!("{keyword}({})", quoted.join(","))
}

/// A `COLUMN_TYPE` in the model: the base name (with `unsigned` and `zerofill` after it),
/// numeric modifiers, integer display widths dropped except `tinyint(1)`. `enum(..)` and
/// `set(..)` keep their value lists in the name, as written.
pub fn column_type(column_type: &str) -> DataType {
    let text = column_type.trim();
    let lower = text.to_ascii_lowercase();
    if let Some(spelled) = value_list_type(text) {
        return DataType::builtin(spelled);
    }
    if lower.starts_with("enum(") || lower.starts_with("set(") {
        let open = text.find('(').unwrap_or(0);
        return DataType::builtin(format!("{}{}", &lower[..open], &text[open..]));
    }
    let folded = fold_type_name(text);
    let (base, mods, rest) = match folded.split_once('(') {
        Some((base, after)) => match after.split_once(')') {
            Some((args, rest)) => (base.trim(), Some(args), rest.trim()),
            None => (folded.as_str(), None, ""),
        },
        None => {
            let (base, rest) = folded.split_once(' ').unwrap_or((folded.as_str(), ""));
            (base, None, rest.trim())
        }
    };
    let mut modifiers: Vec<u32> = mods
        .map(|m| m.split(',').filter_map(|a| a.trim().parse().ok()).collect())
        .unwrap_or_default();
    // The server's aliases, as it stores them
    // (<https://dev.mysql.com/doc/refman/8.0/en/other-vendor-data-types.html>).
    let base = match base {
        "bool" | "boolean" => {
            modifiers = vec![1];
            "tinyint"
        }
        "integer" => "int",
        "numeric" | "dec" | "fixed" => "decimal",
        "real" | "double precision" => "double",
        other => other,
    };
    if base == "decimal" && modifiers.is_empty() {
        modifiers = vec![10, 0];
    } else if base == "decimal" && modifiers.len() == 1 {
        modifiers.push(0);
    }
    let name = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {rest}")
    };
    let keep = !DISPLAY_WIDTH.contains(&base)
        || (base == "tinyint" && modifiers == [1] && rest.is_empty());
    let t = DataType::builtin(name);
    if keep && !modifiers.is_empty() {
        t.with_modifiers(modifiers)
    } else {
        t
    }
}

/// A foreign key action in one spelling: InnoDB checks `RESTRICT` and `NO ACTION` alike, at
/// once, and MariaDB reports an action left out as `RESTRICT`, MySQL as `NO ACTION`
/// (<https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html>): both are
/// `NO ACTION`.
pub fn fk_action(a: FkAction) -> FkAction {
    match a {
        FkAction::Restrict => FkAction::NoAction,
        other => other,
    }
}

/// The name of the index InnoDB adds for a foreign key when no index leads with its columns:
/// the key's name, or its first column's for a key created without one
/// (<https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html>).
pub fn foreign_key_index_name(fk: &ForeignKey) -> &str {
    fk.name.as_deref().unwrap_or(fk.columns[0].as_str())
}

/// Which server reported a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// MariaDB: literals quoted, `NULL` as text.
    MariaDb,
    /// MySQL: literals bare, expressions marked in `EXTRA`.
    MySql,
}

/// `COLUMN_DEFAULT` in one spelling: a string literal quoted (`'abc'`), a number bare, an
/// expression as written with `current_timestamp()` as `CURRENT_TIMESTAMP`; `None` for no
/// default (MariaDB's `NULL` text, MySQL's SQL NULL, or a default of NULL).
/// `expression` is MySQL's `DEFAULT_GENERATED` mark; `numeric` whether the column's type is a
/// number (MySQL's bare literals are quoted only for other types).
pub fn default_value(
    raw: Option<&str>,
    flavor: Flavor,
    expression: bool,
    numeric: bool,
) -> Option<String> {
    let raw = raw?;
    let text = match flavor {
        Flavor::MariaDb if raw.eq_ignore_ascii_case("null") => return None,
        Flavor::MariaDb => raw.to_owned(),
        Flavor::MySql if expression => raw.to_owned(),
        Flavor::MySql if numeric || is_bit_literal(raw) => raw.to_owned(),
        Flavor::MySql => format!("'{}'", raw.replace('\'', "''")),
    };
    Some(canonical_expression(&text))
}

/// `b'1'`: a bit literal, written bare by both servers.
fn is_bit_literal(text: &str) -> bool {
    text.starts_with("b'") && text.ends_with('\'')
}

/// `current_timestamp()`, `current_timestamp(3)`, `now()` in MySQL's spelling.
fn canonical_expression(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    for name in ["current_timestamp", "now", "localtimestamp", "localtime"] {
        if let Some(rest) = lower.strip_prefix(name) {
            return match rest {
                "" | "()" => "CURRENT_TIMESTAMP".to_owned(),
                _ if rest.starts_with('(') && rest.ends_with(')') => {
                    format!("CURRENT_TIMESTAMP{rest}")
                }
                _ => text.to_owned(),
            };
        }
    }
    text.to_owned()
}

/// The flags of `COLUMNS.EXTRA`, lowercased: MariaDB separates them with commas, MySQL with
/// spaces (`auto_increment`, `on update current_timestamp()`, `stored generated`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    /// `auto_increment`.
    pub auto_increment: bool,
    /// `DEFAULT_GENERATED` (MySQL): the default is an expression.
    pub default_generated: bool,
    /// `on update CURRENT_TIMESTAMP[(n)]`, in MySQL's spelling.
    pub on_update: Option<String>,
    /// `VIRTUAL GENERATED` or `STORED GENERATED` (MariaDB's `PERSISTENT` is reported stored).
    pub generated: Option<Generated>,
    /// `INVISIBLE`.
    pub invisible: bool,
}

/// How a generated column keeps its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// Computed when read.
    Virtual,
    /// Computed when written and stored.
    Stored,
}

/// Reads `COLUMNS.EXTRA`.
pub fn extra(text: &str) -> Extra {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let mut out = Extra::default();
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "auto_increment" => out.auto_increment = true,
            "default_generated" => out.default_generated = true,
            "invisible" => out.invisible = true,
            "virtual" | "stored" | "persistent" if words.get(i + 1) == Some(&"generated") => {
                out.generated = Some(if words[i] == "virtual" {
                    Generated::Virtual
                } else {
                    Generated::Stored
                });
                i += 1;
            }
            "on" if words.get(i + 1) == Some(&"update") => {
                if let Some(expr) = words.get(i + 2) {
                    out.on_update = Some(canonical_expression(expr));
                }
                i += 2;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// True for the types whose defaults are numbers.
pub fn is_numeric(data_type: &str) -> bool {
    matches!(
        data_type.to_ascii_lowercase().as_str(),
        "tinyint"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "decimal"
            | "numeric"
            | "float"
            | "double"
            | "real"
            | "bit"
            | "year"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_quotes_are_doubled_not_escaped() {
        assert_eq!(
            doubled_quotes(r#"(`qty` <> 'x\'y "z" `w`')"#),
            r#"(`qty` <> 'x''y "z" `w`')"#
        );
        assert_eq!(
            doubled_quotes(r"`a` = 'b\\' and `c\'` = 'd'"),
            r"`a` = 'b\\' and `c\'` = 'd'"
        );
        assert_eq!(doubled_quotes("'it''s'"), "'it''s'");
    }

    #[test]
    fn enum_values_unquote_in_order() {
        assert_eq!(
            enum_values("enum('a','b c','d''e',',')").unwrap(),
            ["a", "b c", "d'e", ","]
        );
        assert_eq!(enum_values("enum()").unwrap(), Vec::<String>::new());
        let odd = [
            "it's".to_owned(),
            "back\\slash".to_owned(),
            "a\\'b".to_owned(),
        ];
        let spelled = value_list("enum", &odd);
        assert_eq!(spelled, r"enum('it''s','back\\slash','a\\''b')");
        assert_eq!(enum_values(&spelled).unwrap(), odd);
        assert_eq!(
            column_type("SET ('Trailers', 'Deleted Scenes')").name,
            "set('Trailers','Deleted Scenes')"
        );
        assert_eq!(column_type("enum('a','b''c')").name, "enum('a','b''c')");
        assert_eq!(enum_values("set('a')"), None);
        assert_eq!(enum_values("enum('a"), None);
    }

    #[test]
    fn display_widths_go_except_tinyint_1() {
        let t = column_type;
        assert_eq!(t("int(11)"), DataType::builtin("int"));
        assert_eq!(t("int(10) unsigned"), DataType::builtin("int unsigned"));
        assert_eq!(t("int unsigned"), DataType::builtin("int unsigned"));
        assert_eq!(t("bigint(20)"), DataType::builtin("bigint"));
        assert_eq!(
            t("tinyint(1)"),
            DataType::builtin("tinyint").with_modifiers([1])
        );
        assert_eq!(t("tinyint(4)"), DataType::builtin("tinyint"));
        assert_eq!(
            t("decimal(10,2)"),
            DataType::builtin("decimal").with_modifiers([10, 2])
        );
        assert_eq!(
            t("varchar(45)"),
            DataType::builtin("varchar").with_modifiers([45])
        );
        assert_eq!(t("datetime"), DataType::builtin("datetime"));
        assert_eq!(t("bool"), DataType::builtin("tinyint").with_modifiers([1]));
        assert_eq!(
            t("decimal"),
            DataType::builtin("decimal").with_modifiers([10, 0])
        );
        assert_eq!(t("integer"), DataType::builtin("int"));
        assert_eq!(
            t("enum('a','b c','d''e')"),
            DataType::builtin("enum('a','b c','d''e')")
        );
        assert_eq!(t("SET('X','y')"), DataType::builtin("set('X','y')"));
    }

    #[test]
    fn defaults_read_the_same_from_either_server() {
        use Flavor::*;
        let d = default_value;
        assert_eq!(
            d(Some("'abc'"), MariaDb, false, false).as_deref(),
            Some("'abc'")
        );
        assert_eq!(
            d(Some("abc"), MySql, false, false).as_deref(),
            Some("'abc'")
        );
        assert_eq!(
            d(Some("it's"), MySql, false, false).as_deref(),
            Some("'it''s'")
        );
        assert_eq!(d(Some("1.50"), MySql, false, true).as_deref(), Some("1.50"));
        assert_eq!(
            d(Some("1.50"), MariaDb, false, true).as_deref(),
            Some("1.50")
        );
        assert_eq!(d(Some("NULL"), MariaDb, false, false), None);
        assert_eq!(d(None, MySql, false, false), None);
        assert_eq!(
            d(Some("current_timestamp()"), MariaDb, false, false).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            d(Some("CURRENT_TIMESTAMP"), MySql, true, false).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            d(Some("current_timestamp(3)"), MariaDb, false, false).as_deref(),
            Some("CURRENT_TIMESTAMP(3)")
        );
    }

    #[test]
    fn extra_flags_split_on_commas_and_spaces() {
        let e = extra("auto_increment, INVISIBLE");
        assert!(e.auto_increment && e.invisible);
        let e = extra("on update current_timestamp()");
        assert_eq!(e.on_update.as_deref(), Some("CURRENT_TIMESTAMP"));
        let e = extra("DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)");
        assert!(e.default_generated);
        assert_eq!(e.on_update.as_deref(), Some("CURRENT_TIMESTAMP(6)"));
        assert_eq!(extra("STORED GENERATED").generated, Some(Generated::Stored));
        assert_eq!(
            extra("VIRTUAL GENERATED").generated,
            Some(Generated::Virtual)
        );
        assert_eq!(extra(""), Extra::default());
    }
}
