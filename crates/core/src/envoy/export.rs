//! `meshctl export envoy`: a compiled [`Registry`] as an Envoy v3 bootstrap with static
//! resources — the outbound TCP part of what istiod would push to that workload's sidecar.
//!
//! Nothing here decides anything. The listeners, their filter chains (with the match each chain
//! was built with), the default chain and the clusters are read off the registry that `simulate`
//! and the proxy decide with, so Envoy loading this file is Envoy judging the engine's model.
//! Shapes follow Istio: `pilot/pkg/networking/core/listener_builder.go`
//! (`buildVirtualOutboundListener`, `blackholeFilterChain`, `buildOutboundCatchAllNetworkFilterChains`)
//! and `listener.go` (`buildListenerFromEntry`: `bind_to_port: false`, inspectors only where a
//! chain needs them, a zero listener-filter timeout, the match-all chain moved to
//! `default_filter_chain`, else `PassthroughFilterChain`).
//!
//! The sidecar is modelled dual-stack: wildcard listeners carry `::` as an additional address
//! (Istio does this when dual-stack is on), which is what makes the engine's one wildcard
//! listener per port take IPv4 and IPv6 destinations alike, as Envoy's listener lookup then does.
//!
//! Every listener gets an access log whose JSON lines name the listener, the filter chain
//! (`%FILTER_CHAIN_NAME%`), the cluster (`%UPSTREAM_CLUSTER%`) and the response flags
//! (`%RESPONSE_FLAGS%`): the three facts `simulate` predicts. Output is byte-stable: listeners are
//! sorted by port and address, clusters by name, and JSON objects by key.

use std::net::IpAddr;

use serde_json::{Value, json};

use super::clusters::{self, ClusterSet};
use super::tls::CertFiles;
use crate::engine::{
    BLACKHOLE_CHAIN, BLACKHOLE_CLUSTER, CATCH_ALL_CHAIN, Chain, INBOUND_BLACKHOLE_CHAIN,
    INBOUND_PORT, Listener, ListenerProtocol, PASSTHROUGH_CHAIN, PASSTHROUGH_CLUSTER, Protocol,
    Registry, VIRTUAL_INBOUND, VIRTUAL_OUTBOUND,
};

/// The port iptables redirects outbound TCP to (`virtualOutbound`).
pub const OUTBOUND_PORT: u16 = 15001;
/// Envoy's admin port in an Istio sidecar (loopback only).
pub const ADMIN_PORT: u16 = 15000;

/// Choices the registry does not make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// Where every listener's access log goes (`/dev/stdout` by default).
    pub access_log: String,
    /// The workload certificate files: `ISTIO_MUTUAL` clusters present it and check the
    /// upstream against its root; gateway servers terminate TLS with it. Without them a
    /// sidecar's `ISTIO_MUTUAL` cluster starts a handshake without a certificate, and a
    /// gateway asks the node agent (SDS) for one.
    pub certs: Option<CertFiles>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            access_log: "/dev/stdout".into(),
            certs: None,
        }
    }
}

/// An exported bootstrap and what could not be expressed in it.
#[derive(Debug, Clone)]
pub struct Export {
    /// The Envoy v3 bootstrap.
    pub bootstrap: Value,
    /// Listeners or endpoints left out, one line each.
    pub notes: Vec<String>,
}

/// Builds the bootstrap for a compiled registry.
#[must_use]
pub fn export(registry: &Registry, options: &ExportOptions) -> Export {
    let mut notes = Vec::new();
    let mut clusters = ClusterSet::new(options.certs.as_ref());
    let fallthrough = fallthrough_cluster(registry);
    let mut listeners = vec![
        virtual_outbound(fallthrough, options),
        virtual_inbound(options),
    ];
    let mut sorted: Vec<&Listener> = registry.listeners().iter().collect();
    sorted.sort_by_key(|l| (l.port, l.bind.map(|ip| (ip.is_ipv6(), ip))));
    for listener in sorted {
        if listener.bind.is_none() && matches!(listener.port, OUTBOUND_PORT | INBOUND_PORT) {
            let (owner, port) = if listener.port == OUTBOUND_PORT {
                (VIRTUAL_OUTBOUND, OUTBOUND_PORT)
            } else {
                (VIRTUAL_INBOUND, INBOUND_PORT)
            };
            notes.push(format!(
                "listener {} is left out: it has {owner}'s address 0.0.0.0:{port}, which Envoy rejects as a duplicate (connections to port {port} hit {owner}'s blackhole chain)",
                listener.name
            ));
            continue;
        }
        for chain in registry.chains_of(listener) {
            clusters.add_chain(registry, chain, &mut notes);
        }
        for http in &listener.http_services {
            clusters.add_http(registry, http, listener.port, &mut notes);
        }
        listeners.push(service_listener(registry, listener, fallthrough, options));
    }
    let bootstrap = json!({
        "node": {
            "id": format!("sidecar~0.0.0.0~meshctl.{ns}~{ns}.svc.cluster.local", ns = registry.namespace()),
            "cluster": format!("meshctl.{}", registry.namespace()),
        },
        "admin": { "address": socket_address(IpAddr::from([127, 0, 0, 1]), ADMIN_PORT) },
        "static_resources": {
            "listeners": listeners,
            "clusters": clusters.finish(),
        },
    });
    Export { bootstrap, notes }
}

