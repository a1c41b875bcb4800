//! `compile`: from resources and a workload to a [`Registry`], the work istiod does per proxy
//! (istio/istio pilot/pkg/model/sidecar.go for the scope, pilot/pkg/networking/core/listener.go
//! for the listeners).
//!
//! The steps mirror istiod: pick the Sidecar and policy, expand entries into services, drop the
//! invisible ones, sort the rest into processing order, then walk the Sidecar's egress listeners
//! (port-specific first) offering each imported service port to the listener builder. Every
//! service port ends with exactly one [`Record`], active or not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::build::{Builder, PortService, Shaping};
use super::capture::Capture;
use super::catalogue::{Catalogue, Cluster, cluster_name};
use super::destination::{self, TunnelTarget};
use super::input::{Resources, Workload};
use super::kube::{self, KubeShape};
use super::listener::{EntryId, UpstreamSpec};
use super::protocol::Protocol;
use super::record::{EntryInfo, Fate, Record};
use super::registry::Registry;
use super::routing::{self, Plan};
use super::scope::{self, Visibility};
use super::services::{self, Service, port_number};

/// What compile has decided so far for one visible service port.
#[derive(Debug, Clone)]
enum PortState {
    /// No egress listener offered it yet.
    Untouched,
    /// Only the catch-all imports it, and a port-specific listener owns its port.
    Locked,
    /// The host is imported from another namespace.
    OtherNamespace(Arc<str>),
    /// Offered to the builder (its record is written).
    Done,
}

/// Builds the registry for one workload. Never fails: unusable pieces are recorded and
/// skipped, the way istiod skips them with a warning.
#[must_use]
pub fn compile(config: &Resources<'_>, workload: &Workload) -> Registry {
    compile_sharing(config, &Shared::new(config), workload)
}

/// [`compile`] for each of `workloads`, in their order. What does not depend on the workload
/// ([`Shared`]) is built once, and the workloads are compiled in parallel: a linter compiles
/// one view per namespace of a large repository.
#[must_use]
pub(crate) fn compile_each(config: &Resources<'_>, workloads: &[Workload]) -> Vec<Registry> {
    compile_each_then(config, workloads, |_, registry| registry)
}

/// [`compile_each`], handing each registry to `then` with its workload's index on the thread
/// that compiled it, as soon as it is compiled (in no particular order). A caller that keeps
/// only part of each registry can drop the rest before the next ones pile up: with hundreds
/// of views, the registries all held at once are most of a linter's memory.
pub(crate) fn compile_each_then<T: Send>(
    config: &Resources<'_>,
    workloads: &[Workload],
    then: impl Fn(usize, Registry) -> T + Sync + Send,
) -> Vec<T> {
    let shared = Shared::new(config);
    workloads
        .par_iter()
        .enumerate()
        .map(|(i, workload)| then(i, compile_sharing(config, &shared, workload)))
        .collect()
}

/// What compile derives from the entries alone, whatever the workload.
struct Shared {
    /// Kept by every registry compiled from the config (one allocation, not one per view):
    /// the entries in input order, then the Kubernetes Services.
    entries: Arc<[EntryInfo]>,
    /// Per entry, in the same order.
    prepared: Vec<services::Prepared>,
    /// The Kubernetes Services converted to entries; entry id `service_entries.len() + i`.
    kube: Vec<kube::Converted>,
    /// Per concrete host (lower-case), the ExternalName Services that alias it: their hosts and
    /// entry ids (istio/istio pilot/pkg/model/push_context.go `resolveServiceAliases`; one hop,
    /// an alias of an alias is left out).
    aliases: HashMap<Arc<str>, Vec<(Arc<str>, EntryId)>>,
    /// How many services and service ports a view usually has (one per host × address, and
    /// × port), to size its vectors once instead of growing them by copying.
    services: usize,
    service_ports: usize,
}

