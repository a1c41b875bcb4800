//! One expected call as a calls file writes it, and whether the decided connections meet it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::engine::{Explanation, Verdict};
use crate::load::{Origin, Pos};

/// One expected call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// `IP:PORT`, `HOST:PORT` or a DSN.
    pub destination: String,
    /// TLS server name (implies TLS).
    #[serde(default)]
    pub sni: Option<String>,
    /// TLS without SNI.
    #[serde(default)]
    pub tls: bool,
    /// Calling namespace; default `default`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Calling workload's labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The verdict every address of the destination should get.
    pub expect: Verdict,
    /// `namespace/name` of the ServiceEntry expected to allow it.
    #[serde(default)]
    pub entry: Option<String>,
    /// The cluster every address should reach (for a weighted route: one of its destinations).
    #[serde(default)]
    pub cluster: Option<String>,
    /// A resource (`namespace/name` or `Kind namespace/name`) or proxy that must be on every
    /// connection's path.
    #[serde(default)]
    pub via: Option<String>,
    /// The calling workload's service account (its mesh identity); default: the command's.
    #[serde(default)]
    pub service_account: Option<String>,
    /// The AuthorizationPolicy verdict a gateway on the path must give.
    #[serde(default)]
    pub authz: Option<crate::engine::gateway::AuthzVerdict>,
    /// Where the call is written, for messages.
    #[serde(skip, default = "unknown_origin")]
    pub origin: Origin,
}

fn unknown_origin() -> Origin {
    Origin {
        path: "".into(),
        pos: Pos { line: 0, column: 0 },
    }
}

impl Call {
    /// The calling namespace (`default` unless the call names one).
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// True when the client speaks TLS.
    #[must_use]
    pub fn tls(&self) -> bool {
        self.tls || self.sni.is_some()
    }

    /// True when every decided connection got the expected verdict (and entry, if named).
    #[must_use]
    pub fn passed_by(&self, connections: &[Explanation]) -> bool {
        !connections.is_empty()
            && connections.iter().all(|c| {
                c.verdict == self.expect
                    && self
                        .entry
                        .as_ref()
                        .is_none_or(|want| c.service_entry.as_ref() == Some(want))
                    && self
                        .cluster
                        .as_deref()
                        .is_none_or(|want| c.hops.iter().any(|h| h.reaches(want)))
                    && self
                        .via
                        .as_deref()
                        .is_none_or(|want| c.hops.iter().any(|h| h.is_via(want)))
                    && self.authz.is_none_or(|want| {
                        c.hops
                            .iter()
                            .any(|h| h.authz.as_ref().is_some_and(|a| a.verdict == want))
                    })
            })
    }
}
