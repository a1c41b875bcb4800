//! MSH005 unused-suppression: a suppression annotation that names no rule (`MSH2O1`, a typo
//! that silently suppressed nothing) or a rule that found nothing on the resource, as ruff's
//! RUF100 does for `# noqa`. A stale suppression hides the next real finding of that rule.
//!
//! It judges the other rules' findings, so the runner (`rules/lint.rs`) runs it after them and
//! hands it every annotation entry already classified; this file only words the findings.

use crate::load::Origin;
use crate::rules::findings::Findings;

/// What became of one code listed in a suppression annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// It suppressed at least one finding.
    Used,
    /// Its rule did not run (not selected, or a DNS rule without `--dns`): silence proves
    /// nothing, so it is not reported.
    NotRun,
    /// An IST code meshctl does not map: istioctl's business, not a typo.
    IstioOnly,
    /// No rule has this code or name.
    Unknown,
    /// Its rule ran and found nothing on this resource.
    Unused {
        /// The rule's code.
        rule: &'static str,
    },
}

/// One code in one resource's suppression annotation.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    /// Where the resource's annotations are written.
    pub(crate) origin: Origin,
    /// `Kind namespace/name`.
    pub(crate) resource: String,
    /// The annotation that lists the code.
    pub(crate) annotation: &'static str,
    /// The code as written.
    pub(crate) code: String,
    /// What became of it.
    pub(crate) status: Status,
}

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