/// `PassthroughCluster` under `ALLOW_ANY`, `BlackHoleCluster` under `REGISTRY_ONLY`.
fn fallthrough_cluster(registry: &Registry) -> &'static str {
    if registry.outbound_policy().allows_unmatched() {
        PASSTHROUGH_CLUSTER
    } else {
        BLACKHOLE_CLUSTER
    }
}

pub(super) fn socket_address(ip: IpAddr, port: u16) -> Value {
    json!({ "socket_address": { "address": ip.to_string(), "port_value": port } })
}

/// The wildcard address and, for dual stack, `::` as an additional address.
fn wildcard_addresses(port: u16) -> (Value, Value) {
    (
        socket_address(IpAddr::from([0, 0, 0, 0]), port),
        json!([{ "address": socket_address(IpAddr::from([0u16; 8]), port) }]),
    )
}

/// `virtualOutbound`: receives every redirected connection and hands it to the listener whose
/// address matches the original destination; keeps what no listener takes.
fn virtual_outbound(fallthrough: &str, options: &ExportOptions) -> Value {
    let (address, additional) = wildcard_addresses(OUTBOUND_PORT);
    json!({
        "name": VIRTUAL_OUTBOUND,
        "address": address,
        "additional_addresses": additional,
        "use_original_dst": true,
        "traffic_direction": "OUTBOUND",
        "filter_chains": [
            {
                "name": BLACKHOLE_CHAIN,
                "filter_chain_match": { "destination_port": OUTBOUND_PORT },
                "filters": [tcp_proxy(BLACKHOLE_CLUSTER)],
            },
            {
                "name": CATCH_ALL_CHAIN,
                "filters": [tcp_proxy(fallthrough)],
            },
        ],
        "access_log": access_log(VIRTUAL_OUTBOUND, options),
    })
}

/// `virtualInbound`, reduced to what outbound traffic can reach: a connection redirected to
/// 15001 whose original destination port is 15006 is handed to the inbound listener, whose first
/// chain blackholes it (istio/istio pilot/pkg/networking/core/listener_inbound.go
/// `buildInboundBlackhole`). Inbound capture itself is not modelled, so the listener does not
/// bind (`bind_to_port: false`) and holds only that chain.
fn virtual_inbound(options: &ExportOptions) -> Value {
    let (address, additional) = wildcard_addresses(INBOUND_PORT);
    json!({
        "name": VIRTUAL_INBOUND,
        "address": address,
        "additional_addresses": additional,
        "bind_to_port": false,
        "traffic_direction": "INBOUND",
        "filter_chains": [
            {
                "name": INBOUND_BLACKHOLE_CHAIN,
                "filter_chain_match": { "destination_port": INBOUND_PORT },
                "filters": [tcp_proxy(BLACKHOLE_CLUSTER)],
            },
        ],
        "access_log": access_log(VIRTUAL_INBOUND, options),
    })
}

