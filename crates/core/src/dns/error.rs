//! Why a lookup produced no addresses: a negative answer (the name has none) told apart from a
//! failure to get an answer, so the CLI can exit 1 for the first and 2 for the second.

use std::time::Duration;

/// Why a [`crate::dns::lookup`] produced no addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name does not exist (NXDOMAIN).
    #[error("`{name}` does not exist (NXDOMAIN)")]
    NxDomain {
        /// The name as queried.
        name: String,
    },
    /// The name exists but has neither A nor AAAA records (NOERROR, no data).
    #[error("`{name}` exists but has no A or AAAA records")]
    NoRecords {
        /// The name as queried.
        name: String,
    },
    /// No answer arrived within the timeout.
    #[error("no answer for `{name}` from {server} within {timeout:?}")]
    Timeout {
        /// The name as queried.
        name: String,
        /// The per-query timeout that expired.
        timeout: Duration,
        /// Description of the nameserver(s) that were asked.
        server: String,
    },
    /// The server answered with an error (SERVFAIL, REFUSED, ...) or could not
    /// be talked to (connection refused, ...).
    #[error("{server} failed to resolve `{name}`: {reason}")]
    Server {
        /// The name as queried.
        name: String,
        /// Description of the nameserver(s) that were asked.
        server: String,
        /// Short reason, e.g. `SERVFAIL` or `connection refused`.
        reason: String,
    },
    /// The system resolver configuration could not be used.
    #[error("cannot use the system resolver configuration: {reason}")]
    Config {
        /// What went wrong, e.g. `/etc/resolv.conf` is missing.
        reason: String,
    },
    /// The input is neither an IP address nor a valid DNS name.
    #[error("`{name}` is not a valid host name: {reason}")]
    InvalidName {
        /// The input as given.
        name: String,
        /// Why it was rejected.
        reason: String,
    },
}

impl DnsError {
    /// True for a definitive negative answer (NXDOMAIN or no A/AAAA records),
    /// which the CLI reports with exit code 1; false for failures to get an
    /// answer at all (exit code 2).
    #[must_use]
    pub fn is_negative_answer(&self) -> bool {
        matches!(self, Self::NxDomain { .. } | Self::NoRecords { .. })
    }
}

/// Reason used when hickory could not open any connection to the servers; the lookup then asks
/// the TCP socket itself why.
pub(super) const NO_CONNECTION: &str = "no usable connection to the server";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_one_line_lowercase_without_period() {
        let errors = [
            DnsError::NxDomain {
                name: "a.example".into(),
            },
            DnsError::NoRecords {
                name: "a.example".into(),
            },
            DnsError::Timeout {
                name: "a.example".into(),
                timeout: Duration::from_millis(300),
                server: "127.0.0.1:53 (udp)".into(),
            },
            DnsError::Server {
                name: "a.example".into(),
                server: "127.0.0.1:53 (udp)".into(),
                reason: "SERVFAIL".into(),
            },
            DnsError::Config { reason: "x".into() },
        ];
        for err in errors {
            let msg = err.to_string();
            assert!(!msg.contains('\n') && !msg.ends_with('.'), "{msg}");
            assert!(!msg.starts_with(char::is_uppercase), "{msg}");
        }
    }

    #[test]
    fn negative_answers_are_classified() {
        assert!(DnsError::NxDomain { name: "x".into() }.is_negative_answer());
        assert!(DnsError::NoRecords { name: "x".into() }.is_negative_answer());
        assert!(!DnsError::Config { reason: "x".into() }.is_negative_answer());
    }
}
