//! MSH2xx: the TCP semantics of one entry — the mistakes the blog post warns about. A TCP
//! connection carries no name, so only addresses and port match; everything here follows from
//! that (ISTIO.md §1.2, §2.3–2.5, §2.8).

use ipnet::IpNet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Protocol;
use crate::load::Loaded;
use crate::model::{Location, Resolution, ServiceEntry};

use super::{Context, Rule, finding};

/// Ports where the server speaks first; unset protocol makes the sidecar wait for the client.
pub const SERVER_FIRST_PORTS: [u16; 6] = [3306, 25, 27017, 21, 110, 143];

/// Ports the sidecar itself listens on (ISTIO.md §2.2, R24).
const RESERVED_PORTS: [u32; 9] = [
    15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090,
];

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for se in &cx.inputs.service_entries {
        hosts_ignored(cx, se, out);
        address_shape(cx, se, out);
        protocols(cx, se, out);
        misc(se, out);
    }
}

/// True when the sidecars would bind auto-allocated VIPs for this entry instead of 0.0.0.0:
/// they proxy DNS and Istio (1.25+ allocates by default) gives every host a VIP.
fn uses_auto_vip(cx: &Context<'_>, se: &ServiceEntry) -> bool {
    cx.dns_capture
        && se
            .spec
            .hosts
            .iter()
            .all(|h| crate::engine::auto_allocation_applies(se, h))
}

fn hosts_ignored(cx: &Context<'_>, loaded: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let se = &loaded.resource;
    let spec = &se.spec;
    let host = spec.hosts.first().map_or("<none>", String::as_str);
    let mut tcp_ports = Vec::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let protocol = Protocol::parse(port.protocol.as_deref());
        if !matches!(
            protocol,
            Protocol::Tcp | Protocol::Mongo | Protocol::Mysql | Protocol::Redis | Protocol::Auto
        ) {
            continue;
        }
        let n = port.number;
        tcp_ports.push(n);
        if !spec.addresses.is_empty() || uses_auto_vip(cx, se) {
            continue;
        }
        let message = match spec.resolution() {
            Resolution::None => {
                format!("port {n} is open to every destination IP; `hosts` does not restrict TCP")
            }
            Resolution::Dns | Resolution::DnsRoundRobin => format!(
                "every connection on port {n} is sent to {host}, whatever IP the application dialled; `hosts` does not restrict TCP"
            ),
            Resolution::Static => {
                format!(
                    "every connection on port {n} is sent to this entry's endpoints; `hosts` does not restrict TCP"
                )
            }
            Resolution::DynamicDns => {
                format!("port {n} has no address, so `hosts` cannot select TCP connections")
            }
        };
        let mut d = finding(
            loaded,
            Rule::HostsIgnoredForTcp,
            &format!("spec.ports[{i}]"),
            message,
        );
        d.help = Some(if host.parse::<std::net::IpAddr>().is_ok() {
            format!(
                "list `{host}` under `addresses` as a /32 or /128 and put the service's name in `hosts`"
            )
        } else {
            format!(
                "add the service's IPs as /32 addresses (`meshctl gen serviceentry {host}:{n}`)"
            )
        });
        out.push(d);
    }
    if let Some(n) = tcp_ports.first()
        && spec.hosts.len() > 1
        && spec.resolution() == Resolution::None
        && one_host_route(spec)
    {
        let first = spec.hosts.iter().min().map_or("", String::as_str);
        let mut d = finding(
            loaded,
            Rule::HostsIgnoredForTcp,
            "spec.hosts",
            format!(
                "{} hosts share one address on TCP port {n}: only {first}'s cluster is used",
                spec.hosts.len()
            ),
        );
        d.severity = Severity::Info;
        d.help = Some("write one ServiceEntry per host, each with its own addresses".into());
        out.push(d);
    }
}

/// Exactly one address, and it names a single host (bare IP, /32 or /128).
fn one_host_route(spec: &crate::model::ServiceEntrySpec) -> bool {
    match spec.addresses.as_slice() {
        [address] => {
            address.parse::<std::net::IpAddr>().is_ok()
                || address
                    .parse::<IpNet>()
                    .is_ok_and(|n| n.prefix_len() == n.max_prefix_len())
        }
        _ => false,
    }
}

fn address_shape(cx: &Context<'_>, loaded: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let dns = matches!(
        loaded.resource.spec.resolution(),
        Resolution::Dns | Resolution::DnsRoundRobin
    );
    for (i, address) in loaded.resource.spec.addresses.iter().enumerate() {
        let path = format!("spec.addresses[{i}]");
        if let Ok(ip) = address.parse::<std::net::IpAddr>() {
            // With DNS resolution Istio rejects CIDRs, so a bare IP is the only spelling.
            if !dns {
                let bits = if ip.is_ipv6() { 128 } else { 32 };
                let mut d = finding(
                    loaded,
                    Rule::MissingCidr,
                    &path,
                    format!("`{address}` is a bare IP; the address should be a CIDR block"),
                );
                d.help = Some(format!("write `{address}/{bits}`"));
                out.push(d);
            }
            continue;
        }
        let Ok(net) = address.parse::<IpNet>() else {
            continue; // MSH102 reports it
        };
        if net.addr() != net.network() {
            let mut d = finding(
                loaded,
                Rule::CidrHostBitsSet,
                &path,
                format!(
                    "`{address}` means `{}`: the host bits are ignored",
                    net.trunc()
                ),
            );
            d.help = Some(format!(
                "write `{}`, or `{}/{}` for the single host",
                net.trunc(),
                net.addr(),
                net.max_prefix_len()
            ));
            out.push(d);
        }
        let limit = if net.addr().is_ipv4() {
            cx.max_ipv4_prefix
        } else {
            cx.max_ipv6_prefix
        };
        if net.prefix_len() < limit {
            let size = 2f64.powi(i32::from(net.max_prefix_len() - net.prefix_len()));
            let mut d = finding(
                loaded,
                Rule::BroadCidr,
                &path,
                format!("`{address}` admits {size} addresses (wider than /{limit})"),
            );
            if net.prefix_len() == 0 {
                d.severity = Severity::Error;
                d.message = format!(
                    "`{address}` admits every address: the entry opens its ports to the whole internet"
                );
            }
            d.help = Some("list the service's own addresses (`meshctl gen serviceentry`) or the provider's published ranges".into());
            out.push(d);
        }
    }
}

