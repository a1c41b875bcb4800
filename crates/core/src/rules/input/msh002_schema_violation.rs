//! # MSH002 schema-violation
//!
//! ## What it does
//! Reports a resource that breaks the Istio CRD schema for its kind: an unknown field, a value of the
//! wrong type, a value outside an enum, a missing required field, a list over its size limit, or one of
//! the CRD's own validation rules (a duplicated port number, a port outside 1-65535, the host `*`).
//!
//! ## Why it matters
//! The Kubernetes API server checks this schema before Istio's webhook ever sees the object, so the
//! apply fails or a GitOps sync stalls. Unknown fields are worse: depending on the client's field
//! validation they are either rejected or silently pruned, so a misspelled `adresses:` can vanish and
//! leave an entry with no addresses at all. A frequent case is writing a Kubernetes Service port
//! (`port:`) where a ServiceEntry port needs `number:`.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
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
//!     port: 3306           # not a ServiceEntry field; `number` is required
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```

use super::problems;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH002 schema-violation: a resource against Istio's CRD schema (unknown field, type, enum,
/// required field, limit), except the CEL rules that repeat a webhook check (see
/// [`problems`](super::problems)).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "The resource violates Istio's CRD schema (unknown field, type, enum, required field, limit).",
};

/// Reports the loader's schema problems no webhook rule owns.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(inputs, ProblemKind::Schema, None, out);
}
