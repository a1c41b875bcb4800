//! MSH002 schema-violation: a resource against Istio's CRD schema (unknown field, type, enum,
//! required field, limit), except the CEL rules that repeat a webhook check (see
//! [`problems`](super::problems)).

use super::problems;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;

/// Reports the loader's schema problems no webhook rule owns.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(inputs, ProblemKind::Schema, None, out);
}
