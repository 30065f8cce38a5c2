//! Database URLs: which backend a URL names, and how to show it without its password.

use std::fmt;

use crate::Error;

/// The database families sealift can talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite:` URLs.
    Sqlite,
    /// `mysql://` or `mariadb://`.
    Mysql,
}

/// A parsed database URL that never prints its password.
///
/// `Display` and `Debug` show the URL with the password replaced by `***`; [`DatabaseUrl::scrub`]
/// does the same to any text, such as an error message passed up from a driver.
#[derive(Clone)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
    redacted: String,
    secrets: Vec<String>,
}

impl DatabaseUrl {
    /// Parses a URL and tells which backend it names.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let backend = match scheme.as_deref() {
            Some("postgres" | "postgresql") => Backend::Postgres,
            Some("sqlite") => Backend::Sqlite,
            Some("mysql" | "mariadb") => Backend::Mysql,
            _ => {
                return Err(Error::UnknownScheme {
                    scheme: scheme.unwrap_or_default(),
                });
            }
        };
        let mut secrets = Vec::new();
        let redacted = match ::url::Url::parse(raw) {
            Ok(mut url) => {
                if let Some(pw) = url.password().filter(|p| !p.is_empty()) {
                    secrets.push(pw.to_owned());
                    // The driver sees the percent-decoded form; hide that spelling as well.
                    let decoded = percent_encoding::percent_decode_str(pw).decode_utf8_lossy();
                    secrets.push(decoded.into_owned());
                    let _ = url.set_password(Some("***"));
                }
                // A password can also ride in the query string (`?password=`).
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                if pairs
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("password"))
                {
                    let mut q = url.query_pairs_mut();
                    q.clear();
                    for (k, v) in &pairs {
                        if k.eq_ignore_ascii_case("password") {
                            secrets.push(v.clone());
                            q.append_pair(k, "***");
                        } else {
                            q.append_pair(k, v);
                        }
                    }
                }
                url.to_string()
            }
            Err(e) if backend != Backend::Sqlite => {
                return Err(Error::InvalidUrl {
                    reason: e.to_string(),
                });
            }
            Err(_) => raw.to_owned(),
        };
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Ok(DatabaseUrl {
            raw: raw.to_owned(),
            backend,
            redacted,
            secrets,
        })
    }

    /// The backend the URL's scheme names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as given, password included: only for handing to a driver.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }

    /// Replaces every occurrence of the URL's password in `text` with `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.raw, &self.redacted);
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let url = DatabaseUrl::parse("postgres://alice:s%40cret@db:5432/app").unwrap();
        assert_eq!(url.to_string(), "postgres://alice:***@db:5432/app");
        assert!(!format!("{url:?}").contains("cret"));
        assert_eq!(
            url.scrub("auth failed for s@cret and s%40cret"),
            "auth failed for *** and ***"
        );
    }

    #[test]
    fn a_password_in_the_query_string_is_hidden_too() {
        let url = DatabaseUrl::parse("postgres://db/app?user=bob&password=hunter2").unwrap();
        assert_eq!(url.to_string(), "postgres://db/app?user=bob&password=***");
        assert_eq!(url.scrub("x hunter2 y"), "x *** y");
    }

    #[test]
    fn schemes_pick_the_backend() {
        for (u, b) in [
            ("postgresql://h/d", Backend::Postgres),
            ("sqlite://x.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            ("mariadb://h/d", Backend::Mysql),
        ] {
            assert_eq!(DatabaseUrl::parse(u).unwrap().backend(), b, "{u}");
        }
        let err = DatabaseUrl::parse("oracle://h/d").unwrap_err();
        assert!(err.to_string().contains("oracle"), "{err}");
    }
}
