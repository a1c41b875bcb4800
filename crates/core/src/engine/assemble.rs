//! A [`Registry`] from listeners that were not compiled from resources but read from a running
//! sidecar (`simulate --config-dump`). Compiling answers "what would istiod push"; assembling
//! answers "what does this Envoy actually hold". Both end in the same `Registry`, so the one
//! `decide` (listener lookup, chain sieve, default chain, policy) judges either.
//!
//! The caller (`envoy::dump`) turns Envoy's JSON into [`ListenerSpec`]s; this file only arranges
//! them the way `build` arranges compiled ones: one engine chain per (prefix × server name) of an
//! Envoy chain, the selection tables, the exact/wildcard lookup maps, and a `Fate::Chain` record
//! per chain so near misses can name them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::capture::Capture;
use super::listener::{Addr, Chain, ChainId, EntryId, Listener, ListenerId, UpstreamSpec};
use super::matcher::Matcher;
use super::protocol::{ListenerProtocol, Protocol};
use super::record::{EntryInfo, Fate, Record};
use super::registry::Registry;
use crate::model::OutboundPolicy;

/// One filter chain of a listener, in the engine's terms.
#[derive(Debug, Clone)]
pub(crate) struct ChainSpec {
    /// The chain's name (Envoy's `name`, or one derived from its cluster when unnamed).
    pub name: String,
    /// `prefix_ranges`; empty means any destination.
    pub prefixes: Vec<IpNet>,
    /// `server_names`, lower-case; empty means any.
    pub server_names: Vec<String>,
    /// The `tcp_proxy` cluster.
    pub cluster: String,
    /// The entry the cluster stands for (an index into [`Assembly::entries`]).
    pub entry: usize,
    /// The host the cluster stands for.
    pub host: String,
    /// The protocol the chain's filters imply (TLS when it matches server names).
    pub protocol: Protocol,
    /// Where the cluster sends a connection.
    pub upstream: UpstreamSpec,
    /// The dump lists clusters and this one is not among them: Envoy's `tcp_proxy` finds no
    /// cluster and closes the connection.
    pub missing: bool,
}

/// One listener, in the engine's terms.
#[derive(Debug, Clone)]
pub(crate) struct ListenerSpec {
    /// `0.0.0.0_3306`, `198.51.100.7_3306`.
    pub name: String,
    /// The bound IP; `None` for the wildcard address.
    pub bind: Option<IpAddr>,
    /// For a wildcard listener: it has `0.0.0.0` among its addresses (takes IPv4 destinations).
    pub any_v4: bool,
    /// For a wildcard listener: it has `::` among its addresses (takes IPv6 destinations).
    pub any_v6: bool,
    /// The port.
    pub port: u16,
    /// TCP, HTTP or sniffed.
    pub protocol: ListenerProtocol,
    /// Filter chains with match criteria (or the single match-all chain), in listener order.
    pub chains: Vec<ChainSpec>,
    /// The default filter chain, when it is a service chain (not `PassthroughFilterChain`).
    pub default_chain: Option<ChainSpec>,
}

/// Everything a registry is assembled from.
#[derive(Debug, Clone)]
pub(crate) struct Assembly {
    /// The workload's namespace, when known.
    pub namespace: String,
    /// The entries the clusters stand for.
    pub entries: Vec<EntryInfo>,
    /// The listeners.
    pub listeners: Vec<ListenerSpec>,
    /// The policy the catch-all chains imply.
    pub policy: OutboundPolicy,
    /// Where that policy was read.
    pub policy_source: String,
    /// What could not be translated.
    pub notes: Vec<String>,
    /// Where the listeners were read, e.g. `config dump dump.json`.
    pub source: String,
}

