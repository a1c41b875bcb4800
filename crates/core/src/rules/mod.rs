//! Findings about the inputs, one rule per file: `<family>/mshNNN_<name>.rs` is the whole rule —
//! its module documentation is the explanation `check --explain` prints, its `RULE` constant
//! the severity, check function and summary, and its `check` function the logic. The crate's
//! `build.rs` reads the files' names to declare the modules and build the `Rule` enum and the
//! registry, so nothing else lists a rule by hand. Families: `input` (MSH0xx, documents the
//! loader could not use), `admission` (MSH1xx, what Istio's webhook rejects or warns about),
//! `tcp` (MSH2xx, one entry's TCP semantics), `dns` (MSH3xx, addresses DNS can invalidate),
//! `conflicts` (MSH4xx, entries that interfere), `scope` (MSH5xx, entries that restrict nothing
//! or reach no one).
//!
//! Two runners: [`admission()`] (documents only, for the workspace pipeline) and [`check()`]
//! (everything selected, for `meshctl check` and the proxy). The file graph is acyclic: rule files
//! import only the small types (row, rule, context, findings, severity) and their family's
//! helper files; the registry imports the rule files; the runners import the registry.

mod address;
mod admission;
mod annotation;
mod conflicts;
mod context;
mod diagnostic;
mod dns;
mod findings;
mod fix;
mod gate;
mod input;
mod lint;
mod registry;
mod row;
mod rule;
mod scope;
mod selection;
mod severity;
mod suppress;
mod tcp;
pub(crate) mod views;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod testing;

pub use context::{Context, MAX_IPV4_PREFIX, MAX_IPV6_PREFIX};
pub use diagnostic::{Diagnostic, sort as sort_diagnostics};
pub use dns::facts::DnsFacts;
pub use fix::{Edit, apply as apply_edits};
pub use gate::{Admission, admission};
pub use lint::check;
pub use registry::RuleInfo;
pub use rule::Rule;
pub use selection::{RuleSelection, from_istio_code};
pub use severity::Severity;
pub use suppress::Suppression;
pub use tcp::msh205_unspecified_protocol::SERVER_FIRST_PORTS;

/// MSH308's wording for `meshctl sync`, which builds the finding from its plan: the finding
/// itself and the change line `--write` and `--watch` print.
pub mod managed_address_drift {
    pub use super::dns::msh308_managed_address_drift::{describe, finding};
}
