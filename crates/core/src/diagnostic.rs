//! A finding about the inputs: which rule, how bad, what and where, and the fix. Data only —
//! formatting belongs to `render`, deciding to `rules`.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::load::Origin;
use crate::rules::Rule;

/// How bad a finding is. Ordered so `--fail-on` can compare: Info < Warning < Error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong by itself.
    Info,
    /// Probably not what the author meant.
    Warning,
    /// Istio rejects it, or traffic will not flow as written.
    Error,
}

impl Severity {
    /// `info`, `warning`, `error`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
}

impl Diagnostic {
    /// The key every output format sorts by: file, line, column, code.
    #[must_use]
    pub fn sort_key(&self) -> (&str, u64, u64, &'static str) {
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
