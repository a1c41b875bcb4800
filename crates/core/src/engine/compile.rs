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

use super::build::{Builder, PortService};
use super::capture::Capture;
use super::input::{Resources, Workload};
use super::listener::EntryId;
use super::protocol::Protocol;
use super::record::{EntryInfo, Fate, Record};
use super::registry::Registry;
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
    /// Kept by every registry compiled from the config (one allocation, not one per view).
    entries: Arc<[EntryInfo]>,
    /// Per entry, in input order.
    prepared: Vec<services::Prepared>,
    /// How many services and service ports a view usually has (one per host × address, and
    /// × port), to size its vectors once instead of growing them by copying.
    services: usize,
    service_ports: usize,
}

impl Shared {
    fn new(config: &Resources<'_>) -> Shared {
        let entries: Arc<[EntryInfo]> = config
            .service_entries
            .iter()
            .map(services::entry_info)
            .collect();
        let prepared = config
            .service_entries
            .iter()
            .zip(entries.iter())
            .enumerate()
            .map(|(i, (loaded, info))| services::prepare(entry_id(i), info, loaded))
            .collect();
        let (services, service_ports) =
            config
                .service_entries
                .iter()
                .fold((0, 0), |(services, ports), loaded| {
                    let spec = &loaded.resource.spec;
                    let n = spec.hosts.len() * spec.addresses.len().max(1);
                    (services + n, ports + n * spec.ports.len())
                });
        Shared {
            entries,
            prepared,
            services,
            service_ports,
        }
    }
}

fn entry_id(index: usize) -> EntryId {
    EntryId(u32::try_from(index).unwrap_or(u32::MAX))
}

fn compile_sharing(config: &Resources<'_>, shared: &Shared, workload: &Workload) -> Registry {
    let mut notes = Vec::new();
    let capture = Capture::from_annotations(&workload.annotations, &mut notes);
    let scope = scope::resolve(config, workload, &mut notes);
    let mut records = Vec::with_capacity(shared.service_ports);
    let mut visible = Vec::with_capacity(shared.services);
    for (i, (loaded, prepared)) in config
        .service_entries
        .iter()
        .zip(&shared.prepared)
        .enumerate()
    {
        let id = entry_id(i);
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
    // In place, in input order: a view compiled per namespace hides most services.
    visible.retain(|service| {
        if service.visibility != Visibility::Hidden {
            return true;
        }
        for port in ports_of(config, service) {
            let number = port_number(port.number).unwrap_or(0);
            let protocol = Protocol::parse(port.protocol.as_deref());
            records.push(record(service, number, protocol, Fate::NotExported));
        }
        false
    });
    let visible = processing_order(visible);
    let mut builder = Builder::default();
    let state = offer(
        config,
        workload,
        &scope,
        &visible,
        &mut builder,
        &mut records,
    );
    record_leftovers(config, &visible, &state, &mut records);
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
fn offer(
    config: &Resources<'_>,
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
        total += ports_of(config, service).len();
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
            for (j, port) in ports_of(config, service).iter().enumerate() {
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
                let se = &config.service_entries[service.entry.0 as usize].resource;
                let offered = PortService {
                    service,
                    port: number,
                    protocol,
                    key,
                };
                let fate = builder.add(offered, || {
                    services::upstream(se, port, number, &service.host)
                });
                records.push(record(service, number, protocol, fate));
                *slot = PortState::Done;
            }
        }
    }
    PortStates { offsets, states }
}

/// Records every visible service port that no egress listener built.
fn record_leftovers(
    config: &Resources<'_>,
    visible: &[Service],
    state: &PortStates,
    records: &mut Vec<Record>,
) {
    for (i, service) in visible.iter().enumerate() {
        for (j, port) in ports_of(config, service).iter().enumerate() {
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

fn ports_of<'c>(config: &Resources<'c>, service: &Service) -> &'c [crate::model::ServicePort] {
    &config.service_entries[service.entry.0 as usize]
        .resource
        .spec
        .ports
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
