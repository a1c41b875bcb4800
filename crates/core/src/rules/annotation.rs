//! One code listed in a resource's suppression annotation, and what became of it once the other
//! rules ran. The runner (`lint.rs`) classifies every listed code; MSH005 words the findings.

use crate::load::Origin;

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
