//! How a load problem becomes a finding, and which rule reports a schema problem. The CRD's CEL
//! rules repeat some of the webhook's checks, and the API server rejects first with the CRD's
//! wording; those problems are reported under the webhook rule's code (MSH101, MSH103–MSH105), so
//! a user gets the same code for the same mistake whichever layer would catch it. Every other
//! schema problem is MSH002's.

use crate::load::{Inputs, LoadProblem, ProblemKind};
use crate::rules::findings::Findings;

/// The webhook rules that also own a CRD (CEL) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CelOwner {
    /// MSH101.
    InvalidHost,
    /// MSH103.
    CidrWithDnsResolution,
    /// MSH104.
    InvalidPort,
    /// MSH105.
    InvalidEndpoints,
}

/// The CRD's CEL messages (istio/istio `manifests/charts/base/files/crd-all.gen.yaml`, from the
/// kubebuilder tags in istio/api `networking/v1alpha3/service_entry.proto`), in the order they
/// are tried: the first one a problem's message contains decides its rule.
const CEL_MESSAGES: [(&str, CelOwner); 10] = [
    ("hostname cannot be wildcard", CelOwner::InvalidHost),
    ("port must be between 1-65535", CelOwner::InvalidPort),
    ("port number cannot be duplicated", CelOwner::InvalidPort),
    (
        "CIDR addresses are allowed only for NONE/STATIC resolution types",
        CelOwner::CidrWithDnsResolution,
    ),
    ("NONE mode cannot set endpoints", CelOwner::InvalidEndpoints),
    (
        "only one of WorkloadSelector or Endpoints can be set",
        CelOwner::InvalidEndpoints,
    ),
    (
        "DNS_ROUND_ROBIN mode cannot have multiple endpoints",
        CelOwner::InvalidEndpoints,
    ),
    ("Address is required", CelOwner::InvalidEndpoints),
    ("UDS ", CelOwner::InvalidEndpoints),
    ("port name must be valid", CelOwner::InvalidEndpoints),
];

/// The webhook rule that reports `problem`, or `None` when MSH001/MSH002 does.
fn owner(problem: &LoadProblem) -> Option<CelOwner> {
    match problem.kind {
        ProblemKind::Parse => None,
        ProblemKind::Schema => CEL_MESSAGES
            .iter()
            .find(|(text, _)| problem.message.contains(text))
            .map(|(_, owner)| *owner),
    }
}

/// Reports every problem of `kind` that `owner` (a webhook rule, or `None` for MSH0xx) owns.
pub(crate) fn report(
    inputs: &Inputs,
    kind: ProblemKind,
    owner_rule: Option<CelOwner>,
    out: &mut Findings,
) {
    for problem in inputs
        .problems
        .iter()
        .filter(|p| p.kind == kind && owner(p) == owner_rule)
    {
        let message = match &problem.field {
            Some(field) => format!("`{field}`: {}", problem.message),
            None => problem.message.clone(),
        };
        let help = match (problem.kind, owner_rule, &problem.field) {
            (ProblemKind::Parse, ..) => {
                "fix the YAML syntax; `kubectl apply` would reject this file".to_owned()
            }
            (ProblemKind::Schema, Some(CelOwner::CidrWithDnsResolution), _) => {
                "write the address without a prefix length (`203.0.113.7`), or use resolution NONE or STATIC to match a CIDR block".to_owned()
            }
            (ProblemKind::Schema, _, Some(field)) => {
                format!("`kubectl apply` would reject this resource until `{field}` is fixed")
            }
            (ProblemKind::Schema, _, None) => {
                "`kubectl apply` would reject this resource as written".to_owned()
            }
        };
        out.at_origin(problem.origin.clone(), problem.resource.clone(), message)
            .help(help);
    }
}
