//! # MSH114 invalid-destination-rule
//!
//! ## What it does
//! Flags a DestinationRule Istio's webhook rejects for its host, subsets, `exportTo` or workload
//! selector: an empty or invalid host, two subsets with one name, a subset name that is not a DNS
//! label, a subset label that is not a valid Kubernetes label, an `exportTo` list Istio refuses, and
//! a rule with a `workloadSelector` exported beyond its own namespace. Its traffic policies are
//! MSH115's.
//!
//! ## Why it matters
//! The webhook refuses the whole rule, for example with `duplicate subset names: v1`, so `kubectl
//! apply` fails: its TLS origination, tunnel and connection limits never reach a sidecar, and a
//! VirtualService routing to one of its subsets sends traffic to a cluster that does not exist.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata:
//!   name: mysql
//!   namespace: bookinfo
//! spec:
//!   host: db.example.com
//!   subsets:
//!   - name: primary
//!     labels: {role: primary}
//!   - name: primary           # a second subset with the same name
//!     labels: {role: replica}
//! ```
//!
//! ## Use instead
//! ```yaml
//!   subsets:
//!   - name: primary
//!     labels: {role: primary}
//!   - name: replica
//!     labels: {role: replica}
//! ```

use super::names;
use crate::load::{Inputs, Loaded};
use crate::model::DestinationRule;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH114 invalid-destination-rule: what istio/istio `pkg/config/validation/validation.go`
/// (`ValidateDestinationRule`, `validateSubset`, `validateSubsetName`, `validateExportTo`,
/// `validateWorkloadSelector`) rejects outside the traffic policies.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A DestinationRule whose host, subsets, `exportTo` or selector Istio's webhook rejects.",
};

/// Reports each webhook error about a DestinationRule outside its traffic policies.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for dr in &inputs.destination_rules {
        let spec = &dr.resource.spec;
        if let Some(message) = names::wildcard_domain_error(&spec.host) {
            out.at(dr, "spec.host", message)
                .help("name the service host the policy is for, optionally with a leading `*.` wildcard label");
        }
        subsets(dr, out);
        let namespace = dr.resource.metadata.namespace();
        let with_selector = spec.workload_selector.is_some();
        for message in names::export_to_errors(namespace, &spec.export_to, with_selector) {
            out.at(dr, "spec.exportTo", message);
        }
        if let Some(selector) = &spec.workload_selector {
            for (key, value) in &selector.match_labels {
                let pair = names::quoted(&format!("{key}={value}"));
                if key.is_empty() {
                    out.at(
                        dr,
                        "spec.workloadSelector.matchLabels",
                        format!("empty key is not supported in selector: {pair}"),
                    );
                }
                if key.contains('*') || value.contains('*') {
                    out.at(
                        dr,
                        "spec.workloadSelector.matchLabels",
                        format!("wildcard is not supported in selector: {pair}"),
                    );
                }
            }
        }
    }
}

fn subsets(dr: &Loaded<DestinationRule>, out: &mut Findings) {
    let subsets = &dr.resource.spec.subsets;
    for (i, subset) in subsets.iter().enumerate() {
        let path = format!("spec.subsets[{i}]");
        if subsets[..i].iter().any(|s| s.name == subset.name) {
            out.at(
                dr,
                &format!("{path}.name"),
                format!("duplicate subset names: {}", subset.name),
            )
            .help("give every subset its own name: a route picks a subset by name");
        }
        if let Some(message) = names::subset_name_error(&subset.name) {
            out.at(dr, &format!("{path}.name"), message);
        }
        for message in names::label_errors(&subset.labels) {
            out.at(dr, &format!("{path}.labels"), message);
        }
    }
}
