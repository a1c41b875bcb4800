//! # MSH201 hosts-ignored-for-tcp
//!
//! ## What it does
//! Reports a port with protocol TCP, MONGO, MYSQL, REDIS or no protocol in an entry without
//! `addresses` (and without an auto-allocated address its workloads would use), or whose `addresses`
//! include the unspecified address in any spelling (`0.0.0.0`, `0.0.0.0/32`, `::`, `::/128`): istiod
//! gives such a service the default address `0.0.0.0`, which is exactly "no address", so the entry
//! pins nothing and the message quotes the address as written. Also reported, as info,
//! when one entry lists several hosts on a TCP port with a single address: only one host's cluster is
//! used.
//!
//! ## Why it matters
//! A TCP connection carries no name, so the sidecar matches it by destination IP and port alone. With
//! no addresses the entry becomes a match-all filter chain on `0.0.0.0_<port>` that takes the
//! listener's default slot: every captured connection on that port that no more specific listener
//! claims goes to this entry, under REGISTRY_ONLY as much as under ALLOW_ANY. With resolution NONE the
//! port is open to every destination IP; with DNS every connection is redirected to the entry's host;
//! with STATIC it goes to the endpoints.
//!
//! Severity: **error** with resolution NONE, because the port is then open to every IP on the
//! internet — the exact hole a ServiceEntry is written to close — and `check` must fail CI on it by
//! default. **Warning** with DNS, DNS_ROUND_ROBIN, STATIC or DYNAMIC_DNS: every connection on the port
//! goes to one place, which breaks other destinations on that port but lets nothing new out. **Info**
//! for several hosts sharing one address: only routing is affected.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # does not restrict anything on a TCP port
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//! ```
//! Generate it with `meshctl gen serviceentry db.example.com`.

use std::net::IpAddr;

use crate::engine::{self, Protocol};
use crate::load::Loaded;
use crate::model::{Resolution, ServiceEntry, ServiceEntrySpec};
use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH201 hosts-ignored-for-tcp: a TCP-class (or protocol-less) port on an entry without
/// addresses, or whose addresses include the unspecified address (`0.0.0.0`, `::`, which istiod
/// reads as no address), which captures the whole port whatever `hosts` says; and, as info, several hosts
/// sharing one address on a TCP port, where only one host's cluster is used (Istio's analyzer
/// reports the first case as IST0134). Opening a port to every IP is an error; see the
/// severity note in the explanation above.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.",
};

/// Reports every TCP port that captures all destinations, then shared single addresses.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        check_entry(cx, se, out);
    }
}

fn check_entry(cx: &Context<'_>, loaded: &Loaded<ServiceEntry>, out: &mut Findings) {
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
        // The unspecified address is istiod's "no address" (crate::ip): listed or not, it
        // puts the port on the wildcard listener.
        let unspecified = spec
            .addresses
            .iter()
            .position(|a| crate::ip::is_unspecified_host(a.trim()));
        if unspecified.is_none() && (!spec.addresses.is_empty() || uses_auto_vip(cx, se)) {
            continue;
        }
        // Error only where the port is opened to every IP (resolution NONE): that is the hole.
        // The other modes send every connection to one place, which breaks traffic rather than
        // letting it out, so they stay warnings.
        let severity = match spec.resolution() {
            Resolution::None => Severity::Error,
            _ => Severity::Warning,
        };
        let message = match spec.resolution() {
            Resolution::None => {
                format!("port {n} is open to every destination IP; `hosts` does not restrict TCP")
            }
            Resolution::Dns | Resolution::DnsRoundRobin => format!(
                "every connection on port {n} is sent to {host}, whatever IP the application dialled; `hosts` does not restrict TCP"
            ),
            Resolution::Static => format!(
                "every connection on port {n} is sent to this entry's endpoints; `hosts` does not restrict TCP"
            ),
            Resolution::DynamicDns => {
                format!("port {n} has no address, so `hosts` cannot select TCP connections")
            }
        };
        let (message, help) = if let Some(j) = unspecified {
            let written = spec.addresses[j].trim();
            (
                format!(
                    "`{written}` is the unspecified address, which Istio reads as no address: {message}"
                ),
                format!(
                    "replace `{written}` with the service's own /32 addresses (`meshctl gen serviceentry {host}:{n}`)"
                ),
            )
        } else if host.parse::<IpAddr>().is_ok() {
            (
                message,
                format!(
                    "list `{host}` under `addresses` as a /32 or /128 and put the service's name in `hosts`"
                ),
            )
        } else {
            (
                message,
                format!(
                    "add the service's IPs as /32 addresses (`meshctl gen serviceentry {host}:{n}`)"
                ),
            )
        };
        let field = match unspecified {
            Some(j) => format!("spec.addresses[{j}]"),
            None => format!("spec.ports[{i}]"),
        };
        out.at(loaded, &field, message)
            .severity(severity)
            .help(help);
    }
    if let Some(n) = tcp_ports.first()
        && spec.hosts.len() > 1
        && spec.resolution() == Resolution::None
        && one_host_route(spec)
    {
        let first = spec.hosts.iter().min().map_or("", String::as_str);
        out.at(
            loaded,
            "spec.hosts",
            format!(
                "{} hosts share one address on TCP port {n}: only {first}'s cluster is used",
                spec.hosts.len()
            ),
        )
        .severity(Severity::Info)
        .help("write one ServiceEntry per host, each with its own addresses");
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
            .all(|h| engine::auto_allocation_applies(se, h))
}

/// Exactly one address, and it names a single host (bare IP, /32 or /128).
fn one_host_route(spec: &ServiceEntrySpec) -> bool {
    match spec.addresses.as_slice() {
        [address] => address::is_host_route(address),
        _ => false,
    }
}
