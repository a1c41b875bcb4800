//! A config dump in the engine's terms: its outbound listeners become [`ListenerSpec`]s, each
//! `tcp_proxy` chain a [`ChainSpec`] whose entry comes from the cluster's Istio metadata, and the
//! `virtualOutbound` catch-all chain's cluster gives the outbound policy. `engine::assemble` then
//! builds the registry, and `engine::decide` — the same one `simulate -f` uses — decides on it.
//!
//! What the engine does not model is left out with a note rather than guessed at: chains that
//! end in something other than `tcp_proxy` or an HTTP connection manager, chains matching on a
//! destination port or a transport protocol without server names, inbound listeners.

use std::collections::HashMap;
use std::sync::Arc;

use super::dump::{ChainAction, Dump, DumpChain, DumpCluster, DumpListener};
use crate::engine::{
    Assembly, BLACKHOLE_CLUSTER, ChainSpec, Endpoint, EntryInfo, ListenerProtocol, ListenerSpec,
    PASSTHROUGH_CLUSTER, Protocol, Registry, UpstreamSpec, VIRTUAL_OUTBOUND, assemble,
};
use crate::load::{Origin, Pos};
use crate::model::{OutboundPolicy, Resolution};

/// Builds the registry a dump's outbound listeners amount to.
#[must_use]
pub fn registry(dump: &Dump) -> Registry {
    let mut entries = Entries::new(&dump.source);
    let mut notes = Vec::new();
    let (policy, policy_source) = policy(dump, &mut notes);
    let mut listeners = Vec::new();
    for listener in &dump.listeners {
        if listener.use_original_dst || listener.inbound || listener.name == VIRTUAL_OUTBOUND {
            continue;
        }
        let Some(ip) = listener.ip else {
            notes.push(format!(
                "listener {} has no IP address; left out",
                listener.name
            ));
            continue;
        };
        listeners.push(listener_spec(dump, listener, ip, &mut entries, &mut notes));
    }
    assemble(Assembly {
        namespace: String::new(),
        entries: entries.infos,
        listeners,
        policy,
        policy_source,
        notes,
        source: format!("config dump {}", dump.source),
    })
}

/// The policy the `virtualOutbound` catch-all chain implies.
fn policy(dump: &Dump, notes: &mut Vec<String>) -> (OutboundPolicy, String) {
    let catch_all = dump
        .listeners
        .iter()
        .filter(|l| l.use_original_dst || l.name == VIRTUAL_OUTBOUND)
        .flat_map(|l| l.chains.iter().chain(&l.default_chain))
        .find(|c| c.destination_port.is_none());
    match catch_all.map(|c| &c.action) {
        Some(ChainAction::TcpProxy(cluster)) if cluster == PASSTHROUGH_CLUSTER => (
            OutboundPolicy::AllowAny,
            format!("config dump {} (virtualOutbound → {cluster})", dump.source),
        ),
        Some(ChainAction::TcpProxy(cluster)) if cluster == BLACKHOLE_CLUSTER => (
            OutboundPolicy::RegistryOnly,
            format!("config dump {} (virtualOutbound → {cluster})", dump.source),
        ),
        _ => {
            notes.push("no virtualOutbound catch-all chain; assuming REGISTRY_ONLY".into());
            (
                OutboundPolicy::RegistryOnly,
                format!("config dump {} (no virtualOutbound catch-all)", dump.source),
            )
        }
    }
}

fn listener_spec(
    dump: &Dump,
    listener: &DumpListener,
    ip: std::net::IpAddr,
    entries: &mut Entries,
    notes: &mut Vec<String>,
) -> ListenerSpec {
    let bind = (!ip.is_unspecified()).then_some(ip);
    let mut http = false;
    let mut chains = Vec::new();
    let mut chain_list: Vec<&DumpChain> = listener.chains.iter().collect();
    let mut default = listener.default_chain.as_ref();
    // Istio keeps a lone match-all chain in `filter_chains`: it acts as the default.
    if default.is_none() && chain_list.len() == 1 && chain_list[0].is_match_all() {
        default = chain_list.pop();
    }
    for chain in chain_list {
        match &chain.action {
            ChainAction::Http => http = true,
            ChainAction::TcpProxy(cluster) => {
                if chain.destination_port.is_some()
                    || (chain.transport.is_some() && chain.server_names.is_empty())
                    || !chain.application_protocols.is_empty()
                {
                    notes.push(format!(
                        "listener {}: chain `{}` matches on destination port, transport or ALPN, which meshctl does not model; left out",
                        listener.name, chain.name
                    ));
                    continue;
                }
                if cluster == PASSTHROUGH_CLUSTER || cluster == BLACKHOLE_CLUSTER {
                    notes.push(format!(
                        "listener {}: chain `{}` with match criteria forwards to {cluster}; left out",
                        listener.name, chain.name
                    ));
                    continue;
                }
                chains.push(chain_spec(dump, chain, cluster, listener.port, entries));
            }
            ChainAction::Other(filter) => notes.push(format!(
                "listener {}: chain `{}` ends in `{filter}`, not tcp_proxy; left out",
                listener.name, chain.name
            )),
        }
    }
    let default_chain = match default.map(|c| (c, &c.action)) {
        Some((chain, ChainAction::TcpProxy(cluster)))
            if cluster != PASSTHROUGH_CLUSTER && cluster != BLACKHOLE_CLUSTER =>
        {
            Some(chain_spec(dump, chain, cluster, listener.port, entries))
        }
        _ => None,
    };
    let protocol = match (http, chains.is_empty() && default_chain.is_none()) {
        (false, _) => ListenerProtocol::Tcp,
        (true, true) => ListenerProtocol::Http,
        (true, false) => ListenerProtocol::Auto,
    };
    let any = |v4: bool| {
        std::iter::once(ip)
            .chain(listener.additional.iter().copied())
            .any(|a| a.is_unspecified() && a.is_ipv4() == v4)
    };
    ListenerSpec {
        name: listener.name.clone(),
        bind,
        any_v4: any(true),
        any_v6: any(false),
        port: listener.port,
        protocol,
        chains,
        default_chain,
    }
}

