//! The clusters of an exported bootstrap: one per `outbound|<port>||<host>` that a chain or an
//! HTTP route names, plus `PassthroughCluster` and `BlackHoleCluster`. The cluster type follows
//! the entry's resolution as istiod's `convertResolution` maps it
//! (`pilot/pkg/networking/core/cluster.go`): NONE → ORIGINAL_DST, STATIC → endpoints (EDS in
//! Istio, a STATIC load assignment here since there is no control plane), DNS → STRICT_DNS,
//! DNS_ROUND_ROBIN → LOGICAL_DNS, DYNAMIC_DNS → the dynamic forward proxy.
//!
//! Each cluster carries Istio's `filter_metadata.istio` (`config` and `services`, as
//! `pilot/pkg/networking/util/util.go` `AddConfigInfoMetadata` and `cluster_builder.go` write
//! them), which is how `simulate --config-dump` names the ServiceEntry behind a cluster.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::{Value, json};

use super::tls::{self, CertFiles};
use crate::engine::{
    BLACKHOLE_CLUSTER, Chain, ConnectionLimits, Endpoint, EntryInfo, HttpService,
    PASSTHROUGH_CLUSTER, Registry, Transport, UpstreamSpec, WeightedCluster,
};

/// A duration as protobuf JSON writes it (`2.500s`).
pub(crate) fn duration(d: std::time::Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}.{:09}s", d.as_secs(), d.subsec_nanos())
    }
}

/// Istio's connect timeout for outbound clusters (`meshConfig.connectTimeout`, default 10 s).
const CONNECT_TIMEOUT: &str = "10s";
/// The DNS cache shared by the dynamic forward proxy filter and cluster.
const DNS_CACHE: &str = "dynamic_forward_proxy_cache_config";

/// Clusters by name; the first definition of a name wins, as the first service in Istio's
/// processing order does.
#[derive(Default)]
pub(crate) struct ClusterSet {
    clusters: BTreeMap<String, Value>,
    certs: Option<CertFiles>,
}

impl ClusterSet {
    /// A set whose `ISTIO_MUTUAL` clusters present the workload certificate in `certs`.
    pub(crate) fn new(certs: Option<&CertFiles>) -> ClusterSet {
        ClusterSet {
            clusters: BTreeMap::new(),
            certs: certs.cloned(),
        }
    }

    /// Adds the clusters a chain forwards to: its service's, or every existing destination of
    /// its route (a destination the sidecar lacks stays absent, so Envoy closes as istiod's
    /// config makes it close).
    pub(crate) fn add_chain(
        &mut self,
        registry: &Registry,
        chain: &Chain,
        notes: &mut Vec<String>,
    ) {
        let Some(route) = &chain.route else {
            self.add(
                registry.entry(chain.entry),
                &chain.cluster,
                &chain.host,
                &chain.upstream,
                notes,
            );
            self.secure(&chain.cluster, &chain.host, &chain.transport);
            self.limit(&chain.cluster, chain.limits.as_deref());
            return;
        };
        for destination in &route.destinations {
            let Some(entry) = destination.entry.filter(|_| destination.exists) else {
                continue;
            };
            self.add_destination(registry.entry(entry), destination, notes);
        }
    }

    /// Adds the cluster of one route destination, built from `entry`.
    pub(crate) fn add_destination(
        &mut self,
        entry: &EntryInfo,
        destination: &WeightedCluster,
        notes: &mut Vec<String>,
    ) {
        self.add(
            entry,
            &destination.cluster,
            &destination.host,
            &destination.upstream,
            notes,
        );
        self.secure(
            &destination.cluster,
            &destination.host,
            &destination.transport,
        );
        self.limit(&destination.cluster, destination.limits.as_deref());
    }