fn service_listener(
    registry: &Registry,
    listener: &Listener,
    fallthrough: &str,
    options: &ExportOptions,
) -> Value {
    let http = matches!(
        listener.protocol,
        ListenerProtocol::Http | ListenerProtocol::Auto
    );
    let mut chains: Vec<Value> = registry
        .chains_of(listener)
        .filter(|c| !c.is_match_all())
        .map(|c| service_chain(c, true))
        .collect();
    if http {
        chains.push(http_chain(registry, listener));
    }
    let default = listener.default_chain.map(|id| registry.chain(id));
    let mut object = json!({
        "name": &*listener.name,
        "bind_to_port": false,
        "traffic_direction": "OUTBOUND",
        "continue_on_listener_filters_timeout": true,
        "listener_filters_timeout": "0s",
        "access_log": access_log(&listener.name, options),
    });
    let mut filters = Vec::new();
    if listener.has_sni() {
        filters.push(json!({
            "name": "envoy.filters.listener.tls_inspector",
            "typed_config": { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" },
        }));
    }
    if http {
        filters.push(json!({
            "name": "envoy.filters.listener.http_inspector",
            "typed_config": { "@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector" },
        }));
    }
    let fields = object.as_object_mut().expect("json! object");
    if let Some(ip) = listener.bind {
        fields.insert("address".into(), socket_address(ip, listener.port));
    } else {
        let (address, additional) = wildcard_addresses(listener.port);
        fields.insert("address".into(), address);
        fields.insert("additional_addresses".into(), additional);
    }
    if !filters.is_empty() {
        fields.insert("listener_filters".into(), Value::Array(filters));
    }
    // Istio: a lone match-all chain stays in `filter_chains`; beside others it becomes the
    // default; with none, `PassthroughFilterChain` is the default.
    let default = match default {
        Some(chain) if chains.is_empty() => {
            chains.push(service_chain(chain, false));
            None
        }
        Some(chain) => Some(service_chain(chain, false)),
        None => Some(json!({
            "name": PASSTHROUGH_CHAIN,
            "filters": [tcp_proxy(fallthrough)],
        })),
    };
    fields.insert("filter_chains".into(), Value::Array(chains));
    if let Some(default) = default {
        fields.insert("default_filter_chain".into(), default);
    }
    object
}

/// A service chain: its match (unless it is the default) and its filters.
fn service_chain(chain: &Chain, with_match: bool) -> Value {
    let mut filters = Vec::new();
    if chain.protocol == Protocol::Mongo {
        // Istio inserts the Mongo filter before tcp_proxy (PILOT_ENABLE_MONGO_FILTER, default on).
        filters.push(json!({
            "name": "envoy.filters.network.mongo_proxy",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy",
                "stat_prefix": &*chain.cluster,
            },
        }));
    }
    if let Some(filter) = clusters::sni_forward_filter(chain) {
        filters.push(filter);
    }
    filters.push(chain_tcp_proxy(chain));
    let mut object = json!({ "name": &*chain.name, "filters": filters });
    if with_match {
        let mut matched = serde_json::Map::new();
        if let Some(prefix) = chain.prefix {
            let ranges: Vec<Value> = whole_family_halves(prefix)
                .iter()
                .map(|net| json!({ "address_prefix": net.network().to_string(), "prefix_len": net.prefix_len() }))
                .collect();
            matched.insert("prefix_ranges".into(), Value::Array(ranges));
        }
        if let Some(name) = &chain.server_name {
            matched.insert("server_names".into(), json!([&**name]));
        }
        object
            .as_object_mut()
            .expect("json! object")
            .insert("filter_chain_match".into(), Value::Object(matched));
    }
    object
}

/// A block as the prefix ranges that match exactly it. Envoy indexes every chain without
/// `prefix_ranges` under `0.0.0.0/0` and `::/0` (envoyproxy/envoy
/// source/common/listener_manager/filter_chain_manager_impl.cc `makeCidrListEntry`), so an
/// explicit whole-family block would share that trie key with the HTTP and SNI chains, and which
/// of them a connection reaches is then up to hash order. Its two halves cover the same
/// addresses and, being longer, win the longest-prefix match as the engine decides.
fn whole_family_halves(prefix: ipnet::IpNet) -> Vec<ipnet::IpNet> {
    if prefix.prefix_len() != 0 {
        return vec![prefix];
    }
    prefix
        .subnets(1)
        .map_or_else(|_| vec![prefix], Iterator::collect)
}

/// A chain's `tcp_proxy`: its cluster, or a route's weighted clusters (istio/istio
/// pilot/pkg/networking/core/networkfilter.go `buildOutboundNetworkFiltersWithWeightedClusters`),
/// with the DestinationRule's tunnel (pilot/pkg/networking/core/tunnelingconfig/apply.go).
fn chain_tcp_proxy(chain: &Chain) -> Value {
    let mut filter = tcp_proxy(&chain.cluster);
    let config = filter["typed_config"]
        .as_object_mut()
        .expect("json! object");
    if let Some(route) = chain.route.as_ref().filter(|r| r.destinations.len() > 1) {
        let weighted: Vec<Value> = route
            .destinations
            .iter()
            .filter(|d| d.weight > 0)
            .map(|d| json!({ "name": &*d.cluster, "weight": d.weight }))
            .collect();
        config.remove("cluster");
        config.insert("weighted_clusters".into(), json!({ "clusters": weighted }));
    }
    if let Some(idle) = chain.limits.as_ref().and_then(|l| l.idle_timeout) {
        config.insert("idle_timeout".into(), json!(clusters::duration(idle)));
    }
    if let Some(tunnel) = &chain.tunnel {
        let mut tunneling = json!({ "hostname": &*tunnel.authority });
        if &*tunnel.protocol == "POST" {
            tunneling
                .as_object_mut()
                .expect("json! object")
                .insert("use_post".into(), json!(true));
        }
        config.insert("tunneling_config".into(), tunneling);
    }
    filter
}

pub(super) fn tcp_proxy(cluster: &str) -> Value {
    json!({
        "name": "envoy.filters.network.tcp_proxy",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            "stat_prefix": cluster,
            "cluster": cluster,
        },
    })
}

