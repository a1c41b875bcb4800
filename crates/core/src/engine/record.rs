//! The side table of compile: what happened to every (entry × host × address × port), whether
//! it became a chain or was filtered out (not exported, not imported, shadowed, …).
//!
//! `decide` never reads it. It exists so that `explain` can name near misses ("shadowed by
//! default/a", "not imported by Sidecar default/restrict") and a linter can report dead entries
//! without recompiling. The messages are built here so both say the same thing.

use std::fmt;
use std::sync::Arc;

use super::listener::{Addr, ChainId, EntryId, ListenerId};
use super::order::Precedence;
use super::protocol::Protocol;
use super::registry::Registry;
use crate::load::Origin;
use crate::model::Resolution;

/// A `ServiceEntry` as the registry remembers it.
#[derive(Debug, Clone)]
pub struct EntryInfo {
    /// `metadata.namespace`.
    pub namespace: Arc<str>,
    /// `metadata.name`.
    pub name: Arc<str>,
    /// Where it was written.
    pub origin: Origin,
    /// `spec.resolution` in effect.
    pub resolution: Resolution,
    /// `spec.exportTo` as written (empty: the mesh default applied).
    pub export_to: Vec<String>,
}

impl fmt::Display for EntryInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// What became of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// It owns this chain.
    Chain(ChainId),
    /// HTTP-class: a virtual host in the port's route table on this listener.
    HttpRoute(ListenerId),
    /// Its chain had the same match as an earlier service's and was dropped.
    Shadowed {
        /// The listener.
        listener: ListenerId,
        /// The chain that kept the match.
        winner: ChainId,
        /// Why the winner came first.
        precedence: Precedence,
    },
    /// MONGO/MYSQL well-known-port conflict: the whole service was dropped from the listener.
    ProtocolConflict {
        /// The listener, created for another protocol.
        listener: ListenerId,
    },
    /// `exportTo` hides it from the workload's namespace.
    NotExported,
    /// No egress listener of the Sidecar imports it.
    NotImported,
    /// Imported only by the catch-all egress listener, but its port belongs to a port-specific
    /// egress listener that does not import it.
    PortLocked,
    /// The same host is imported from another namespace, which wins.
    HostInOtherNamespace {
        /// The namespace whose services are used.
        kept: Arc<str>,
    },
    /// The port gets no listener (UDP, a reserved port, an invalid number).
    NoListener {
        /// Why.
        why: &'static str,
    },
    /// The address could not be used.
    Unusable {
        /// Why.
        why: String,
    },
}

/// One (entry × host × address × port) and its fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The entry.
    pub entry: EntryId,
    /// The host.
    pub host: Arc<str>,
    /// The address.
    pub addr: Addr,
    /// The service port (0 when the port number itself is invalid).
    pub port: u16,
    /// The port's protocol.
    pub protocol: Protocol,
    /// What happened to it.
    pub fate: Fate,
}

impl Record {
    /// True when it is in effect (a chain or an HTTP route).
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self.fate, Fate::Chain(_) | Fate::HttpRoute(_))
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
