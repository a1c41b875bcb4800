//! One checked call, as the `--expect` table and JSON report it.

use serde::Serialize;

use super::call::Call;
use crate::engine::{Explanation, Verdict};

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
    /// The expected cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_cluster: Option<String>,
    /// The resource or proxy expected on the path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_via: Option<String>,
    /// The AuthorizationPolicy verdict expected at a gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_authz: Option<crate::engine::gateway::AuthzVerdict>,
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
            expected_cluster: call.cluster.clone(),
            expected_via: call.via.clone(),
            expected_authz: call.authz,
            passed: call.passed_by(&connections),
            connections,
        }
    }
}
