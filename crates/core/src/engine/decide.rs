//! `decide`: the per-connection verdict: capture, then the listener → filter chain → cluster walk
//! that Istio's own simulator makes (istio/istio pilot/pkg/simulation/traffic.go). This is the
//! proxy's hot path, so it only reads the registry and returns references into it: no
//! allocation, no locking, a handful of lookups.
//!
//! Order: a direct connection to the sidecar's own ports on loopback is the loop guard (it
//! reaches Envoy without any redirect; Istio pins it in `TestLoop`,
//! pilot/pkg/networking/core/sidecar_simulation_test.go); then capture bypass (`capture`); then
//! the loop guard for redirected connections to 15001/15006; then listener lookup (exact
//! `ip:port`, else `0.0.0.0:port`, else `virtualOutbound`), the chain sieve, and the default chain.
//!
//! HTTP-class ports are out of scope for a TCP tool: their services are matched by the Host header
//! (istiod's routes, pilot/pkg/networking/core/httproute.go), which a TCP connection does not
//! carry. A connection to a pure HTTP listener is decided as raw bytes are, by the
//! `PassthroughFilterChain` (plain TCP to an HTTP port in `TestPassthroughTraffic`, same test
//! file), so PASSTHROUGH under `ALLOW_ANY` and DENY under `REGISTRY_ONLY`, with a reason saying
//! why.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use super::capture::BypassReason;
use super::listener::{
    BLACKHOLE_CHAIN, BLACKHOLE_CLUSTER, CATCH_ALL_CHAIN, Chain, Endpoint, INBOUND_BLACKHOLE_CHAIN,
    INBOUND_PORT, Listener, PASSTHROUGH_CHAIN, PASSTHROUGH_CLUSTER, UpstreamSpec, VIRTUAL_INBOUND,
    VIRTUAL_OUTBOUND,
};
use super::protocol::ListenerProtocol;
use super::record::EntryInfo;
use super::registry::Registry;
use crate::model::OutboundPolicy;

/// Envoy's outbound and inbound capture ports; traffic addressed to them would loop.
pub(crate) const LOOP_PORTS: [u16; 2] = [15001, 15006];

/// An outbound connection as the sidecar sees it after redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection<'a> {
    /// Original destination IP.
    pub dst: IpAddr,
    /// Original destination port.
    pub port: u16,
    /// True when the client opened with a TLS `ClientHello`.
    pub tls: bool,
    /// The `ClientHello`'s server name, if any (ignored unless `tls`).
    pub sni: Option<&'a str>,
}

impl<'a> Connection<'a> {
    /// A plain TCP connection.
    #[must_use]
    pub fn tcp(dst: IpAddr, port: u16) -> Self {
        Self {
            dst,
            port,
            tls: false,
            sni: None,
        }
    }

    /// A TLS connection with an optional SNI.
    #[must_use]
    pub fn tls(dst: IpAddr, port: u16, sni: Option<&'a str>) -> Self {
        Self {
            dst,
            port,
            tls: true,
            sni,
        }
    }
}

/// The verdict alone, ordered so that the most restrictive is the maximum. Serialized (and
/// displayed) in upper case, the spelling `simulate`, `--expect` files, logs and metrics share.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    /// Matched a `ServiceEntry`.
    Allow,
    /// Unmatched, let through by `ALLOW_ANY`.
    Passthrough,
    /// Never reaches the sidecar.
    Bypass,
    /// Black-holed.
    Deny,
}

impl Verdict {
    /// `ALLOW`, `PASSTHROUGH`, `BYPASS`, `DENY`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "ALLOW",
            Verdict::Passthrough => "PASSTHROUGH",
            Verdict::Bypass => "BYPASS",
            Verdict::Deny => "DENY",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the outbound policy had the last word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatched {
    /// No listener for the destination IP and port.
    NoListener,
    /// A listener exists, but no chain matched and no service chain is match-all.
    NoChain,
    /// The port's listener is HTTP: Host-header routing is not modelled for TCP connections.
    HttpPort,
}

/// Why a connection is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason<'r> {
    /// Unmatched under `REGISTRY_ONLY` (`BlackHoleCluster`).
    RegistryOnly {
        /// What did not match.
        unmatched: Unmatched,
        /// Where `REGISTRY_ONLY` came from.
        policy_source: &'r str,
    },
    /// Destination port 15001/15006: the `virtualOutbound` blackhole chain.
    LoopGuard {
        /// The port.
        port: u16,
    },
    /// The connection cannot be decided (fail closed).
    Undecidable {
        /// What is wrong with it.
        what: &'static str,
    },
    /// A VirtualService route sends it to a cluster the sidecar does not have (an unknown
    /// host, port or subset): Envoy's `tcp_proxy` finds no cluster and closes the connection.
    MissingCluster {
        /// The cluster the route names.
        cluster: &'r str,
        /// The VirtualService, `namespace/name`.
        virtual_service: &'r str,
    },
}

