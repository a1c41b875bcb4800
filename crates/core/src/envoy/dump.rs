//! Reading a sidecar's listeners and clusters out of JSON, whichever tool printed it:
//! - Envoy's admin `/config_dump` (and `istioctl proxy-config all POD -o json`, which prints it
//!   unchanged): `configs[]` with a `ListenersConfigDump` (`static_listeners[].listener`,
//!   `dynamic_listeners[].active_state.listener`) and a `ClustersConfigDump`
//!   (`static_clusters[].cluster`, `dynamic_active_clusters[].cluster`);
//! - `istioctl proxy-config listeners|clusters POD -o json`: a bare array of listeners or clusters;
//! - a bootstrap such as `meshctl export envoy -o json` prints (`static_resources`).
//!
//! Field names are accepted in snake_case (Envoy) and lowerCamelCase (protojson). The result is
//! a small neutral model ([`Dump`]) that `translate` turns into the engine's listeners and
//! `diff` compares; nothing here decides a connection.

use std::collections::BTreeMap;
use std::net::IpAddr;

use anyhow::{Context as _, bail};
use ipnet::IpNet;
use serde_json::Value;

use super::fields::{array, field, number, str_field};

/// Listeners and clusters read from a dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// Where it was read (for messages).
    pub source: String,
    /// Listeners, sorted by name.
    pub listeners: Vec<DumpListener>,
    /// Clusters by name.
    pub clusters: BTreeMap<String, DumpCluster>,
}

/// One listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpListener {
    /// `virtualOutbound`, `0.0.0.0_3306`.
    pub name: String,
    /// The IP of its address; `None` when it is not an IP socket (a pipe, an internal address).
    pub ip: Option<IpAddr>,
    /// The port of its address.
    pub port: u16,
    /// The IPs of `additional_addresses` (Istio adds `::` to wildcard listeners on dual stack).
    pub additional: Vec<IpAddr>,
    /// `use_original_dst` (only `virtualOutbound` has it).
    pub use_original_dst: bool,
    /// `traffic_direction: INBOUND`.
    pub inbound: bool,
    /// `bind_to_port` (true unless set to false): outbound service listeners never bind.
    pub bind_to_port: bool,
    /// Filter chains in order.
    pub chains: Vec<DumpChain>,
    /// `default_filter_chain`.
    pub default_chain: Option<DumpChain>,
}

/// One filter chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpChain {
    /// Its name (empty for Istio's service chains).
    pub name: String,
    /// `filter_chain_match.destination_port`.
    pub destination_port: Option<u16>,
    /// `prefix_ranges`, masked.
    pub prefixes: Vec<IpNet>,
    /// `server_names`, lower-case.
    pub server_names: Vec<String>,
    /// `transport_protocol`.
    pub transport: Option<String>,
    /// `application_protocols`.
    pub application_protocols: Vec<String>,
    /// What its terminal filter does.
    pub action: ChainAction,
    /// A `mongo_proxy` filter precedes `tcp_proxy`.
    pub mongo: bool,
}

impl DumpChain {
    /// True when it has no match criteria.
    #[must_use]
    pub fn is_match_all(&self) -> bool {
        self.destination_port.is_none()
            && self.prefixes.is_empty()
            && self.server_names.is_empty()
            && self.transport.is_none()
            && self.application_protocols.is_empty()
    }
}

/// The terminal filter of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainAction {
    /// `tcp_proxy` to a cluster.
    TcpProxy(String),
    /// An HTTP connection manager (routing by Host header).
    Http,
    /// Anything else, by filter name.
    Other(String),
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpCluster {
    /// `ORIGINAL_DST`, `STATIC`, `EDS`, `STRICT_DNS`, `LOGICAL_DNS`, or a `cluster_type` name.
    pub kind: String,
    /// Endpoints of its load assignment, `address:port` (or `unix://path`).
    pub endpoints: Vec<(String, u16)>,
    /// `original_dst_lb_config.upstream_port_override`.
    pub port_override: Option<u16>,
    /// Istio's metadata: the ServiceEntry's namespace and name.
    pub config: Option<(String, String)>,
    /// Istio's metadata: the service host.
    pub host: Option<String>,
}

