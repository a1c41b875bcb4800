//! VirtualService `tcp` and `tls` routes on a sidecar's outbound listener: which filter chains
//! they add for one service port, and where each sends (istio/istio
//! pilot/pkg/networking/core/tls.go `buildSidecarOutboundTCPFilterChainOpts`,
//! `buildSidecarOutboundTLSFilterChainOpts`, `matchTCP`, `matchTLS`).
//!
//! A sidecar sees the VirtualServices bound to the `mesh` gateway (no `gateways`, or `mesh`
//! among them) that are exported to its namespace, oldest first (push_context.go
//! `VirtualServicesForGateway`), and uses, for a service, those whose hosts overlap the
//! service's host (`getConfigsForHost`). Static predicates (port, source labels and namespace,
//! gateways) are evaluated here for the one workload; runtime ones (destination subnets, SNI)
//! become the chain's match. For TCP the first match without destination subnets ends the
//! search and takes the service's own match; without one, the service's default chain is
//! added after the subnet chains. For TLS every match adds a chain (the first of equal runtime
//! predicates wins), and the service's SNI chain is added only when no route matched.

use std::collections::HashSet;
use std::sync::Arc;

use ipnet::IpNet;

use super::capture::parse_net;
use super::destination::qualify;
use super::input::{Resources, Workload};
use super::order::config_order;
use super::scope::{Visibility, visibility};
use crate::load::{Loaded, Origin};
use crate::model::{L4Match, RouteDestination, VirtualService};

/// The gateway name that means "every sidecar".
pub(crate) const MESH_GATEWAY: &str = "mesh";

/// One route of a VirtualService, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSource {
    /// `namespace/name` of the VirtualService.
    pub virtual_service: Arc<str>,
    /// Where it is written.
    pub origin: Origin,
    /// `tcp[2]`, `tls[0]`.
    pub path: Arc<str>,
}

/// One destination of a route, before its cluster is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The destination host, fully qualified.
    pub(crate) host: Arc<str>,
    /// The subset.
    pub(crate) subset: Option<Arc<str>>,
    /// `destination.port.number`.
    pub(crate) port: Option<u16>,
    /// Its weight (100 for a lone destination without one).
    pub(crate) weight: u32,
}

/// Filter chains a route adds for one service port.
#[derive(Debug, Clone)]
pub(crate) struct RouteChain {
    /// Destination prefixes; empty means the service's own.
    pub(crate) prefixes: Vec<IpNet>,
    /// Server names; empty means none.
    pub(crate) server_names: Vec<Arc<str>>,
    /// The route.
    pub(crate) source: Arc<RouteSource>,
    /// Its destinations.
    pub(crate) targets: Arc<[Target]>,
    /// The tunnel of the first destination's DestinationRule (istio/istio
    /// pilot/pkg/networking/core/networkfilter.go `buildOutboundNetworkFilters` applies it to a
    /// lone destination); filled in by compile, which knows the rules.
    pub(crate) tunnel: Option<super::destination::TunnelTarget>,
}

/// What the routes make of one service port.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Chains from routes, in order.
    pub(crate) chains: Vec<RouteChain>,
    /// True when the service's own chain is still added after them.
    pub(crate) default_chain: bool,
}

/// The VirtualServices a workload's sidecar uses, oldest first.
pub(crate) fn for_sidecar<'c>(
    config: &Resources<'c>,
    workload: &Workload,
) -> Vec<&'c Loaded<VirtualService>> {
    let mut out: Vec<&Loaded<VirtualService>> = config
        .in_mesh
        .virtual_services
        .iter()
        .filter(|vs| {
            let spec = &vs.resource.spec;
            let bound = spec.gateways.is_empty() || spec.gateways.iter().any(|g| g == MESH_GATEWAY);
            bound
                && visibility(
                    vs.resource.metadata.namespace(),
                    &spec.export_to,
                    &[],
                    &workload.namespace,
                ) != Visibility::Hidden
        })
        .collect();
    out.sort_by_key(|vs| config_order(&vs.resource.metadata));
    out
}

/// True when two host names overlap (istio/istio pkg/config/host/name.go `Matches`).
pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a == "*" || b == "*" || a == b {
        return true;
    }
    let covers = |wild: &str, other: &str| {
        wild.strip_prefix('*').is_some_and(|suffix| {
            let concrete = other.strip_prefix('*').unwrap_or(other);
            concrete.ends_with(suffix)
        })
    };
    covers(&a, &b) || covers(&b, &a)
}

/// The routes' chains for `port` of the service `host`; `tls` for TLS-class ports.
pub(crate) fn plan(
    vss: &[&Loaded<VirtualService>],
    host: &str,
    port: u16,
    tls: bool,
    workload: &Workload,
) -> Plan {
    let configs: Vec<&Loaded<VirtualService>> = vss
        .iter()
        .copied()
        .filter(|vs| {
            let ns = vs.resource.metadata.namespace();
            vs.resource
                .spec
                .hosts
                .iter()
                .any(|h| overlaps(&qualify(h, ns), host))
        })
        .collect();
    if tls {
        plan_tls(&configs, port, workload)
    } else {
        plan_tcp(&configs, port, workload)
    }
}

