//! The filter chains of one gateway server, from the VirtualServices bound to its Gateway
//! (istio/istio pilot/pkg/networking/core/gateway.go `createGatewayTCPFilterChainOpts`,
//! `buildGatewayNetworkFiltersFromTCPRoutes`, `buildGatewayNetworkFiltersFromTLSRoutes`).
//!
//! A VirtualService applies when its `gateways` name the Gateway, it is exported to the gateway
//! workload's namespace, and one of its hosts matches one of the server's (`ns/host` server
//! hosts only match VirtualServices of that namespace). A match on a gateway compares only its
//! `port` (with the server's written port) and `gateways`. A plain or terminating server takes
//! the first `tcp` route that matches, oldest VirtualService first, as one match-all chain; a
//! PASSTHROUGH server adds one chain per matching `tls` match, keyed by its SNI hosts (a
//! repeated SNI host is skipped, as Envoy rejects equal chain matches).

use std::collections::HashSet;
use std::sync::Arc;

use super::servers::{MergedServer, ServerMode};
use crate::engine::order::config_order;
use crate::engine::routing::{self, MESH_GATEWAY, RouteSource, Target};
use crate::engine::scope::{Visibility, visibility};
use crate::load::Loaded;
use crate::model::{L4Match, VirtualService};

/// One chain a server gets from a route.
#[derive(Debug, Clone)]
pub(crate) struct ServerChain {
    /// SNI names it matches; empty: any.
    pub(crate) server_names: Vec<Arc<str>>,
    /// The route.
    pub(crate) source: Arc<RouteSource>,
    /// Its destinations.
    pub(crate) targets: Arc<[Target]>,
}

/// A VirtualService's `gateways` entry as a full `namespace/name` (a bare name is in the
/// VirtualService's namespace).
pub(crate) fn qualified_gateway(name: &str, vs_namespace: &str) -> String {
    if name == MESH_GATEWAY || name.contains('/') {
        name.to_owned()
    } else {
        format!("{vs_namespace}/{name}")
    }
}

/// The VirtualServices bound to Gateway `gateway` (`namespace/name`) that a gateway workload
/// in `proxy_ns` sees, oldest first (push_context.go `VirtualServicesForGateway`).
pub(crate) fn bound_to<'c>(
    virtual_services: &'c [Loaded<VirtualService>],
    gateway: &str,
    proxy_ns: &str,
) -> Vec<&'c Loaded<VirtualService>> {
    let mut out: Vec<&Loaded<VirtualService>> = virtual_services
        .iter()
        .filter(|vs| {
            let ns = vs.resource.metadata.namespace();
            let spec = &vs.resource.spec;
            spec.gateways
                .iter()
                .any(|g| qualified_gateway(g, ns) == gateway)
                && visibility(ns, &spec.export_to, &[], proxy_ns) != Visibility::Hidden
        })
        .collect();
    out.sort_by_key(|vs| config_order(&vs.resource.metadata));
    out
}

/// `pickMatchingGatewayHosts`: does any host of the VirtualService match a server host?
fn hosts_match(server: &MergedServer, vs: &Loaded<VirtualService>) -> bool {
    let vs_ns = vs.resource.metadata.namespace();
    server.hosts.iter().any(|server_host| {
        let host = match server_host.split_once('/') {
            Some((ns, host)) if ns == vs_ns => host,
            Some(_) => return false,
            None => server_host.as_str(),
        };
        vs.resource
            .spec
            .hosts
            .iter()
            .any(|vs_host| routing::overlaps(host, vs_host))
    })
}

/// `l4SingleMatch` on a gateway: the port (against the server's written port) and gateways.
fn l4_match(m: &L4Match, server: &MergedServer, vs_ns: &str) -> bool {
    let port = m
        .port
        .is_none_or(|p| p == 0 || u32::from(server.number) == p);
    let gateway = m.gateways.is_empty()
        || m.gateways
            .iter()
            .any(|g| qualified_gateway(g, vs_ns) == *server.gateway);
    port && gateway
}

/// The chains `server` gets from `bound` (its Gateway's VirtualServices, oldest first).
/// `taken_sni` holds the SNI hosts already used on the listening port.
pub(crate) fn chains(
    server: &MergedServer,
    bound: &[&Loaded<VirtualService>],
    taken_sni: &mut HashSet<String>,
) -> Vec<ServerChain> {
    match server.mode {
        ServerMode::Plain | ServerMode::Simple | ServerMode::Mutual | ServerMode::IstioMutual => {
            tcp_chain(server, bound).into_iter().collect()
        }
        ServerMode::Passthrough => tls_chains(server, bound, taken_sni),
        ServerMode::AutoPassthrough | ServerMode::Http => Vec::new(),
    }
}

fn tcp_chain(server: &MergedServer, bound: &[&Loaded<VirtualService>]) -> Option<ServerChain> {
    let server_names = if server.mode.terminates() {
        server.server_names()
    } else {
        Vec::new()
    };
    for vs in bound.iter().filter(|vs| hosts_match(server, vs)) {
        let ns = vs.resource.metadata.namespace();
        for (index, tcp) in vs.resource.spec.tcp.iter().enumerate() {
            let matched =
                tcp.matches.is_empty() || tcp.matches.iter().any(|m| l4_match(m, server, ns));
            if matched && !tcp.route.is_empty() {
                return Some(ServerChain {
                    server_names,
                    source: routing::source(vs, "tcp", index),
                    targets: routing::targets(vs, &tcp.route),
                });
            }
        }
    }
    None
}

fn tls_chains(
    server: &MergedServer,
    bound: &[&Loaded<VirtualService>],
    taken_sni: &mut HashSet<String>,
) -> Vec<ServerChain> {
    let mut out = Vec::new();
    for vs in bound.iter().filter(|vs| hosts_match(server, vs)) {
        let ns = vs.resource.metadata.namespace();
        for (index, tls) in vs.resource.spec.tls.iter().enumerate() {
            if tls.route.is_empty() {
                continue;
            }
            for m in &tls.matches {
                if !l4_match(&m.l4, server, ns) {
                    continue;
                }
                let names: Vec<String> = m
                    .sni_hosts
                    .iter()
                    .map(|h| h.trim().to_ascii_lowercase())
                    .collect();
                if names.iter().any(|n| taken_sni.contains(n)) {
                    continue;
                }
                taken_sni.extend(names.iter().cloned());
                out.push(ServerChain {
                    server_names: names.into_iter().map(Arc::from).collect(),
                    source: routing::source(vs, "tls", index),
                    targets: routing::targets(vs, &tls.route),
                });
            }
        }
    }
    out
}
