//! Listener and filter-chain assembly for one proxy, after istiod's outbound listener builder in
//! istio/istio pilot/pkg/networking/core/: where a service port's listener binds (listener.go
//! `buildSidecarOutboundListener`), which chains it gets (tls.go
//! `buildSidecarOutboundTCPFilterChainOpts`, `buildSidecarOutboundTLSFilterChainOpts`) and what
//! happens when a second service lands on an existing listener (listener.go
//! `mergeTCPFilterChains`, `isConflictWithWellKnownPort`).
//!
//! Services arrive already in processing order, so "the earlier service keeps it" is simply
//! "the first `add` wins": a chain whose match equals an existing chain's (same CIDR after
//! masking, same server name) is dropped and recorded with the winner and why it came first.
//! MONGO/MYSQL conflicts drop the incoming service; mixing HTTP and TCP makes the port sniffed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::catalogue::{self, Catalogue};
use super::destination::{ConnectionLimits, RuleRef, Transport, TunnelTarget};
use super::listener::{
    Addr, Chain, ChainId, EntryId, HttpService, Listener, ListenerId, Route, UpstreamSpec,
    listener_name,
};
use super::matcher::Matcher;
use super::order::OrderKey;
use super::protocol::{ListenerProtocol, Protocol};
use super::record::Fate;
use super::routing::Plan;
use super::services::Service;

/// Ports where istiod refuses to put a wildcard HTTP listener (istio/istio
/// pilot/pkg/model/context.go `conflictWithReservedListener`).
const RESERVED_HTTP_PORTS: [u16; 4] = [15001, 15006, 15021, 15090];

/// A listener while services are still being added.
struct Draft {
    bind: Option<IpAddr>,
    port: u16,
    protocol: ListenerProtocol,
    created_by: (Protocol, EntryId),
    chains: Vec<ChainId>,
    by_match: HashMap<(Option<IpNet>, Option<Arc<str>>), ChainId>,
    /// Hosts whose cluster (`outbound|port||host`: the port is the listener's) already names a
    /// chain here, so a later chain of the same host is named after its match too. A set of
    /// shared host names: scanning `chains` instead made compile quadratic per listener.
    named: HashSet<Arc<str>>,
    http: Vec<HttpService>,
}

/// One service port offered to the builder.
pub(crate) struct PortService<'a> {
    pub(crate) service: &'a Service,
    pub(crate) port: u16,
    pub(crate) protocol: Protocol,
    /// Its position in processing order (including the egress listener).
    pub(crate) key: OrderKey,
}

/// What routing and the DestinationRules make of one service port.
pub(crate) struct Shaping<'a> {
    /// The VirtualService chains and whether the service's own chain follows them.
    pub(crate) plan: Plan,
    /// The sidecar's clusters, for the routes' destinations.
    pub(crate) catalogue: &'a Catalogue,
    /// The transport of the service's own cluster.
    pub(crate) transport: Transport,
    /// The tunnel of the service's own cluster.
    pub(crate) tunnel: Option<TunnelTarget>,
    /// The limits of the service's own cluster.
    pub(crate) limits: Option<Arc<ConnectionLimits>>,
    /// Hosts of the ExternalName Services that alias the service: its SNI chain matches them
    /// too (istio/istio pilot/pkg/networking/core/tls.go adds `Attributes.Aliases`).
    pub(crate) aliases: Vec<Arc<str>>,
    /// The DestinationRule of the service's own cluster.
    pub(crate) rule: Option<Arc<RuleRef>>,
}

/// A chain about to be added.
struct NewChain {
    prefix: Option<IpNet>,
    server_name: Option<Arc<str>>,
    cluster: String,
    upstream: UpstreamSpec,
    route: Option<Arc<Route>>,
    transport: Transport,
    tunnel: Option<TunnelTarget>,
    missing_cluster: bool,
    limits: Option<Arc<ConnectionLimits>>,
    rule: Option<Arc<RuleRef>>,
}