/// Where an allowed connection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream<'r> {
    /// `NONE`: the dialled address (port replaced by `targetPort` if set).
    OriginalDst(SocketAddr),
    /// `DNS`/`DNS_ROUND_ROBIN`: resolve these; the dialled IP only chose the listener.
    Resolve {
        /// Names (or IPs) and ports.
        endpoints: &'r [Endpoint],
        /// `LOGICAL_DNS`: first resolved address.
        round_robin: bool,
    },
    /// `STATIC`: one of these endpoints.
    Static(&'r [Endpoint]),
    /// The cluster has no endpoints (e.g. STATIC without endpoints): nothing to connect to.
    NoUpstream,
    /// `DYNAMIC_DNS`: resolve the connection's SNI, dial this port.
    FromSni {
        /// The port.
        port: u16,
    },
    /// A Kubernetes Service's endpoints; empty when the inputs do not hold them.
    ServiceEndpoints(&'r [Endpoint]),
}

/// A decision with Istio's names for where it was made.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'r> {
    /// A service chain took the connection.
    Allow {
        /// The `ServiceEntry`.
        entry: &'r EntryInfo,
        /// The listener (`203.0.113.7_3306`, `0.0.0.0_3306`).
        listener: &'r Listener,
        /// The chain, with host and cluster `outbound|3306||db.example.com`.
        chain: &'r Chain,
        /// Where the connection goes.
        upstream: Upstream<'r>,
    },
    /// Unmatched, `PassthroughCluster` (`ALLOW_ANY`).
    Passthrough {
        /// Listener name.
        listener: &'r str,
        /// `PassthroughFilterChain` or `virtualOutbound-catchall-tcp`.
        chain: &'r str,
        /// What did not match.
        unmatched: Unmatched,
        /// The policy (`ALLOW_ANY` or `ALLOW_ANY_DYNAMIC_DNS`).
        policy: OutboundPolicy,
        /// Where it came from.
        policy_source: &'r str,
    },
    /// `BlackHoleCluster`.
    Deny {
        /// Listener name (empty when undecidable).
        listener: &'r str,
        /// Chain name (empty when undecidable).
        chain: &'r str,
        /// Why.
        reason: DenyReason<'r>,
    },
    /// Not captured: no Istio decision applies.
    Bypass {
        /// Which capture rule let it go.
        reason: BypassReason,
    },
}

impl Decision<'_> {
    /// The verdict alone.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        match self {
            Decision::Allow { .. } => Verdict::Allow,
            Decision::Passthrough { .. } => Verdict::Passthrough,
            Decision::Deny { .. } => Verdict::Deny,
            Decision::Bypass { .. } => Verdict::Bypass,
        }
    }

    /// Listener name; empty for bypass.
    #[must_use]
    pub fn listener(&self) -> &str {
        match self {
            Decision::Allow { listener, .. } => &listener.name,
            Decision::Passthrough { listener, .. } | Decision::Deny { listener, .. } => listener,
            Decision::Bypass { .. } => "",
        }
    }

    /// Filter chain name; empty for bypass.
    #[must_use]
    pub fn chain(&self) -> &str {
        match self {
            Decision::Allow { chain, .. } => &chain.name,
            Decision::Passthrough { chain, .. } | Decision::Deny { chain, .. } => chain,
            Decision::Bypass { .. } => "",
        }
    }

    /// Cluster name (`outbound|…`, `PassthroughCluster`, `BlackHoleCluster`); empty for bypass.
    #[must_use]
    pub fn cluster(&self) -> &str {
        match self {
            Decision::Allow { chain, .. } => &chain.cluster,
            Decision::Passthrough { .. } => PASSTHROUGH_CLUSTER,
            Decision::Deny {
                reason: DenyReason::MissingCluster { cluster, .. },
                ..
            } => cluster,
            Decision::Deny { .. } => BLACKHOLE_CLUSTER,
            Decision::Bypass { .. } => "",
        }
    }
}

/// The listener a canonical destination lands on, `None` for `virtualOutbound`.
pub(crate) fn find_listener(registry: &Registry, dst: IpAddr, port: u16) -> Option<&Listener> {
    let wildcard = match (&registry.wildcard_v6, dst) {
        (Some(v6), IpAddr::V6(_)) => v6,
        _ => &registry.wildcard,
    };
    registry
        .exact
        .get(&(dst, port))
        .or_else(|| wildcard.get(&port))
        .map(|id| registry.listener(*id))
}

/// Decides one connection.
#[must_use]
pub fn decide<'r>(registry: &'r Registry, conn: &Connection<'_>) -> Decision<'r> {
    decide_from(registry, conn, Arrival::Redirected)
}

/// Decides a connection that a client handed to the proxy explicitly (`meshctl proxy
/// --forward`) instead of one that iptables redirected to it.
///
/// No capture rule chose such a connection, so the capture step (the annotations and the loopback
/// bypass of istio/istio tools/istio-iptables/pkg/capture/run.go) does not apply; everything after
/// it does, the loop guard for 15001/15006 included. This is what lets a developer forward to a
/// database on loopback and still get the mesh's listener, chain and policy decision for it.
#[must_use]
pub fn decide_forwarded<'r>(registry: &'r Registry, conn: &Connection<'_>) -> Decision<'r> {
    decide_from(registry, conn, Arrival::Forwarded)
}

