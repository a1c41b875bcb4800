//! # MSH208 static-without-endpoints
//!
//! ## What it does
//! Warns on an entry with `resolution: STATIC` that has neither `endpoints` nor a `workloadSelector`.
//!
//! ## Why it matters
//! Istio accepts it and the sidecar builds the listener, so connections match the entry, but its
//! cluster has no upstream host: every matched connection is accepted and then fails without reaching
//! any server. Because the entry matched, the failure looks like a dead database rather than a policy
//! decision, and nothing at apply time hints at it. STATIC means "send to these endpoints"; to send to
//! the address the client dialled, use NONE.
//!
//! Severity: warning: the entry lets nothing out, it breaks the matched traffic instead.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: STATIC
//! ```
//!
//! ## Use instead
//! ```yaml
//!   resolution: STATIC
//!   endpoints:
//!   - address: 203.0.113.7     # or drop both lines for resolution: NONE
//! ```

use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH208 static-without-endpoints: resolution STATIC with neither endpoints nor a workload
/// selector. Istio admits it, but matched connections have no upstream and are closed.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "Resolution STATIC without endpoints: matched traffic has nowhere to go.",
};

/// Reports STATIC entries with nowhere to send traffic.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if spec.resolution() == Resolution::Static
            && spec.endpoints.is_empty()
            && spec.workload_selector.is_none()
        {
            out.at(
                se,
                "spec.resolution",
                "resolution STATIC without endpoints: matched connections have no upstream and are closed",
            )
            .help("list the endpoints, or use resolution NONE to forward to the dialled address");
        }
    }
}
