//! The second hop: a gateway workload (the egress gateway) as istiod configures it and Envoy
//! runs it. [`GatewayProxy::compile`] merges the Gateways that select the workload into
//! listeners (`servers`), gives each server its chains from the VirtualServices bound to its
//! Gateway (`routes`), and keeps the clusters the gateway has (every service exported to its
//! namespace) and the AuthorizationPolicies that apply to it (`authz`).
//! [`GatewayProxy::decide`] then follows one arriving connection the way Envoy does: listener
//! by port, chain by SNI, the TLS handshake a terminating server asks for, the RBAC filter,
//! and the route's cluster.

mod authz;
mod routes;
mod servers;

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

pub(crate) use authz::applicable as applicable_policies;
pub use authz::{AuthzDecision, AuthzInput, AuthzVerdict};
pub(crate) use routes::qualified_gateway;
pub(crate) use servers::selects;
pub use servers::{MergedServer, ServerMode};

use super::catalogue::{Catalogue, cluster_name, primary};
use super::decide::Verdict;
use super::destination::Transport;
use super::input::{Resources, Workload};
use super::listener::WeightedCluster;
use super::record::EntryInfo;
use super::routing::RouteSource;
use crate::load::{Loaded, Origin};
use crate::model::AuthorizationPolicy;

/// A gateway workload's configuration.
#[derive(Debug)]
pub struct GatewayProxy {
    /// Its namespace.
    pub namespace: String,
    /// Its pod labels.
    pub labels: BTreeMap<String, String>,
    /// `namespace/name` and origin of the Gateways that select it, oldest first.
    pub gateways: Vec<(Arc<str>, Origin)>,
    /// Its listeners, by port.
    pub listeners: Vec<GatewayListener>,
    /// Servers and routes left out, one line each.
    pub skipped: Vec<String>,
    catalogue: Catalogue,
    entries: Arc<[EntryInfo]>,
    policies: Vec<Loaded<AuthorizationPolicy>>,
}

/// One listener of the gateway: `0.0.0.0_<port>`.
#[derive(Debug)]
pub struct GatewayListener {
    /// The port it listens on.
    pub port: u16,
    /// Its chains, in order.
    pub chains: Vec<GatewayChain>,
}

impl GatewayListener {
    /// `0.0.0.0_<port>`.
    #[must_use]
    pub fn name(&self) -> String {
        format!("0.0.0.0_{}", self.port)
    }
}

/// One filter chain of a gateway listener.
#[derive(Debug, Clone)]
pub struct GatewayChain {
    /// The server it belongs to.
    pub server: MergedServer,
    /// SNI names it matches; empty: any (or none sent).
    pub server_names: Vec<Arc<str>>,
    /// The VirtualService route that fills it (none for AUTO_PASSTHROUGH and HTTP servers).
    pub route: Option<Arc<RouteSource>>,
    /// Where it sends, with weights.
    pub destinations: Vec<WeightedCluster>,
}

impl GatewayChain {
    /// A name for reports: the server, its mode and the names it matches.
    #[must_use]
    pub fn name(&self) -> String {
        let names = if self.server_names.is_empty() {
            String::new()
        } else {
            format!(
                " SNI {}",
                self.server_names
                    .iter()
                    .map(|n| &**n)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        format!(
            "{} ({}{names})",
            self.server.label().trim_start_matches("Gateway "),
            self.server.mode.as_str()
        )
    }
}

/// What the client sends first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientHello<'a> {
    /// Application bytes.
    Plaintext,
    /// A TLS handshake.
    Tls {
        /// The server name it asks for.
        sni: Option<&'a str>,
        /// The identity of the mesh certificate it presents (`ISTIO_MUTUAL`), if any.
        mesh_principal: Option<&'a str>,
    },
}

/// A connection arriving at the gateway workload.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    /// The address it arrives at, when known.
    pub address: Option<IpAddr>,
    /// The port it arrives at.
    pub port: u16,
    /// The client's address, when known.
    pub source_ip: Option<IpAddr>,
    /// What the client sends.
    pub hello: ClientHello<'a>,
}