/// Builds a registry from listeners read from a sidecar. Capture rules are unknown (a dump does
/// not hold the pod's iptables), so nothing is bypassed but loopback.
#[must_use]
pub(crate) fn assemble(assembly: Assembly) -> Registry {
    let mut listeners = Vec::with_capacity(assembly.listeners.len());
    let mut chains: Vec<Chain> = Vec::new();
    let mut records = Vec::new();
    let mut exact = HashMap::new();
    let mut wildcard = HashMap::new();
    let mut wildcard_v6 = HashMap::new();
    let mut notes = assembly.notes;
    for spec in assembly.listeners {
        let id = ListenerId(u32::try_from(listeners.len()).unwrap_or(u32::MAX));
        let taken = match spec.bind {
            Some(ip) => exact.contains_key(&(ip.to_canonical(), spec.port)),
            None => {
                (spec.any_v4 && wildcard.contains_key(&spec.port))
                    || (spec.any_v6 && wildcard_v6.contains_key(&spec.port))
            }
        };
        if taken {
            notes.push(format!(
                "listener {} has the address of an earlier listener; the earlier one is used",
                spec.name
            ));
            continue;
        }
        if let Some(ip) = spec.bind {
            exact.insert((ip.to_canonical(), spec.port), id);
        } else {
            if spec.any_v4 {
                wildcard.insert(spec.port, id);
            }
            if spec.any_v6 {
                wildcard_v6.insert(spec.port, id);
            }
        }
        let mut parts = Parts {
            listener: id,
            bind: spec.bind,
            port: spec.port,
            chains: &mut chains,
            records: &mut records,
        };
        let mut own = Vec::new();
        for chain in &spec.chains {
            let prefixes: Vec<Option<IpNet>> = if chain.prefixes.is_empty() {
                vec![None]
            } else {
                chain.prefixes.iter().copied().map(Some).collect()
            };
            for prefix in prefixes {
                if chain.server_names.is_empty() {
                    own.push(parts.add(chain, prefix, None));
                }
                for name in &chain.server_names {
                    own.push(parts.add(chain, prefix, Some(name)));
                }
            }
        }
        let default_chain = spec
            .default_chain
            .as_ref()
            .map(|c| parts.add(c, None, None));
        let matcher = Matcher::build(own.iter().map(|c| {
            let chain = &chains[c.0 as usize];
            (*c, chain.prefix, chain.server_name.as_deref())
        }));
        let created_by =
            own.first()
                .or(default_chain.as_ref())
                .map_or((Protocol::Tcp, EntryId(0)), |c| {
                    let chain = &chains[c.0 as usize];
                    (chain.protocol, chain.entry)
                });
        listeners.push(Listener {
            name: spec.name.into_boxed_str(),
            bind: spec.bind,
            port: spec.port,
            protocol: spec.protocol,
            created_by,
            chains: own,
            default_chain,
            http_services: Vec::new(),
            matcher,
        });
    }
    Registry {
        namespace: assembly.namespace,
        entries: assembly.entries.into(),
        listeners,
        chains,
        exact,
        wildcard,
        wildcard_v6: Some(wildcard_v6),
        policy: assembly.policy,
        policy_source: assembly.policy_source,
        sidecar: None,
        capture: Capture::default(),
        records,
        notes,
        assembled_from: Some(assembly.source),
    }
}

fn entry_id(i: usize) -> EntryId {
    EntryId(u32::try_from(i).unwrap_or(u32::MAX))
}

/// Where the chains of one listener are being added.
struct Parts<'a> {
    listener: ListenerId,
    bind: Option<IpAddr>,
    port: u16,
    chains: &'a mut Vec<Chain>,
    records: &'a mut Vec<Record>,
}

impl Parts<'_> {
    /// Adds one engine chain for one (prefix × server name) of an Envoy chain.
    fn add(
        &mut self,
        chain: &ChainSpec,
        prefix: Option<IpNet>,
        server_name: Option<&str>,
    ) -> ChainId {
        let id = ChainId(u32::try_from(self.chains.len()).unwrap_or(u32::MAX));
        let addr = match (prefix, self.bind) {
            (Some(net), _) => Addr::Cidr(net),
            (None, Some(ip)) => Addr::Ip(ip),
            (None, None) => Addr::Any,
        };
        self.chains.push(Chain {
            name: chain.name.clone().into_boxed_str(),
            listener: self.listener,
            prefix,
            server_name: server_name.map(Arc::from),
            cluster: chain.cluster.clone().into_boxed_str(),
            entry: entry_id(chain.entry),
            host: Arc::from(chain.host.as_str()),
            addr,
            protocol: chain.protocol,
            upstream: chain.upstream.clone(),
            route: None,
            transport: super::destination::Transport::Plaintext,
            tunnel: None,
            missing_cluster: chain.missing,
            limits: None,
            rule: None,
        });
        self.records.push(Record {
            entry: entry_id(chain.entry),
            host: Arc::from(chain.host.as_str()),
            addr,
            port: self.port,
            protocol: chain.protocol,
            fate: Fate::Chain(id),
        });
        id
    }
}