fn static_match(
    port: Option<u32>,
    labels: &std::collections::BTreeMap<String, String>,
    gateways: &[String],
    source_ns: Option<&str>,
    listen_port: u16,
    workload: &Workload,
) -> bool {
    let gateway_ok = gateways.is_empty() || gateways.iter().any(|g| g == MESH_GATEWAY);
    let labels_ok = labels
        .iter()
        .all(|(k, v)| workload.labels.get(k) == Some(v));
    let port_ok = port.is_none_or(|p| p == 0 || p == u32::from(listen_port));
    let ns_ok = source_ns.is_none_or(|ns| ns.is_empty() || ns == workload.namespace);
    gateway_ok && labels_ok && port_ok && ns_ok
}

pub(crate) fn source(vs: &Loaded<VirtualService>, kind: &str, index: usize) -> Arc<RouteSource> {
    let meta = &vs.resource.metadata;
    let path = format!("spec.{kind}[{index}]");
    Arc::new(RouteSource {
        virtual_service: Arc::from(format!("{}/{}", meta.namespace(), meta.name)),
        origin: Origin {
            path: vs.origin.path.clone(),
            pos: vs.node.locate(&path),
        },
        path: Arc::from(path),
    })
}

pub(crate) fn targets(vs: &Loaded<VirtualService>, route: &[RouteDestination]) -> Arc<[Target]> {
    let ns = vs.resource.metadata.namespace();
    let lone = route.len() == 1;
    route
        .iter()
        .map(|r| Target {
            host: Arc::from(qualify(&r.destination.host, ns)),
            subset: r
                .destination
                .subset
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(Arc::from),
            port: r
                .destination
                .port
                .as_ref()
                .and_then(|p| u16::try_from(p.number).ok())
                .filter(|p| *p != 0),
            weight: match r.weight {
                Some(w) => u32::try_from(w).unwrap_or(0),
                None if lone => 100,
                None => 0,
            },
        })
        .collect()
}

fn subnets(raw: &[String]) -> Vec<IpNet> {
    raw.iter().filter_map(|s| parse_net(s)).collect()
}

fn plan_tcp(configs: &[&Loaded<VirtualService>], port: u16, workload: &Workload) -> Plan {
    let mut plan = Plan {
        chains: Vec::new(),
        default_chain: true,
    };
    for vs in configs {
        for (index, tcp) in vs.resource.spec.tcp.iter().enumerate() {
            if tcp.route.is_empty() {
                continue;
            }
            let chain = |prefixes| RouteChain {
                prefixes,
                server_names: Vec::new(),
                source: source(vs, "tcp", index),
                targets: targets(vs, &tcp.route),
                tunnel: None,
            };
            if tcp.matches.is_empty() {
                plan.chains.push(chain(Vec::new()));
                plan.default_chain = false;
                return plan;
            }
            let mut collected = Vec::new();
            for m in &tcp.matches {
                if !l4_static(m, port, workload) {
                    continue;
                }
                if m.destination_subnets.is_empty() {
                    plan.chains.push(chain(Vec::new()));
                    plan.default_chain = false;
                    return plan;
                }
                collected.extend(subnets(&m.destination_subnets));
            }
            if !collected.is_empty() {
                plan.chains.push(chain(collected));
            }
        }
    }
    plan
}

fn l4_static(m: &L4Match, port: u16, workload: &Workload) -> bool {
    static_match(
        m.port,
        &m.source_labels,
        &m.gateways,
        m.source_namespace.as_deref(),
        port,
        workload,
    )
}

fn plan_tls(configs: &[&Loaded<VirtualService>], port: u16, workload: &Workload) -> Plan {
    let mut plan = Plan::default();
    let mut handled = HashSet::new();
    let mut matched = false;
    for vs in configs {
        for (index, tls) in vs.resource.spec.tls.iter().enumerate() {
            if tls.route.is_empty() {
                continue;
            }
            for m in &tls.matches {
                if !l4_static(&m.l4, port, workload) {
                    continue;
                }
                let key = (m.sni_hosts.join(","), m.l4.destination_subnets.join(","));
                if handled.insert(key) {
                    plan.chains.push(RouteChain {
                        prefixes: subnets(&m.l4.destination_subnets),
                        server_names: m
                            .sni_hosts
                            .iter()
                            .map(|h| Arc::from(h.trim().to_ascii_lowercase()))
                            .collect(),
                        source: source(vs, "tls", index),
                        targets: targets(vs, &tls.route),
                        tunnel: None,
                    });
                    matched = true;
                }
            }
        }
    }
    plan.default_chain = !matched;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_overlap_as_istio_matches_them() {
        assert!(overlaps("db.example.com", "db.example.com"));
        assert!(overlaps("*.example.com", "db.example.com"));
        assert!(overlaps("db.example.com", "*.example.com"));
        assert!(overlaps("*", "db.example.com"));
        assert!(!overlaps("db.example.com", "pg.example.com"));
        assert!(!overlaps("*.example.org", "db.example.com"));
    }
}