impl Shared {
    fn new(config: &Resources<'_>) -> Shared {
        let kube = kube::convert_all(
            config.in_mesh.services,
            config.in_mesh.endpoints,
            config.in_mesh.endpoint_slices,
        );
        let all = || {
            config
                .service_entries
                .iter()
                .chain(kube.iter().map(|k| &k.entry))
        };
        let entries: Arc<[EntryInfo]> = all().map(services::entry_info).collect();
        let se_count = config.service_entries.len();
        let prepared = all()
            .zip(entries.iter())
            .enumerate()
            .map(|(i, (loaded, info))| {
                let prepared = services::prepare(entry_id(i), info, loaded);
                match i.checked_sub(se_count).map(|k| &kube[k]) {
                    Some(converted) => prepared.ordered_by(&converted.name),
                    None => prepared,
                }
            })
            .collect();
        let mut aliases: HashMap<Arc<str>, Vec<(Arc<str>, EntryId)>> = HashMap::new();
        let alias_names: HashSet<&str> = kube
            .iter()
            .filter(|k| k.alias_of.is_some())
            .filter_map(|k| k.entry.resource.spec.hosts.first().map(String::as_str))
            .collect();
        for (k, converted) in kube.iter().enumerate() {
            let (Some(target), Some(host)) = (
                converted.alias_of.as_deref(),
                converted.entry.resource.spec.hosts.first(),
            ) else {
                continue;
            };
            if alias_names.contains(target) {
                continue;
            }
            aliases
                .entry(Arc::from(target))
                .or_default()
                .push((Arc::from(host.as_str()), entry_id(se_count + k)));
        }
        let (services, service_ports) = all().fold((0, 0), |(services, ports), loaded| {
            let spec = &loaded.resource.spec;
            let n = spec.hosts.len() * spec.addresses.len().max(1);
            (services + n, ports + n * spec.ports.len())
        });
        Shared {
            entries,
            prepared,
            kube,
            aliases,
            services,
            service_ports,
        }
    }

    /// Entry `id` (a ServiceEntry or a converted Service).
    fn loaded<'s>(
        &'s self,
        config: &Resources<'s>,
        id: EntryId,
    ) -> &'s crate::load::Loaded<crate::model::ServiceEntry> {
        let i = id.0 as usize;
        match i.checked_sub(config.service_entries.len()) {
            Some(k) => &self.kube[k].entry,
            None => &config.service_entries[i],
        }
    }

    /// How a converted Service is shaped; `None` for a ServiceEntry.
    fn shape(&self, config: &Resources<'_>, id: EntryId) -> Option<KubeShape> {
        let k = (id.0 as usize).checked_sub(config.service_entries.len())?;
        Some(self.kube[k].shape)
    }
}

fn entry_id(index: usize) -> EntryId {
    EntryId(u32::try_from(index).unwrap_or(u32::MAX))
}

fn compile_sharing(config: &Resources<'_>, shared: &Shared, workload: &Workload) -> Registry {
    let mut notes = Vec::new();
    let capture = Capture::from_annotations(&workload.annotations, &mut notes);
    let scope = scope::resolve(config, workload, &mut notes);
    let (mut records, mut visible) = expand_all(config, shared, workload);
    // In place, in input order: a view compiled per namespace hides most services.
    visible.retain(|service| {
        if service.visibility != Visibility::Hidden {
            return true;
        }
        for port in ports_of(config, shared, service) {
            let number = port_number(port.number).unwrap_or(0);
            let protocol = Protocol::parse(port.protocol.as_deref());
            records.push(record(service, number, protocol, Fate::NotExported));
        }
        false
    });
    let visible = processing_order(visible);
    let mut builder = Builder::default();
    let routes = Routes::new(config, shared, workload, &scope, &visible);
    let state = offer(
        config,
        shared,
        &routes,
        workload,
        &scope,
        &visible,
        &mut builder,
        &mut records,
    );
    record_leftovers(config, shared, &visible, &state, &mut records);
    // A linter keeps one registry per namespace; the slack of a doubling Vec adds up.
    records.shrink_to_fit();
    let built = builder.finish();
    Registry {
        namespace: workload.namespace.clone(),
        entries: shared.entries.clone(),
        listeners: built.listeners,
        chains: built.chains,
        exact: built.exact,
        wildcard: built.wildcard,
        wildcard_v6: None,
        assembled_from: None,
        policy: scope.policy,
        policy_source: scope.policy_source,
        sidecar: scope.sidecar,
        capture,
        records,
        notes,
    }
}

/// Every entry's services as `workload` sees them, with the records of the ports it cannot.
fn expand_all(
    config: &Resources<'_>,
    shared: &Shared,
    workload: &Workload,
) -> (Vec<Record>, Vec<Service>) {
    let mut records = Vec::with_capacity(shared.service_ports);
    let mut visible = Vec::with_capacity(shared.services);
    for (i, prepared) in shared.prepared.iter().enumerate() {
        let id = entry_id(i);
        let loaded = shared.loaded(config, id);
        services::expand(
            id,
            prepared,
            loaded,
            config,
            workload,
            &mut records,
            &mut visible,
        );
    }
    (records, visible)
}

