//! The compiled shape of a sidecar's outbound side: listeners, their filter chains and the
//! cluster behind each chain, as istio/istio pilot/pkg/networking/core/listener.go and tls.go
//! build them, with the names of pilot/pkg/model/listener.go and pilot/pkg/networking/util/util.go.
//! These are the types a linter or an admin page reads; `build` creates them and `decide` walks
//! them.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::destination::{ConnectionLimits, RuleRef, Transport, TunnelTarget};
use super::matcher::Matcher;
use super::protocol::{ListenerProtocol, Protocol};
use super::routing::RouteSource;

pub(crate) use super::ids::{ChainId, EntryId, ListenerId};

/// The address half of a (host × address) service (istio/istio
/// pilot/pkg/serviceregistry/serviceentry/conversion.go `convertServices`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Addr {
    /// The entry has no (usable) addresses: Istio's `0.0.0.0`.
    Any,
    /// A plain IP, including full-length CIDRs (`/32`, `/128`) and consumed auto-allocated VIPs.
    Ip(IpAddr),
    /// A CIDR shorter than the address length, host bits masked.
    Cidr(IpNet),
}

impl Addr {
    /// True when a connection to `ip` is inside this address.
    #[must_use]
    pub fn covers(&self, ip: IpAddr) -> bool {
        match self {
            Addr::Any => true,
            Addr::Ip(own) => *own == ip,
            Addr::Cidr(net) => net.contains(&ip),
        }
    }

    /// True when `ip` is of the same family (so "not covered" is a meaningful near miss).
    #[must_use]
    pub fn same_family(&self, ip: IpAddr) -> bool {
        match self {
            Addr::Any => true,
            Addr::Ip(own) => own.is_ipv4() == ip.is_ipv4(),
            Addr::Cidr(net) => matches!(net, IpNet::V4(_)) == ip.is_ipv4(),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Any => f.write_str("no addresses"),
            Addr::Ip(ip) => write!(f, "{ip}"),
            Addr::Cidr(net) => write!(f, "{net}"),
        }
    }
}

/// One upstream endpoint: an IP or a name to resolve, and the port to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// IP, DNS name, or `unix://` path as written.
    pub address: Arc<str>,
    /// Endpoint port (endpoint override, else `targetPort`, else the service port).
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.address.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => write!(f, "[{ip}]:{}", self.port),
            _ if self.address.starts_with("unix://") => f.write_str(&self.address),
            _ => write!(f, "{}:{}", self.address, self.port),
        }
    }
}

/// Where a chain's cluster sends an accepted connection: the cluster type that istio/istio
/// pilot/pkg/networking/core/cluster.go `convertResolution` picks for the entry's resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamSpec {
    /// `NONE` (`ORIGINAL_DST)`: the dialled address, with `targetPort` replacing the port if set.
    OriginalDst {
        /// `targetPort`, when it differs from the service port.
        target_port: Option<u16>,
    },
    /// `DNS` / `DNS_ROUND_ROBIN`: resolve these names (the host when there are no endpoints).
    Resolve {
        /// What to resolve (IPs pass through unresolved).
        endpoints: Vec<Endpoint>,
        /// `LOGICAL_DNS`: first address per connection.
        round_robin: bool,
    },
    /// `STATIC`: one of these endpoints; empty means the cluster has no upstream.
    Static {
        /// The endpoints.
        endpoints: Vec<Endpoint>,
    },
    /// `DYNAMIC_DNS`: the name is taken from the connection's SNI.
    FromSni {
        /// The port to dial.
        port: u16,
    },
    /// A Kubernetes Service's endpoints (an EDS cluster): the ones the inputs hold, or, when
    /// they hold none, whatever the cluster's endpoints are when the connection is made.
    ServiceEndpoints {
        /// The endpoints the inputs hold.
        endpoints: Vec<Endpoint>,
    },
}

/// A filter chain built for one service port.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Name; Istio leaves outbound service chains unnamed, meshctl names them after the cluster
    /// (qualified by the match when the cluster already names a chain of the listener).
    pub name: Box<str>,
    /// The listener it belongs to.
    pub listener: ListenerId,
    /// Destination CIDR it requires (`prefix_ranges`), if any.
    pub prefix: Option<IpNet>,
    /// Server name it requires, lower-case (`*.` wildcards allowed), if any.
    pub server_name: Option<Arc<str>>,
    /// `outbound|<port>||<host>`.
    pub cluster: Box<str>,
    /// The `ServiceEntry` it came from.
    pub entry: EntryId,
    /// The host of that entry it stands for.
    pub host: Arc<str>,
    /// The address of the service it stands for.
    pub addr: Addr,
    /// The service port's protocol.
    pub protocol: Protocol,
    /// Where an accepted connection goes.
    pub upstream: UpstreamSpec,
    /// The VirtualService route that made the chain, with every destination and its weight;
    /// `None` for a service's own chain.
    pub route: Option<Arc<Route>>,
    /// How the cluster talks to its upstream (the DestinationRule's TLS setting).
    pub transport: Transport,
    /// CONNECT tunnelling through the cluster (the DestinationRule's `tunnel`).
    pub tunnel: Option<TunnelTarget>,
    /// The route names a cluster the sidecar does not have (an unknown host, port or subset):
    /// Envoy closes the connection.
    pub missing_cluster: bool,
    /// The cluster's `connectionPool.tcp` limits, when its DestinationRule sets any.
    pub limits: Option<Arc<ConnectionLimits>>,
    /// The DestinationRule that shaped the cluster.
    pub rule: Option<Arc<RuleRef>>,
}