/// Collects listeners and chains.
#[derive(Default)]
pub(crate) struct Builder {
    drafts: Vec<Draft>,
    by_key: HashMap<(Option<IpAddr>, u16), ListenerId>,
    chains: Vec<Chain>,
    chain_keys: Vec<OrderKey>,
    /// Where each cluster sends connections, fixed by the first service offered for it: a
    /// sidecar keeps one service per host name, the oldest (istio/istio
    /// pilot/pkg/model/sidecar.go `appendSidecarServices`), so every chain naming
    /// `outbound|port||host` reaches the one cluster built from it, whichever entry's chain
    /// took the connection.
    upstreams: HashMap<String, UpstreamSpec>,
}

/// Copies of a service's SNI chain for the hosts of the ExternalName Services aliasing it.
fn aliased(own: &NewChain, aliases: &[Arc<str>]) -> Vec<NewChain> {
    aliases
        .iter()
        .map(|alias| NewChain {
            prefix: own.prefix,
            server_name: Some(Arc::from(alias.to_ascii_lowercase())),
            cluster: own.cluster.clone(),
            upstream: own.upstream.clone(),
            route: None,
            transport: own.transport.clone(),
            tunnel: own.tunnel.clone(),
            missing_cluster: false,
            limits: own.limits.clone(),
            rule: own.rule.clone(),
        })
        .collect()
}

/// The service port a chain stands for.
struct Offered<'a> {
    service: &'a Service,
    protocol: Protocol,
    key: &'a OrderKey,
}

fn offer_key<'a>(service: &'a Service, protocol: Protocol, key: &'a OrderKey) -> Offered<'a> {
    Offered {
        service,
        protocol,
        key,
    }
}

/// The finished listener set and its lookup maps.
pub(crate) struct Built {
    pub(crate) listeners: Vec<Listener>,
    pub(crate) chains: Vec<Chain>,
    pub(crate) exact: HashMap<(IpAddr, u16), ListenerId>,
    pub(crate) wildcard: HashMap<u16, ListenerId>,
}

