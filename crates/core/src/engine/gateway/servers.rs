//! Which servers a gateway workload listens with: the Gateways whose selector its labels
//! satisfy, oldest first, merged port by port as istio/istio pilot/pkg/model/gateway.go
//! `mergeGateways` merges them. A second plain TCP server on a port is skipped (TCP has no
//! route name to merge on), a TLS server on a port that already holds a plain server is
//! skipped as a protocol conflict, and TLS servers on one port merge as long as their hosts
//! differ (SNI tells them apart). A server's port is the Service port; the workload listens
//! on its `targetPort` when a Service selecting the workload names it (`resolvePorts`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::engine::order::config_order;
use crate::engine::protocol::Protocol;
use crate::load::{Loaded, Origin};
use crate::model::{Gateway, KubeService, Server};

/// How a server treats the bytes that arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// Opaque TCP (no `tls`): forwarded as they come.
    Plain,
    /// TLS terminated with the gateway's certificate (`SIMPLE`).
    Simple,
    /// TLS terminated, a client certificate from the server's own CA required (`MUTUAL`,
    /// `OPTIONAL_MUTUAL`).
    Mutual,
    /// TLS terminated with the mesh's certificates, a mesh client certificate required.
    IstioMutual,
    /// TLS passed through, routed by SNI from VirtualService `tls` routes.
    Passthrough,
    /// TLS passed through to the cluster named by the SNI (`outbound_.port_.subset_.host`).
    AutoPassthrough,
    /// An HTTP or terminated HTTPS server: its routes are HTTP routes.
    Http,
}

impl ServerMode {
    fn of(server: &Server, protocol: Protocol) -> ServerMode {
        let mode = server
            .tls
            .as_ref()
            .map(|t| t.mode.as_deref().unwrap_or("SIMPLE").to_ascii_uppercase());
        let passthrough = matches!(mode.as_deref(), Some("PASSTHROUGH" | "AUTO_PASSTHROUGH"));
        if protocol == Protocol::Http || (protocol == Protocol::Https && !passthrough) {
            return ServerMode::Http;
        }
        match mode.as_deref() {
            None => ServerMode::Plain,
            Some("PASSTHROUGH") => ServerMode::Passthrough,
            Some("AUTO_PASSTHROUGH") => ServerMode::AutoPassthrough,
            Some("ISTIO_MUTUAL") => ServerMode::IstioMutual,
            Some("MUTUAL" | "OPTIONAL_MUTUAL") => ServerMode::Mutual,
            Some(_) => ServerMode::Simple,
        }
    }

    /// True when the gateway terminates TLS on this server.
    #[must_use]
    pub fn terminates(self) -> bool {
        matches!(
            self,
            ServerMode::Simple | ServerMode::Mutual | ServerMode::IstioMutual
        )
    }

    /// `TCP`, `TLS SIMPLE`, `TLS ISTIO_MUTUAL`, `TLS PASSTHROUGH`, …
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ServerMode::Plain => "TCP",
            ServerMode::Simple => "TLS SIMPLE",
            ServerMode::Mutual => "TLS MUTUAL",
            ServerMode::IstioMutual => "TLS ISTIO_MUTUAL",
            ServerMode::Passthrough => "TLS PASSTHROUGH",
            ServerMode::AutoPassthrough => "TLS AUTO_PASSTHROUGH",
            ServerMode::Http => "HTTP",
        }
    }
}

/// One server of one Gateway, as the workload keeps it.
#[derive(Debug, Clone)]
pub struct MergedServer {
    /// `namespace/name` of its Gateway.
    pub gateway: Arc<str>,
    /// Index in `spec.servers`.
    pub index: usize,
    /// Where the server is written.
    pub origin: Origin,
    /// The port the workload listens on.
    pub listen_port: u16,
    /// `port.number` as written (what VirtualService `port` matches compare with).
    pub number: u16,
    /// How it treats the bytes.
    pub mode: ServerMode,
    /// `port.protocol`.
    pub protocol: Protocol,
    /// Its hosts, with `./` and `*/` resolved (`sanitizeServerHostNamespace`).
    pub hosts: Vec<String>,
}

impl MergedServer {
    /// `istio-system/egressgateway servers[0]`.
    #[must_use]
    pub fn label(&self) -> String {
        format!("Gateway {} servers[{}]", self.gateway, self.index)
    }

    /// The SNI names a terminating server's chain matches; empty when any name matches (a
    /// `*` host, `toFilterChainMatch`).
    #[must_use]
    pub fn server_names(&self) -> Vec<Arc<str>> {
        let names: Vec<Arc<str>> = self
            .hosts
            .iter()
            .map(|h| Arc::from(h.rsplit('/').next().unwrap_or(h).to_ascii_lowercase()))
            .collect();
        if names.iter().any(|n| &**n == "*") {
            Vec::new()
        } else {
            names
        }
    }
}

/// The Gateways and servers a workload keeps, and the ones it skipped with why.
#[derive(Debug, Clone, Default)]
pub(crate) struct Merged {
    /// `namespace/name` and origin of every Gateway that selects the workload, oldest first.
    pub gateways: Vec<(Arc<str>, Origin)>,
    /// Per listening port, its servers in merge order.
    pub ports: BTreeMap<u16, Vec<MergedServer>>,
    /// One line per skipped server.
    pub skipped: Vec<String>,
}