/// What the gateway does with a connection.
#[derive(Debug, Clone)]
pub struct GatewayDecision<'g> {
    /// `ALLOW` or `DENY`.
    pub verdict: Verdict,
    /// The listener.
    pub listener: Option<&'g GatewayListener>,
    /// The chain.
    pub chain: Option<&'g GatewayChain>,
    /// The RBAC filter's answer, when the connection got that far.
    pub authz: Option<AuthzDecision>,
    /// The cluster most connections take, when a route chose one.
    pub cluster: Option<WeightedCluster>,
    /// The client identity the gateway knows (from a terminated ISTIO_MUTUAL handshake).
    pub principal: Option<String>,
    /// Why, in one line.
    pub reason: String,
    /// What an allowed connection does that may surprise.
    pub notes: Vec<String>,
}

impl GatewayProxy {
    /// Configures the gateway workload with `labels` in `namespace`.
    #[must_use]
    pub fn compile(
        config: &Resources<'_>,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> GatewayProxy {
        let merged = servers::merge(
            config.in_mesh.gateways,
            config.in_mesh.services,
            namespace,
            labels,
        );
        let workload = Workload {
            namespace: namespace.to_owned(),
            labels: labels.clone(),
            ..Workload::default()
        };
        let (catalogue, entries) = super::compile::gateway_clusters(config, &workload);
        let mut skipped = merged.skipped.clone();
        let mut listeners = Vec::new();
        for (port, servers) in &merged.ports {
            let mut taken_sni = HashSet::new();
            let mut chains = Vec::new();
            for server in servers {
                let bound =
                    routes::bound_to(config.in_mesh.virtual_services, &server.gateway, namespace);
                match server.mode {
                    ServerMode::AutoPassthrough | ServerMode::Http => chains.push(GatewayChain {
                        server: server.clone(),
                        server_names: server.server_names(),
                        route: None,
                        destinations: Vec::new(),
                    }),
                    _ => {
                        let built = routes::chains(server, &bound, &mut taken_sni);
                        if built.is_empty() {
                            skipped.push(format!(
                                "{}: no VirtualService bound to the Gateway routes {} on port {}, so the server adds no filter chain",
                                server.label(),
                                if server.mode == ServerMode::Passthrough { "TLS" } else { "TCP" },
                                server.number
                            ));
                        }
                        for chain in built {
                            chains.push(GatewayChain {
                                server: server.clone(),
                                server_names: chain.server_names,
                                destinations: catalogue.resolve(&chain.targets, server.number),
                                route: Some(chain.source),
                            });
                        }
                    }
                }
            }
            if !chains.is_empty() {
                listeners.push(GatewayListener {
                    port: *port,
                    chains,
                });
            }
        }
        let policies = authz::applicable(
            config.in_mesh.authorization_policies,
            &config.mesh.root_namespace,
            namespace,
            labels,
        )
        .into_iter()
        .cloned()
        .collect();
        GatewayProxy {
            namespace: namespace.to_owned(),
            labels: labels.clone(),
            gateways: merged.gateways,
            listeners,
            skipped,
            catalogue,
            entries,
            policies,
        }
    }

    /// The AuthorizationPolicies that apply to the workload.
    #[must_use]
    pub fn policies(&self) -> &[Loaded<AuthorizationPolicy>] {
        &self.policies
    }

    /// The entry a cluster is built from.
    #[must_use]
    pub fn entry_of(&self, cluster: &WeightedCluster) -> Option<&EntryInfo> {
        cluster.entry.map(|id| &self.entries[id.0 as usize])
    }

