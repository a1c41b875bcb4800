//! A connection's whole path: the sidecar's decision, and, when its cluster is a gateway's
//! Service, the gateway's decision of the connection the sidecar opens to it. `simulate`
//! prints one hop per proxy; the verdict of the path is the last proxy's.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use super::catalogue::primary;
use super::decide::{Connection, Decision, Verdict, decide, upstream_of};
use super::explain::{Deciding, Explanation, Hop, HopDestination, HopVerdict, explain};
use super::gateway::{
    Arrival, ClientHello, GatewayChain, GatewayDecision, GatewayListener, GatewayProxy, behind,
    hello_for,
};
use super::input::Resources;
use super::registry::Registry;

/// The gateway workloads a set of connections may reach, each configured once.
pub struct Gateways<'c> {
    config: Resources<'c>,
    compiled: Mutex<HashMap<WorkloadKey, Arc<GatewayProxy>>>,
}

/// A gateway workload: its namespace and labels.
type WorkloadKey = (String, BTreeMap<String, String>);

impl<'c> Gateways<'c> {
    /// Follows connections into the gateways `config` describes.
    #[must_use]
    pub fn new(config: Resources<'c>) -> Gateways<'c> {
        Gateways {
            config,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// The gateway workload with `labels` in `namespace`.
    #[must_use]
    pub fn proxy(&self, namespace: &str, labels: &BTreeMap<String, String>) -> Arc<GatewayProxy> {
        let key = (namespace.to_owned(), labels.clone());
        let mut compiled = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        compiled
            .entry(key)
            .or_insert_with(|| Arc::new(GatewayProxy::compile(&self.config, namespace, labels)))
            .clone()
    }
}

/// The client identity of a workload: `cluster.local/ns/<namespace>/sa/<service account>`.
#[must_use]
pub fn principal_of(namespace: &str, service_account: &str) -> String {
    format!("cluster.local/ns/{namespace}/sa/{service_account}")
}

/// [`explain`], then the gateway hop when the sidecar sends the connection to a gateway.
/// `principal` is the calling workload's identity, presented when the sidecar speaks
/// ISTIO_MUTUAL to the gateway.
#[must_use]
pub fn explain_path(
    registry: &Registry,
    gateways: &Gateways<'_>,
    conn: &Connection<'_>,
    principal: &str,
) -> Explanation {
    let mut explanation = explain(registry, conn);
    let Decision::Allow { chain, .. } = decide(registry, conn) else {
        return explanation;
    };
    let (cluster, transport) = match chain
        .route
        .as_deref()
        .and_then(|r| primary(&r.destinations))
    {
        Some(d) => (&*d.cluster, &d.transport),
        None => (&*chain.cluster, &chain.transport),
    };
    let Some((port, host)) = parse_cluster(cluster) else {
        return explanation;
    };
    let Some(target) = behind(&gateways.config, host, port) else {
        return explanation;
    };
    let proxy = gateways.proxy(&target.namespace, &target.labels);
    let decision = proxy.decide(&Arrival {
        address: None,
        port: target.port,
        source_ip: None,
        hello: hello_for(
            transport,
            principal,
            if conn.tls {
                ClientHello::Tls {
                    sni: conn.sni,
                    mesh_principal: None,
                }
            } else {
                ClientHello::Plaintext
            },
        ),
    });
    if let Some(sidecar) = explanation.hops.first_mut() {
        sidecar.verdict = HopVerdict::Routed;
    }
    let hop = gateway_hop(&proxy, &target.name, &decision);
    explanation.upstream.clone_from(&hop.upstream);
    if decision.verdict == Verdict::Deny {
        explanation.verdict = Verdict::Deny;
        explanation.reason = format!("at gateway {}: {}", target.name, decision.reason);
    } else {
        explanation.reason = format!(
            "{}; then at gateway {}: {}",
            explanation.reason, target.name, decision.reason
        );
    }
    explanation.hops.push(hop);
    explanation
}

/// A connection arriving at a gateway workload directly (`simulate --gateway`): one hop.
#[must_use]
pub fn explain_gateway(
    proxy: &GatewayProxy,
    name: &str,
    address: IpAddr,
    port: u16,
    hello: ClientHello<'_>,
) -> Explanation {
    let decision = proxy.decide(&Arrival {
        address: Some(address),
        port,
        source_ip: None,
        hello,
    });
    let hop = gateway_hop(proxy, name, &decision);
    let (tls, sni) = match hello {
        ClientHello::Plaintext => (false, None),
        ClientHello::Tls { sni, .. } => (true, sni.map(str::to_owned)),
    };
    Explanation {
        address,
        port,
        protocol: if tls { "tls" } else { "tcp" },
        sni,
        verdict: decision.verdict,
        service_entry: decision
            .cluster
            .as_ref()
            .and_then(|c| proxy.entry_of(c))
            .map(ToString::to_string),
        host: decision.cluster.as_ref().map(|c| c.host.to_string()),
        listener: hop.listener.clone(),
        filter_chain: hop.filter_chain.clone(),
        cluster: hop.cluster.clone(),
        upstream: hop.upstream.clone(),
        reason: decision.reason.clone(),
        trace: Vec::new(),
        near_misses: Vec::new(),
        notes: decision.notes.clone(),
        hops: vec![hop],
    }
}

/// `outbound|<port>|<subset>|<host>` → port and host.
fn parse_cluster(name: &str) -> Option<(u16, &str)> {
    let mut parts = name.splitn(4, '|');
    let (_, port, _, host) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((port.parse().ok()?, host))
}

/// The hop a gateway's decision amounts to.
fn gateway_hop(proxy: &GatewayProxy, name: &str, decision: &GatewayDecision<'_>) -> Hop {
    let mut deciding = Vec::new();
    if let Some(chain) = decision.chain {
        deciding.push(Deciding {
            kind: "Gateway",
            resource: format!("Gateway {}", chain.server.gateway),
            origin: chain.server.origin.to_string(),
        });
        if let Some(route) = &chain.route {
            deciding.push(Deciding {
                kind: "VirtualService",
                resource: format!("VirtualService {}", route.virtual_service),
                origin: route.origin.to_string(),
            });
        }
    } else {
        for (gateway, origin) in &proxy.gateways {
            deciding.push(Deciding {
                kind: "Gateway",
                resource: format!("Gateway {gateway}"),
                origin: origin.to_string(),
            });
        }
    }
    if let Some(authz) = &decision.authz
        && let (Some(policy), Some(origin)) = (&authz.policy, &authz.origin)
    {
        deciding.push(Deciding {
            kind: "AuthorizationPolicy",
            resource: policy.split(" rules[").next().unwrap_or(policy).to_owned(),
            origin: origin.clone(),
        });
    }
    let cluster = decision.cluster.as_ref();
    if let Some(entry) = cluster.and_then(|c| proxy.entry_of(c)) {
        deciding.push(Deciding {
            kind: entry.kind,
            resource: format!("{} {entry}", entry.kind),
            origin: entry.origin.to_string(),
        });
    }
    if let Some(rule) = cluster.and_then(|c| c.rule.as_ref()) {
        deciding.push(Deciding {
            kind: "DestinationRule",
            resource: format!("DestinationRule {}", rule.name),
            origin: rule.origin.to_string(),
        });
    }
    let allowed = decision.verdict == Verdict::Allow;
    Hop {
        proxy: "gateway",
        workload: Some(name.to_owned()),
        verdict: decision.verdict.into(),
        listener: decision
            .listener
            .map(GatewayListener::name)
            .unwrap_or_default(),
        filter_chain: decision.chain.map(GatewayChain::name).unwrap_or_default(),
        cluster: cluster.map(|c| c.cluster.to_string()).unwrap_or_default(),
        host: cluster.map(|c| c.host.to_string()),
        destinations: decision
            .chain
            .filter(|c| c.destinations.len() > 1)
            .map(|c| {
                c.destinations
                    .iter()
                    .map(|d| HopDestination {
                        cluster: d.cluster.to_string(),
                        weight: d.weight,
                        exists: d.exists,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        transport: cluster.filter(|_| allowed).map(|c| c.transport.describe()),
        tunnel: None,
        deciding,
        principal: decision.principal.clone(),
        authz: decision.authz.clone(),
        upstream: cluster
            .filter(|_| allowed)
            .map(|c| upstream_of(&c.upstream, IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).to_string()),
        reason: Some(decision.reason.clone()),
        notes: decision.notes.clone(),
    }
}