/// Parses dump text (JSON).
pub fn parse(text: &str, source: &str) -> anyhow::Result<Dump> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "{source}:{}:{}: not a JSON config dump: {e}",
            e.line(),
            e.column()
        )
    })?;
    parse_value(&value, source)
}

/// Reads a parsed dump, bootstrap or istioctl array.
pub fn parse_value(value: &Value, source: &str) -> anyhow::Result<Dump> {
    let mut listeners = Vec::new();
    let mut clusters = Vec::new();
    collect(value, &mut listeners, &mut clusters);
    if listeners.is_empty() {
        bail!(
            "{source}: no listeners found: expected Envoy's /config_dump, `istioctl proxy-config all|listeners POD -o json`, or an Envoy bootstrap"
        );
    }
    let mut dump = Dump {
        source: source.to_owned(),
        ..Dump::default()
    };
    for (i, listener) in listeners.iter().enumerate() {
        dump.listeners
            .push(listener_of(listener).with_context(|| format!("{source}: listener #{i}"))?);
    }
    dump.listeners.sort_by(|a, b| a.name.cmp(&b.name));
    for cluster in clusters {
        let name = str_field(cluster, "name").unwrap_or_default().to_owned();
        dump.clusters.insert(name, cluster_of(cluster));
    }
    Ok(dump)
}

/// Finds listener and cluster objects in any of the accepted shapes.
fn collect<'v>(value: &'v Value, listeners: &mut Vec<&'v Value>, clusters: &mut Vec<&'v Value>) {
    if let Some(items) = value.as_array() {
        for item in items {
            if field(item, "filter_chains").is_some()
                || field(item, "default_filter_chain").is_some()
            {
                listeners.push(item);
            } else if field(item, "name").is_some() {
                clusters.push(item);
            }
        }
        return;
    }
    if let Some(resources) = field(value, "static_resources") {
        listeners.extend(array(resources, "listeners"));
        clusters.extend(array(resources, "clusters"));
    }
    for config in array(value, "configs") {
        for item in array(config, "static_listeners") {
            listeners.extend(field(item, "listener"));
        }
        for item in array(config, "dynamic_listeners") {
            listeners.extend(field(item, "active_state").and_then(|s| field(s, "listener")));
        }
        for item in array(config, "static_clusters")
            .iter()
            .chain(array(config, "dynamic_active_clusters"))
        {
            clusters.extend(field(item, "cluster"));
        }
    }
}

fn listener_of(value: &Value) -> anyhow::Result<DumpListener> {
    let name = str_field(value, "name").unwrap_or_default().to_owned();
    let socket = field(value, "address").and_then(|a| field(a, "socket_address"));
    let ip = socket
        .and_then(|s| str_field(s, "address"))
        .and_then(|a| a.parse::<IpAddr>().ok());
    let port = socket.and_then(|s| number(s, "port_value")).unwrap_or(0);
    let additional = array(value, "additional_addresses")
        .iter()
        .filter_map(|a| field(a, "address").and_then(|a| field(a, "socket_address")))
        .filter_map(|s| str_field(s, "address").and_then(|a| a.parse::<IpAddr>().ok()))
        .collect();
    let chains = array(value, "filter_chains")
        .iter()
        .map(chain_of)
        .collect::<anyhow::Result<Vec<_>>>()
        .with_context(|| format!("`{name}`"))?;
    let default_chain = field(value, "default_filter_chain")
        .map(chain_of)
        .transpose()
        .with_context(|| format!("`{name}` default_filter_chain"))?;
    Ok(DumpListener {
        use_original_dst: field(value, "use_original_dst").and_then(Value::as_bool) == Some(true),
        inbound: str_field(value, "traffic_direction") == Some("INBOUND"),
        bind_to_port: field(value, "bind_to_port").and_then(Value::as_bool) != Some(false),
        name,
        ip,
        port,
        additional,
        chains,
        default_chain,
    })
}