/// `services` in processing order. A service is large and sorting moves elements many times,
/// so the sort (stable, like istiod's) runs over indices and each service moves once.
fn processing_order(services: Vec<Service>) -> Vec<Service> {
    let mut order: Vec<usize> = (0..services.len()).collect();
    order.sort_by(|&a, &b| services[a].key.cmp_service(&services[b].key));
    let mut slots: Vec<Option<Service>> = services.into_iter().map(Some).collect();
    order.iter().filter_map(|&i| slots[i].take()).collect()
}

/// The state of every visible service port, flattened: `offsets[i] + j` is port `j` of
/// service `i`.
struct PortStates {
    offsets: Vec<usize>,
    states: Vec<PortState>,
}

/// Walks the egress listeners (port-specific first) and offers each imported service port to
/// the builder, in processing order.
#[allow(clippy::too_many_arguments)]
fn offer(
    config: &Resources<'_>,
    shared: &Shared,
    routes: &Routes<'_>,
    workload: &Workload,
    scope: &scope::Scope,
    visible: &[Service],
    builder: &mut Builder,
    records: &mut Vec<Record>,
) -> PortStates {
    let mut offsets = Vec::with_capacity(visible.len());
    let mut total = 0;
    for service in visible {
        offsets.push(total);
        total += ports_of(config, shared, service).len();
    }
    let mut states = vec![PortState::Untouched; total];
    let locked: HashSet<u16> = scope.egress.iter().filter_map(|e| e.port).collect();
    for (egress_index, egress) in scope.egress.iter().enumerate() {
        let picked: Vec<usize> = (0..visible.len())
            .filter(|&i| egress.imports(&visible[i].key.namespace, &visible[i].host_lc))
            .collect();
        let kept = kept_namespaces(visible, &picked, &workload.namespace);
        for i in picked {
            let service = &visible[i];
            let kept_ns = kept.get(&service.host_lc).cloned();
            for (j, port) in ports_of(config, shared, service).iter().enumerate() {
                let slot = &mut states[offsets[i] + j];
                let Some(number) = port_number(port.number) else {
                    continue; // recorded by `record_leftovers`
                };
                if matches!(slot, PortState::Done) || egress.port.is_some_and(|p| p != number) {
                    continue;
                }
                if egress.port.is_none() && locked.contains(&number) {
                    if matches!(slot, PortState::Untouched) {
                        *slot = PortState::Locked;
                    }
                    continue;
                }
                if let Some(ns) = kept_ns.as_ref().filter(|ns| **ns != service.key.namespace) {
                    *slot = PortState::OtherNamespace(ns.clone());
                    continue;
                }
                let protocol = Protocol::parse(port.protocol.as_deref());
                let mut key = service.key.clone();
                key.egress = egress_index;
                let se = &shared.loaded(config, service.entry).resource;
                let shape = shared.shape(config, service.entry);
                let fate = if let Some(why) = kube_without_listener(shape, protocol) {
                    Fate::NoListener { why }
                } else {
                    let offered = PortService {
                        service,
                        port: number,
                        protocol,
                        key,
                    };
                    let shaping =
                        routes.shaping(config, shared, workload, service, se, number, protocol);
                    builder.add(offered, shaping, || {
                        upstream_of(shared, config, service, se, port, number)
                    })
                };
                records.push(record(service, number, protocol, fate));
                *slot = PortState::Done;
            }
        }
    }
    PortStates { offsets, states }
}

/// The VirtualServices and clusters one workload's sidecar routes with. Built only when the
/// configuration has VirtualServices: a repository of entries alone pays nothing for it.
struct Routes<'c> {
    virtual_services: Vec<&'c crate::load::Loaded<crate::model::VirtualService>>,
    catalogue: Catalogue,
}

