//! MSH001 parse-error: a file that is not valid YAML/JSON, exceeds a parse budget, or holds a
//! document that is not a mapping.

use super::problems;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;

/// Reports the loader's parse problems.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(inputs, ProblemKind::Parse, None, out);
}