/// A VirtualService route on a chain, resolved to clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The route as written.
    pub source: Arc<RouteSource>,
    /// Its destinations, in route order.
    pub destinations: Vec<WeightedCluster>,
}

/// One destination of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedCluster {
    /// `outbound|<port>|<subset>|<host>`.
    pub cluster: Box<str>,
    /// The destination host.
    pub host: Arc<str>,
    /// The subset.
    pub subset: Option<Arc<str>>,
    /// Its weight.
    pub weight: u32,
    /// False when the sidecar has no such cluster.
    pub exists: bool,
    /// Where the cluster sends a connection.
    pub upstream: UpstreamSpec,
    /// How it talks to the upstream.
    pub transport: Transport,
    /// The service the cluster is built from, when it exists.
    pub entry: Option<EntryId>,
    /// The cluster's connection limits.
    pub limits: Option<Arc<ConnectionLimits>>,
    /// The DestinationRule that shaped the cluster.
    pub rule: Option<Arc<RuleRef>>,
}

impl Chain {
    /// True when the chain has no match criteria, so it becomes the listener's default chain.
    #[must_use]
    pub fn is_match_all(&self) -> bool {
        self.prefix.is_none() && self.server_name.is_none()
    }

    /// The match criteria in words, e.g. `prefix 198.51.100.0/24, SNI api.example.com`.
    #[must_use]
    pub fn match_description(&self) -> String {
        match (&self.prefix, &self.server_name) {
            (None, None) => "any destination (match-all)".into(),
            (Some(p), None) => format!("prefix {p}"),
            (None, Some(s)) => format!("SNI {s}"),
            (Some(p), Some(s)) => format!("prefix {p}, SNI {s}"),
        }
    }
}

/// An HTTP-class service sharing a port's route table (matched by Host header, not modelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpService {
    /// The entry.
    pub entry: EntryId,
    /// The host that would be a virtual host.
    pub host: Arc<str>,
    /// Where its cluster sends a routed request.
    pub upstream: UpstreamSpec,
}

/// An outbound listener `<ip>_<port>` or `0.0.0.0_<port>`.
#[derive(Debug, Clone)]
pub struct Listener {
    /// `198.51.100.7_3306` or `0.0.0.0_3306`.
    pub name: Box<str>,
    /// The bound IP, `None` for the wildcard address.
    pub bind: Option<IpAddr>,
    /// The port.
    pub port: u16,
    /// TCP, HTTP, or sniffed.
    pub protocol: ListenerProtocol,
    /// The protocol and entry of the service that created it (for the merge conflicts of
    /// listener.go `buildSidecarOutboundListener`).
    pub created_by: (Protocol, EntryId),
    /// Service chains in build order.
    pub chains: Vec<ChainId>,
    /// The match-all service chain that replaced `PassthroughFilterChain`, if any.
    pub default_chain: Option<ChainId>,
    /// HTTP-class services on this port.
    pub http_services: Vec<HttpService>,
    pub(crate) matcher: Matcher,
}

impl Listener {
    /// True when some chain matches on SNI: the proxy must peek at the TLS `ClientHello`.
    #[must_use]
    pub fn has_sni(&self) -> bool {
        self.matcher.has_sni()
    }

    /// True when an HTTP inspector sniffs the first bytes (server-first protocols hang).
    #[must_use]
    pub fn is_sniffed(&self) -> bool {
        self.protocol == ListenerProtocol::Auto
    }
}

/// Listener name for a bind address and port, as Istio spells it.
pub(crate) fn listener_name(bind: Option<IpAddr>, port: u16) -> String {
    match bind {
        Some(ip) => format!("{ip}_{port}"),
        None => format!("0.0.0.0_{port}"),
    }
}

/// The chain that replaces a listener's default when no service chain is match-all.
pub(crate) const PASSTHROUGH_CHAIN: &str = "PassthroughFilterChain";
/// The listener that receives connections to an IP:port without a listener.
pub const VIRTUAL_OUTBOUND: &str = "virtualOutbound";
/// `virtualOutbound`'s catch-all chain.
pub(crate) const CATCH_ALL_CHAIN: &str = "virtualOutbound-catchall-tcp";
/// `virtualOutbound`'s loop-protection chain.
pub const BLACKHOLE_CHAIN: &str = "virtualOutbound-blackhole";
/// The inbound capture listener (`0.0.0.0:15006`). A connection redirected outbound to port 15006
/// is handed to it by the original-destination lookup, and its first chain blackholes it
/// (istio/istio pilot/pkg/networking/core/listener_inbound.go `buildInboundBlackhole`).
pub(crate) const VIRTUAL_INBOUND: &str = "virtualInbound";
/// `virtualInbound`'s loop-protection chain.
pub(crate) const INBOUND_BLACKHOLE_CHAIN: &str = "virtualInbound-blackhole";
/// The inbound capture port, whose loop guard belongs to `virtualInbound`.
pub(crate) const INBOUND_PORT: u16 = 15006;
/// Where unmatched traffic goes under `ALLOW_ANY`.
pub(crate) const PASSTHROUGH_CLUSTER: &str = "PassthroughCluster";
/// Where unmatched traffic goes under `REGISTRY_ONLY`, and the loop guard.
pub const BLACKHOLE_CLUSTER: &str = "BlackHoleCluster";