impl<'c> Routes<'c> {
    fn new(
        config: &Resources<'c>,
        shared: &Shared,
        workload: &Workload,
        scope: &scope::Scope,
        visible: &[Service],
    ) -> Routes<'c> {
        let virtual_services = routing::for_sidecar(config, workload);
        let mut catalogue = Catalogue::default();
        if !virtual_services.is_empty() {
            for service in visible {
                let imported = scope
                    .egress
                    .iter()
                    .any(|e| e.imports(&service.key.namespace, &service.host_lc));
                if imported {
                    add_clusters(&mut catalogue, config, shared, workload, service);
                }
            }
        }
        Routes {
            virtual_services,
            catalogue,
        }
    }

    /// The routes, transport and tunnel of one service port.
    #[allow(clippy::too_many_arguments)]
    fn shaping(
        &self,
        config: &Resources<'_>,
        shared: &Shared,
        workload: &Workload,
        service: &Service,
        se: &crate::model::ServiceEntry,
        number: u16,
        protocol: Protocol,
    ) -> Shaping<'_> {
        let internal = se.spec.location() == crate::model::Location::MeshInternal;
        let aliases = shared
            .aliases
            .get(&service.host_lc)
            .map(|list| list.iter().map(|(host, _)| host.clone()).collect())
            .unwrap_or_default();
        let rule = chosen_rule(config, workload, service);
        let (transport, tunnel, limits) = match &rule {
            Some(rule) => (
                rule.transport(&service.host, number, None, internal),
                rule.tunnel(),
                rule.limits(number, None),
            ),
            None => (destination::default_transport(internal), None, None),
        };
        let mut plan = if self.virtual_services.is_empty()
            || protocol.listener() == Some(super::protocol::ListenerProtocol::Http)
        {
            Plan {
                chains: Vec::new(),
                default_chain: true,
            }
        } else {
            routing::plan(
                &self.virtual_services,
                &service.host_lc,
                number,
                protocol.is_tls(),
                workload,
            )
        };
        for chain in &mut plan.chains {
            if let [only] = &*chain.targets {
                chain.tunnel = tunnel_of(config, workload, &only.host);
            }
        }
        Shaping {
            plan,
            catalogue: &self.catalogue,
            transport,
            tunnel,
            limits,
            aliases,
            rule: rule.map(destination::Chosen::reference),
        }
    }
}

/// The clusters of a gateway workload and the entries they are built from. A gateway has no
/// Sidecar scope: it keeps a cluster for every service exported to its namespace (istio/istio
/// pilot/pkg/model/sidecar.go `DefaultSidecarScopeForGateway`).
pub(crate) fn gateway_clusters(
    config: &Resources<'_>,
    workload: &Workload,
) -> (Catalogue, Arc<[EntryInfo]>) {
    let shared = Shared::new(config);
    let (_, mut visible) = expand_all(config, &shared, workload);
    visible.retain(|service| service.visibility != Visibility::Hidden);
    let mut catalogue = Catalogue::default();
    for service in &processing_order(visible) {
        add_clusters(&mut catalogue, config, &shared, workload, service);
    }
    (catalogue, shared.entries.clone())
}

/// Adds the clusters of one service: one per port, and one per subset of its
/// DestinationRule.
fn add_clusters(
    catalogue: &mut Catalogue,
    config: &Resources<'_>,
    shared: &Shared,
    workload: &Workload,
    service: &Service,
) {
    let se = &shared.loaded(config, service.entry).resource;
    let ports = ports_of(config, shared, service);
    let numbers: Vec<u16> = ports.iter().filter_map(|p| port_number(p.number)).collect();
    catalogue.add_host(&service.host_lc, numbers);
    let internal = se.spec.location() == crate::model::Location::MeshInternal;
    let rule = chosen_rule(config, workload, service);
    for port in ports {
        let Some(number) = port_number(port.number) else {
            continue;
        };
        let upstream = upstream_of(shared, config, service, se, port, number);
        let transport = |subset| match &rule {
            Some(rule) => rule.transport(&service.host, number, subset, internal),
            None => destination::default_transport(internal),
        };
        catalogue.add(
            cluster_name(number, None, &service.host),
            Cluster {
                upstream: upstream.clone(),
                transport: transport(None),
                entry: service.entry,
                internal,
                limits: rule.and_then(|r| r.limits(number, None)),
                rule: rule.map(destination::Chosen::reference),
            },
        );
        for subset in rule.iter().flat_map(|r| &r.rule.resource.spec.subsets) {
            // A subset's cluster holds the endpoints its labels select
            // (cluster_builder.go `buildSubsetCluster`); a Service's pods carry
            // labels the inputs do not hold, so its subsets keep every endpoint.
            let from_kube = shared.shape(config, service.entry).is_some();
            let upstream = if se.spec.endpoints.is_empty() || from_kube {
                upstream.clone()
            } else {
                let mut selected = se.clone();
                selected.spec.endpoints.retain(|e| {
                    subset
                        .labels
                        .iter()
                        .all(|(k, v)| e.labels.get(k) == Some(v))
                });
                upstream_of(shared, config, service, &selected, port, number)
            };
            catalogue.add(
                cluster_name(number, Some(&subset.name), &service.host),
                Cluster {
                    upstream,
                    transport: transport(Some(&subset.name)),
                    entry: service.entry,
                    internal,
                    limits: rule.and_then(|r| r.limits(number, Some(&subset.name))),
                    rule: rule.map(destination::Chosen::reference),
                },
            );
        }
    }
}