fn id32(n: usize) -> u32 {
    // More than 4 billion listeners or chains cannot be built in memory anyway.
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Builder {
    /// Adds one service port; `upstream` is only evaluated when a chain is created.
    pub(crate) fn add(
        &mut self,
        offer: PortService<'_>,
        shaping: Shaping<'_>,
        upstream: impl FnOnce() -> UpstreamSpec,
    ) -> Fate {
        let PortService {
            service,
            port,
            protocol,
            key,
        } = offer;
        let Some(class) = protocol.listener() else {
            return Fate::NoListener {
                why: "UDP is never captured by the sidecar",
            };
        };
        let bind = match (class, service.addr) {
            (ListenerProtocol::Tcp | ListenerProtocol::Auto, Addr::Ip(ip)) => Some(ip),
            _ => None,
        };
        if class == ListenerProtocol::Http && RESERVED_HTTP_PORTS.contains(&port) {
            return Fate::NoListener {
                why: "istiod skips HTTP listeners on ports reserved by the sidecar",
            };
        }
        let listener = if let Some(&id) = self.by_key.get(&(bind, port)) {
            let draft = &mut self.drafts[id.0 as usize];
            if Protocol::conflicts_on_well_known_port(draft.created_by.0, protocol) {
                return Fate::ProtocolConflict { listener: id };
            }
            draft.protocol = draft.protocol.merge(class);
            id
        } else {
            {
                let id = ListenerId(id32(self.drafts.len()));
                self.drafts.push(Draft {
                    bind,
                    port,
                    protocol: class,
                    created_by: (protocol, service.entry),
                    chains: Vec::new(),
                    by_match: HashMap::new(),
                    named: HashSet::new(),
                    http: Vec::new(),
                });
                self.by_key.insert((bind, port), id);
                id
            }
        };
        let cluster = format!("outbound|{port}||{}", service.host);
        if class == ListenerProtocol::Http {
            let upstream = self.upstream_of(&cluster, upstream);
            self.drafts[listener.0 as usize].http.push(HttpService {
                entry: service.entry,
                host: service.host.clone(),
                upstream,
            });
            return Fate::HttpRoute(listener);
        }
        let prefix = match service.addr {
            Addr::Cidr(net) => Some(net),
            Addr::Any | Addr::Ip(_) => None,
        };
        // SNI chains only where the listener is not already specific to one IP (tls.go
        // `buildSidecarOutboundTLSFilterChainOpts`: a VIP already names the service).
        let server_name = (protocol.is_tls() && bind.is_none()).then(|| service.host_lc.clone());
        let offered = offer_key(service, protocol, &key);
        let first = self.add_route_chains(listener, &offered, &shaping, prefix, port);
        if !shaping.plan.default_chain
            && let Some(fate) = first
        {
            return fate;
        }
        let upstream = self.upstream_of(&cluster, upstream);
        let has_sni = server_name.is_some();
        let own = NewChain {
            prefix,
            server_name,
            cluster,
            upstream,
            route: None,
            transport: shaping.transport,
            tunnel: shaping.tunnel.clone(),
            missing_cluster: false,
            limits: shaping.limits.clone(),
            rule: shaping.rule.clone(),
        };
        let alias_chains = if has_sni {
            aliased(&own, &shaping.aliases)
        } else {
            Vec::new()
        };
        let fate = self.push_chain(listener, &offered, own);
        for chain in alias_chains {
            self.push_chain(listener, &offered, chain);
        }
        match first {
            Some(route_fate @ Fate::Chain(_)) => route_fate,
            _ => fate,
        }
    }

    /// Adds the chains of the port's VirtualService routes; the fate of the first that was
    /// added (or, when every one lost its match, of the first), `None` without routes.
    fn add_route_chains(
        &mut self,
        listener: ListenerId,
        offered: &Offered<'_>,
        shaping: &Shaping<'_>,
        prefix: Option<IpNet>,
        port: u16,
    ) -> Option<Fate> {
        let mut first: Option<Fate> = None;
        for route_chain in &shaping.plan.chains {
            let prefixes: Vec<Option<IpNet>> = if route_chain.prefixes.is_empty() {
                vec![prefix]
            } else {
                route_chain
                    .prefixes
                    .iter()
                    .map(|p| Some(p.trunc()))
                    .collect()
            };
            let names: Vec<Option<Arc<str>>> = if route_chain.server_names.is_empty() {
                vec![None]
            } else {
                route_chain.server_names.iter().cloned().map(Some).collect()
            };
            let destinations = shaping.catalogue.resolve(&route_chain.targets, port);
            let Some(primary) = catalogue::primary(&destinations).cloned() else {
                continue;
            };
            let route = Arc::new(Route {
                source: route_chain.source.clone(),
                destinations,
            });
            for prefix in &prefixes {
                for name in &names {
                    let fate = self.push_chain(
                        listener,
                        offered,
                        NewChain {
                            prefix: *prefix,
                            server_name: name.clone(),
                            cluster: primary.cluster.to_string(),
                            upstream: primary.upstream.clone(),
                            route: Some(route.clone()),
                            transport: primary.transport.clone(),
                            tunnel: route_chain.tunnel.clone(),
                            missing_cluster: !primary.exists,
                            limits: primary.limits.clone(),
                            rule: primary.rule.clone(),
                        },
                    );
                    if first.is_none()
                        || matches!(fate, Fate::Chain(_)) && !matches!(first, Some(Fate::Chain(_)))
                    {
                        first = Some(fate);
                    }
                }
            }
        }
        first
    }

    /// Adds a chain to `listener` unless an earlier chain has the same match, which keeps it.
    fn push_chain(&mut self, listener: ListenerId, offered: &Offered<'_>, new: NewChain) -> Fate {
        let draft = &mut self.drafts[listener.0 as usize];
        let match_key = (new.prefix, new.server_name.clone());
        if let Some(&winner) = draft.by_match.get(&match_key) {
            let precedence = self.chain_keys[winner.0 as usize].precedence(offered.key);
            return Fate::Shadowed {
                listener,
                winner,
                precedence,
            };
        }
        let id = ChainId(id32(self.chains.len()));
        draft.by_match.insert(match_key, id);
        // Istio leaves service chains unnamed; meshctl names them after their cluster. When one
        // cluster names several chains of a listener (a host with several addresses, a route
        // with several subnets), the later ones are named after their match too: every chain
        // name on a listener is unique, and an Envoy access log's `%FILTER_CHAIN_NAME%` says
        // exactly which one took a connection.
        // A service's own chain is keyed by its host (its cluster's only variable part on this
        // listener, and a shared string); a route's by its cluster.
        let name_key = if new.route.is_none() {
            offered.service.host.clone()
        } else {
            Arc::from(new.cluster.as_str())
        };
        let first_of_cluster = draft.named.insert(name_key);
        let name = if first_of_cluster {
            new.cluster.clone()
        } else {
            let mut qualified = new.cluster.clone();
            if let Some(prefix) = new.prefix {
                let _ = write!(qualified, " {prefix}");
            }
            if let Some(sni) = &new.server_name {
                let _ = write!(qualified, " {sni}");
            }
            qualified
        };
        draft.chains.push(id);
        let service = offered.service;
        self.chains.push(Chain {
            name: name.into_boxed_str(),
            listener,
            prefix: new.prefix,
            server_name: new.server_name,
            cluster: new.cluster.into_boxed_str(),
            entry: service.entry,
            host: service.host.clone(),
            addr: service.addr,
            protocol: offered.protocol,
            upstream: new.upstream,
            route: new.route,
            transport: new.transport,
            tunnel: new.tunnel,
            missing_cluster: new.missing_cluster,
            limits: new.limits,
            rule: new.rule,
        });
        self.chain_keys.push(offered.key.clone());
        Fate::Chain(id)
    }

    /// The upstream of `cluster`: the first service offered for it sets it.
    fn upstream_of(
        &mut self,
        cluster: &str,
        upstream: impl FnOnce() -> UpstreamSpec,
    ) -> UpstreamSpec {
        if let Some(known) = self.upstreams.get(cluster) {
            return known.clone();
        }
        let upstream = upstream();
        self.upstreams.insert(cluster.to_owned(), upstream.clone());
        upstream
    }

    /// Freezes the drafts: default chains, selection tables and lookup maps.
    pub(crate) fn finish(self) -> Built {
        let chains = self.chains;
        let mut exact = HashMap::new();
        let mut wildcard = HashMap::new();
        let listeners = self
            .drafts
            .into_iter()
            .enumerate()
            .map(|(i, draft)| {
                let id = ListenerId(id32(i));
                match draft.bind {
                    Some(ip) => exact.insert((ip, draft.port), id),
                    None => wildcard.insert(draft.port, id),
                };
                let default_chain = draft
                    .chains
                    .iter()
                    .copied()
                    .find(|c| chains[c.0 as usize].is_match_all());
                let matcher = Matcher::build(draft.chains.iter().map(|c| {
                    let chain = &chains[c.0 as usize];
                    (*c, chain.prefix, chain.server_name.as_deref())
                }));
                Listener {
                    name: listener_name(draft.bind, draft.port).into_boxed_str(),
                    bind: draft.bind,
                    port: draft.port,
                    protocol: draft.protocol,
                    created_by: draft.created_by,
                    chains: draft.chains,
                    default_chain,
                    http_services: draft.http,
                    matcher,
                }
            })
            .collect();
        Built {
            listeners,
            chains,
            exact,
            wildcard,
        }
    }
}