    /// Follows one arriving connection.
    #[must_use]
    pub fn decide(&self, arrival: &Arrival<'_>) -> GatewayDecision<'_> {
        let mut decision = GatewayDecision {
            verdict: Verdict::Deny,
            listener: None,
            chain: None,
            authz: None,
            cluster: None,
            principal: None,
            reason: String::new(),
            notes: Vec::new(),
        };
        let Some(listener) = self.listeners.iter().find(|l| l.port == arrival.port) else {
            decision.reason = format!(
                "the gateway has no listener on port {}: no Gateway server that selects it has a route for that port, so the connection is refused",
                arrival.port
            );
            return decision;
        };
        decision.listener = Some(listener);
        let sni = match arrival.hello {
            ClientHello::Tls { sni, .. } => sni,
            ClientHello::Plaintext => None,
        };
        let auto = self.auto_passthrough(listener, sni);
        let Some(chain) = auto
            .as_ref()
            .map(|(c, _)| *c)
            .or_else(|| select_chain(listener, sni))
        else {
            decision.reason = format!(
                "no filter chain of {} matches {}: Envoy closes the connection (NR)",
                listener.name(),
                sni.map_or("a connection without SNI".to_owned(), |s| format!(
                    "SNI {s}"
                ))
            );
            return decision;
        };
        decision.chain = Some(chain);
        let destinations = auto
            .as_ref()
            .map_or(chain.destinations.as_slice(), |(_, d)| {
                std::slice::from_ref(d)
            });
        // The chain's `tcp_proxy` names its cluster whatever happens next: Envoy logs it even
        // for a connection the handshake or the RBAC filter then closes.
        decision.cluster = primary(destinations).cloned();
        if let Err(why) = handshake(chain.server.mode, arrival.hello) {
            decision.reason = why;
            return decision;
        }
        if let (ServerMode::IstioMutual, ClientHello::Tls { mesh_principal, .. }) =
            (chain.server.mode, arrival.hello)
        {
            decision.principal = mesh_principal.map(str::to_owned);
        }
        // A server that does not terminate TLS passes the sidecar's mesh handshake on to the
        // upstream; only a mesh workload can answer it.
        let forwards_mesh_tls = matches!(
            chain.server.mode,
            ServerMode::Plain | ServerMode::Passthrough
        ) && matches!(
            arrival.hello,
            ClientHello::Tls {
                mesh_principal: Some(_),
                ..
            }
        );
        let refs: Vec<&Loaded<AuthorizationPolicy>> = self.policies.iter().collect();
        let authz = authz::evaluate(
            &refs,
            &AuthzInput {
                principal: decision.principal.as_deref(),
                source_ip: arrival.source_ip,
                destination_ip: arrival.address,
                destination_port: arrival.port,
                sni,
            },
        );
        if authz.verdict == AuthzVerdict::Deny {
            decision.reason = format!(
                "the gateway's RBAC filter denies the connection ({})",
                authz.reason
            );
            decision.authz = Some(authz);
            return decision;
        }
        decision.authz = Some(authz);
        if chain.server.mode == ServerMode::Http {
            decision.reason =
                "the server is HTTP: its routes are HTTP routes, which meshctl does not model (denied: cannot decide)".into();
            return decision;
        }
        self.route(&mut decision, destinations);
        if forwards_mesh_tls {
            self.mesh_tls_past(&mut decision, chain.server.mode);
        }
        decision
    }

    /// A sidecar's mesh handshake that went through a server that does not terminate it: an
    /// upstream outside the mesh cannot answer it.
    fn mesh_tls_past(&self, decision: &mut GatewayDecision<'_>, mode: ServerMode) {
        if decision.verdict != Verdict::Allow {
            return;
        }
        let Some(cluster) = &decision.cluster else {
            return;
        };
        if self
            .catalogue
            .get(&cluster.cluster)
            .is_some_and(|c| c.internal)
        {
            return;
        }
        decision.verdict = Verdict::Deny;
        decision.reason = format!(
            "the server ({}) does not terminate TLS, so the sidecar's ISTIO_MUTUAL handshake travels on to {}, which is outside the mesh and cannot answer it: the handshake fails",
            mode.as_str(),
            cluster.cluster
        );
    }

    /// The cluster a chain's route picks, and whether the gateway can reach its upstream.
    fn route(&self, decision: &mut GatewayDecision<'_>, destinations: &[WeightedCluster]) {
        let Some(cluster) = primary(destinations).cloned() else {
            decision.reason = "the chain has no destination".into();
            return;
        };
        decision.cluster = Some(cluster.clone());
        if !cluster.exists {
            decision.reason = format!(
                "cluster {} does not exist on the gateway (no service with that host and port exported to {}, or no such subset): Envoy closes the connection (NC)",
                cluster.cluster, self.namespace
            );
            return;
        }
        if matches!(
            cluster.upstream,
            super::listener::UpstreamSpec::OriginalDst { .. }
        ) {
            decision.reason = format!(
                "cluster {} has resolution NONE: at a gateway the original destination is the gateway's own address, so the connection never leaves (use STATIC endpoints or DNS)",
                cluster.cluster
            );
            return;
        }
        if let super::listener::UpstreamSpec::Static { endpoints }
        | super::listener::UpstreamSpec::Resolve { endpoints, .. } = &cluster.upstream
            && endpoints.is_empty()
        {
            decision.reason = format!(
                "cluster {} has no endpoints: Envoy closes the connection (UH)",
                cluster.cluster
            );
            return;
        }
        decision.verdict = Verdict::Allow;
        decision.reason = format!("routed to {}", cluster.cluster);
        decision.cluster = Some(cluster);
    }

    /// An AUTO_PASSTHROUGH chain for an SNI naming a mesh-internal cluster
    /// (`outbound_.<port>_.<subset>_.<host>`, `builtAutoPassthroughFilterChains`).
    fn auto_passthrough<'g>(
        &'g self,
        listener: &'g GatewayListener,
        sni: Option<&str>,
    ) -> Option<(&'g GatewayChain, WeightedCluster)> {
        let sni = sni?;
        let rest = sni.strip_prefix("outbound_.")?;
        let (port, rest) = rest.split_once("_.")?;
        let (subset, host) = rest.split_once("_.")?;
        let port: u16 = port.parse().ok()?;
        let chain = listener.chains.iter().find(|c| {
            c.server.mode == ServerMode::AutoPassthrough
                && c.server.hosts.iter().any(|h| {
                    let h = h.rsplit('/').next().unwrap_or(h);
                    host_within(host, h)
                })
        })?;
        let name = cluster_name(port, (!subset.is_empty()).then_some(subset), host);
        let known = self.catalogue.get(&name).filter(|c| c.internal)?;
        let target = super::routing::Target {
            host: Arc::from(host),
            subset: (!subset.is_empty()).then(|| Arc::from(subset)),
            port: Some(port),
            weight: 100,
        };
        let mut resolved = self.catalogue.resolve(std::slice::from_ref(&target), port);
        let mut cluster = resolved.pop()?;
        cluster.transport = known.transport.clone();
        Some((chain, cluster))
    }
}

