//! MSH0xx: documents that could not be read (MSH001) or violate the CRD schema (MSH002). The
//! loader already collected them; this turns them into diagnostics so `check` reports every bad
//! file and goes on with the rest.

use crate::diagnostic::Diagnostic;
use crate::load::{Inputs, ProblemKind};

use super::Rule;

/// The CRD's CEL rules duplicate some of the webhook's (ISTIO.md §1.4): the API server rejects
/// first, with these messages. They are reported under the webhook rule's code, so a user gets
/// the same code for the same mistake whichever layer would catch it.
const CEL_RULES: [(&str, Rule); 10] = [
    ("hostname cannot be wildcard", Rule::InvalidHost),
    ("port must be between 1-65535", Rule::InvalidPort),
    ("port number cannot be duplicated", Rule::InvalidPort),
    (
        "CIDR addresses are allowed only for NONE/STATIC resolution types",
        Rule::CidrWithDnsResolution,
    ),
    ("NONE mode cannot set endpoints", Rule::InvalidEndpoints),
    (
        "only one of WorkloadSelector or Endpoints can be set",
        Rule::InvalidEndpoints,
    ),
    (
        "DNS_ROUND_ROBIN mode cannot have multiple endpoints",
        Rule::InvalidEndpoints,
    ),
    ("Address is required", Rule::InvalidEndpoints),
    ("UDS ", Rule::InvalidEndpoints),
    ("port name must be valid", Rule::InvalidEndpoints),
];

pub(super) fn check(inputs: &Inputs, out: &mut Vec<Diagnostic>) {
    for problem in &inputs.problems {
        let rule = match problem.kind {
            ProblemKind::Parse => Rule::ParseError,
            ProblemKind::Schema => CEL_RULES
                .iter()
                .find(|(text, _)| problem.message.contains(text))
                .map_or(Rule::SchemaViolation, |(_, rule)| *rule),
        };
        let message = match &problem.field {
            Some(field) => format!("`{field}`: {}", problem.message),
            None => problem.message.clone(),
        };
        let help = match problem.kind {
            ProblemKind::Parse => "fix the YAML syntax; `kubectl apply` would reject this file",
            ProblemKind::Schema => {
                "`kubectl apply` would reject this resource; see the field named above"
            }
        };
        out.push(Diagnostic {
            rule,
            severity: rule.default_severity(),
            message,
            origin: problem.origin.clone(),
            resource: problem.resource.clone(),
            help: Some(help.to_owned()),
        });
    }
}
