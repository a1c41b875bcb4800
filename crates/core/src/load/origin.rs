//! Where loaded things come from: the file and position of a document or field, and a typed
//! resource that keeps its parsed document so any of its fields can be located later.

use std::fmt;
use std::sync::Arc;

use super::node::{Node, Pos};

/// Where a document or field was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// File path as the user gave it (or `-` for stdin).
    pub path: Arc<str>,
    /// Line and column.
    pub pos: Pos,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.pos)
    }
}

/// A typed resource with its source document, so any field can be located later.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The typed resource.
    pub resource: T,
    /// Where the document starts.
    pub origin: Origin,
    /// The parsed document, kept for field positions.
    pub node: Arc<Node>,
}

impl<T> Loaded<T> {
    /// The origin of the field at `path` (e.g. `spec.addresses[1]`), or of its nearest ancestor.
    #[must_use]
    pub fn locate(&self, path: &str) -> Origin {
        Origin {
            path: self.origin.path.clone(),
            pos: self.node.locate(path),
        }
    }
}