/// `host.Name.SubsetOf`: `host` is `pattern`, or falls under its wildcard.
fn host_within(host: &str, pattern: &str) -> bool {
    let (host, pattern) = (host.to_ascii_lowercase(), pattern.to_ascii_lowercase());
    match pattern.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => host.ends_with(suffix) && host.len() > suffix.len(),
        None => host == pattern,
    }
}

/// Envoy's filter chain match on SNI: an exact server name, else the longest wildcard, else a
/// chain without server names.
fn select_chain<'g>(listener: &'g GatewayListener, sni: Option<&str>) -> Option<&'g GatewayChain> {
    let candidates = listener
        .chains
        .iter()
        .filter(|c| c.server.mode != ServerMode::AutoPassthrough);
    if let Some(sni) = sni.map(str::to_ascii_lowercase) {
        if let Some(c) = candidates
            .clone()
            .find(|c| c.server_names.iter().any(|n| **n == *sni))
        {
            return Some(c);
        }
        let wildcard = candidates
            .clone()
            .filter_map(|c| {
                c.server_names
                    .iter()
                    .filter_map(|n| n.strip_prefix('*'))
                    .filter(|suffix| sni.ends_with(suffix) && sni.len() > suffix.len())
                    .map(str::len)
                    .max()
                    .map(|len| (len, c))
            })
            .max_by_key(|(len, _)| *len);
        if let Some((_, c)) = wildcard {
            return Some(c);
        }
    }
    candidates.clone().find(|c| c.server_names.is_empty())
}

