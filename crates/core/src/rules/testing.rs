//! What rule tests share: YAML in, the findings one rule's check makes of it.

use super::context::Context;
use super::findings::{Finding, Findings};
use super::severity::Severity;
use crate::load::{Inputs, LoadOptions, load_bytes};

/// Loads `text` as the file `name`, which must load without problems.
pub(crate) fn clean_inputs(name: &str, text: &str) -> Inputs {
    let inputs = load_bytes(name, text.as_bytes(), &LoadOptions::default()).expect("parser thread");
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    inputs
}

/// The findings a lint `check` (at `severity`) makes of `text`.
pub(crate) fn lint(
    check: fn(&Context<'_>, &mut Findings),
    severity: Severity,
    text: &str,
) -> Vec<Finding> {
    let inputs = clean_inputs("case.yaml", text);
    let mut out = Findings::new(severity);
    check(&Context::new(&inputs), &mut out);
    out.into_vec()
}
