//! # MSH407 service-shadows-entry
//!
//! ## What it does
//! Flags an entry port that an in-mesh Kubernetes Service lands on: a Service whose `clusterIP` (or
//! one of its `clusterIPs`) is an address of the entry, on a port both declare; or a Service port of
//! the HTTP class (its name prefix or `appProtocol` says `http`, `http2`, `grpc`, …) on a port where
//! an entry with a TCP-class protocol has a wildcard listener (no addresses, or a CIDR block).
//!
//! ## Why it matters
//! Services and entries become the same kind of listener in the sidecar, and the loser of a conflict
//! is dropped without an error. On a shared `<clusterIP>_<port>` listener both services match every
//! connection, so only the older one's chain is kept and the other's connections reach it; overlapping
//! a Service's address has also kept sidecars from starting (istio/istio#52847). An HTTP Service port
//! always uses the wildcard `0.0.0.0_<port>` listener, so next to a TCP entry there the listener turns
//! protocol-sniffed: server-first clients of the entry (MySQL, SMTP) hang. When the entry is MYSQL or
//! MONGO, Istio refuses to mix the protocols and drops whichever service comes second
//! (istio/istio `pilot/pkg/networking/core/listener_test.go`, `TestOutboundListenerConflict_*`).
//!
//! Severity: error when a Service's address takes over the entry's listener or a MYSQL/MONGO port is dropped; warning when the port only becomes sniffed.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: legacy-db}
//! spec:
//!   hosts: [legacy-db.example.com]
//!   ports: [{name: tcp, number: 8080, protocol: TCP}]
//!   resolution: NONE
//! ---
//! apiVersion: v1
//! kind: Service
//! metadata: {name: web}
//! spec:
//!   clusterIP: 10.96.12.34
//!   ports: [{name: http-web, port: 8080}]
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                      # legacy-db: its own address gives it 203.0.113.20_8080
//!   hosts: [legacy-db.example.com]
//!   addresses: [203.0.113.20/32]
//!   ports: [{name: tcp, number: 8080, protocol: TCP}]
//!   resolution: NONE
//! ```

use std::collections::HashMap;
use std::net::IpAddr;

use crate::engine::{ListenerProtocol, Protocol};
use crate::load::Loaded;
use crate::model::{KubeService, Resource, ServiceEntry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH407 service-shadows-entry: a Kubernetes Service and a ServiceEntry on one listener key.
/// Listener keys and conflict outcomes follow istio/istio
/// `pilot/pkg/networking/core/listener.go` (`buildSidecarOutboundListener`: TCP binds the
/// service address, HTTP the wildcard; `isConflictWithWellKnownPort`), a Service port's
/// protocol `pkg/config/kube/conversion.go` (`ConvertProtocol`). The engine does not compile
/// Services yet, so this rule reads the documents.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A Kubernetes Service on an entry's listener: one of them loses its traffic.",
};

