//! The compiled, immutable result of `compile`: everything `decide` needs, arranged for the
//! hot path, plus read-only views for a linter and a proxy admin page.
//!
//! A `Registry` is plain owned data (`Send + Sync`), built once per config × workload. A proxy
//! keeps it in an `Arc` and swaps the `Arc` on reload; readers never lock. Hot-path lookups are
//! two hash maps (exact `(ip, port)` listeners, wildcard listeners by port) and, inside a
//! listener, one longest-prefix lookup and at most one SNI lookup.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::capture::Capture;
use super::listener::{Chain, ChainId, EntryId, Listener, ListenerId};
use super::record::{EntryInfo, Fate, Record};
use super::scope::SidecarRef;
use crate::model::OutboundPolicy;

/// The outbound policy a workload's sidecar applies, and where it came from: always reported,
/// because the same entries mean "deny the rest" or "allow the rest" depending on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyInForce {
    /// `REGISTRY_ONLY` or `ALLOW_ANY`.
    pub mode: OutboundPolicy,
    /// `meshctl default`, `mesh config FILE:LINE:COL`, `--outbound-policy flag`, a Sidecar.
    pub source: String,
}

/// A workload's compiled outbound configuration.
#[derive(Debug, Clone)]
pub struct Registry {
    pub(crate) namespace: String,
    /// Shared by the registries [`super::compile_each`] builds from one config: the entries do
    /// not depend on the workload, and a copy per namespace was most of a large check's memory.
    pub(crate) entries: Arc<[EntryInfo]>,
    pub(crate) listeners: Vec<Listener>,
    pub(crate) chains: Vec<Chain>,
    pub(crate) exact: HashMap<(IpAddr, u16), ListenerId>,
    pub(crate) wildcard: HashMap<u16, ListenerId>,
    /// Wildcard listeners that take IPv6 destinations, when that differs from `wildcard`. A
    /// compiled registry models a dual-stack sidecar (`None`: one wildcard listener per port
    /// for both families); a config dump may hold IPv4-only wildcard listeners, and Envoy
    /// matches an IPv6 destination only against a `[::]:<port>` address.
    pub(crate) wildcard_v6: Option<HashMap<u16, ListenerId>>,
    pub(crate) policy: OutboundPolicy,
    pub(crate) policy_source: String,
    pub(crate) sidecar: Option<SidecarRef>,
    pub(crate) capture: Capture,
    pub(crate) records: Vec<Record>,
    pub(crate) notes: Vec<String>,
    /// Where the listeners came from when they were not compiled (a config dump): Sidecar
    /// selection, imports and exportTo were then applied by istiod, not here.
    pub(crate) assembled_from: Option<String>,
}

impl Registry {
    /// The outbound policy in effect (mesh value or the Sidecar's override).
    #[must_use]
    pub fn outbound_policy(&self) -> OutboundPolicy {
        self.policy
    }

    /// Where the policy came from, e.g. `meshctl default` or `Sidecar default/x at f.yaml:9:11`.
    #[must_use]
    pub fn policy_source(&self) -> &str {
        &self.policy_source
    }

    /// The policy with its source, as reports print it.
    #[must_use]
    pub fn policy_in_force(&self) -> PolicyInForce {
        PolicyInForce {
            mode: self.policy,
            source: self.policy_source.clone(),
        }
    }

    /// The Sidecar in effect, `None` for the implicit `*/*` scope.
    #[must_use]
    pub fn sidecar(&self) -> Option<&SidecarRef> {
        self.sidecar.as_ref()
    }

    /// The workload's namespace.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The workload's capture rules.
    #[must_use]
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// Every listener, exact-IP and wildcard, in build order.
    #[must_use]
    pub fn listeners(&self) -> &[Listener] {
        &self.listeners
    }

    /// A listener by id.
    ///
    /// # Panics
    /// Only if the id comes from another registry.
    #[must_use]
    pub fn listener(&self, id: ListenerId) -> &Listener {
        &self.listeners[id.0 as usize]
    }

    /// A chain by id.
    ///
    /// # Panics
    /// Only if the id comes from another registry.
    #[must_use]
    pub fn chain(&self, id: ChainId) -> &Chain {
        &self.chains[id.0 as usize]
    }

    /// The chains of a listener, in build order.
    pub fn chains_of<'a>(&'a self, listener: &'a Listener) -> impl Iterator<Item = &'a Chain> {
        listener.chains.iter().map(|id| self.chain(*id))
    }

