//! Editing meshctl's annotations (the departed record, the allowed address classes) by span:
//! replace a value, insert new ones as the first annotations (creating `annotations` when
//! there is none), or remove one, leaving every other
//! byte as written. Block mappings are edited line by line; flow mappings (`{a: b}`, and every
//! JSON file) in place between their braces, the key quoted so the result stays JSON.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::load::node::Value;
use crate::load::{Node, Pos};

use super::error::{EditError, error};
use super::span::{Edit, Lines};
use super::written::{entry, is_flow, scalar_len};

/// The edits that set each annotation of `changes` on `doc` (`None`: remove it). Insertions
/// go together in one place, so two new keys on an entry without `annotations` create the
/// mapping once.
pub(super) fn edits(
    lines: &Lines<'_>,
    path: &Arc<str>,
    doc: &Node,
    changes: &[(&str, Option<&str>)],
) -> Result<Vec<Edit>, EditError> {
    let (meta_key, meta) =
        entry(doc, "metadata").ok_or_else(|| error(path, doc.pos, "metadata", "missing"))?;
    let quoted = |v: &str| format!("\"{v}\"");
    let Some((ann_key, annotations)) = entry(meta, "annotations") else {
        return create(lines, path, meta_key, meta, changes);
    };
    let field = "metadata.annotations";
    let Value::Map(keys) = &annotations.value else {
        return Err(error(path, annotations.pos, field, "not a mapping"));
    };
    let flow = is_flow(lines, ann_key, '{');
    let first = keys.first().map_or(annotations.pos, |(k, _)| k.pos);
    let indent = " ".repeat(usize::try_from(first.column.saturating_sub(1)).unwrap_or(0));
    let inserted: Vec<(&str, String)> = changes
        .iter()
        .filter(|(k, _)| !keys.iter().any(|(own, _)| own.name == *k))
        .filter_map(|(k, v)| v.map(|v| (*k, quoted(v))))
        .collect();
    let mut out = Vec::new();
    if !inserted.is_empty() {
        out.push(if flow {
            let at = after_brace(lines, lines.offset(ann_key));
            let sep = if keys.is_empty() { "" } else { ", " };
            let pairs: Vec<String> = inserted
                .iter()
                .map(|(k, q)| format!("\"{k}\": {q}"))
                .collect();
            Edit {
                range: at..at,
                text: format!("{}{sep}", pairs.join(", ")),
            }
        } else {
            let at = lines.start(first.line);
            let text = inserted.iter().fold(String::new(), |mut text, (k, q)| {
                let _ = writeln!(text, "{indent}{k}: {q}");
                text
            });
            Edit {
                range: at..at,
                text,
            }
        });
    }
    for (name, value) in changes {
        let Some((key, node)) = keys.iter().find(|(k, _)| k.name == *name) else {
            continue;
        };
        out.push(match value {
            Some(value) => {
                let at = lines.offset(node.pos);
                let len = scalar_len(&lines.text[at..]);
                Edit {
                    range: at..at + len,
                    text: quoted(value),
                }
            }
            None if flow => flow_removal(lines, key.pos, node.pos),
            None => {
                // The only annotation, with nothing inserted: take the `annotations:` line
                // with it, or it would be null.
                let from = if keys.len() == 1 && inserted.is_empty() {
                    ann_key.line
                } else {
                    key.pos.line
                };
                Edit {
                    range: lines.start(from)..lines.end(key.pos.line),
                    text: String::new(),
                }
            }
        });
    }
    Ok(out)
}

/// An `annotations` mapping holding the set values of `changes`, for an entry without one.
fn create(
    lines: &Lines<'_>,
    path: &Arc<str>,
    meta_key: Pos,
    meta: &Node,
    changes: &[(&str, Option<&str>)],
) -> Result<Vec<Edit>, EditError> {
    let set: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    if set.is_empty() {
        return Ok(Vec::new());
    }
    if is_flow(lines, meta_key, '{') {
        let at = after_brace(lines, lines.offset(meta_key));
        let pairs: Vec<String> = set
            .iter()
            .map(|(k, v)| format!("\"{k}\": \"{v}\""))
            .collect();
        return Ok(vec![Edit {
            range: at..at,
            text: format!("annotations: {{{}}}, ", pairs.join(", ")),
        }]);
    }
    let Value::Map(keys) = &meta.value else {
        return Err(error(path, meta.pos, "metadata", "not a mapping"));
    };
    let first = keys.first().map_or(meta.pos, |(k, _)| k.pos);
    let indent = " ".repeat(usize::try_from(first.column.saturating_sub(1)).unwrap_or(0));
    let at = lines.start(first.line);
    let mut text = format!("{indent}annotations:\n");
    for (k, v) in set {
        let _ = writeln!(text, "{indent}  {k}: \"{v}\"");
    }
    Ok(vec![Edit {
        range: at..at,
        text,
    }])
}

/// Removes `key: value` at `key` from a flow mapping, with the separator after it (or before
/// it, for the last entry).
fn flow_removal(lines: &Lines<'_>, key: Pos, value: Pos) -> Edit {
    let mut start = lines.offset(key);
    let value_at = lines.offset(value);
    let mut end = value_at + scalar_len(&lines.text[value_at..]);
    let rest = &lines.text[end..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if let Some(after) = trimmed.strip_prefix(',') {
        end += rest.len() - after.trim_start_matches([' ', '\t']).len();
    } else {
        let before = lines.text[..start].trim_end_matches([' ', '\t']);
        if let Some(kept) = before.strip_suffix(',') {
            start = kept.len();
        }
    }
    Edit {
        range: start..end,
        text: String::new(),
    }
}

/// The byte just after the `{` that opens the flow mapping of the key at `from`.
fn after_brace(lines: &Lines<'_>, from: usize) -> usize {
    lines.text[from..].find('{').map_or(from, |i| from + i + 1)
}
