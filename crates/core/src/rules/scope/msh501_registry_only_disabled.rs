//! # MSH501 registry-only-disabled
//!
//! ## What it does
//! Reports, as info, a mesh config in the inputs (a bare MeshConfig, the `mesh` key of the `istio`
//! ConfigMap, an IstioOperator's `meshConfig`, or `--mesh-config`) whose `outboundTrafficPolicy.mode`
//! is `ALLOW_ANY` (or `ALLOW_ANY_DYNAMIC_DNS`). A mesh config that leaves the mode unset is not
//! reported: meshctl then keeps its own fail-closed default, although a real Istio install would
//! use its shipped default, ALLOW_ANY — set the mode explicitly to be sure.
//!
//! ## Why it matters
//! Under ALLOW_ANY a connection that matches no entry still leaves through the passthrough cluster, so
//! ServiceEntries add routing and telemetry but restrict nothing. The blog's walkthrough starts by
//! switching the mesh to blocking egress by default (REGISTRY_ONLY). Even then the policy is not a
//! security boundary, since workloads can bypass the sidecar; enforcement needs an egress gateway and
//! network policy. A Sidecar can still override the mode for its own workloads.
//!
//! Severity: info: ALLOW_ANY is a deliberate mesh choice; the finding says that the entries restrict nothing under it.
//!
//! ## Example
//! ```yaml
//! outboundTrafficPolicy:       # mesh config, e.g. the file given to --mesh-config
//!   mode: ALLOW_ANY
//! ```
//!
//! ## Use instead
//! ```yaml
//! outboundTrafficPolicy:
//!   mode: REGISTRY_ONLY
//! ```

use crate::model::OutboundPolicy;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH501 registry-only-disabled: the mesh's outbound policy lets connections no entry matches
/// through (ALLOW_ANY, Istio's shipped default), so ServiceEntries restrict nothing; only
/// REGISTRY_ONLY makes them an allow-list (istio/api `mesh/v1alpha1/config.proto`,
/// `OutboundTrafficPolicy`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Info,
    check: CheckFn::Lint(check),
    summary: "The mesh allows any outbound traffic, so entries restrict nothing.",
};

/// Reports every mesh configuration whose outbound policy allows unmatched traffic.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for mesh in &cx.inputs.mesh_configs {
        let mode = mesh
            .resource
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode);
        if mode.is_some_and(OutboundPolicy::allows_unmatched) {
            out.at_origin(
                mesh.locate("outboundTrafficPolicy.mode"),
                Some("MeshConfig".into()),
                format!(
                    "the mesh's outbound policy is {}: connections no entry matches are let through, so ServiceEntries restrict nothing",
                    mode.map_or("", OutboundPolicy::as_str)
                ),
            )
            .help("set `outboundTrafficPolicy.mode: REGISTRY_ONLY` to allow only registered destinations");
        }
    }
}