    /// An entry by id.
    ///
    /// # Panics
    /// Only if the id comes from another registry.
    #[must_use]
    pub fn entry(&self, id: EntryId) -> &EntryInfo {
        &self.entries[id.0 as usize]
    }

    /// Every compiled entry, indexed by `EntryId` (input order).
    #[must_use]
    pub fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// The fate of every (entry × host × address × port).
    #[must_use]
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records of services that are not in effect (filtered, shadowed, dropped).
    pub fn dropped(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| !r.is_active())
    }

    /// Problems met while compiling that did not stop it (bad annotation values, …).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The listener bound exactly to `ip:port`, if any.
    #[must_use]
    pub fn exact_listener(&self, ip: IpAddr, port: u16) -> Option<&Listener> {
        self.exact
            .get(&(ip.to_canonical(), port))
            .map(|id| self.listener(*id))
    }

    /// The `0.0.0.0_<port>` listener, if any.
    #[must_use]
    pub fn wildcard_listener(&self, port: u16) -> Option<&Listener> {
        self.wildcard.get(&port).map(|id| self.listener(*id))
    }

    /// True when the wildcard listener on `port` has SNI chains, so a proxy must peek at the
    /// TLS `ClientHello` there (exact-IP listeners never match on SNI: istio/istio
    /// pilot/pkg/networking/core/tls.go `buildSidecarOutboundTLSFilterChainOpts`).
    #[must_use]
    pub fn listener_has_sni(&self, port: u16) -> bool {
        self.wildcard_listener(port).is_some_and(Listener::has_sni)
    }
}

impl Registry {
    /// One line about a record, e.g. `entry default/b (host b.example.com, no addresses) on
    /// port 3306 is shadowed by default/a on 0.0.0.0_3306 (same match: any destination; …)`.
    #[must_use]
    pub fn describe(&self, record: &Record) -> String {
        let entry = self.entry(record.entry);
        let what = format!(
            "entry {entry} (host {}, {}) on port {}",
            record.host, record.addr, record.port
        );
        match &record.fate {
            Fate::Chain(id) => {
                let chain = self.chain(*id);
                let listener = self.listener(chain.listener);
                format!(
                    "{what} owns chain `{}` on {} ({})",
                    chain.name,
                    listener.name,
                    chain.match_description()
                )
            }
            Fate::HttpRoute(id) => format!(
                "{what} is an HTTP route on {} (matched by Host header, not modelled)",
                self.listener(*id).name
            ),
            Fate::Shadowed {
                listener,
                winner,
                precedence,
            } => {
                let winner = self.chain(*winner);
                let winner_entry = self.entry(winner.entry);
                format!(
                    "{what} is shadowed by {winner_entry} (host {}) on {} (same match: {}; {winner_entry} is first: {precedence})",
                    winner.host,
                    self.listener(*listener).name,
                    winner.match_description(),
                )
            }
            Fate::ProtocolConflict { listener } => {
                let listener = self.listener(*listener);
                let (protocol, creator) = listener.created_by;
                format!(
                    "{what} ({}) is dropped: {} was created for {protocol} by {} and MONGO/MYSQL cannot share a port with another protocol",
                    record.protocol,
                    listener.name,
                    self.entry(creator)
                )
            }
            Fate::NotExported => {
                let export = if entry.export_to.is_empty() {
                    "mesh default".to_owned()
                } else {
                    entry.export_to.join(", ")
                };
                format!(
                    "entry {entry} is not exported to namespace {} (exportTo: {export})",
                    self.namespace()
                )
            }
            Fate::NotImported => match self.sidecar() {
                Some(sidecar) => format!("entry {entry} is not imported by {sidecar}"),
                None => format!("entry {entry} is not imported"),
            },
            Fate::PortLocked => format!(
                "{what} is not imported: port {} has its own egress listener in {}",
                record.port,
                self.sidecar()
                    .map_or_else(|| "the Sidecar".to_owned(), ToString::to_string)
            ),
            Fate::HostInOtherNamespace { kept } => format!(
                "{what} is unused: host {} is also defined in namespace {kept}, which this proxy uses",
                record.host
            ),
            Fate::NoListener { why } => format!("{what} gets no listener: {why}"),
            Fate::Unusable { why } => format!("entry {entry} host {}: {why}", record.host),
        }
    }
}
