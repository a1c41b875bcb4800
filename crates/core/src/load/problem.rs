//! A document that could not be used: parse or schema, with the position and field to blame.
//! Collected per document so one bad document never hides the others.

use std::fmt;

use super::origin::Origin;

/// Why a document could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// Not readable as YAML/JSON: syntax, encoding, budget, not a mapping.
    Parse,
    /// Readable, but rejected by the resource's schema.
    Schema,
}

/// A document that could not be used, with the position and field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// Parse or schema.
    pub kind: ProblemKind,
    /// File, line and column.
    pub origin: Origin,
    /// The field path, when the problem is about one field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// `Kind namespace/name` of the resource, when known.
    pub resource: Option<String>,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadProblem {}
