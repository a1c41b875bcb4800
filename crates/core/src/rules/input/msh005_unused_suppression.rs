//! # MSH005 unused-suppression
//!
//! ## What it does
//! Reports a code in a suppression annotation (`meshctl.dev/ignore` or Istio's
//! `galley.istio.io/analyze-suppress`) that names no rule — `MSH2O1` with a letter O — or whose rule
//! ran and found nothing on that resource. IST codes that meshctl does not map are left to istioctl,
//! and a rule that did not run (not selected, or a DNS rule without `--dns`) is never called unused.
//!
//! ## Why it matters
//! A misspelled code suppresses nothing while looking as if it did, and a suppression that outlived
//! its problem hides the next real finding of that rule on the resource. ruff reports stale `# noqa`
//! comments (RUF100) for the same reason.
//!
//! Severity: warning; the suppression itself lets nothing through, but it misleads the reader. The
//! README's CI examples fail on warnings.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: mysql-external
//!   annotations:
//!     meshctl.dev/ignore: "MSH2O1,MSH204"   # a typo, and a rule with nothing to report
//! ```
//!
//! ## Use instead
//! ```yaml
//! metadata:
//!   name: mysql-external
//!   annotations:
//!     meshctl.dev/ignore: "MSH201"          # only what actually fires, spelled right
//! ```

use crate::rules::annotation::{Listed, Status};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH005 unused-suppression: a suppression annotation that names no rule (`MSH2O1`, a typo
/// that silently suppressed nothing) or a rule that found nothing on the resource, as ruff's
/// RUF100 does for `# noqa`. A stale suppression hides the next real finding of that rule.
///
/// It judges the other rules' findings, so the runner (`rules/lint.rs`) runs it after them and
/// hands it every annotation entry already classified; this file only words the findings.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Suppressions(check),
    summary: "A suppression annotation naming an unknown code, or a rule that found nothing there.",
};

/// Reports unknown codes and suppressions that suppressed nothing.
pub(crate) fn check(listed: &[Listed], out: &mut Findings) {
    for entry in listed {
        let (code, annotation) = (&entry.code, entry.annotation);
        let resource = Some(entry.resource.clone());
        match &entry.status {
            Status::Used | Status::NotRun | Status::IstioOnly => {}
            Status::Unknown => {
                out.at_origin(
                    entry.origin.clone(),
                    resource,
                    format!(
                        "`{code}` in `{annotation}` is not a rule code, so it suppresses nothing"
                    ),
                )
                .help("write an existing code (`meshctl check --list-rules`)");
            }
            Status::Unused { rule } => {
                out.at_origin(
                    entry.origin.clone(),
                    resource,
                    format!("`{code}` in `{annotation}` suppresses nothing: {rule} found no problem here"),
                )
                .help(format!("remove `{code}` so the next {rule} finding is seen"));
            }
        }
    }
}
