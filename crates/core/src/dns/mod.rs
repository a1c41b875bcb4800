//! Forward DNS resolution for `meshctl`: owns turning a host name into its
//! A/AAAA addresses, CNAME chain and TTLs, either through an explicit list of
//! nameservers (like `dig @server`) or through the system configuration
//! (`/etc/hosts` first, then the nameservers in `/etc/resolv.conf`).
//!
//! Every call builds a fresh resolver with its response cache disabled, so
//! repeated calls (sampling a name over time) always see fresh answers. Failures
//! are classified into [`DnsError`] so the CLI can tell a negative answer
//! (NXDOMAIN / no address records) from a resolution failure.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::ResolveHosts;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RecordType;
use serde::Serialize;

mod answer;
mod report;
mod servers;

pub use report::{ResolveQuery, ResolveReport};

use answer::{AnswerContext, combine, into_addresses};
use servers::{
    NameserverTarget, builtin_localhost, explicit_target, lookup_hosts_file, parse_ip_literal,
    parse_name, system_target,
};

/// Longest CNAME chain that is followed when reconstructing the chain from an answer.
const MAX_CNAME_HOPS: usize = 16;

/// Extra time granted on top of the per-query timeout before a lookup is abandoned
/// even if the resolver has not given up by itself yet.
const GUARD_SLACK: Duration = Duration::from_secs(1);

/// How a lookup reaches DNS: which nameservers, which transport, how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// Nameservers to query directly (like `dig @server`). Empty means "use the
    /// system configuration": `/etc/hosts` first, then `/etc/resolv.conf`.
    pub nameservers: Vec<SocketAddr>,
    /// Query over TCP instead of UDP.
    pub tcp: bool,
    /// Time allowed for one query (one attempt per server, no retries).
    pub timeout: Duration,
}

impl Default for ResolverSettings {
    /// No explicit nameservers (system configuration), UDP, 5 second timeout.
    fn default() -> Self {
        Self {
            nameservers: Vec::new(),
            tcp: false,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Address family of a resolved address. Serializes as `"IPv4"` / `"IPv6"`,
/// and orders IPv4 before IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AddressFamily {
    /// An A record (or IPv4 literal / hosts entry).
    IPv4,
    /// An AAAA record (or IPv6 literal / hosts entry).
    IPv6,
}

impl AddressFamily {
    /// The family of `ip`.
    #[must_use]
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => Self::IPv4,
            IpAddr::V6(_) => Self::IPv6,
        }
    }

