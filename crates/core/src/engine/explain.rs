//! `explain`: the same decision as `decide`, with the steps that led to it and the entries that
//! almost matched (meshctl's own addition: Istio's simulator, istio/istio
//! pilot/pkg/simulation/traffic.go, reports only what matched). Not on the hot path: it
//! allocates freely, owns its strings, and reads the compile side table that `decide` never
//! touches.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::decide::{Connection, Decision, DenyReason, Verdict, decide, find_listener};
use super::host::SniMatch;
use super::listener::{Listener, VIRTUAL_OUTBOUND};
use super::near_miss::{near_misses, notes};
use super::registry::Registry;
use super::scope::SidecarChoice;

/// One decided connection as `simulate` reports it (text and JSON), `--expect` checks it and
/// the differential tests compare it: the decision with owned fields, a step-by-step trace and
/// near misses. Serialized field names are the stable JSON keys docs/commands/simulate.md documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The destination address.
    pub address: IpAddr,
    /// The destination port.
    pub port: u16,
    /// `tcp`, or `tls` when the client speaks TLS.
    pub protocol: &'static str,
    /// The TLS server name the client sent.
    pub sni: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// `namespace/name` of the entry that allowed it.
    pub service_entry: Option<String>,
    /// The host of that entry.
    pub host: Option<String>,
    /// Listener name (empty when bypassed).
    pub listener: String,
    /// Filter chain name (empty when bypassed).
    pub filter_chain: String,
    /// Cluster name (empty when bypassed).
    pub cluster: String,
    /// Where an allowed connection goes.
    pub upstream: Option<String>,
    /// The decision's one-line why.
    pub reason: String,
    /// One line per step: capture, scope, listener lookup, chain match, cluster.
    pub trace: Vec<String>,
    /// Entries that could have matched and why they did not, grouped by reason.
    pub near_misses: Vec<String>,
    /// What an allowed connection does that may surprise (a DNS upstream, a match-all chain).
    pub notes: Vec<String>,
    /// One per proxy on the connection's path, in order: the workload's sidecar, then the
    /// gateway it routes to, if any.
    pub hops: Vec<Hop>,
}

/// What one proxy did with the connection: its listener, chain and cluster, and the resources
/// that decided, each with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hop {
    /// `sidecar` or `gateway`.
    pub proxy: &'static str,
    /// `namespace/name` of the gateway workload (its Service, or its labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// This proxy's verdict.
    pub verdict: HopVerdict,
    /// Listener name.
    pub listener: String,
    /// Filter chain name.
    pub filter_chain: String,
    /// The cluster (for a weighted route, the one most connections take).
    pub cluster: String,
    /// The service host the chain stands for.
    pub host: Option<String>,
    /// Every destination of the route, with its weight, when a VirtualService routed it.
    pub destinations: Vec<HopDestination>,
    /// How the cluster talks to its upstream (`plaintext`, `TLS origination (SIMPLE)`, …).
    pub transport: Option<String>,
    /// `CONNECT host:port` when the cluster is a tunnelling forward proxy.
    pub tunnel: Option<String>,
    /// The resources that decided, as `Kind namespace/name` with their `file:line:col`.
    pub deciding: Vec<Deciding>,
    /// The client identity a gateway learnt from the ISTIO_MUTUAL handshake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// A gateway's AuthorizationPolicy decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authz: Option<super::gateway::AuthzDecision>,
    /// Where a gateway sends the connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// Why a gateway decided as it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What a gateway does that may surprise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One proxy's verdict: a sidecar's, or `ROUTED` when the sidecar sends the connection on to
/// a gateway, which then decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HopVerdict {
    /// Sent to its upstream.
    Allow,
    /// Sent to a gateway that decides next.
    Routed,
    /// Unmatched, let through by `ALLOW_ANY`.
    Passthrough,
    /// Never reaches the proxy.
    Bypass,
    /// Closed.
    Deny,
}

impl HopVerdict {
    /// `ALLOW`, `ROUTED`, `PASSTHROUGH`, `BYPASS`, `DENY`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HopVerdict::Allow => "ALLOW",
            HopVerdict::Routed => "ROUTED",
            HopVerdict::Passthrough => "PASSTHROUGH",
            HopVerdict::Bypass => "BYPASS",
            HopVerdict::Deny => "DENY",
        }
    }
}