fn chain_spec(
    dump: &Dump,
    chain: &DumpChain,
    cluster: &str,
    port: u16,
    entries: &mut Entries,
) -> ChainSpec {
    let found = dump.clusters.get(cluster);
    let host = found
        .and_then(|c| c.host.clone())
        .or_else(|| cluster.rsplit('|').next().map(str::to_owned))
        .unwrap_or_default();
    let resolution = found.map_or(Resolution::Static, |c| resolution(&c.kind));
    let entry = entries.id(found, &host, resolution);
    let protocol = if chain.mongo {
        Protocol::Mongo
    } else if chain.server_names.is_empty() {
        Protocol::Tcp
    } else {
        Protocol::Tls
    };
    ChainSpec {
        name: if chain.name.is_empty() {
            cluster.to_owned()
        } else {
            chain.name.clone()
        },
        prefixes: chain.prefixes.clone(),
        server_names: chain.server_names.clone(),
        cluster: cluster.to_owned(),
        entry,
        host,
        protocol,
        upstream: found.map_or(UpstreamSpec::Static { endpoints: vec![] }, |c| {
            upstream(c, port)
        }),
        // (a listeners-only dump names no clusters at all: nothing is known to be missing)
        missing: found.is_none() && !dump.clusters.is_empty(),
    }
}

fn resolution(kind: &str) -> Resolution {
    match kind {
        "ORIGINAL_DST" => Resolution::None,
        "STRICT_DNS" => Resolution::Dns,
        "LOGICAL_DNS" => Resolution::DnsRoundRobin,
        "envoy.clusters.dynamic_forward_proxy" => Resolution::DynamicDns,
        _ => Resolution::Static,
    }
}

fn upstream(cluster: &DumpCluster, port: u16) -> UpstreamSpec {
    let endpoints = || {
        cluster
            .endpoints
            .iter()
            .map(|(address, port)| Endpoint {
                address: Arc::from(address.as_str()),
                port: *port,
            })
            .collect()
    };
    match resolution(&cluster.kind) {
        Resolution::None => UpstreamSpec::OriginalDst {
            target_port: cluster.port_override.filter(|p| *p != port),
        },
        Resolution::Dns | Resolution::DnsRoundRobin => UpstreamSpec::Resolve {
            endpoints: endpoints(),
            round_robin: cluster.kind == "LOGICAL_DNS",
        },
        Resolution::DynamicDns => UpstreamSpec::FromSni { port },
        Resolution::Static => UpstreamSpec::Static {
            endpoints: endpoints(),
        },
    }
}

/// The entries clusters stand for, one per ServiceEntry named in cluster metadata (or per host
/// when a cluster carries none).
struct Entries {
    origin: Origin,
    infos: Vec<EntryInfo>,
    by_key: HashMap<(String, String), usize>,
}

impl Entries {
    fn new(source: &str) -> Self {
        Self {
            origin: Origin {
                path: Arc::from(source),
                pos: Pos { line: 1, column: 1 },
            },
            infos: Vec::new(),
            by_key: HashMap::new(),
        }
    }

    fn id(&mut self, cluster: Option<&DumpCluster>, host: &str, resolution: Resolution) -> usize {
        let key = cluster
            .and_then(|c| c.config.clone())
            .unwrap_or_else(|| ("(unknown)".to_owned(), host.to_owned()));
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let id = self.infos.len();
        self.infos.push(EntryInfo {
            kind: "ServiceEntry",
            namespace: Arc::from(key.0.as_str()),
            name: Arc::from(key.1.as_str()),
            origin: self.origin.clone(),
            resolution,
            export_to: Vec::new(),
            unspecified_address: None,
        });
        self.by_key.insert(key, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Envoy's `tcp_proxy` closes a connection whose cluster it does not have (response flag
    /// `NC`); a dump that lists clusters shows which ones are missing.
    #[test]
    fn a_chain_to_a_cluster_the_dump_lacks_denies() {
        use crate::engine::{Connection, Verdict, decide};
        let conn = Connection::tcp("198.51.100.6".parse().expect("ip"), 3306);
        let proxy = serde_json::json!({ "cluster": "outbound|3306|v9|reports.example.com" });
        let lacking = registry(&crate::envoy::dump::one_chain(
            &proxy,
            &["BlackHoleCluster"],
        ));
        let decision = decide(&lacking, &conn);
        assert_eq!(
            (decision.verdict(), decision.cluster()),
            (Verdict::Deny, "outbound|3306|v9|reports.example.com")
        );
        let holding = registry(&crate::envoy::dump::one_chain(
            &proxy,
            &["outbound|3306|v9|reports.example.com"],
        ));
        assert_eq!(decide(&holding, &conn).verdict(), Verdict::Allow);
    }
}
