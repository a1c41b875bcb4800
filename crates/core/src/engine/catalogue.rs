//! The clusters a sidecar has: one per port of every service in its scope
//! (`outbound|<port>||<host>`) and one per DestinationRule subset
//! (`outbound|<port>|<subset>|<host>`), as istio/istio pilot/pkg/networking/core/cluster.go
//! `buildOutboundClusters` builds them, each with its upstream and transport. A route that names
//! a cluster outside this set is closed by Envoy ("cluster not found"), which is how `decide`
//! reads it.
//!
//! The cluster a route destination means follows pilot/pkg/networking/core/route/route.go
//! `GetDestinationCluster`: the destination's port, else the service's only port, else the
//! listener's port.

use std::collections::HashMap;
use std::sync::Arc;

use super::destination::Transport;
use super::listener::{UpstreamSpec, WeightedCluster};
use super::routing::Target;

/// What the sidecar knows about one cluster.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    pub(crate) upstream: UpstreamSpec,
    pub(crate) transport: Transport,
    pub(crate) entry: super::listener::EntryId,
    /// Built from a `MESH_INTERNAL` service (a gateway's AUTO_PASSTHROUGH reaches only these).
    pub(crate) internal: bool,
    pub(crate) limits: Option<Arc<super::destination::ConnectionLimits>>,
    pub(crate) rule: Option<Arc<super::destination::RuleRef>>,
}

/// Every cluster of a sidecar, and each service host's ports.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    clusters: HashMap<String, Cluster>,
    /// Lower-case host → its service ports (of the service the sidecar keeps).
    ports: HashMap<Arc<str>, Vec<u16>>,
}

/// `outbound|<port>|<subset>|<host>` (istio/istio pilot/pkg/model/service.go `BuildSubsetKey`).
pub(crate) fn cluster_name(port: u16, subset: Option<&str>, host: &str) -> String {
    format!("outbound|{port}|{}|{host}", subset.unwrap_or(""))
}

impl Catalogue {
    /// Records a service's port set the first time its host is seen (processing order).
    pub(crate) fn add_host(&mut self, host_lc: &Arc<str>, ports: Vec<u16>) {
        self.ports.entry(host_lc.clone()).or_insert(ports);
    }

    /// Adds a cluster unless a service earlier in processing order already made it.
    pub(crate) fn add(&mut self, name: String, cluster: Cluster) {
        self.clusters.entry(name).or_insert(cluster);
    }

    /// The cluster named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Cluster> {
        self.clusters.get(name)
    }

    /// The clusters a route's destinations mean on a listener of port `listen_port`.
    pub(crate) fn resolve(&self, targets: &[Target], listen_port: u16) -> Vec<WeightedCluster> {
        targets
            .iter()
            .map(|target| {
                let host_lc = target.host.to_ascii_lowercase();
                let port = target.port.unwrap_or_else(|| {
                    match self.ports.get(host_lc.as_str()).map(Vec::as_slice) {
                        Some([only]) => *only,
                        _ => listen_port,
                    }
                });
                let name = cluster_name(port, target.subset.as_deref(), &target.host);
                let known = self.clusters.get(&name);
                WeightedCluster {
                    exists: known.is_some(),
                    upstream: known.map_or(
                        UpstreamSpec::Static {
                            endpoints: Vec::new(),
                        },
                        |c| c.upstream.clone(),
                    ),
                    transport: known.map_or(Transport::Plaintext, |c| c.transport.clone()),
                    entry: known.map(|c| c.entry),
                    limits: known.and_then(|c| c.limits.clone()),
                    rule: known.and_then(|c| c.rule.clone()),
                    cluster: name.into_boxed_str(),
                    host: target.host.clone(),
                    subset: target.subset.clone(),
                    weight: target.weight,
                }
            })
            .collect()
    }
}

/// The destination Envoy sends most connections to: the heaviest, the first among equals.
pub(crate) fn primary(destinations: &[WeightedCluster]) -> Option<&WeightedCluster> {
    destinations
        .iter()
        .enumerate()
        .max_by_key(|(i, d)| (d.weight, std::cmp::Reverse(*i)))
        .map(|(_, d)| d)
}
