//! The VirtualService schema: the object's envelope; `spec` is typed by the model.

use super::walk::{METADATA, STRING, Schema};

/// A whole VirtualService object.
pub(super) const DOCUMENT: Schema = Schema::Object {
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", METADATA),
        ("spec", Schema::Any),
        ("status", Schema::Any),
    ],
    required: &[],
};
