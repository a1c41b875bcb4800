//! # MSH001 parse-error
//!
//! ## What it does
//! Reports a file meshctl cannot read: broken YAML or JSON syntax, or input that exceeds a parse
//! budget (file size, nesting depth, alias expansion). Files that parse but are not Kubernetes
//! resources (a top-level list, a workflow without `apiVersion`/`kind`, a Helm template with `{{`)
//! are not parse errors: they are skipped and counted, and `check -v` lists them.
//!
//! ## Why it matters
//! Nothing inside an unreadable document gets checked, so every other mistake in it stays hidden until
//! `kubectl apply` trips over the same syntax. meshctl keeps going with the other files, but this one
//! is unverified. The budgets keep a runaway or hostile file (an alias bomb, say) from exhausting
//! memory on a CI runner.
//!
//! Severity: error: nothing in the file is checked, and `kubectl apply` would fail on it too.
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
//!    addresses:            # one space too deep: read as a continuation of the host
//!   - 203.0.113.7/32
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//! ```
//! Indent with spaces only; YAML does not allow tabs for indentation.

use super::problems;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH001 parse-error: a file that is not valid YAML/JSON or exceeds a parse budget. A document
/// that parses but is not a mapping is skipped by the loader, not reported here.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "The file is not valid YAML/JSON or exceeds a parse budget.",
};

/// Reports the loader's parse problems.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(inputs, ProblemKind::Parse, None, out);
}
