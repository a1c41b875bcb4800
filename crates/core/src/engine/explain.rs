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
    Explanation {
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