/// The HTTP chain of an HTTP or sniffed port: selected by the HTTP inspector for plaintext
/// HTTP, routing by Host to the port's HTTP services, else `allow_any` / `block_all`
/// (Istio's `buildCatchAllVirtualHost`).
fn http_chain(registry: &Registry, listener: &Listener) -> Value {
    let port = listener.port;
    let mut seen = std::collections::HashSet::new();
    let mut hosts: Vec<Value> = listener
        .http_services
        .iter()
        .filter(|s| seen.insert(s.host.to_ascii_lowercase()))
        .map(|s| {
            json!({
                "name": format!("{}:{port}", s.host),
                "domains": [&*s.host, format!("{}:{port}", s.host)],
                "routes": [{ "match": { "prefix": "/" }, "route": { "cluster": format!("outbound|{port}||{}", s.host) } }],
            })
        })
        .collect();
    hosts.push(if registry.outbound_policy().allows_unmatched() {
        json!({
            "name": "allow_any",
            "domains": ["*"],
            "routes": [{ "match": { "prefix": "/" }, "route": { "cluster": PASSTHROUGH_CLUSTER } }],
        })
    } else {
        json!({
            "name": "block_all",
            "domains": ["*"],
            "routes": [{ "match": { "prefix": "/" }, "direct_response": { "status": 502 } }],
        })
    });
    json!({
        "name": format!("{}-http", listener.name),
        "filter_chain_match": {
            "transport_protocol": "raw_buffer",
            "application_protocols": ["http/1.0", "http/1.1", "h2c"],
        },
        "filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": format!("outbound_{}", listener.name),
                "route_config": { "name": port.to_string(), "virtual_hosts": hosts },
                "http_filters": [{
                    "name": "envoy.filters.http.router",
                    "typed_config": { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
                }],
            },
        }],
    })
}

/// The JSON keys of an exported access log line.
pub mod log_fields {
    /// The listener's name (a literal: Envoy has no command operator for it).
    pub const LISTENER: &str = "listener";
    /// `%FILTER_CHAIN_NAME%`.
    pub const FILTER_CHAIN: &str = "filter_chain";
    /// `%UPSTREAM_CLUSTER%`.
    pub const UPSTREAM_CLUSTER: &str = "upstream_cluster";
    /// `%RESPONSE_FLAGS%`.
    pub const RESPONSE_FLAGS: &str = "response_flags";
    /// `%DOWNSTREAM_LOCAL_ADDRESS%`: the original destination.
    pub const DESTINATION: &str = "downstream_local_address";
    /// `%DOWNSTREAM_REMOTE_ADDRESS%`: the client.
    pub const CLIENT: &str = "downstream_remote_address";
    /// `%REQUESTED_SERVER_NAME%`: the SNI the TLS inspector read.
    pub const SNI: &str = "requested_server_name";
    /// `%UPSTREAM_LOCAL_ADDRESS%`: this proxy's end of the upstream connection, which is the
    /// client address the next proxy (a gateway) logs, so one connection's lines join up.
    pub const UPSTREAM_LOCAL: &str = "upstream_local_address";
    /// `%CONNECTION_TERMINATION_DETAILS%`: why Envoy closed the connection (the RBAC filter
    /// names the policy that denied it).
    pub const TERMINATION: &str = "termination_details";
}

pub(super) fn access_log(listener: &str, options: &ExportOptions) -> Value {
    use log_fields as f;
    json!([{
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
            "path": options.access_log,
            "log_format": { "json_format": {
                f::LISTENER: listener,
                f::FILTER_CHAIN: "%FILTER_CHAIN_NAME%",
                f::UPSTREAM_CLUSTER: "%UPSTREAM_CLUSTER%",
                f::RESPONSE_FLAGS: "%RESPONSE_FLAGS%",
                f::DESTINATION: "%DOWNSTREAM_LOCAL_ADDRESS%",
                f::CLIENT: "%DOWNSTREAM_REMOTE_ADDRESS%",
                f::SNI: "%REQUESTED_SERVER_NAME%",
                "upstream_host": "%UPSTREAM_HOST%",
                f::UPSTREAM_LOCAL: "%UPSTREAM_LOCAL_ADDRESS%",
                f::TERMINATION: "%CONNECTION_TERMINATION_DETAILS%",
            } },
        },
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_family_blocks_become_their_halves() {
        let halves = |text: &str| -> Vec<String> {
            whole_family_halves(text.parse().expect("block"))
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(halves("0.0.0.0/0"), ["0.0.0.0/1", "128.0.0.0/1"]);
        assert_eq!(halves("::/0"), ["::/1", "8000::/1"]);
        assert_eq!(halves("198.51.100.0/24"), ["198.51.100.0/24"]);
    }
}