    /// `"IPv4"` or `"IPv6"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IPv4 => "IPv4",
            Self::IPv6 => "IPv6",
        }
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for AddressFamily {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AddressFamily {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One hop of a CNAME chain: `name` is an alias for `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CnameLink {
    /// Owner name of the CNAME record (no trailing dot).
    pub name: String,
    /// Name the alias points to (no trailing dot).
    pub target: String,
    /// TTL of the CNAME record, in seconds, as returned by the server.
    pub ttl: u32,
}

/// One resolved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// The address itself.
    pub ip: IpAddr,
    /// `IPv4` for A records, `IPv6` for AAAA records.
    pub family: AddressFamily,
    /// TTL of the record in seconds (0 for IP literals and hosts-file entries).
    pub ttl: u32,
}

/// The outcome of a successful [`lookup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The name as queried (no trailing dot).
    pub name: String,
    /// Last name in the CNAME chain, or `name` when there is no chain (or the
    /// search-list expansion of `name` that produced the answer).
    pub canonical_name: String,
    /// CNAME hops in order, from the queried name to the canonical name.
    pub cname_chain: Vec<CnameLink>,
    /// Addresses sorted IPv4 first then by address, without duplicates.
    pub addresses: Vec<Address>,
    /// Smallest TTL across `addresses`; `None` when the answer carries no TTL
    /// (hosts file, IP literal).
    pub min_ttl: Option<u32>,
    /// Who answered, e.g. `127.0.0.1:5353 (udp)`,
    /// `system resolv.conf (10.0.0.2:53 udp)`, `/etc/hosts` or `literal`.
    pub nameserver: String,
    /// The address family whose query failed (timed out, SERVFAIL, refused) while the other
    /// answered, with why: `addresses` then hold only part of the answer. `None` when both
    /// families answered (records or none). Consumers that remove what DNS no longer returns
    /// (`sync`) must not read the failed family's addresses as gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<(AddressFamily, String)>,
}

/// Why a [`lookup`] produced no addresses.
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

/// Resolves `name` to its A and AAAA addresses.
///
/// `name` may also be an IP literal, which is returned as is without any query.
/// A and AAAA are queried concurrently with a fresh, cache-less resolver, so
/// every call sends new queries.
///
/// With `settings.nameservers` set, only those servers are asked (the hosts
/// file is not consulted). Without, the hosts file is consulted first (an entry
/// there answers without any DNS traffic, even if `/etc/resolv.conf` is
/// missing), then the nameservers from `/etc/resolv.conf` with its search list.
///
/// # Errors
///
/// See [`DnsError`]: negative answers (`NxDomain`, `NoRecords`), failures
/// (`Timeout`, `Server`), unusable system configuration (`Config`) and inputs
/// that are not host names (`InvalidName`).
pub async fn lookup(name: &str, settings: &ResolverSettings) -> Result<Lookup, DnsError> {
    let input = name.trim();
    let display_name = input.strip_suffix('.').unwrap_or(input).to_owned();

    if let Some(ip) = parse_ip_literal(input) {
        return Ok(Lookup {
            name: display_name,
            canonical_name: ip.to_string(),
            cname_chain: Vec::new(),
            addresses: vec![Address {
                ip,
                family: AddressFamily::of(ip),
                ttl: 0,
            }],
            min_ttl: None,
            nameserver: "literal".to_owned(),
            incomplete: None,
        });
    }

    let mut qname = parse_name(input, &display_name)?;

    // The hosts file is part of the system configuration only (`dig @server` ignores it).
    if settings.nameservers.is_empty()
        && let Some(found) = lookup_hosts_file(&qname, &display_name)
    {
        return Ok(found);
    }
    if qname.is_localhost() {
        return Ok(builtin_localhost(&display_name));
    }

    let NameserverTarget {
        config,
        mut opts,
        description: server,
        servers,
    } = if settings.nameservers.is_empty() {
        system_target(settings)?
    } else {
        // Like `dig @server`: the name is taken as fully qualified, no search list.
        qname.set_fqdn(true);
        explicit_target(settings)
    };

    opts.timeout = settings.timeout;
    // `attempts` counts *retries*: 0 means each query is sent exactly once.
    opts.attempts = 0;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;

    // With a search list, each candidate name may take a full timeout.
    let candidates = 1 + config.search().len() + usize::from(config.domain().is_some());
    let guard = settings
        .timeout
        .saturating_mul(u32::try_from(candidates).unwrap_or(u32::MAX))
        .saturating_add(GUARD_SLACK);

    let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|err| DnsError::Config {
            reason: err.to_string(),
        })?;

    let both = async {
        tokio::join!(
            resolver.lookup(qname.clone(), RecordType::A),
            resolver.lookup(qname.clone(), RecordType::AAAA),
        )
    };
    let Ok((v4, v6)) = tokio::time::timeout(guard, both).await else {
        return Err(DnsError::Timeout {
            name: display_name,
            timeout: settings.timeout,
            server,
        });
    };

    let ctx = AnswerContext {
        display_name: &display_name,
        qname: &qname,
        server: &server,
        timeout: settings.timeout,
    };
    match combine(&ctx, v4, v6) {
        Err(DnsError::Server {
            name,
            server,
            reason,
        }) if reason == NO_CONNECTION && settings.tcp => {
            // hickory reports a refused TCP connection only as "no connections";
            // find out why by connecting once ourselves.
            let reason = tcp_failure_reason(&servers, settings.timeout)
                .await
                .unwrap_or(reason);
            Err(DnsError::Server {
                name,
                server,
                reason,
            })
        }
        other => other,
    }
}

/// Reason used when hickory could not open any connection to the servers.
const NO_CONNECTION: &str = "no usable connection to the server";

/// Connects over TCP to the first server and returns why that fails, if it does.
async fn tcp_failure_reason(servers: &[SocketAddr], timeout: Duration) -> Option<String> {
    let server = servers.first()?;
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(server)).await {
        Ok(Ok(_)) => None,
        Ok(Err(err)) => Some(err.kind().to_string()),
        Err(_) => Some("tcp connection timed out".to_owned()),
    }
}

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

    #[test]
    fn family_orders_v4_first_and_compares_to_str() {
        assert!(AddressFamily::IPv4 < AddressFamily::IPv6);
        assert!(AddressFamily::IPv6 == "IPv6");
    }

    #[tokio::test]
    async fn literal_and_invalid_names() {
        let settings = ResolverSettings::default();
        let found = lookup("[2001:db8::1]", &settings).await.expect("literal");
        assert_eq!(found.addresses[0].family, AddressFamily::IPv6);
        let err = lookup("bad..name", &settings).await.expect_err("invalid");
        assert!(matches!(err, DnsError::InvalidName { .. }), "{err}");
        let err = lookup("  ", &settings).await.expect_err("empty");
        assert!(matches!(err, DnsError::InvalidName { .. }), "{err}");
    }
}
