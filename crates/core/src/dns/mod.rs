//! Forward DNS resolution for `meshctl`: owns turning a host name into its
//! A/AAAA addresses, CNAME chain and TTLs, either through an explicit list of
//! nameservers (like `dig @server`) or through the system configuration
//! (`/etc/hosts` first, then the nameservers in `/etc/resolv.conf`).
//!
//! Every call builds a fresh resolver with its response cache disabled, so
//! repeated calls (sampling a name over time) always see fresh answers. Failures
//! are classified into [`DnsError`] so the CLI can tell a negative answer
//! (NXDOMAIN / no address records) from a resolution failure.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::ResolveHosts;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RecordType;

mod answer;
mod builder;
mod error;
mod records;
mod report;
mod servers;
mod settings;

pub use builder::LookupBuilder;
pub use error::DnsError;
pub use records::{Address, AddressFamily, CnameLink, Lookup};
pub use report::{ResolveQuery, ResolveReport};
pub use settings::ResolverSettings;

use answer::{AnswerContext, combine};
use error::NO_CONNECTION;
use servers::{
    NameserverTarget, builtin_localhost, explicit_target, lookup_hosts_file, parse_ip_literal,
    parse_name, system_target,
};

/// Extra time granted on top of the per-query timeout before a lookup is abandoned
/// even if the resolver has not given up by itself yet.
const GUARD_SLACK: Duration = Duration::from_secs(1);

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