impl From<Verdict> for HopVerdict {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Allow => HopVerdict::Allow,
            Verdict::Passthrough => HopVerdict::Passthrough,
            Verdict::Bypass => HopVerdict::Bypass,
            Verdict::Deny => HopVerdict::Deny,
        }
    }
}

/// One destination of a routed hop.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HopDestination {
    /// The cluster.
    pub cluster: String,
    /// Its weight.
    pub weight: u32,
    /// False when the sidecar has no such cluster (Envoy closes the connection).
    pub exists: bool,
}

/// A resource that decided a hop.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deciding {
    /// `Sidecar`, `ServiceEntry`, `Service`, `VirtualService`.
    pub kind: &'static str,
    /// `ServiceEntry shop/db`, `VirtualService shop/db`, `Sidecar shop/default`.
    pub resource: String,
    /// `file:line:col`.
    pub origin: String,
}

impl Hop {
    /// True when `via` (`namespace/name` or `Kind namespace/name`) is among the deciding
    /// resources, or names the proxy.
    #[must_use]
    pub fn is_via(&self, via: &str) -> bool {
        via == self.proxy
            || self.workload.as_deref() == Some(via)
            || self.deciding.iter().any(|d| {
                d.resource == via
                    || d.resource
                        .split_once(' ')
                        .is_some_and(|(_, name)| name == via)
            })
    }

    /// The service (ServiceEntry or Kubernetes Service) behind the hop's chain.
    #[must_use]
    pub fn service(&self) -> Option<&Deciding> {
        self.deciding
            .iter()
            .find(|d| matches!(d.kind, "ServiceEntry" | "Service"))
    }

    /// The VirtualService that routed the hop.
    #[must_use]
    pub fn route(&self) -> Option<&Deciding> {
        self.deciding.iter().find(|d| d.kind == "VirtualService")
    }

    /// True when `cluster` is the hop's cluster or a destination with a weight.
    #[must_use]
    pub fn reaches(&self, cluster: &str) -> bool {
        self.cluster == cluster
            || self
                .destinations
                .iter()
                .any(|d| d.weight > 0 && d.cluster == cluster)
    }
}

/// Decides `conn` and explains the decision.
#[must_use]
pub fn explain(registry: &Registry, conn: &Connection<'_>) -> Explanation {
    let decision = decide(registry, conn);
    let dst = conn.dst.to_canonical();
    let mut trace = Vec::new();
    trace.push(capture_step(registry, &decision, dst, conn.port));
    trace.push(scope_step(registry));
    if !matches!(decision, Decision::Bypass { .. }) {
        listener_and_chain_steps(registry, conn, &decision, dst, &mut trace);
        trace.push(cluster_step(&decision, dst, conn.port));
    }
    let (service_entry, host, upstream) = match &decision {
        Decision::Allow {
            entry,
            chain,
            upstream,
            ..
        } => (
            Some(entry.to_string()),
            Some(chain.host.to_string()),
            Some(upstream.to_string()),
        ),
        _ => (None, None, None),
    };
    let hops = vec![sidecar_hop(registry, &decision)];
    Explanation {
        hops,
        address: conn.dst,
        port: conn.port,
        protocol: if conn.tls { "tls" } else { "tcp" },
        sni: conn.sni.map(str::to_owned),
        verdict: decision.verdict(),
        service_entry,
        host,
        listener: decision.listener().to_owned(),
        filter_chain: decision.chain().to_owned(),
        cluster: decision.cluster().to_owned(),
        upstream,
        reason: decision.to_string(),
        near_misses: near_misses(registry, conn, &decision),
        notes: notes(conn, &decision),
        trace,
    }
}

