//! Where a lookup goes: the system configuration (hosts file, then resolv.conf), explicit
//! nameservers, IP literals and the built-in localhost names.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts, ServerOrderingStrategy,
};
use hickory_resolver::net::NetError;
use hickory_resolver::proto::op::Query;
use hickory_resolver::proto::rr::{Name, RecordType};
use hickory_resolver::{Hosts, system_conf};

use super::answer::into_addresses;
use super::error::DnsError;
use super::records::{AddressFamily, Lookup};
use super::settings::ResolverSettings;

/// Parses an IP literal, also accepting a bracketed IPv6 address (`[::1]`).
pub(super) fn parse_ip_literal(input: &str) -> Option<IpAddr> {
    let unbracketed = input
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(input);
    unbracketed.parse().ok()
}

pub(super) fn parse_name(input: &str, display_name: &str) -> Result<Name, DnsError> {
    if display_name.is_empty() {
        return Err(DnsError::InvalidName {
            name: input.to_owned(),
            reason: "the name is empty".to_owned(),
        });
    }
    Name::from_utf8(input).map_err(|err| DnsError::InvalidName {
        name: input.to_owned(),
        reason: err.to_string(),
    })
}

/// Answers from `/etc/hosts` when it has any address for `qname`, as the system
/// resolver does (`files` before `dns`). An unreadable hosts file is treated as empty.
pub(super) fn lookup_hosts_file(qname: &Name, display_name: &str) -> Option<Lookup> {
    let hosts = Hosts::from_system().ok()?;
    let mut fqdn = qname.clone();
    fqdn.set_fqdn(true);

    let mut found = BTreeMap::new();
    for record_type in [RecordType::A, RecordType::AAAA] {
        let Some(answer) = hosts.lookup_static_host(&Query::query(fqdn.clone(), record_type))
        else {
            continue;
        };
        for ip in answer.answers().iter().filter_map(|r| r.data.ip_addr()) {
            found.insert((AddressFamily::of(ip), ip), 0);
        }
    }
    if found.is_empty() {
        return None;
    }

    Some(Lookup {
        name: display_name.to_owned(),
        canonical_name: display_name.to_owned(),
        cname_chain: Vec::new(),
        addresses: into_addresses(found),
        min_ttl: None,
        nameserver: "/etc/hosts".to_owned(),
        incomplete: None,
    })
}

/// Where and how to send queries.
pub(super) struct NameserverTarget {
    pub(super) config: ResolverConfig,
    pub(super) opts: ResolverOpts,
    /// Human description of the servers, for `Lookup::nameserver` and errors.
    pub(super) description: String,
    pub(super) servers: Vec<SocketAddr>,
}

/// `localhost` and names under it always mean the loopback addresses (RFC 6761)
/// and are never sent to a nameserver; hickory would answer them itself anyway.
pub(super) fn builtin_localhost(display_name: &str) -> Lookup {
    let found = [
        IpAddr::from(Ipv4Addr::LOCALHOST),
        IpAddr::from(Ipv6Addr::LOCALHOST),
    ]
    .into_iter()
    .map(|ip| ((AddressFamily::of(ip), ip), 0))
    .collect();
    Lookup {
        name: display_name.to_owned(),
        canonical_name: display_name.to_owned(),
        cname_chain: Vec::new(),
        addresses: into_addresses(found),
        min_ttl: None,
        nameserver: "built-in localhost (RFC 6761)".to_owned(),
        incomplete: None,
    }
}

/// Reads `/etc/resolv.conf`, switching its servers to TCP when asked.
pub(super) fn system_target(settings: &ResolverSettings) -> Result<NameserverTarget, DnsError> {
    let (config, opts) = system_conf::read_system_conf().map_err(|err| {
        let detail = match err {
            NetError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                "file not found".to_owned()
            }
            NetError::Io(io) => io.to_string(),
            other => other.to_string(),
        };
        DnsError::Config {
            reason: format!("reading /etc/resolv.conf: {detail}"),
        }
    })?;
    let (domain, search, servers) = config.into_parts();
    let protocol = protocol_label(settings.tcp);

    let mut addrs = Vec::new();
    let servers = servers
        .into_iter()
        .map(|mut server| {
            // resolv.conf servers are UDP-with-TCP-fallback on the standard port.
            let port = server.connections.first().map_or(53, |conn| conn.port);
            addrs.push(SocketAddr::new(server.ip, port));
            if settings.tcp {
                server.connections = vec![connection(ConnectionConfig::tcp(), port)];
            }
            server
        })
        .collect();

    let described: Vec<String> = addrs.iter().map(|a| format!("{a} {protocol}")).collect();
    Ok(NameserverTarget {
        config: ResolverConfig::from_parts(domain, search, servers),
        opts,
        description: format!("system resolv.conf ({})", described.join(", ")),
        servers: addrs,
    })
}

/// Builds a configuration that asks only `settings.nameservers`, in order.
pub(super) fn explicit_target(settings: &ResolverSettings) -> NameserverTarget {
    let servers = settings
        .nameservers
        .iter()
        .map(|addr| {
            let connections = if settings.tcp {
                vec![connection(ConnectionConfig::tcp(), addr.port())]
            } else {
                // UDP, retrying over TCP only when an answer is truncated (like dig).
                vec![
                    connection(ConnectionConfig::udp(), addr.port()),
                    connection(ConnectionConfig::tcp(), addr.port()),
                ]
            };
            NameServerConfig::new(addr.ip(), true, connections)
        })
        .collect();

    let mut opts = ResolverOpts::default();
    opts.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;

    let addrs: Vec<String> = settings
        .nameservers
        .iter()
        .map(ToString::to_string)
        .collect();
    NameserverTarget {
        config: ResolverConfig::from_parts(None, Vec::new(), servers),
        opts,
        description: format!("{} ({})", addrs.join(", "), protocol_label(settings.tcp)),
        servers: settings.nameservers.clone(),
    }
}

pub(super) fn connection(mut conn: ConnectionConfig, port: u16) -> ConnectionConfig {
    conn.port = port;
    conn
}

pub(super) fn protocol_label(tcp: bool) -> &'static str {
    if tcp { "tcp" } else { "udp" }
}
