//! How bad a finding is. A file of its own because both ends of the rules module need it: rule
//! files set it on findings, and the registry names each rule's default. Keeping it apart from
//! [`Diagnostic`](super::diagnostic::Diagnostic) (which names a `Rule`) is what keeps the rule
//! files from depending on the registry that lists them.

use std::fmt;

use serde::Serialize;

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
