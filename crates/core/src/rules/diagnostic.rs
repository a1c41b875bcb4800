//! A finding with its rule attached: what every output format renders. Data only — formatting
//! belongs to the binary's `render`, deciding to the rule files. Rule files never build one: they
//! fill a [`Findings`](super::findings::Findings) sink, and the runner names the rule here.

use std::cmp::Ordering;

use super::findings::Finding;
use super::fix::Edit;
use super::rule::Rule;
use super::severity::Severity;
use crate::load::Origin;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired (code and name come from the registry).
    pub rule: Rule,
    /// Severity; usually the rule's default, sometimes raised (e.g. MSH205 on server-first ports).
    pub severity: Severity,
    /// What is wrong, with the values: "`10.0.0.0/8` admits 16777216 addresses".
    pub message: String,
    /// File, line and column of the field to blame.
    pub origin: Origin,
    /// `ServiceEntry ns/name`, when the finding is about one resource.
    pub resource: Option<String>,
    /// The fix as an action, when there is one.
    pub help: Option<String>,
    /// The source edit `check --fix` applies, for the rules whose fix is unambiguous.
    pub fix: Option<Edit>,
    /// The mesh the finding belongs to ([`crate::meshes`]), set by whoever ran the rules per mesh.
    pub mesh: Option<std::sync::Arc<str>>,
}

impl Diagnostic {
    /// Names the rule that produced `finding`.
    pub(crate) fn new(rule: Rule, finding: Finding) -> Diagnostic {
        Diagnostic {
            rule,
            severity: finding.severity,
            message: finding.message,
            origin: finding.origin,
            resource: finding.resource,
            help: finding.help,
            fix: finding.fix,
            mesh: None,
        }
    }

    /// The key every output format sorts by: file, line, column, code.
    #[must_use]
    pub(crate) fn sort_key(&self) -> (&str, u64, u64, &'static str) {
        (
            &self.origin.path,
            self.origin.pos.line,
            self.origin.pos.column,
            self.rule.code(),
        )
    }
}

/// Sorts diagnostics deterministically (file, line, column, code, then message).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| match a.sort_key().cmp(&b.sort_key()) {
        Ordering::Equal => a.message.cmp(&b.message),
        other => other,
    });
}