/// True when every pair of `selector` is among `labels` (an empty selector selects nothing:
/// a Gateway without a selector binds no workload).
pub(crate) fn selects(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The Gateways selecting `labels`, oldest first (push_context.go sorts gateways by creation
/// time, then name, then namespace).
pub(crate) fn selecting<'c>(
    gateways: &'c [Loaded<Gateway>],
    labels: &BTreeMap<String, String>,
) -> Vec<&'c Loaded<Gateway>> {
    let mut out: Vec<&Loaded<Gateway>> = gateways
        .iter()
        .filter(|g| selects(&g.resource.spec.selector, labels))
        .collect();
    out.sort_by_key(|g| config_order(&g.resource.metadata));
    out
}

/// Merges the servers of the Gateways that select a workload with `labels` in `namespace`.
pub(crate) fn merge(
    gateways: &[Loaded<Gateway>],
    services: &[Loaded<KubeService>],
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Merged {
    let mut merged = Merged::default();
    // Per listening port: the plain server's protocol, and the TLS hosts already taken.
    let mut plain: HashMap<u16, Protocol> = HashMap::new();
    let mut tls_hosts: HashMap<u16, Vec<String>> = HashMap::new();
    for gateway in selecting(gateways, labels) {
        let meta = &gateway.resource.metadata;
        let gw_ns = meta.namespace();
        let name: Arc<str> = Arc::from(format!("{gw_ns}/{}", meta.name));
        merged.gateways.push((name.clone(), gateway.origin.clone()));
        for (index, server) in gateway.resource.spec.servers.iter().enumerate() {
            let Some(port) = &server.port else { continue };
            let Ok(number) = u16::try_from(port.number) else {
                continue;
            };
            let label = format!("Gateway {name} servers[{index}]");
            if server.bind.as_deref().is_some_and(|b| !b.is_empty()) {
                merged.skipped.push(format!(
                    "{label}: `bind` is not modelled; the server is left out"
                ));
                continue;
            }
            let protocol = Protocol::parse(Some(&port.protocol));
            let mode = ServerMode::of(server, protocol);
            let listen_port = target_port(services, namespace, labels, number);
            let hosts = sanitize_hosts(&server.hosts, gw_ns);
            let entry = MergedServer {
                gateway: name.clone(),
                index,
                origin: gateway.locate(&format!("spec.servers[{index}]")),
                listen_port,
                number,
                mode,
                protocol,
                hosts,
            };
            let is_tls_server = server.tls.is_some() && protocol != Protocol::Http;
            if server.tls.is_some() {
                let taken = tls_hosts.entry(listen_port).or_default();
                let duplicates: Vec<&String> =
                    entry.hosts.iter().filter(|h| taken.contains(h)).collect();
                if !duplicates.is_empty() {
                    merged.skipped.push(format!(
                        "{label}: skipped, host(s) {} already served with TLS on port {listen_port}",
                        join(&duplicates)
                    ));
                    continue;
                }
                taken.extend(entry.hosts.iter().cloned());
            }
            let servers = merged.ports.entry(listen_port).or_default();
            if servers.is_empty() {
                if !is_tls_server {
                    plain.insert(listen_port, protocol);
                }
                servers.push(entry);
                continue;
            }
            if let Some(current) = plain.get(&listen_port) {
                let mergeable = protocol == Protocol::Http && matches!(current, Protocol::Http);
                if !mergeable {
                    merged.skipped.push(format!(
                        "{label}: skipped, port {listen_port} already has a {} server and {} cannot share it",
                        current.as_str(),
                        protocol.as_str()
                    ));
                    continue;
                }
                servers.push(entry);
                continue;
            }
            if !is_tls_server {
                // mergeGateways files a plain server on a port of TLS servers under its own
                // (port, protocol) key without a listener of its own: it takes the port only
                // when its protocol equals theirs, and then replaces them.
                if servers.iter().any(|s| s.protocol == protocol) {
                    for replaced in servers.iter().filter(|s| s.protocol == protocol) {
                        merged.skipped.push(format!(
                            "{}: replaced by {label}, a plain {} server on the same port",
                            replaced.label(),
                            protocol.as_str()
                        ));
                    }
                    servers.retain(|s| s.protocol != protocol);
                    plain.insert(listen_port, protocol);
                    servers.push(entry);
                } else {
                    merged.skipped.push(format!(
                        "{label}: skipped, port {listen_port} already has TLS servers of another protocol"
                    ));
                }
                continue;
            }
            servers.push(entry);
        }
    }
    merged
}

/// `resolvePorts` with the legacy label selector: the `targetPort` of the first Service port
/// numbered `number` among the Services that select the workload, else `number` itself.
fn target_port(
    services: &[Loaded<KubeService>],
    namespace: &str,
    labels: &BTreeMap<String, String>,
    number: u16,
) -> u16 {
    services
        .iter()
        .filter(|s| s.resource.metadata.namespace() == namespace)
        .filter(|s| selects(&s.resource.spec.selector, labels))
        .flat_map(|s| &s.resource.spec.ports)
        .find(|p| u16::try_from(p.port).ok() == Some(number))
        .and_then(|p| match p.target_port {
            Some(crate::model::IntOrString::Int(n)) => u16::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(number)
}

/// `sanitizeServerHostNamespace`: `./h` becomes `<gateway ns>/h`, `*/h` becomes `h`.
fn sanitize_hosts(hosts: &[String], namespace: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(hosts.len());
    for host in hosts {
        match host.split_once('/') {
            Some((".", h)) => out.push(format!("{namespace}/{h}")),
            Some(("*", "*")) => return vec!["*".into()],
            Some(("*", h)) => out.push(h.to_owned()),
            _ => out.push(host.clone()),
        }
    }
    out
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