/// Whether the TLS handshake a server asks for succeeds with what the client sends.
fn handshake(mode: ServerMode, hello: ClientHello<'_>) -> Result<(), String> {
    match (mode, hello) {
        (m, ClientHello::Plaintext) if m.terminates() => Err(format!(
            "the server terminates TLS ({}) but the client sends plaintext: the handshake fails and Envoy closes the connection",
            m.as_str()
        )),
        (ServerMode::IstioMutual, ClientHello::Tls { mesh_principal: None, .. }) => Err(
            "the server is ISTIO_MUTUAL and the client presents no mesh certificate (a DestinationRule with ISTIO_MUTUAL towards the gateway sends one): the handshake fails".into(),
        ),
        (ServerMode::Mutual, ClientHello::Tls { .. }) => Err(
            "the server is MUTUAL: it asks for a client certificate signed by its own CA, which a sidecar does not hold; meshctl takes the handshake to fail".into(),
        ),
        (ServerMode::Simple, ClientHello::Tls { mesh_principal: Some(_), .. }) => Err(
            "the client speaks ISTIO_MUTUAL and checks the gateway's certificate against the mesh CA, but a SIMPLE server presents its own certificate: the handshake fails".into(),
        ),
        _ => Ok(()),
    }
}

/// The gateway a sidecar's cluster leads to: the Kubernetes Service `host` names, when it
/// selects pods that a Gateway selects. Its selector stands for the gateway pods' labels (the
/// pods themselves are not among the inputs).
#[must_use]
pub fn behind(config: &Resources<'_>, host: &str, port: u16) -> Option<GatewayTarget> {
    let host = host.to_ascii_lowercase();
    let service = config.in_mesh.services.iter().find(|s| {
        let meta = &s.resource.metadata;
        host == format!("{}.{}.svc.cluster.local", meta.name, meta.namespace()).to_ascii_lowercase()
    })?;
    let selector = &service.resource.spec.selector;
    if selector.is_empty() || servers::selecting(config.in_mesh.gateways, selector).is_empty() {
        return None;
    }
    let meta = &service.resource.metadata;
    let target_port = service
        .resource
        .spec
        .ports
        .iter()
        .find(|p| u16::try_from(p.port).ok() == Some(port))
        .and_then(|p| match p.target_port {
            Some(crate::model::IntOrString::Int(n)) => u16::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(port);
    Some(GatewayTarget {
        name: format!("{}/{}", meta.namespace(), meta.name),
        namespace: meta.namespace().to_owned(),
        labels: selector.clone(),
        port: target_port,
    })
}

/// A gateway workload reached through its Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayTarget {
    /// `namespace/name` of the Service.
    pub name: String,
    /// The workload's namespace.
    pub namespace: String,
    /// The labels its pods carry (the Service's selector).
    pub labels: BTreeMap<String, String>,
    /// The port the pods listen on (the Service port's `targetPort`).
    pub port: u16,
}

/// What a sidecar sends to the gateway, from the transport of the cluster that leads there:
/// its own TLS when it originates (`ISTIO_MUTUAL` with the workload's certificate), else the
/// client's bytes as they are — the client's own TLS handshake, SNI included, reaches the
/// gateway untouched. Auto mTLS stays plaintext: gateway pods carry no
/// `security.istio.io/tlsMode` label.
#[must_use]
pub fn hello_for<'a>(
    transport: &'a Transport,
    principal: &'a str,
    client: ClientHello<'a>,
) -> ClientHello<'a> {
    match transport {
        Transport::IstioMutual { sni } => ClientHello::Tls {
            sni: Some(sni),
            mesh_principal: Some(principal),
        },
        Transport::Originate { sni, .. } => ClientHello::Tls {
            sni: sni.as_deref(),
            mesh_principal: None,
        },
        Transport::Plaintext | Transport::AutoMtls => client,
    }
}

/// How a sidecar in `namespace` talks to `host` (a service of `service_ns`) on `port` and
/// `subset`: the transport of the DestinationRule it picks, else auto mTLS for an in-mesh
/// service. The rules ask this of the route towards a gateway.
pub(crate) fn sidecar_transport(
    config: &Resources<'_>,
    namespace: &str,
    host: &str,
    service_ns: &str,
    port: u16,
    subset: Option<&str>,
) -> Transport {
    let workload = Workload {
        namespace: namespace.to_owned(),
        ..Workload::default()
    };
    match super::destination::choose(config, &workload, host, service_ns) {
        Some(rule) => rule.transport(host, port, subset, true),
        None => super::destination::default_transport(true),
    }
}
