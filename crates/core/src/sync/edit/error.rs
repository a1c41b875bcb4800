//! Why a file cannot be edited as planned: the field and position meshctl does not edit.

use std::sync::Arc;

use crate::load::{Origin, Pos};

/// Why a file cannot be edited as planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: `{field}`: {message}")]
pub struct EditError {
    /// Where.
    pub origin: Origin,
    /// The field, e.g. `metadata.annotations`.
    pub field: String,
    /// What meshctl cannot do there.
    pub message: String,
}

/// The [`EditError`] at `pos` of the file `path`.
pub(super) fn error(path: &Arc<str>, pos: Pos, field: &str, message: &str) -> EditError {
    EditError {
        origin: Origin {
            path: path.clone(),
            pos,
        },
        field: field.to_owned(),
        message: message.to_owned(),
    }
}