    /// Gives cluster `name` the DestinationRule's `connectionPool.tcp` as Istio writes it
    /// (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go `applyConnectionPool`):
    /// a circuit breaker, the connect timeout and upstream keepalive.
    fn limit(&mut self, name: &str, limits: Option<&ConnectionLimits>) {
        let (Some(limits), Some(cluster)) = (
            limits,
            self.clusters.get_mut(name).and_then(Value::as_object_mut),
        ) else {
            return;
        };
        if let Some(max) = limits.max_connections {
            cluster.insert(
                "circuit_breakers".into(),
                json!({ "thresholds": [{ "max_connections": max }] }),
            );
        }
        if let Some(timeout) = limits.connect_timeout {
            cluster.insert("connect_timeout".into(), json!(duration(timeout)));
        }
        if let Some(keepalive) = &limits.keepalive {
            let mut tcp = serde_json::Map::new();
            if let Some(probes) = keepalive.probes {
                tcp.insert("keepalive_probes".into(), json!(probes));
            }
            if let Some(time) = keepalive.time {
                tcp.insert("keepalive_time".into(), json!(time.as_secs().max(1)));
            }
            if let Some(interval) = keepalive.interval {
                tcp.insert(
                    "keepalive_interval".into(),
                    json!(interval.as_secs().max(1)),
                );
            }
            cluster.insert(
                "upstream_connection_options".into(),
                json!({ "tcp_keepalive": tcp }),
            );
        }
    }

    /// Gives cluster `name` the transport socket of `transport` (istio/istio
    /// pilot/pkg/networking/core/cluster_tls.go): TLS with the rule's SNI for origination,
    /// Istio's ALPN for `ISTIO_MUTUAL`. Without `--certs` no certificate is configured, so the
    /// handshake proves only that the sidecar starts one; with it, `ISTIO_MUTUAL` presents the
    /// workload certificate and checks the upstream's against the mesh root (`tls.rs`).
    fn secure(&mut self, name: &str, host: &str, transport: &Transport) {
        let Some(cluster) = self.clusters.get_mut(name).and_then(Value::as_object_mut) else {
            return;
        };
        let context = match transport {
            Transport::Plaintext | Transport::AutoMtls => return,
            Transport::IstioMutual { sni } => {
                let mut common = json!({ "alpn_protocols": ["istio-peer-exchange", "istio"] });
                if let Some(certs) = &self.certs {
                    tls::mesh_client(&mut common, certs, host);
                }
                json!({ "sni": &**sni, "common_tls_context": common })
            }
            Transport::Originate { sni, .. } => {
                let mut context = json!({ "common_tls_context": {} });
                if let Some(sni) = sni {
                    context
                        .as_object_mut()
                        .expect("json! object")
                        .insert("sni".into(), json!(&**sni));
                }
                context
            }
        };
        let mut context = context;
        context.as_object_mut().expect("json! object").insert(
            "@type".into(),
            json!(
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
            ),
        );
        cluster.insert(
            "transport_socket".into(),
            json!({ "name": "envoy.transport_sockets.tls", "typed_config": context }),
        );
    }

    /// Adds the cluster an HTTP route forwards to.
    pub(crate) fn add_http(
        &mut self,
        registry: &Registry,
        http: &HttpService,
        port: u16,
        notes: &mut Vec<String>,
    ) {
        let name = format!("outbound|{port}||{}", http.host);
        self.add(
            registry.entry(http.entry),
            &name,
            &http.host,
            &http.upstream,
            notes,
        );
    }

    fn add(
        &mut self,
        info: &EntryInfo,
        name: &str,
        host: &str,
        upstream: &UpstreamSpec,
        notes: &mut Vec<String>,
    ) {
        if self.clusters.contains_key(name) {
            return;
        }
        let mut cluster = discovery(name, upstream, notes);
        let fields = cluster.as_object_mut().expect("json! object");
        fields.insert("name".into(), json!(name));
        fields.insert("connect_timeout".into(), json!(CONNECT_TIMEOUT));
        fields.insert(
            "metadata".into(),
            json!({ "filter_metadata": { "istio": {
                "config": format!("/apis/networking.istio.io/v1/namespaces/{}/service-entry/{}", info.namespace, info.name),
                "services": [{ "host": host, "name": host, "namespace": &*info.namespace }],
            } } }),
        );
        self.clusters.insert(name.to_owned(), cluster);
    }

    /// Every cluster, sorted by name, with the two fallthrough clusters.
    pub(crate) fn finish(mut self) -> Vec<Value> {
        self.clusters.insert(
            PASSTHROUGH_CLUSTER.into(),
            json!({
                "name": PASSTHROUGH_CLUSTER,
                "type": "ORIGINAL_DST",
                "lb_policy": "CLUSTER_PROVIDED",
                "connect_timeout": CONNECT_TIMEOUT,
            }),
        );
        self.clusters.insert(
            BLACKHOLE_CLUSTER.into(),
            json!({ "name": BLACKHOLE_CLUSTER, "type": "STATIC", "connect_timeout": CONNECT_TIMEOUT }),
        );
        self.clusters.into_values().collect()
    }
}

