//! The part of a rule's registry row its own file states: severity, check function, summary.
//! Each rule file declares one `RULE: Row`; the code, the name and the explanation come from the
//! file's name and module documentation (the crate's `build.rs` reads them).

use super::annotation::Listed;
use super::context::Context;
use super::dns::facts::DnsFacts;
use super::findings::Findings;
use super::severity::Severity;
use super::views::Views;
use crate::load::Inputs;

/// What a rule file states about itself.
#[derive(Debug)]
pub(crate) struct Row {
    /// Severity unless the finding raises it.
    pub(crate) severity: Severity,
    /// What the check reads, and so when it runs.
    pub(crate) check: CheckFn,
    /// One line for `--list-rules` and SARIF `shortDescription`.
    pub(crate) summary: &'static str,
}

/// A rule's check function. The variant says what the function reads, and so when it can run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CheckFn {
    /// Only the documents and load problems: what the API server and Istio's validating webhook
    /// decide. These run in [`admission`](super::gate::admission), before any lint.
    Admission(fn(&Inputs, &mut Findings)),
    /// The documents plus the context (thresholds, mesh settings, DNS capture).
    Lint(fn(&Context<'_>, &mut Findings)),
    /// The decision engine's compiled view of each namespace as well, compiled once per run.
    Views(fn(&Context<'_>, &Views<'_>, &mut Findings)),
    /// Live DNS answers as well; skipped when the context has none.
    Dns(fn(&Context<'_>, &DnsFacts, &mut Findings)),
    /// The suppression annotations, each code classified against the other rules' findings
    /// before suppression: runs after them.
    Suppressions(fn(&[Listed], &mut Findings)),
    /// Found by another command, named here (`meshctl sync --check` plans every managed entry
    /// against DNS); `check` lists and explains the rule but never runs it.
    Reported(&'static str),
}
