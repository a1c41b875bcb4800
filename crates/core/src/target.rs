//! What the user wants to reach: `host`, `host:port`, `[v6]:port`, an IP, or a DSN such as
//! `mysql://user:secret@db.example.com:3306/test`. A DSN's password is dropped on parsing, so
//! no later message or log can print it.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// A parsed destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port, when the text had one.
    pub port: Option<u16>,
    /// The input as it may be shown: DSN passwords removed.
    pub display: String,
    /// The DSN scheme (`mysql`), when the input was a DSN.
    pub scheme: Option<String>,
}

/// Why a destination could not be parsed. The message never contains a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{shown}` is not a host, host:port, [v6]:port or DSN: {reason}")]
pub struct TargetError {
    shown: String,
    reason: String,
}

impl Target {
    /// Parses any accepted form.
    ///
    /// # Errors
    /// [`TargetError`] naming the input (password redacted) and what is wrong.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let fail = |reason: &str| TargetError {
            shown: redact(text),
            reason: reason.to_owned(),
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        if text.contains("://") {
            return parse_dsn(text).map_err(|reason| fail(&reason));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Target::new(ip.to_string(), None));
        }
        if let Ok(addr) = text.parse::<SocketAddr>() {
            return Ok(Target::new(addr.ip().to_string(), Some(addr.port())));
        }
        if text.starts_with('[') {
            return Err(fail(
                "an IPv6 address with a port is written [2001:db8::7]:3306",
            ));
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(parse_port(port).map_err(|r| fail(&r))?)),
            None => (text, None),
        };
        check_host_name(host).map_err(|r| fail(&r))?;
        Ok(Target::new(host.to_ascii_lowercase(), port))
    }

    fn new(host: String, port: Option<u16>) -> Target {
        let display = match port {
            Some(p) if host.contains(':') => format!("[{host}]:{p}"),
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Target {
            host,
            port,
            display,
            scheme: None,
        }
    }

    /// The same target with `port` when it has none (environment defaults).
    #[must_use]
    pub fn or_port(self, port: Option<u16>) -> Target {
        match (self.port, port) {
            (None, Some(_)) if !self.display.contains("://") => Target::new(self.host, port),
            (None, Some(_)) => Target { port, ..self },
            _ => self,
        }
    }

    /// The port to use: the explicit one, else the DSN scheme's well-known port.
    #[must_use]
    pub fn port_or_scheme_default(&self) -> Option<u16> {
        self.port.or_else(|| match self.scheme.as_deref()? {
            "mysql" | "mariadb" => Some(3306),
            "postgres" | "postgresql" => Some(5432),
            "mongodb" | "mongodb+srv" => Some(27017),
            "redis" | "rediss" => Some(6379),
            "amqp" => Some(5672),
            "smtp" => Some(25),
            _ => None,
        })
    }

    /// The Istio port protocol the DSN scheme implies, when one is better than plain `TCP`:
    /// `MONGO` for MongoDB, whose Envoy filter istiod enables by default
    /// (pilot/pkg/features/xds.go `PILOT_ENABLE_MONGO_FILTER`). MySQL and Redis stay `TCP`:
    /// their filters are off by default and experimental, so `MYSQL`/`REDIS` would only
    /// promise a behaviour the sidecar does not have.
    #[must_use]
    pub fn scheme_protocol(&self) -> Option<&'static str> {
        match self.scheme.as_deref()? {
            "mongodb" | "mongodb+srv" => Some("MONGO"),
            _ => None,
        }
    }

    /// The host as an IP address, when it is one.
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("port `{text}` is not a number from 1 to 65535")),
        Ok(p) => Ok(p),
    }
}

fn parse_dsn(text: &str) -> Result<Target, String> {
    let mut url = url::Url::parse(text).map_err(|e| e.to_string())?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => {
            check_host_name(d)?;
            d.to_ascii_lowercase()
        }
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("the DSN names no host".into()),
    };
    let port = url.port();
    if port == Some(0) {
        return Err("port 0 is not a port".into());
    }
    // Drop the password before anything can print the URL.
    let _ = url.set_password(None);
    Ok(Target {
        host,
        port,
        display: url.to_string(),
        scheme: Some(url.scheme().to_owned()),
    })
}

/// Accepts DNS names (letters, digits, `-`, `_`, dots; a leading `*.` wildcard) so that typos
/// such as `db.example.com/3306` fail here with a clear message instead of as NXDOMAIN.
fn check_host_name(host: &str) -> Result<(), String> {
    let name = host.strip_prefix("*.").unwrap_or(host);
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 || !name.split('.').all(valid_label) {
        return Err(format!("`{host}` is not a valid host name"));
    }
    Ok(())
}

/// Hides the password of a DSN-looking string for error messages.
fn redact(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let rest = &text[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return text.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &text[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let cases = [
            ("db.example.com", "db.example.com", None),
            ("DB.Example.com:3306", "db.example.com", Some(3306)),
            ("203.0.113.7", "203.0.113.7", None),
            ("203.0.113.7:3306", "203.0.113.7", Some(3306)),
            ("2001:db8::7", "2001:db8::7", None),
            ("[2001:db8::7]:3306", "2001:db8::7", Some(3306)),
            (
                "mysql://user:secret@db.example.com:3306/test",
                "db.example.com",
                Some(3306),
            ),
            ("mysql://db.example.com/test", "db.example.com", None),
            (
                "mysql://user:pw@[2001:db8::7]:3307/x",
                "2001:db8::7",
                Some(3307),
            ),
        ];
        for (text, host, port) in cases {
            let target = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((target.host.as_str(), target.port), (host, port), "{text}");
            assert!(!target.display.contains("secret"), "{text}");
        }
    }

    #[test]
    fn dsn_schemes_give_ports_and_protocols() {
        let cases = [
            ("postgres://u:p@pg.example.com/db", Some(5432), None),
            ("mysql://u@db.example.com/db", Some(3306), None),
            ("mongodb://m.example.com/db", Some(27017), Some("MONGO")),
            ("mongodb+srv://m.example.com/db", Some(27017), Some("MONGO")),
            ("redis://r.example.com", Some(6379), None),
            ("postgres://pg.example.com:6432/db", Some(6432), None),
            ("db.example.com", None, None),
        ];
        for (text, port, protocol) in cases {
            let target = Target::parse(text).expect("parses");
            assert_eq!(target.port_or_scheme_default(), port, "{text}");
            assert_eq!(target.scheme_protocol(), protocol, "{text}");
        }
    }

    #[test]
    fn dsn_password_never_shown() {
        let target = Target::parse("mysql://user:secret@db.example.com:3306/test").expect("dsn");
        assert_eq!(target.to_string(), "mysql://user@db.example.com:3306/test");
        let err = Target::parse("mysql://user:secret@db.example.com:99999/test").expect_err("port");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(err.to_string().contains("user:***@"), "{err}");
    }

    #[test]
    fn rejected_forms() {
        for text in [
            "",
            "db.example.com:0",
            "db.example.com:x",
            "db example.com",
            "[2001:db8::7]",
            "db.example.com/3306",
            "mysql://:3306/",
        ] {
            assert!(Target::parse(text).is_err(), "{text:?} should be rejected");
        }
    }
}
