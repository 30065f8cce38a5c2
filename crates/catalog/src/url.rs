//! Database URLs: which backend a URL names, and how to show it without its password.

use std::fmt;

use sealift_ir::Dialect;

use crate::Error;

/// A parsed database URL that never prints its password.
///
/// `Display` and `Debug` show the URL with the password replaced by `***`; [`DatabaseUrl::scrub`]
/// does the same to any text, such as an error message passed up from a driver.
#[derive(Clone)]
pub struct DatabaseUrl {
    raw: String,
    dialect: Dialect,
    redacted: String,
    secrets: Vec<String>,
}

impl DatabaseUrl {
    /// Parses a URL and tells which backend it names.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let dialect = match scheme.as_deref() {
            Some("postgres" | "postgresql") => Dialect::Postgres,
            Some("sqlite") => Dialect::Sqlite,
            Some("mysql" | "mariadb") => Dialect::Mysql,
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
            Err(e) if dialect != Dialect::Sqlite => {
                return Err(Error::InvalidUrl {
                    reason: e.to_string(),
                });
            }
            // A SQLite path the URL parser refuses (a space, say): whatever stands between
            // `://` and the last `@` after a `:` is taken for a password.
            Err(_) => match raw.split_once("://") {
                Some((scheme, rest))
                    if let Some(at) = rest.rfind('@')
                        && let Some(colon) = rest[..at].find(':') =>
                {
                    secrets.push(rest[colon + 1..at].to_owned());
                    format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..])
                }
                _ => raw.to_owned(),
            },
        };
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        remember(&secrets);
        Ok(DatabaseUrl {
            raw: raw.to_owned(),
            dialect,
            redacted,
            secrets,
        })
    }

    /// The database family the URL's scheme names.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The URL as given, password included: only for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL as a driver takes it: `mariadb://` speaks MySQL's protocol, so sqlx and sea-orm
    /// are given `mysql://`; a PostgreSQL server on this machine is reached without TLS when
    /// the URL leaves the choice open ([`plaintext_here`]). Password included: only for
    /// handing to a driver.
    pub fn driver_url(&self) -> std::borrow::Cow<'_, str> {
        match self.raw.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                format!("mysql://{rest}").into()
            }
            _ if self.plaintext_here() => {
                let joint = if self.raw.contains('?') { '&' } else { '?' };
                format!("{}{joint}sslmode=disable", self.raw).into()
            }
            _ => self.raw.as_str().into(),
        }
    }

    /// True for a PostgreSQL URL that reaches a server on this machine
    /// ([`DatabaseUrl::on_this_machine`]) and states no `sslmode`, with no `PGSSLMODE` set:
    /// sqlx then prefers TLS and pays a handshake per connection, which protects nothing that
    /// does not leave the machine. libpq never uses TLS on a Unix socket; sealift treats
    /// loopback the same way. A server that refuses a connection without TLS is asked again as
    /// the URL says ([`DatabaseUrl::plaintext_refused`]), and from then on in this process.
    fn plaintext_here(&self) -> bool {
        self.dialect == Dialect::Postgres
            && !PLAINTEXT_REFUSED.load(std::sync::atomic::Ordering::Relaxed)
            && std::env::var_os("PGSSLMODE").is_none()
            && self.query("sslmode").is_none()
            && self.on_this_machine()
    }

    /// True when another connection costs next to nothing: a PostgreSQL server on this
    /// machine, reached without TLS (left out by [`DatabaseUrl::driver_url`], or by the URL's
    /// or `PGSSLMODE`'s `disable`).
    pub(crate) fn connects_cheaply(&self) -> bool {
        self.dialect == Dialect::Postgres
            && (self.plaintext_here() || (self.tls_turned_off() && self.on_this_machine()))
    }

    /// True when the user turned TLS off: `sslmode=disable` in the URL, or in `PGSSLMODE`
    /// when the URL states no mode.
    pub(crate) fn tls_turned_off(&self) -> bool {
        match self.query("sslmode") {
            Some(mode) => mode == "disable",
            None => std::env::var("PGSSLMODE").is_ok_and(|m| m == "disable"),
        }
    }

    /// The value of `key` in the URL's query (`ssl-mode` counts as `sslmode`).
    fn query(&self, key: &str) -> Option<String> {
        let url = ::url::Url::parse(&self.raw).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == key || (key == "sslmode" && k == "ssl-mode"))
            .map(|(_, v)| v.into_owned())
    }

    /// Whether the server is on this machine: the host sqlx connects to (`hostaddr=`, else
    /// `host=`, else the URL's host, else `PGHOSTADDR`, else `PGHOST`, else sqlx's default,
    /// `localhost`) is a loopback address, `localhost` or a Unix socket. Any other host, and
    /// a list of several, is another machine.
    fn on_this_machine(&self) -> bool {
        let Ok(url) = ::url::Url::parse(&self.raw) else {
            return false;
        };
        if let Some(host) = self.query("hostaddr").or_else(|| self.query("host")) {
            return local_host(&host);
        }
        match url.host() {
            Some(::url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(::url::Host::Ipv6(ip)) => ip.is_loopback(),
            // `postgres:` is not a scheme the URL standard knows, so its hosts stay text.
            Some(::url::Host::Domain(name)) => local_host(name),
            None => match std::env::var("PGHOSTADDR").or_else(|_| std::env::var("PGHOST")) {
                Ok(host) => local_host(&host),
                Err(_) => true,
            },
        }
    }

    /// Whether `error`, from connecting with [`DatabaseUrl::driver_url`], is the server
    /// refusing a connection without TLS there (`pg_hba.conf` allows only `hostssl`). If so,
    /// this process asks for TLS from now on as the URL says, and the caller connects again.
    pub fn plaintext_refused(&self, error: &sqlx::Error) -> bool {
        let refused = self.plaintext_here()
            && matches!(error, sqlx::Error::Database(e)
                if e.code().as_deref() == Some("28000") && e.message().contains("no encryption"));
        if refused {
            PLAINTEXT_REFUSED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        refused
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

/// `localhost`, a loopback address or a Unix socket (a path, or `%2F`-encoded in a host).
fn local_host(host: &str) -> bool {
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().starts_with("%2f")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Set once a server on this machine refused a connection without TLS.
static PLAINTEXT_REFUSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The passwords of every URL parsed in this process, longest first: [`redact`] hides them
/// wherever they appear, even outside a URL. Short ones are left out: hiding every `abc` of a
/// message would hide more than the password.
static KNOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The shortest password [`redact`] hides outside a URL.
const KNOWN_MIN_LEN: usize = 6;

/// How many passwords [`redact`] keeps: a run parses one or two URLs.
const KNOWN_MAX: usize = 16;

fn remember(secrets: &[String]) {
    let mut known = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for s in secrets.iter().filter(|s| s.len() >= KNOWN_MIN_LEN) {
        if !known.contains(s) && known.len() < KNOWN_MAX {
            known.push(s.clone());
        }
    }
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Hides the password of every URL in any text: `scheme://user:secret@host` becomes
/// `scheme://user:***@host`, and `password=secret` in a query string becomes `password=***`;
/// then the passwords of the URLs parsed so far, wherever they are. The last guard before
/// anything is printed, for text that may quote a URL sealift never parsed (a config file's
/// line in a parse error, a driver's message).
pub fn redact(text: &str) -> String {
    let mut out = redact_urls(text);
    let known = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for s in known.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// [`redact`] without the passwords parsed so far: only what the text itself shows to be a
/// URL's password.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The URL ends at a quote or whitespace. Its user information ends at its last '@'
        // (a password may hold an unencoded '/', '?' or '#'); hiding a little too much, when a
        // query string holds an '@', is the safe side.
        let end = tail
            .find(|c: char| matches!(c, '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(tail.len());
        let url = &tail[..end];
        match url.rfind('@') {
            Some(at) if url[..at].contains(':') => {
                let colon = url[..at].find(':').unwrap_or(at);
                out.push_str(&url[..=colon]);
                out.push_str("***");
                out.push_str(&url[at..]);
            }
            _ => out.push_str(url),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    redact_query_passwords(&out)
}

/// `password=secret` (any case, up to `&`, quote or whitespace) -> `password=***`.
fn redact_query_passwords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(i) = lower[from..].find("password=").map(|i| i + from) {
        let start = i + "password=".len();
        out.push_str(&text[from..start]);
        let end = text[start..]
            .find(|c: char| matches!(c, '&' | '"' | '\'' | '`') || c.is_whitespace())
            .map_or(text.len(), |e| e + start);
        out.push_str("***");
        from = end;
    }
    out.push_str(&text[from..]);
    out
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
    fn a_password_in_a_sqlite_url_the_parser_refuses_is_hidden() {
        let url = DatabaseUrl::parse("sqlite://me:pa ss@lo calhost/app.db").unwrap();
        assert_eq!(url.to_string(), "sqlite://me:***@lo calhost/app.db");
        assert!(!format!("{url:?}").contains("pa ss"));
        assert_eq!(url.scrub("open pa ss failed"), "open *** failed");
    }

    #[test]
    fn a_password_in_the_query_string_is_hidden_too() {
        let url = DatabaseUrl::parse("postgres://db/app?user=bob&password=hunter2").unwrap();
        assert_eq!(url.to_string(), "postgres://db/app?user=bob&password=***");
        assert_eq!(url.scrub("x hunter2 y"), "x *** y");
    }

    #[test]
    fn any_text_loses_the_passwords_of_the_urls_it_quotes() {
        assert_eq!(
            redact("line 3: database_url = \"postgres://bob:hunter2@db:5432/app?sslmode=require\""),
            "line 3: database_url = \"postgres://bob:***@db:5432/app?sslmode=require\""
        );
        assert_eq!(
            redact("mysql://root@h/db and postgres://h/db?user=a&Password=x1&b=2"),
            "mysql://root@h/db and postgres://h/db?user=a&Password=***&b=2"
        );
        assert_eq!(redact("no url: a:b@c"), "no url: a:b@c");
        assert_eq!(redact("p://u:p@ss@h/x"), "p://u:***@h/x");
        assert_eq!(
            redact("url = \"postgres://app:ab/c?d#e@db/app\""),
            "url = \"postgres://app:***@db/app\""
        );
        assert_eq!(
            redact("at postgres://h:5432/db then"),
            "at postgres://h:5432/db then"
        );
    }

    #[test]
    fn schemes_pick_the_backend() {
        for (u, b) in [
            ("postgresql://h/d", Dialect::Postgres),
            ("sqlite://x.db", Dialect::Sqlite),
            ("sqlite::memory:", Dialect::Sqlite),
            ("mariadb://h/d", Dialect::Mysql),
        ] {
            assert_eq!(DatabaseUrl::parse(u).unwrap().dialect(), b, "{u}");
        }
        let err = DatabaseUrl::parse("oracle://h/d").unwrap_err();
        assert!(err.to_string().contains("oracle"), "{err}");
    }

    #[test]
    fn a_server_on_this_machine_is_reached_without_tls_unless_the_url_says() {
        let driver = |raw: &str| DatabaseUrl::parse(raw).unwrap().driver_url().into_owned();
        for here in [
            "postgres://postgres@127.0.0.1:5432/app",
            "postgres://postgres@localhost/app",
            "postgresql://u:pw@[::1]:5432/app",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/app",
        ] {
            assert_eq!(driver(here), format!("{here}?sslmode=disable"));
        }
        assert_eq!(
            driver("postgres://u@127.0.0.1/app?application_name=x"),
            "postgres://u@127.0.0.1/app?application_name=x&sslmode=disable"
        );
        assert_eq!(
            driver("postgres://u@db/app?host=/tmp"),
            "postgres://u@db/app?host=/tmp&sslmode=disable"
        );
        // Another machine, or a mode the URL states, is left as it is; `host=` and
        // `hostaddr=` name the machine in place of the URL's host, as sqlx reads them.
        for as_given in [
            "postgres://u@db.example.com/app",
            "postgres://u@10.0.0.5/app",
            "postgres://u@localhost/app?host=db.example.com",
            "postgres://u@127.0.0.1/app?hostaddr=10.0.0.5",
            "postgres://u@localhost/app?host=localhost,db.example.com",
            "postgres://u@127.0.0.1/app?sslmode=require",
            "postgres://u@localhost/app?sslmode=prefer",
            "mysql://root@127.0.0.1/app",
            "sqlite://data.db",
        ] {
            assert_eq!(driver(as_given), as_given);
        }
    }

    #[test]
    fn a_second_connection_is_cheap_only_here_and_without_tls() {
        let cheap = |raw: &str| DatabaseUrl::parse(raw).unwrap().connects_cheaply();
        assert!(cheap("postgres://u@127.0.0.1/app"));
        assert!(cheap("postgres://u@localhost/app?sslmode=disable"));
        assert!(!cheap("postgres://u@localhost/app?sslmode=require"));
        assert!(!cheap("postgres://u@db.example.com/app?sslmode=disable"));
        assert!(!cheap(
            "postgres://u@localhost/app?host=db.example.com&sslmode=disable"
        ));
        assert!(!cheap("mysql://root@127.0.0.1/app"));
    }

    #[test]
    fn drivers_get_mysql_for_mariadb() {
        let url = DatabaseUrl::parse("MariaDB://u:pw@h:3306/d").unwrap();
        assert_eq!(url.driver_url(), "mysql://u:pw@h:3306/d");
        let url = DatabaseUrl::parse("postgres://h/d").unwrap();
        assert_eq!(url.driver_url(), "postgres://h/d");
    }
}
