//! MSH001 parse-error: a file that is not valid YAML/JSON or exceeds a parse budget. A document
//! that parses but is not a mapping is skipped by the loader, not reported here.

use super::problems;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;

/// Reports the loader's parse problems.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(inputs, ProblemKind::Parse, None, out);
}