fn protocols(cx: &Context<'_>, loaded: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    for (i, port) in loaded.resource.spec.ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let declared = port.protocol.as_deref().filter(|p| !p.is_empty());
        let n = u16::try_from(port.number).unwrap_or(0);
        if declared.is_none() {
            let server_first =
                SERVER_FIRST_PORTS.contains(&n) || cx.server_first_ports.contains(&n);
            let mut d = finding(
                loaded,
                Rule::UnspecifiedProtocol,
                &path,
                if server_first {
                    format!(
                        "port {n} has no protocol: the sidecar waits for the client's first bytes, but on {n} the server speaks first, so connections hang"
                    )
                } else {
                    format!(
                        "port {n} has no protocol: the sidecar sniffs the first client bytes to choose HTTP or TCP"
                    )
                },
            );
            if server_first {
                d.severity = Severity::Error;
            }
            d.help = Some(
                "set `protocol: TCP` (the port name does not set a ServiceEntry's protocol)".into(),
            );
            out.push(d);
        }
        if let Some(implied) = implied_protocol(&port.name) {
            let actual = Protocol::parse(declared);
            let same_class = declared.is_some()
                && actual.listener() == implied.listener()
                && actual.is_tls() == implied.is_tls();
            if !same_class {
                let says = declared.map_or_else(|| "is unset".to_owned(), |p| format!("says {p}"));
                let mut d = finding(
                    loaded,
                    Rule::PortNameProtocolMismatch,
                    &format!("{path}.name"),
                    format!(
                        "port name `{}` suggests {implied} but `protocol` {says}; for a ServiceEntry only `protocol` counts",
                        port.name
                    ),
                );
                d.help = Some(format!(
                    "set `protocol: {}` or rename the port",
                    implied.as_str()
                ));
                out.push(d);
            }
        }
        if Protocol::parse(declared).is_tls() {
            for (j, address) in loaded.resource.spec.addresses.iter().enumerate() {
                let host_route = address.parse::<std::net::IpAddr>().is_ok()
                    || address
                        .parse::<IpNet>()
                        .is_ok_and(|net| net.prefix_len() == net.max_prefix_len());
                if host_route {
                    let mut d = finding(
                        loaded,
                        Rule::TlsEntryWithIp,
                        &format!("spec.addresses[{j}]"),
                        format!(
                            "TLS port {n} on the plain address `{address}`: SNI is not checked there, any connection to it on {n} is sent to this entry"
                        ),
                    );
                    d.help = Some("drop `addresses` to match by SNI, or keep them if any name on that IP is acceptable".into());
                    out.push(d);
                }
            }
        }
    }
}

/// The protocol a port name's prefix announces (`mysql`, `tcp-db`, `http-api`), if any.
fn implied_protocol(name: &str) -> Option<Protocol> {
    let prefix = name.split('-').next().unwrap_or(name);
    let protocol = Protocol::parse(Some(prefix));
    (protocol != Protocol::Auto).then_some(protocol)
}

fn misc(loaded: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let spec = &loaded.resource.spec;
    if spec.resolution() == Resolution::Static
        && spec.endpoints.is_empty()
        && spec.workload_selector.is_none()
    {
        let mut d = finding(loaded, Rule::StaticWithoutEndpoints, "spec.resolution", "resolution STATIC without endpoints: matched connections have no upstream and are closed".into());
        d.help = Some(
            "list the endpoints, or use resolution NONE to forward to the dialled address".into(),
        );
        out.push(d);
    }
    for (i, port) in spec.ports.iter().enumerate() {
        if RESERVED_PORTS.contains(&port.number) {
            let mut d = finding(
                loaded,
                Rule::ReservedPort,
                &format!("spec.ports[{i}].number"),
                format!("port {} is used by the sidecar itself", port.number),
            );
            d.help = Some(
                "Istio reserves 15000-15090 for the proxy; use the service's real port".into(),
            );
            out.push(d);
        }
    }
    let in_cluster = spec
        .hosts
        .iter()
        .all(|h| h.rsplit('.').next() == Some("local") || !h.contains('.'));
    if spec.location() == Location::MeshInternal && spec.workload_selector.is_none() && !in_cluster
    {
        let mut d = finding(loaded, Rule::ExternalHostMeshInternal, "spec.location", "an external host is declared MESH_INTERNAL: the sidecar will expect mesh mTLS and report it as an in-mesh service".into());
        d.help = Some("use `location: MESH_EXTERNAL` for services outside the mesh".into());
        out.push(d);
    }
}