/// How a connection reached the sidecar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// Through the capture rules (iptables REDIRECT): the capture bypasses apply.
    Redirected,
    /// Addressed to the proxy itself: the capture bypasses do not apply.
    Forwarded,
}

fn decide_from<'r>(
    registry: &'r Registry,
    conn: &Connection<'_>,
    arrival: Arrival,
) -> Decision<'r> {
    let dst = conn.dst.to_canonical();
    let port = conn.port;
    if port == 0 {
        return Decision::Deny {
            listener: "",
            chain: "",
            reason: DenyReason::Undecidable {
                what: "destination port 0",
            },
        };
    }
    let loop_port = LOOP_PORTS.contains(&port);
    if loop_port && dst.is_loopback() {
        return loop_guard(port);
    }
    if arrival == Arrival::Redirected
        && let Some(reason) = registry.capture.bypass(dst, port)
    {
        return Decision::Bypass { reason };
    }
    if loop_port {
        return loop_guard(port);
    }
    let Some(listener) = find_listener(registry, dst, port) else {
        return unmatched(
            registry,
            VIRTUAL_OUTBOUND,
            CATCH_ALL_CHAIN,
            Unmatched::NoListener,
        );
    };
    let sni = if conn.tls { conn.sni } else { None };
    let chosen = listener
        .matcher
        .select(dst, sni)
        .chain
        .or(listener.default_chain);
    let Some(chain) = chosen.map(|id| registry.chain(id)) else {
        let why = if listener.protocol == ListenerProtocol::Http {
            Unmatched::HttpPort
        } else {
            Unmatched::NoChain
        };
        return unmatched(registry, &listener.name, PASSTHROUGH_CHAIN, why);
    };
    if chain.missing_cluster {
        return Decision::Deny {
            listener: &listener.name,
            chain: &chain.name,
            reason: DenyReason::MissingCluster {
                cluster: &chain.cluster,
                virtual_service: chain
                    .route
                    .as_ref()
                    .map_or("", |r| &r.source.virtual_service),
            },
        };
    }
    Decision::Allow {
        entry: registry.entry(chain.entry),
        listener,
        chain,
        upstream: upstream(&chain.upstream, dst, port),
    }
}

/// The blackhole that stops a loop: `virtualOutbound`'s own chain for 15001, `virtualInbound`'s
/// for 15006 (the original-destination hand-off finds the inbound listener on that port).
fn loop_guard<'r>(port: u16) -> Decision<'r> {
    let (listener, chain) = loop_guard_names(port);
    Decision::Deny {
        listener,
        chain,
        reason: DenyReason::LoopGuard { port },
    }
}

/// The listener and chain that blackhole a connection to capture port `port`.
pub(crate) fn loop_guard_names(port: u16) -> (&'static str, &'static str) {
    if port == INBOUND_PORT {
        (VIRTUAL_INBOUND, INBOUND_BLACKHOLE_CHAIN)
    } else {
        (VIRTUAL_OUTBOUND, BLACKHOLE_CHAIN)
    }
}

fn unmatched<'r>(
    registry: &'r Registry,
    listener: &'r str,
    chain: &'r str,
    unmatched: Unmatched,
) -> Decision<'r> {
    if registry.policy.allows_unmatched() {
        Decision::Passthrough {
            listener,
            chain,
            unmatched,
            policy: registry.policy,
            policy_source: &registry.policy_source,
        }
    } else {
        Decision::Deny {
            listener,
            chain,
            reason: DenyReason::RegistryOnly {
                unmatched,
                policy_source: &registry.policy_source,
            },
        }
    }
}

/// Where a cluster of `spec` sends a connection to `dst:port` (for a weighted route's other
/// destinations, which `decide` does not pick).
#[must_use]
pub fn upstream_of(spec: &UpstreamSpec, dst: IpAddr, port: u16) -> Upstream<'_> {
    upstream(spec, dst, port)
}

fn upstream(spec: &UpstreamSpec, dst: IpAddr, port: u16) -> Upstream<'_> {
    match spec {
        UpstreamSpec::OriginalDst { target_port } => {
            Upstream::OriginalDst(SocketAddr::new(dst, target_port.unwrap_or(port)))
        }
        UpstreamSpec::Resolve { endpoints, .. } | UpstreamSpec::Static { endpoints }
            if endpoints.is_empty() =>
        {
            Upstream::NoUpstream
        }
        UpstreamSpec::Resolve {
            endpoints,
            round_robin,
        } => Upstream::Resolve {
            endpoints,
            round_robin: *round_robin,
        },
        UpstreamSpec::Static { endpoints } => Upstream::Static(endpoints),
        UpstreamSpec::FromSni { port } => Upstream::FromSni { port: *port },
        UpstreamSpec::ServiceEndpoints { endpoints } => Upstream::ServiceEndpoints(endpoints),
    }
}
