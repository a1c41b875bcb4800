//! # MSH108 invalid-export-to
//!
//! ## What it does
//! Flags an `exportTo` list Istio rejects: a repeated value, `*` combined with anything else, `~`
//! combined with anything else, or a value that is not `.`, `*`, `~` or a valid namespace name.
//!
//! ## Why it matters
//! The webhook refuses the entry, for example with `cannot have both public (*) and non-public exportTo
//! values for a resource`, so the apply fails. `exportTo` decides which namespaces' sidecars see the
//! entry at all, and entries exported explicitly to a namespace are also ordered ahead of public ones
//! when two entries collide on a listener (MSH401). A list that says "everyone" and "only here" at once
//! has no single meaning.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//!   namespace: bookinfo
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   exportTo: ["*", "."]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   exportTo: ["."]            # or ["*"] for every namespace, or [".", "reviews"]
//! ```

use super::host;
use crate::load::Inputs;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH108 invalid-export-to: an `exportTo` list with duplicates, a value that is not `.`, `*`,
/// `~` or a namespace name, or `*`/`~` combined with other values.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "An `exportTo` list Istio rejects.",
};

/// Reports each webhook message about an entry's `exportTo`.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        let list = &se.resource.spec.export_to;
        let mut seen = Vec::new();
        let mut messages = Vec::new();
        for value in list {
            if seen.contains(&value) {
                messages.push(format!("duplicate entries in exportTo: {value}"));
            }
            seen.push(value);
            if !matches!(value.as_str(), "." | "*" | "~") && !host::is_dns_label(value) {
                messages.push(format!(
                    "only .,*, or a valid DNS 1123 label is allowed as exportTo entry, got {value}"
                ));
            }
        }
        if list.len() > 1 && list.iter().any(|v| v == "*") {
            messages.push(
                "cannot have both public (*) and non-public exportTo values for a resource".into(),
            );
        }
        if list.len() > 1 && list.iter().any(|v| v == "~") {
            messages.push("cannot export service entry to no one (~) and someone".into());
        }
        for message in messages {
            out.at(se, "spec.exportTo", message);
        }
    }
}