fn chain_of(value: &Value) -> anyhow::Result<DumpChain> {
    let matched = field(value, "filter_chain_match");
    let list = |key| {
        matched.map_or_else(Vec::new, |m| {
            array(m, key)
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let mut prefixes = Vec::new();
    for range in matched.map_or(&[][..], |m| array(m, "prefix_ranges")) {
        let address = str_field(range, "address_prefix").unwrap_or_default();
        let len = number(range, "prefix_len");
        let ip: IpAddr = address
            .parse()
            .with_context(|| format!("prefix range `{address}` is not an IP"))?;
        let len = len.unwrap_or(if ip.is_ipv4() { 32 } else { 128 });
        let net = IpNet::new(ip, u8::try_from(len).unwrap_or(u8::MAX))
            .with_context(|| format!("prefix range `{address}/{len}`"))?;
        prefixes.push(net.trunc());
    }
    let filters = array(value, "filters");
    let mongo = filters
        .iter()
        .any(|f| str_field(f, "name") == Some("envoy.filters.network.mongo_proxy"));
    let action = filters
        .last()
        .map_or(ChainAction::Other(String::new()), |f| {
            let name = str_field(f, "name").unwrap_or_default();
            let config = field(f, "typed_config");
            if name == "envoy.filters.network.tcp_proxy" || name == "envoy.tcp_proxy" {
                ChainAction::TcpProxy(
                    config
                        .and_then(|c| str_field(c, "cluster"))
                        .or_else(|| config.and_then(heaviest_weighted_cluster))
                        .unwrap_or_default()
                        .to_owned(),
                )
            } else if name.ends_with("http_connection_manager") {
                ChainAction::Http
            } else {
                ChainAction::Other(name.to_owned())
            }
        });
    Ok(DumpChain {
        name: str_field(value, "name").unwrap_or_default().to_owned(),
        destination_port: matched.and_then(|m| number(m, "destination_port")),
        prefixes,
        server_names: list("server_names")
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        transport: matched
            .and_then(|m| str_field(m, "transport_protocol"))
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        application_protocols: list("application_protocols"),
        action,
        mongo,
    })
}

/// The cluster of `weighted_clusters` that takes most connections, the first among equals: the
/// one cluster a chain stands for, as the engine picks a weighted route's primary destination.
/// Envoy itself picks per connection.
fn heaviest_weighted_cluster(tcp_proxy: &Value) -> Option<&str> {
    let weighted = field(tcp_proxy, "weighted_clusters")?;
    array(weighted, "clusters")
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| {
            let weight = field(c, "weight").and_then(Value::as_u64).unwrap_or(0);
            (weight, std::cmp::Reverse(*i))
        })
        .and_then(|(_, c)| str_field(c, "name"))
}

fn cluster_of(value: &Value) -> DumpCluster {
    let kind = str_field(value, "type")
        .map(str::to_owned)
        .or_else(|| {
            field(value, "cluster_type")
                .and_then(|t| str_field(t, "name"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "STATIC".into()); // proto3 default: STATIC is 0 and omitted
    let mut endpoints = Vec::new();
    if let Some(assignment) = field(value, "load_assignment") {
        for locality in array(assignment, "endpoints") {
            for lb in array(locality, "lb_endpoints") {
                let address = field(lb, "endpoint").and_then(|e| field(e, "address"));
                if let Some(socket) = address.and_then(|a| field(a, "socket_address")) {
                    endpoints.push((
                        str_field(socket, "address").unwrap_or_default().to_owned(),
                        number(socket, "port_value").unwrap_or(0),
                    ));
                } else if let Some(path) = address
                    .and_then(|a| field(a, "pipe"))
                    .and_then(|p| str_field(p, "path"))
                {
                    endpoints.push((format!("unix://{path}"), 0));
                }
            }
        }
    }
    let istio = field(value, "metadata")
        .and_then(|m| field(m, "filter_metadata"))
        .and_then(|m| field(m, "istio"));
    // `/apis/networking.istio.io/v1/namespaces/<ns>/service-entry/<name>`
    let config = istio.and_then(|i| str_field(i, "config")).and_then(|c| {
        let mut parts = c.rsplit('/');
        let name = parts.next()?;
        let _kind = parts.next()?;
        let namespace = parts.next()?;
        Some((namespace.to_owned(), name.to_owned()))
    });
    let host = istio
        .and_then(|i| array(i, "services").first())
        .and_then(|s| str_field(s, "host"))
        .map(str::to_owned);
    DumpCluster {
        kind,
        endpoints,
        port_override: field(value, "original_dst_lb_config")
            .and_then(|c| number(c, "upstream_port_override")),
        config,
        host,
    }
}

#[cfg(test)]
/// A test dump: a listener on 198.51.100.6:3306 whose one chain's `tcp_proxy` is `proxy`, and clusters
/// named `clusters`.
pub(crate) fn one_chain(proxy: &Value, clusters: &[&str]) -> Dump {
    let dump = serde_json::json!({ "configs": [
        { "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
          "static_listeners": [{ "listener": {
              "name": "198.51.100.6_3306",
              "address": { "socket_address": { "address": "198.51.100.6", "port_value": 3306 } },
              "filter_chains": [{ "name": "reports", "filters": [
                  { "name": "envoy.filters.network.tcp_proxy", "typed_config": proxy }
              ] }]
          } }] },
        { "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
          "static_clusters": clusters.iter().map(|name| serde_json::json!({ "cluster": {
              "name": name, "type": "ORIGINAL_DST" } })).collect::<Vec<_>>() },
    ] });
    parse_value(&dump, "test").expect("parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of a dump that differ between tools: protojson's lowerCamelCase, wrapper
    /// numbers, `dynamic_listeners[].active_state`, and an omitted `type` (STATIC is proto3's 0).
    #[test]
    fn reads_every_spelling_of_a_dump() {
        let dump: Value = serde_json::json!({ "configs": [
            { "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
              "dynamicListeners": [{ "activeState": { "listener": {
                  "name": "0.0.0.0_5432",
                  "address": { "socketAddress": { "address": "0.0.0.0", "portValue": 5432 } },
                  "filterChains": [{
                      "filterChainMatch": { "prefixRanges": [{ "addressPrefix": "198.51.100.77", "prefixLen": { "value": 24 } }] },
                      "filters": [{ "name": "envoy.filters.network.tcp_proxy",
                                    "typedConfig": { "cluster": "outbound|5432||pg.example.com" } }]
                  }]
              } } }] },
            { "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
              "dynamicActiveClusters": [{ "cluster": { "name": "BlackHoleCluster" } }] },
        ] });
        let dump = parse_value(&dump, "test").expect("parses");
        let listener = &dump.listeners[0];
        assert_eq!(
            (listener.name.as_str(), listener.port),
            ("0.0.0.0_5432", 5432)
        );
        let chain = &listener.chains[0];
        assert_eq!(
            chain.prefixes,
            ["198.51.100.0/24".parse::<IpNet>().expect("net")]
        );
        assert_eq!(
            chain.action,
            ChainAction::TcpProxy("outbound|5432||pg.example.com".into())
        );
        assert_eq!(dump.clusters["BlackHoleCluster"].kind, "STATIC");
    }

    #[test]
    fn a_prefix_that_is_not_an_ip_names_the_listener() {
        let dump = serde_json::json!([{ "name": "0.0.0.0_1", "filter_chains": [
            { "filter_chain_match": { "prefix_ranges": [{ "address_prefix": "db.example.com" }] } }
        ] }]);
        let err = parse_value(&dump, "f.json").expect_err("bad prefix");
        assert_eq!(
            format!("{err:#}"),
            "f.json: listener #0: `0.0.0.0_1`: prefix range `db.example.com` is not an IP: invalid IP address syntax"
        );
    }

    #[test]
    fn a_weighted_tcp_proxy_stands_for_its_heaviest_cluster() {
        let proxy = serde_json::json!({ "weighted_clusters": { "clusters": [
            { "name": "outbound|3306|v1|reports.example.com", "weight": 30 },
            { "name": "outbound|3306|v2|reports.example.com", "weight": 70 },
            { "name": "outbound|3306|v3|reports.example.com", "weight": 70 },
        ] } });
        let dump = one_chain(&proxy, &["outbound|3306|v2|reports.example.com"]);
        assert_eq!(
            dump.listeners[0].chains[0].action,
            ChainAction::TcpProxy("outbound|3306|v2|reports.example.com".into())
        );
    }
}
