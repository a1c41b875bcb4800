//! `meshctl export envoy --proxy gateway`: a gateway workload ([`GatewayProxy`]) as an Envoy
//! v3 bootstrap — the TCP part of what istiod pushes to an egress gateway.
//!
//! As with the sidecar export, nothing here decides: one listener `0.0.0.0_<port>` per
//! [`GatewayListener`], one filter chain per [`GatewayChain`] in the engine's order, matched on
//! the chain's server names. Shapes follow istio/istio pilot/pkg/networking/core/gateway.go
//! (`createGatewayTCPFilterChainOpts`: a terminating server gets a `DownstreamTlsContext`, a
//! PASSTHROUGH one only its SNI match, a plain one neither) and listener.go (the TLS
//! inspector on listeners whose chains match on SNI). Every TCP chain runs the RBAC filters of
//! the AuthorizationPolicies that apply to the workload (`rbac.rs`) before `tcp_proxy`, as
//! networkfilter.go `buildCompleteNetworkFilters` orders them (the CUSTOM filter first, then
//! DENY and ALLOW).
//!
//! Left out, with a note: HTTP servers (their routes are HTTP routes, which meshctl does not
//! model) and AUTO_PASSTHROUGH servers (their chains are one per mesh-internal cluster, built
//! from the SNI a client sends).

use std::net::IpAddr;

use serde_json::{Value, json};

use super::clusters::ClusterSet;
use super::export::{ADMIN_PORT, Export, ExportOptions, access_log, socket_address, tcp_proxy};
use super::rbac;
use super::tls::{self, ClientCert};
use crate::engine::gateway::{GatewayChain, GatewayListener, GatewayProxy, ServerMode};

/// Builds the bootstrap of a gateway workload.
#[must_use]
pub fn export_gateway(proxy: &GatewayProxy, name: &str, options: &ExportOptions) -> Export {
    let mut notes = Vec::new();
    let mut clusters = ClusterSet::new(options.certs.as_ref());
    let authz = rbac::filters(proxy.policies(), &mut notes);
    let mut uses_sds = false;
    let mut listeners = Vec::new();
    for listener in &proxy.listeners {
        let mut chains = Vec::new();
        for chain in &listener.chains {
            let Some(built) = filter_chain(listener, chain, &authz, options, &mut notes) else {
                continue;
            };
            uses_sds |= chain.server.mode.terminates() && options.certs.is_none();
            for destination in chain.destinations.iter().filter(|d| d.exists) {
                if let Some(entry) = proxy.entry_of(destination) {
                    clusters.add_destination(entry, destination, &mut notes);
                }
            }
            chains.push(built);
        }
        if chains.is_empty() {
            notes.push(format!(
                "listener {} is left out: none of its chains can be exported",
                listener.name()
            ));
            continue;
        }
        listeners.push(gateway_listener(listener, chains, options));
    }
    let mut clusters = clusters.finish();
    if uses_sds {
        clusters.push(tls::sds_cluster());
    }
    let bootstrap = json!({
        "node": {
            "id": format!("router~0.0.0.0~{name}.{ns}~{ns}.svc.cluster.local", ns = proxy.namespace),
            "cluster": format!("{name}.{}", proxy.namespace),
        },
        "admin": { "address": socket_address(IpAddr::from([127, 0, 0, 1]), ADMIN_PORT) },
        "static_resources": {
            "listeners": listeners,
            "clusters": clusters,
        },
    });
    Export { bootstrap, notes }
}

fn gateway_listener(
    listener: &GatewayListener,
    chains: Vec<Value>,
    options: &ExportOptions,
) -> Value {
    let name = listener.name();
    let mut object = json!({
        "name": &name,
        "address": socket_address(IpAddr::from([0, 0, 0, 0]), listener.port),
        "traffic_direction": "OUTBOUND",
        "filter_chains": Value::Array(chains),
        "access_log": access_log(&name, options),
    });
    let sni = listener
        .chains
        .iter()
        .any(|c| !c.server_names.is_empty() || c.server.mode != ServerMode::Plain);
    if sni {
        object.as_object_mut().expect("json! object").insert(
            "listener_filters".into(),
            json!([{
                "name": "envoy.filters.listener.tls_inspector",
                "typed_config": { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" },
            }]),
        );
    }
    object
}

/// One chain: its SNI match, the TLS it terminates, the RBAC filters and `tcp_proxy`.
fn filter_chain(
    listener: &GatewayListener,
    chain: &GatewayChain,
    authz: &[Value],
    options: &ExportOptions,
    notes: &mut Vec<String>,
) -> Option<Value> {
    let label = chain.name();
    let client = match chain.server.mode {
        ServerMode::Http => {
            notes.push(format!(
                "{} chain {label} is left out: HTTP servers route HTTP, which meshctl does not model",
                listener.name()
            ));
            return None;
        }
        ServerMode::AutoPassthrough => {
            notes.push(format!(
                "{} chain {label} is left out: AUTO_PASSTHROUGH chains are built per mesh-internal cluster from the SNI a client sends, which meshctl does not export",
                listener.name()
            ));
            return None;
        }
        ServerMode::Plain | ServerMode::Passthrough => None,
        ServerMode::Simple => Some(ClientCert::None),
        ServerMode::Mutual | ServerMode::IstioMutual => Some(ClientCert::Required),
    };
    if chain.destinations.is_empty() {
        notes.push(format!(
            "{} chain {label} is left out: its route has no destination",
            listener.name()
        ));
        return None;
    }
    if matches!(chain.server.mode, ServerMode::Simple | ServerMode::Mutual) {
        notes.push(format!(
            "{} chain {label}: the server's credentialName is not read; it terminates TLS with {}",
            listener.name(),
            if options.certs.is_some() {
                "the --certs files"
            } else {
                "the node agent's workload certificate (SDS `default`)"
            }
        ));
    }
    let mut filters: Vec<Value> = authz.to_vec();
    filters.push(chain_tcp_proxy(chain));
    let mut object = json!({ "name": label, "filters": filters });
    let fields = object.as_object_mut().expect("json! object");
    if !chain.server_names.is_empty() {
        let names: Vec<&str> = chain.server_names.iter().map(|n| &**n).collect();
        fields.insert(
            "filter_chain_match".into(),
            json!({ "server_names": names }),
        );
    }
    if let Some(client) = client {
        fields.insert(
            "transport_socket".into(),
            tls::server(options.certs.as_ref(), client),
        );
    }
    Some(object)
}

/// `tcp_proxy` to the route's cluster, or its weighted clusters.
fn chain_tcp_proxy(chain: &GatewayChain) -> Value {
    let weighted: Vec<Value> = chain
        .destinations
        .iter()
        .filter(|d| d.weight > 0)
        .map(|d| json!({ "name": &*d.cluster, "weight": d.weight }))
        .collect();
    if chain.destinations.len() == 1 || weighted.len() < 2 {
        let cluster = chain
            .destinations
            .iter()
            .find(|d| d.weight > 0)
            .unwrap_or(&chain.destinations[0]);
        return tcp_proxy(&cluster.cluster);
    }
    let mut filter = tcp_proxy(&chain.destinations[0].cluster);
    let config = filter["typed_config"]
        .as_object_mut()
        .expect("json! object");
    config.remove("cluster");
    config.insert("weighted_clusters".into(), json!({ "clusters": weighted }));
    filter
}
