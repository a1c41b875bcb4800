//! Applying plans to a file's text by source span: only the `addresses` items and the
//! departed annotation change; comments, key order, quoting and every other byte stay.
//!
//! Positions come from the loader's [`Node`] tree, which was parsed from exactly this text.
//! The `addresses` items are edited in [`addresses`], the annotations in [`annotation`]; both
//! produce [`Edit`]s that [`apply`] splices into the text.

use std::sync::Arc;

use crate::load::Node;

use super::grace::DEPARTED_ANNOTATION;
use super::plan::Plan;
use crate::pinning::ALLOWED_ANNOTATION;

mod addresses;
mod annotation;
mod error;
mod span;
mod written;

pub use error::EditError;
pub use span::{Edit, Lines};

/// The edits that turn `doc`'s `spec.addresses`, departed annotation and allowed address
/// classes into what `plan` says.
/// `old` is the departed annotation value written now (`None` when absent).
///
/// # Errors
/// [`EditError`] where the document's shape is one meshctl does not edit.
pub fn entry_edits(
    lines: &Lines<'_>,
    path: &Arc<str>,
    doc: &Node,
    plan: &Plan,
    old_departed: Option<&str>,
) -> Result<Vec<Edit>, EditError> {
    let mut edits = Vec::new();
    if plan.changes_addresses() {
        edits.push(addresses::edit(lines, path, doc, &plan.items)?);
    }
    let mut changes = Vec::new();
    let new = (!plan.departed.is_empty()).then(|| plan.departed.to_string());
    if new.as_deref() != old_departed {
        changes.push((DEPARTED_ANNOTATION, new.as_deref()));
    }
    let allowed = plan.record_allowed.map(|set| set.to_string());
    if let Some(allowed) = &allowed {
        changes.push((ALLOWED_ANNOTATION, Some(allowed.as_str())));
    }
    edits.extend(annotation::edits(lines, path, doc, &changes)?);
    Ok(edits)
}

/// Applies non-overlapping edits.
///
/// # Panics
/// Never on edits from [`entry_edits`] on distinct documents; overlapping edits are a bug.
#[must_use]
pub fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        assert!(
            edit.range.start >= at,
            "overlapping edits at byte {}",
            edit.range.start
        );
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests;
