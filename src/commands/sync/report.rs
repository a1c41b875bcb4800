//! What `sync` says about a run: how its plans end it, and the findings of `--check`, built by
//! the MSH308 rule in core (whose sentence is also the change line of `--write`/`--watch`).

use std::time::Duration;

use meshctl_core::rules::{Diagnostic, managed_address_drift, sort_diagnostics};
use meshctl_core::sync::Status;

use super::files::Planned;

/// How a set of plans ends a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tally {
    /// Entries in sync.
    pub(super) in_sync: usize,
    /// Entries whose file should change.
    pub(super) drift: usize,
    /// Entries whose drift was held back (empty answer, last address).
    pub(super) held: usize,
    /// Entries whose name could not be verified.
    pub(super) unverified: usize,
}

impl Tally {
    pub(super) fn of(planned: &[Planned<'_>]) -> Self {
        let mut tally = Tally::default();
        for (_, plan) in planned.iter().flat_map(|p| &p.plans) {
            match plan.status {
                Status::InSync => tally.in_sync += 1,
                Status::Drift => tally.drift += 1,
                Status::HeldEmpty(_) | Status::HeldLast => tally.held += 1,
                Status::Unverified(_) | Status::Refused(_) => tally.unverified += 1,
            }
        }
        tally
    }
}

/// One finding per entry that is not in sync, sorted like `check`'s.
pub(super) fn diagnostics(planned: &[Planned<'_>], grace: Duration) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = planned
        .iter()
        .flat_map(|p| &p.plans)
        .filter_map(|(entry, plan)| managed_address_drift::finding(entry, plan, grace))
        .collect();
    sort_diagnostics(&mut out);
    out
}

/// The change line of `--write` and `--watch`: the finding's sentence.
pub(super) use managed_address_drift::describe;