/// The type-specific half of a cluster.
fn discovery(name: &str, upstream: &UpstreamSpec, notes: &mut Vec<String>) -> Value {
    match upstream {
        UpstreamSpec::OriginalDst { target_port } => {
            let mut cluster = json!({ "type": "ORIGINAL_DST", "lb_policy": "CLUSTER_PROVIDED" });
            if let Some(port) = target_port {
                cluster.as_object_mut().expect("json! object").insert(
                    "original_dst_lb_config".into(),
                    json!({ "upstream_port_override": port }),
                );
            }
            cluster
        }
        UpstreamSpec::ServiceEndpoints { endpoints } => {
            // istiod serves these over EDS; a standalone bootstrap holds the ones the inputs
            // list, so the exported cluster reaches exactly what `simulate` names.
            if endpoints.is_empty() {
                notes.push(format!(
                    "cluster {name} is a Kubernetes Service without endpoints in the inputs; exported as STATIC without endpoints"
                ));
            }
            let endpoints = lb_endpoints(name, endpoints, true, notes);
            json!({ "type": "STATIC", "load_assignment": load_assignment(name, &endpoints) })
        }
        UpstreamSpec::Static { endpoints } => {
            let endpoints = lb_endpoints(name, endpoints, true, notes);
            json!({ "type": "STATIC", "load_assignment": load_assignment(name, &endpoints) })
        }
        UpstreamSpec::Resolve {
            endpoints,
            round_robin,
        } => {
            let mut endpoints = lb_endpoints(name, endpoints, false, notes);
            if endpoints.is_empty() {
                notes.push(format!(
                    "cluster {name} has no endpoint to resolve; exported as STATIC without endpoints"
                ));
                return json!({ "type": "STATIC", "load_assignment": load_assignment(name, &endpoints) });
            }
            let kind = if *round_robin {
                // LOGICAL_DNS takes exactly one endpoint (Istio admits at most one).
                endpoints.truncate(1);
                "LOGICAL_DNS"
            } else {
                "STRICT_DNS"
            };
            json!({ "type": kind, "load_assignment": load_assignment(name, &endpoints) })
        }
        UpstreamSpec::FromSni { .. } => json!({
            "lb_policy": "CLUSTER_PROVIDED",
            "cluster_type": {
                "name": "envoy.clusters.dynamic_forward_proxy",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig",
                    "dns_cache_config": dns_cache(),
                },
            },
        }),
    }
}

fn dns_cache() -> Value {
    json!({ "name": DNS_CACHE, "dns_lookup_family": "V4_ONLY" })
}

/// The `sni_dynamic_forward_proxy` filter a DYNAMIC_DNS chain needs before `tcp_proxy`.
pub(crate) fn sni_forward_filter(chain: &Chain) -> Option<Value> {
    let UpstreamSpec::FromSni { port } = chain.upstream else {
        return None;
    };
    Some(json!({
        "name": "envoy.filters.network.sni_dynamic_forward_proxy",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig",
            "dns_cache_config": dns_cache(),
            "port_value": port,
        },
    }))
}

fn load_assignment(name: &str, endpoints: &[Value]) -> Value {
    if endpoints.is_empty() {
        return json!({ "cluster_name": name });
    }
    json!({ "cluster_name": name, "endpoints": [{ "lb_endpoints": endpoints }] })
}

/// Endpoints as Envoy addresses; STATIC clusters take only IPs and unix sockets.
fn lb_endpoints(
    name: &str,
    endpoints: &[Endpoint],
    static_only: bool,
    notes: &mut Vec<String>,
) -> Vec<Value> {
    endpoints
        .iter()
        .filter_map(|e| {
            let address = if let Some(path) = e.address.strip_prefix("unix://") {
                if !static_only {
                    notes.push(format!(
                        "cluster {name}: endpoint `{}` is a unix socket; a DNS cluster cannot use it",
                        e.address
                    ));
                    return None;
                }
                json!({ "pipe": { "path": path } })
            } else if static_only && e.address.parse::<IpAddr>().is_err() {
                notes.push(format!(
                    "cluster {name}: endpoint `{}` is not an IP; a STATIC cluster cannot use it",
                    e.address
                ));
                return None;
            } else {
                json!({ "socket_address": { "address": &*e.address, "port_value": e.port } })
            };
            Some(json!({ "endpoint": { "address": address } }))
        })
        .collect()
}
