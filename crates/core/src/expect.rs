//! `simulate --expect`: policy tests for CI. A calls file names destinations, optionally with
//! TLS/SNI and the calling workload, and the verdict (and entry) each should get. This module
//! owns the file's shape and what "passed" means; reading it is `load::calls`, deciding is the
//! engine's, printing is the CLI's.
//!
//! ```yaml
//! calls:
//! - destination: 203.0.113.7:3306
//!   expect: ALLOW
//!   entry: default/mysql-external
//! - destination: 203.0.113.9:3306
//!   namespace: bookinfo
//!   expect: DENY
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{Explanation, Verdict};
use crate::load::Origin;

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
    /// Where the call is written, for messages.
    #[serde(skip, default = "unknown_origin")]
    pub origin: Origin,
}

fn unknown_origin() -> Origin {
    Origin {
        path: "".into(),
        pos: crate::load::Pos { line: 0, column: 0 },
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
            })
    }
}

/// One checked call, as the table and JSON report it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The destination as written.
    pub destination: String,
    /// The calling namespace.
    pub namespace: String,
    /// The expected verdict.
    pub expected: Verdict,
    /// The expected entry.
    pub expected_entry: Option<String>,
    /// Whether every connection matched the expectation.
    pub passed: bool,
    /// Every decided connection (one per address of the destination).
    pub connections: Vec<Explanation>,
}

impl Outcome {
    /// Checks `connections` against `call`.
    #[must_use]
    pub fn new(call: &Call, destination: String, connections: Vec<Explanation>) -> Outcome {
        Outcome {
            destination,
            namespace: call.namespace().to_owned(),
            expected: call.expect,
            expected_entry: call.entry.clone(),
            passed: call.passed_by(&connections),
            connections,
        }
    }
}
