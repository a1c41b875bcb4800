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
use crate::load::Origin;
use crate::model::Resolution;

/// A service of the registry as it remembers it: a `ServiceEntry`, or a Kubernetes `Service`
/// converted as istiod converts it.
#[derive(Debug, Clone)]
pub struct EntryInfo {
    /// `ServiceEntry` or `Service`: what the user wrote.
    pub kind: &'static str,
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
    /// The first unspecified address (`0.0.0.0`, `::`) in `spec.addresses`, as written: it
    /// pins nothing, and explanations quote it.
    pub unspecified_address: Option<Arc<str>>,
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