/// Reports each (Service, entry port) conflict on the entry. The entries a Service can meet are
/// found through two indexes built once (entries by pinned address, and entries with a wildcard
/// listener by TCP port), so a repository of thousands of each pays for the pairs that share something, not
/// for every pair; entries are still visited in input order.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let entries = &cx.inputs.service_entries;
    let mut by_address: HashMap<IpAddr, Vec<usize>> = HashMap::new();
    // Entries with a wildcard listener, by each TCP-class port they declare.
    let mut wildcard: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, se) in entries.iter().enumerate() {
        let addresses = &se.resource.spec.addresses;
        if has_wildcard_listener(addresses) {
            for port in &se.resource.spec.ports {
                if Protocol::parse(port.protocol.as_deref()).listener()
                    == Some(ListenerProtocol::Tcp)
                {
                    wildcard.entry(i64::from(port.number)).or_default().push(i);
                }
            }
        }
        for raw in addresses {
            if let Some(net) = crate::ip::parse_net(raw.trim())
                && net.prefix_len() == net.max_prefix_len()
            {
                by_address.entry(net.addr()).or_default().push(i);
            }
        }
    }
    for svc in &cx.inputs.services {
        let spec = &svc.resource.spec;
        if spec.is_external_name() {
            continue; // an alias: no listener of its own
        }
        let mut candidates: Vec<usize> = spec
            .cluster_ip
            .iter()
            .chain(&spec.cluster_ips)
            .filter_map(|ip| crate::ip::parse_ip(ip.trim()))
            .filter_map(|ip| by_address.get(&ip))
            .flatten()
            .copied()
            .collect();
        for port in &spec.ports {
            if crate::engine::service_port_protocol(port).listener() == Some(ListenerProtocol::Http)
                && let Some(found) = wildcard.get(&port.port)
            {
                candidates.extend(found);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for i in candidates {
            same_address(svc, &entries[i], out);
            http_over_wildcard(svc, &entries[i], out);
        }
    }
}

/// True when an entry with these `addresses` has a wildcard listener: none, the unspecified
/// address, or a CIDR block wider than one host.
fn has_wildcard_listener(addresses: &[String]) -> bool {
    addresses.is_empty()
        || addresses.iter().any(|a| {
            crate::ip::is_unspecified_host(a.trim())
                || crate::ip::parse_net(a.trim())
                    .is_some_and(|net| net.prefix_len() < net.max_prefix_len())
        })
}

/// The Service's cluster IP is one of the entry's addresses, on a port both declare.
fn same_address(svc: &Loaded<KubeService>, se: &Loaded<ServiceEntry>, out: &mut Findings) {
    let spec = &svc.resource.spec;
    let vips: Vec<IpAddr> = spec
        .cluster_ip
        .iter()
        .chain(&spec.cluster_ips)
        .filter_map(|ip| crate::ip::parse_ip(ip.trim()))
        .collect();
    for (i, raw) in se.resource.spec.addresses.iter().enumerate() {
        let Some(net) = crate::ip::parse_net(raw.trim()) else {
            continue;
        };
        if net.prefix_len() != net.max_prefix_len() || !vips.contains(&net.addr()) {
            continue;
        }
        for port in &spec.ports {
            let class = crate::engine::service_port_protocol(port).listener();
            if class == Some(ListenerProtocol::Http) || class.is_none() {
                continue; // HTTP binds the wildcard, UDP is not captured
            }
            let Some(entry_port) = se.resource.spec.ports.iter().find(|p| {
                i64::from(p.number) == port.port
                    && Protocol::parse(p.protocol.as_deref()).listener()
                        != Some(ListenerProtocol::Http)
            }) else {
                continue;
            };
            out.at(
                se,
                &format!("spec.addresses[{i}]"),
                format!(
                    "address {} is the clusterIP of {}, which also declares port {}: both build listener {}_{} and only the older service's chain is kept, so one of them receives the other's connections",
                    net.addr(),
                    svc.resource.key(),
                    entry_port.number,
                    net.addr(),
                    entry_port.number
                ),
            )
            .help("use an address no Service has, or drop the entry if the Service is the destination");
        }
    }
}

/// An HTTP-class Service port on a port where the entry has a TCP-class wildcard listener.
fn http_over_wildcard(svc: &Loaded<KubeService>, se: &Loaded<ServiceEntry>, out: &mut Findings) {
    if !has_wildcard_listener(&se.resource.spec.addresses) {
        return;
    }
    for port in &svc.resource.spec.ports {
        if crate::engine::service_port_protocol(port).listener() != Some(ListenerProtocol::Http) {
            continue;
        }
        for (i, entry_port) in se.resource.spec.ports.iter().enumerate() {
            let protocol = Protocol::parse(entry_port.protocol.as_deref());
            if i64::from(entry_port.number) != port.port
                || protocol.listener() != Some(ListenerProtocol::Tcp)
            {
                continue;
            }
            let name = port.name.as_deref().unwrap_or("");
            let finding = out.at(
                se,
                &format!("spec.ports[{i}]"),
                format!(
                    "port {} is {protocol} here on the wildcard listener 0.0.0.0_{}, where {} has HTTP port `{name}`: {}",
                    entry_port.number,
                    entry_port.number,
                    svc.resource.key(),
                    if Protocol::conflicts_on_well_known_port(protocol, Protocol::Http) {
                        "Istio does not mix them and drops whichever service comes second"
                    } else {
                        "the listener becomes protocol-sniffed and server-first clients hang"
                    }
                ),
            );
            finding.help(
                "give the entry addresses, so its TCP listener binds them instead of the wildcard",
            );
            if !Protocol::conflicts_on_well_known_port(protocol, Protocol::Http) {
                finding.severity(Severity::Warning);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KubeServicePort;
    use crate::rules::findings::Finding;

    fn port(
        name: Option<&str>,
        app_protocol: Option<&str>,
        protocol: Option<&str>,
    ) -> KubeServicePort {
        KubeServicePort {
            name: name.map(str::to_owned),
            port: 8080,
            protocol: protocol.map(str::to_owned),
            app_protocol: app_protocol.map(str::to_owned),
            target_port: None,
        }
    }

    #[test]
    fn service_ports_take_istios_protocol() {
        let cases = [
            (port(Some("http-web"), None, None), Protocol::Http),
            (port(Some("HTTP2"), None, None), Protocol::Http),
            (port(Some("grpc-web-ui"), None, None), Protocol::Http),
            (port(Some("tcp"), Some("http"), None), Protocol::Http),
            (
                port(Some("web"), Some("kubernetes.io/h2c"), None),
                Protocol::Http,
            ),
            (
                port(Some("wss"), Some("kubernetes.io/wss"), None),
                Protocol::Https,
            ),
            (port(Some("http-dns"), None, Some("UDP")), Protocol::Udp),
            (port(Some("mysql-main"), None, None), Protocol::Mysql),
            (port(Some("web"), None, None), Protocol::Auto),
            (port(None, None, None), Protocol::Auto),
        ];
        for (port, want) in cases {
            assert_eq!(
                crate::engine::service_port_protocol(&port),
                want,
                "{port:?}"
            );
        }
    }

    fn findings(text: &str) -> Vec<Finding> {
        crate::rules::testing::lint(check, RULE.severity, text)
    }

    const WEB: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: bookinfo}\nspec:\n  clusterIP: 198.51.100.41\n  ports: [{name: http-web, port: 3306}]\n---\n";

    fn entry(protocol: &str, addresses: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db, namespace: bookinfo}}\nspec:\n  hosts: [db.example.com]\n  addresses: {addresses}\n  ports: [{{name: tcp, number: 3306, protocol: {protocol}}}]\n"
        )
    }

    #[test]
    fn an_http_service_port_over_a_wildcard_entry_port_sniffs_it_or_drops_mysql() {
        let mysql = findings(&[WEB, &entry("MYSQL", "[]")].concat());
        assert_eq!(mysql.len(), 1, "{mysql:?}");
        assert_eq!(mysql[0].severity, Severity::Error);
        assert!(
            mysql[0]
                .message
                .contains("drops whichever service comes second")
        );
        let tcp = findings(&[WEB, &entry("TCP", "[198.51.100.0/28]")].concat());
        assert_eq!(tcp.len(), 1, "{tcp:?}");
        assert_eq!(tcp[0].severity, Severity::Warning);
        assert!(findings(&[WEB, &entry("TCP", "[198.51.100.50/32]")].concat()).is_empty());
        assert!(findings(&[WEB, &entry("HTTP", "[]")].concat()).is_empty());
    }

    #[test]
    fn a_cluster_ip_address_conflicts_only_on_a_shared_non_http_port() {
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: bookinfo}\nspec:\n  clusterIP: 198.51.100.41\n  ports: [{name: tcp, port: 3306}, {name: http, port: 8080}]\n---\n";
        let same = findings(&[svc, &entry("TCP", "[198.51.100.41]")].concat());
        assert_eq!(same.len(), 1, "{same:?}");
        assert!(
            same[0].message.contains("198.51.100.41_3306"),
            "{}",
            same[0].message
        );
        let other_port = entry("TCP", "[198.51.100.41]").replace("number: 3306", "number: 5432");
        assert!(findings(&[svc, &other_port].concat()).is_empty());
    }
}
