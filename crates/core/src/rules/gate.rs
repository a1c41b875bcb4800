//! The admission verdict: what the API server (CRD schema and CEL rules, MSH0xx) and Istio's
//! validating webhook (MSH1xx) would say about the documents, and which resources they would
//! refuse. It reads only the documents, never the context or the workspace, so the workspace
//! pipeline can ask it before deciding what reaches the engine.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::diagnostic::{self, Diagnostic};
use super::findings::{Finding, Findings};
use super::row::CheckFn;
use super::rule::Rule;
use super::severity::Severity;
use crate::load::{Inputs, Origin};

/// What `kubectl apply` of the inputs would report, and what it would not admit.
#[derive(Debug, Default)]
pub struct Admission {
    /// Every MSH0xx and MSH1xx finding, sorted; suppression annotations are not applied
    /// (Istio does not read them).
    pub findings: Vec<Diagnostic>,
    /// Document origins (`Loaded::origin`) of every loaded resource with an Error-severity
    /// admission finding. Documents the loader could not use (MSH0xx, and CRD rules reported
    /// under an MSH1xx code) never became resources, so they need no entry here.
    pub rejected: BTreeSet<Origin>,
    /// The findings that keep a document out: errors about a loaded resource in `rejected`, and
    /// every error about a document the loader could not use. A subset of `findings`.
    pub rejecting: Vec<Diagnostic>,
}

/// Runs every admission rule on the inputs.
#[must_use]
pub fn admission(inputs: &Inputs) -> Admission {
    let mut admission = Admission::default();
    for (rule, finding) in findings(inputs, |_| true) {
        let rejects = finding.severity >= Severity::Error && !finding.admitted;
        if rejects && let Some(document) = &finding.document {
            admission.rejected.insert(document.clone());
        }
        let diagnostic = Diagnostic::new(rule, finding);
        if rejects {
            admission.rejecting.push(diagnostic.clone());
        }
        admission.findings.push(diagnostic);
    }
    diagnostic::sort(&mut admission.findings);
    diagnostic::sort(&mut admission.rejecting);
    admission
}

/// An admission rule's check function.
type AdmissionFn = fn(&Inputs, &mut Findings);

/// The findings of the admission rules `enabled` keeps, rule by rule in code order. The rules
/// are independent pure functions, so they run in parallel; the order is kept.
pub(super) fn findings(inputs: &Inputs, enabled: impl Fn(Rule) -> bool) -> Vec<(Rule, Finding)> {
    let rules: Vec<(Rule, AdmissionFn)> = Rule::ALL
        .iter()
        .filter(|r| enabled(**r))
        .filter_map(|&rule| match rule.check_fn() {
            CheckFn::Admission(check) => Some((rule, check)),
            _ => None,
        })
        .collect();
    let found: Vec<Vec<(Rule, Finding)>> = rules
        .into_par_iter()
        .map(|(rule, check)| {
            let mut out = Findings::new(rule.default_severity());
            check(inputs, &mut out);
            out.into_vec().into_iter().map(|f| (rule, f)).collect()
        })
        .collect();
    found.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Inputs {
        crate::load::load_bytes(
            "admission.yaml",
            text.as_bytes(),
            &crate::load::LoadOptions::default(),
        )
        .expect("parser thread")
    }

    #[test]
    fn webhook_errors_reject_their_document_and_warnings_do_not() {
        let inputs = load(concat!(
            // MSH101 (error): an IP address as a host.
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ip-host}\n",
            "spec:\n  hosts: [203.0.113.7]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n",
            "---\n",
            // MSH109 (warning): a partial wildcard host.
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partial}\n",
            "spec:\n  hosts: ['*db.example.com']\n  addresses: [203.0.113.8/32]\n",
            "  ports: [{number: 3306, name: tcp, protocol: TCP}]\n",
            "---\n",
            // MSH002 (error): a schema violation; the document never loads.
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: bad}\n",
            "spec:\n  hosts: [db.example.com]\n  colour: blue\n",
            "---\n",
            // No finding; MSH201 would fire, but it is a lint, not admission.
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: fine}\n",
            "spec:\n  hosts: [db.example.com]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n",
        ));
        let admission = admission(&inputs);
        let codes: Vec<&str> = admission.findings.iter().map(|d| d.rule.code()).collect();
        assert_eq!(codes, ["MSH101", "MSH109", "MSH002"]);
        let rejected: Vec<String> = admission.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(rejected, ["admission.yaml:1:1"]);
        assert_eq!(inputs.service_entries[0].origin.to_string(), rejected[0]);
    }
}