/// The DestinationRule for a service, when the configuration has any.
fn chosen_rule<'c>(
    config: &Resources<'c>,
    workload: &Workload,
    service: &Service,
) -> Option<destination::Chosen<'c>> {
    if config.in_mesh.destination_rules.is_empty() {
        return None;
    }
    destination::choose(config, workload, &service.host, &service.key.namespace)
}

/// The tunnel the DestinationRule of `host` asks for.
fn tunnel_of(config: &Resources<'_>, workload: &Workload, host: &str) -> Option<TunnelTarget> {
    if config.in_mesh.destination_rules.is_empty() {
        return None;
    }
    // The service's namespace is unknown here; a rule in the proxy's or the root namespace
    // still applies, as in istiod when the route names a host by its full name.
    let ns = host.split('.').nth(1).unwrap_or("");
    destination::choose(config, workload, host, ns)?.tunnel()
}

/// Where `port` of `service` sends: the entry's resolution, or a Service's endpoints.
fn upstream_of(
    shared: &Shared,
    config: &Resources<'_>,
    service: &Service,
    se: &crate::model::ServiceEntry,
    port: &crate::model::ServicePort,
    number: u16,
) -> UpstreamSpec {
    let upstream = services::upstream(se, port, number, &service.host);
    match (shared.shape(config, service.entry), upstream) {
        // An EDS cluster: the endpoints are the cluster's, whether or not the inputs hold them.
        (Some(KubeShape::ClusterIp), UpstreamSpec::Static { endpoints }) => {
            UpstreamSpec::ServiceEndpoints { endpoints }
        }
        (_, upstream) => upstream,
    }
}

/// Why a Kubernetes Service's port gets no listener although it is imported: an
/// `ExternalName` alias never does, and a headless Service's TCP ports listen per endpoint, of
/// which the inputs may hold none (istio/istio pilot/pkg/networking/core/listener.go
/// `buildSidecarOutboundListeners`).
fn kube_without_listener(shape: Option<KubeShape>, protocol: Protocol) -> Option<&'static str> {
    match shape? {
        KubeShape::Alias => Some(
            "an ExternalName Service is a DNS alias: istiod builds no listener for it, and a connection goes wherever the name it aliases resolves",
        ),
        KubeShape::Headless {
            has_endpoints: false,
        } if protocol.listener() != Some(super::protocol::ListenerProtocol::Http) => Some(
            "a headless Service listens per endpoint (`<podIP>_<port>`), and the inputs hold no EndpointSlice or Endpoints for it",
        ),
        _ => None,
    }
}

/// Records every visible service port that no egress listener built.
fn record_leftovers(
    config: &Resources<'_>,
    shared: &Shared,
    visible: &[Service],
    state: &PortStates,
    records: &mut Vec<Record>,
) {
    for (i, service) in visible.iter().enumerate() {
        for (j, port) in ports_of(config, shared, service).iter().enumerate() {
            let protocol = Protocol::parse(port.protocol.as_deref());
            let Some(number) = port_number(port.number) else {
                let fate = Fate::NoListener {
                    why: "the port number is outside 1..65535",
                };
                records.push(record(service, 0, protocol, fate));
                continue;
            };
            let fate = match &state.states[state.offsets[i] + j] {
                PortState::Done => continue,
                PortState::Untouched => Fate::NotImported,
                PortState::Locked => Fate::PortLocked,
                PortState::OtherNamespace(ns) => Fate::HostInOtherNamespace { kept: ns.clone() },
            };
            records.push(record(service, number, protocol, fate));
        }
    }
}

fn ports_of<'c>(
    config: &Resources<'c>,
    shared: &'c Shared,
    service: &Service,
) -> &'c [crate::model::ServicePort] {
    &shared.loaded(config, service.entry).resource.spec.ports
}

fn record(service: &Service, port: u16, protocol: Protocol, fate: Fate) -> Record {
    Record {
        entry: service.entry,
        host: service.host.clone(),
        addr: service.addr,
        port,
        protocol,
        fate,
    }
}

/// Per host imported by one egress listener, the namespace whose services are used: the
/// proxy's own namespace if it defines the host, else the first in processing order (istio/istio
/// pilot/pkg/model/sidecar.go `selectServices`).
fn kept_namespaces(
    visible: &[Service],
    picked: &[usize],
    proxy_ns: &str,
) -> HashMap<Arc<str>, Arc<str>> {
    let mut kept: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    for &i in picked {
        let service = &visible[i];
        let ns = &service.key.namespace;
        kept.entry(service.host_lc.clone())
            .and_modify(|current| {
                if &**ns == proxy_ns {
                    current.clone_from(ns);
                }
            })
            .or_insert_with(|| ns.clone());
    }
    kept
}