/// The sidecar's hop of a decision.
fn sidecar_hop(registry: &Registry, decision: &Decision<'_>) -> Hop {
    let mut deciding = Vec::new();
    if let Some(sidecar) = registry.sidecar() {
        deciding.push(Deciding {
            kind: "Sidecar",
            resource: sidecar.to_string(),
            origin: sidecar.origin.to_string(),
        });
    }
    let mut hop = Hop {
        proxy: "sidecar",
        workload: None,
        verdict: decision.verdict().into(),
        listener: decision.listener().to_owned(),
        filter_chain: decision.chain().to_owned(),
        cluster: decision.cluster().to_owned(),
        host: None,
        destinations: Vec::new(),
        transport: None,
        tunnel: None,
        deciding,
        principal: None,
        authz: None,
        upstream: None,
        reason: None,
        notes: Vec::new(),
    };
    let chain = match decision {
        Decision::Allow { chain, .. } => Some(*chain),
        Decision::Deny {
            reason: DenyReason::MissingCluster { .. },
            listener,
            chain,
        } => find_chain(registry, listener, chain),
        _ => None,
    };
    if let Some(chain) = chain {
        let entry = registry.entry(chain.entry);
        hop.host = Some(chain.host.to_string());
        hop.deciding.push(Deciding {
            kind: entry.kind,
            resource: format!("{} {entry}", entry.kind),
            origin: entry.origin.to_string(),
        });
        if let Some(route) = &chain.route {
            hop.deciding.push(Deciding {
                kind: "VirtualService",
                resource: format!("VirtualService {}", route.source.virtual_service),
                origin: route.source.origin.to_string(),
            });
            hop.destinations = route
                .destinations
                .iter()
                .map(|d| HopDestination {
                    cluster: d.cluster.to_string(),
                    weight: d.weight,
                    exists: d.exists,
                })
                .collect();
        }
        if let Some(rule) = &chain.rule {
            hop.deciding.push(Deciding {
                kind: "DestinationRule",
                resource: format!("DestinationRule {}", rule.name),
                origin: rule.origin.to_string(),
            });
        }
        if decision.verdict() == Verdict::Allow {
            hop.transport = Some(chain.transport.describe());
        }
        hop.tunnel = chain
            .tunnel
            .as_ref()
            .map(|t| format!("{} {}", t.protocol, t.authority));
    }
    hop
}

/// The chain named `chain` on listener `listener`.
fn find_chain<'r>(
    registry: &'r Registry,
    listener: &str,
    chain: &str,
) -> Option<&'r super::listener::Chain> {
    let listener = registry.listeners().iter().find(|l| &*l.name == listener)?;
    registry.chains_of(listener).find(|c| &*c.name == chain)
}

fn capture_step(registry: &Registry, decision: &Decision<'_>, dst: IpAddr, port: u16) -> String {
    match decision {
        Decision::Bypass { reason } => format!("capture: {dst}:{port} is not redirected: {reason}"),
        Decision::Deny {
            reason: DenyReason::LoopGuard { .. },
            ..
        } if dst.is_loopback() => format!(
            "capture: {dst}:{port} is the sidecar's own socket on loopback: reached without redirect"
        ),
        Decision::Deny {
            reason: DenyReason::Undecidable { what },
            ..
        } => format!("capture: cannot evaluate: {what}"),
        _ => {
            let capture = registry.capture();
            let rules = if capture == &super::capture::Capture::default() {
                "no capture annotations"
            } else {
                "capture annotations checked"
            };
            format!("capture: {dst}:{port} is redirected to the sidecar ({rules})")
        }
    }
}

fn scope_step(registry: &Registry) -> String {
    let scope = match (&registry.assembled_from, registry.sidecar()) {
        (Some(source), _) => {
            format!("the listeners of {source} (istiod already applied Sidecar scope and exportTo)")
        }
        (None, sidecar) => scope_of(registry, sidecar),
    };
    format!(
        "scope: {scope}; outbound policy {} from {}",
        registry.outbound_policy(),
        registry.policy_source()
    )
}

fn scope_of(registry: &Registry, sidecar: Option<&super::scope::SidecarRef>) -> String {
    match sidecar {
        None => format!(
            "no Sidecar applies to namespace {}: implicit egress `*/*`",
            registry.namespace()
        ),
        Some(sidecar) => {
            let why = match sidecar.choice {
                SidecarChoice::Selector => "its workloadSelector matches the pod",
                SidecarChoice::NamespaceDefault => "namespace default (no selector)",
                SidecarChoice::RootDefault => "root-namespace default",
            };
            format!("{sidecar} ({}) applies: {why}", sidecar.origin)
        }
    }
}

fn describe_listener(listener: &Listener) -> String {
    let mut text = format!(
        "{} ({}, {} service chain(s)",
        listener.name,
        listener.protocol.as_str(),
        listener.chains.len()
    );
    if listener.has_sni() {
        text.push_str(", inspects SNI");
    }
    text.push(')');
    text
}

