//! One schema violation: the field path, its position and what Kubernetes would say about it.

use crate::load::node::Pos;

/// One schema violation: where, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// Position of the offending field (or of its parent when the field is missing).
    pub pos: Pos,
    /// Field path such as `spec.ports[0].number`.
    pub path: String,
    /// What is wrong, in Kubernetes' terms where it has them.
    pub message: String,
}