fn listener_and_chain_steps(
    registry: &Registry,
    conn: &Connection<'_>,
    decision: &Decision<'_>,
    dst: IpAddr,
    trace: &mut Vec<String>,
) {
    let port = conn.port;
    if let Decision::Deny {
        reason: DenyReason::LoopGuard { .. },
        ..
    } = decision
    {
        let (listener, chain) = super::decide::loop_guard_names(port);
        trace.push(format!(
            "listener: destination port {port} → {listener} (loop protection)"
        ));
        trace.push(format!("chain: {chain}"));
        return;
    }
    let Some(listener) = find_listener(registry, dst, port) else {
        if dst.is_ipv6()
            && let Some(v4_only) = registry.wildcard_listener(port)
        {
            // Envoy's original-destination hand-off looks for `[::]:<port>` for an IPv6
            // destination (source/common/listener_manager/connection_handler_impl.cc,
            // `getBalancedHandlerByAddress`): a listener bound only to 0.0.0.0 is not it.
            trace.push(format!(
                "listener: no {dst}_{port}; {} has no `::` address, and Envoy hands an IPv6 destination only to a `[::]:{port}` listener → {VIRTUAL_OUTBOUND}",
                v4_only.name
            ));
        } else {
            trace.push(format!(
                "listener: no {dst}_{port} and no 0.0.0.0_{port} → {VIRTUAL_OUTBOUND}"
            ));
        }
        trace.push("chain: virtualOutbound-catchall-tcp".into());
        return;
    };
    if listener.bind.is_some() {
        trace.push(format!(
            "listener: exact match {}",
            describe_listener(listener)
        ));
    } else {
        trace.push(format!(
            "listener: no {dst}_{port}; wildcard {}",
            describe_listener(listener)
        ));
    }
    let sni = if conn.tls { conn.sni } else { None };
    let selection = listener.matcher.select(dst, sni);
    let mut step = String::from("chain: ");
    match selection.prefix {
        Some(prefix) => {
            let _ = write!(step, "longest prefix {prefix} contains {dst}; ");
        }
        None if listener.matcher.prefix_count() > 0 => {
            let _ = write!(step, "no CIDR chain contains {dst}; ");
        }
        None => {}
    }
    if listener.has_sni() {
        let _ = match (conn.tls, conn.sni, selection.sni) {
            (false, _, _) => write!(step, "not TLS, so no SNI chain can match; "),
            (true, None, _) => write!(step, "TLS without SNI, so no SNI chain can match; "),
            (true, Some(name), Some(SniMatch::Exact)) => {
                write!(step, "SNI {name} matches exactly; ")
            }
            (true, Some(name), Some(SniMatch::Wildcard)) => {
                write!(step, "SNI {name} matches a wildcard server name; ")
            }
            (true, Some(name), None) => write!(step, "SNI {name} matches no server name here; "),
        };
    }
    match (selection.chain, listener.default_chain) {
        (Some(id), _) => {
            let chain = registry.chain(id);
            let _ = write!(
                step,
                "selected {} ({}) of {}",
                chain.name,
                chain.match_description(),
                registry.entry(chain.entry)
            );
        }
        (None, Some(id)) => {
            let chain = registry.chain(id);
            let _ = write!(
                step,
                "default chain is the match-all chain {} of {} (an address-less TCP entry takes the whole port)",
                chain.name,
                registry.entry(chain.entry)
            );
        }
        (None, None) => step.push_str("nothing matched → default chain PassthroughFilterChain"),
    }
    trace.push(step);
}

fn cluster_step(decision: &Decision<'_>, dst: IpAddr, port: u16) -> String {
    match decision {
        Decision::Allow {
            entry,
            chain,
            upstream,
            ..
        } => format!(
            "cluster: {} (resolution {}) → {upstream}",
            chain.cluster,
            entry.resolution.as_str()
        ),
        Decision::Passthrough {
            policy,
            policy_source,
            ..
        } => format!(
            "cluster: PassthroughCluster → original destination {} ({policy} from {policy_source})",
            std::net::SocketAddr::new(dst, port)
        ),
        Decision::Deny { reason, .. } => match reason {
            DenyReason::RegistryOnly { policy_source, .. } => {
                format!("cluster: BlackHoleCluster (REGISTRY_ONLY from {policy_source})")
            }
            DenyReason::LoopGuard { .. } => "cluster: BlackHoleCluster (loop guard)".into(),
            DenyReason::Undecidable { what } => format!("cluster: none ({what})"),
            DenyReason::MissingCluster { cluster, .. } => format!(
                "cluster: {cluster} does not exist (no service with that host and port in the sidecar's scope, or no such subset in its DestinationRule)"
            ),
        },
        Decision::Bypass { .. } => String::new(),
    }
}
