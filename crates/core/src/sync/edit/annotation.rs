//! Editing the departed annotation by span: replace its value, insert it as the first
//! annotation (creating `annotations` when there is none), or remove it, leaving every other
//! byte as written. Block mappings are edited line by line; flow mappings (`{a: b}`, and every
//! JSON file) in place between their braces, the key quoted so the result stays JSON.

use std::sync::Arc;

use crate::load::Node;
use crate::load::node::Value;
use crate::sync::grace::DEPARTED_ANNOTATION;

use super::{Edit, EditError, Lines, entry, error, is_flow, scalar_len};

/// The edit that sets the departed annotation of `doc` to `value` (`None`: remove it).
pub(super) fn edit(
    lines: &Lines<'_>,
    path: &Arc<str>,
    doc: &Node,
    value: Option<&str>,
) -> Result<Option<Edit>, EditError> {
    let (meta_key, meta) =
        entry(doc, "metadata").ok_or_else(|| error(path, doc.pos, "metadata", "missing"))?;
    let quoted = value.map(|v| format!("\"{v}\""));
    let Some((ann_key, annotations)) = entry(meta, "annotations") else {
        let Some(quoted) = quoted else {
            return Ok(None);
        };
        if is_flow(lines, meta_key, '{') {
            let at = after_brace(lines, lines.offset(meta_key));
            return Ok(Some(Edit {
                range: at..at,
                text: format!("annotations: {{\"{DEPARTED_ANNOTATION}\": {quoted}}}, "),
            }));
        }
        let Value::Map(keys) = &meta.value else {
            return Err(error(path, meta.pos, "metadata", "not a mapping"));
        };
        let first = keys.first().map_or(meta.pos, |(k, _)| k.pos);
        let indent = " ".repeat(usize::try_from(first.column.saturating_sub(1)).unwrap_or(0));
        let at = lines.start(first.line);
        return Ok(Some(Edit {
            range: at..at,
            text: format!("{indent}annotations:\n{indent}  {DEPARTED_ANNOTATION}: {quoted}\n"),
        }));
    };
    let field = "metadata.annotations";
    let Value::Map(keys) = &annotations.value else {
        return Err(error(path, annotations.pos, field, "not a mapping"));
    };
    let flow = is_flow(lines, ann_key, '{');
    let own = keys.iter().find(|(k, _)| k.name == DEPARTED_ANNOTATION);
    Ok(match (own, quoted) {
        (Some((_, node)), Some(quoted)) => {
            let at = lines.offset(node.pos);
            let len = scalar_len(&lines.text[at..]);
            Some(Edit {
                range: at..at + len,
                text: quoted,
            })
        }
        (None, Some(quoted)) if flow => {
            let at = after_brace(lines, lines.offset(ann_key));
            let sep = if keys.is_empty() { "" } else { ", " };
            Some(Edit {
                range: at..at,
                text: format!("\"{DEPARTED_ANNOTATION}\": {quoted}{sep}"),
            })
        }
        (None, Some(quoted)) => {
            let first = keys.first().map_or(annotations.pos, |(k, _)| k.pos);
            let indent = " ".repeat(usize::try_from(first.column.saturating_sub(1)).unwrap_or(0));
            let at = lines.start(first.line);
            Some(Edit {
                range: at..at,
                text: format!("{indent}{DEPARTED_ANNOTATION}: {quoted}\n"),
            })
        }
        (Some((key, node)), None) if flow => {
            // `key: value` and the separator after it (or before it, for the last entry).
            let start = lines.offset(key.pos);
            let value_at = lines.offset(node.pos);
            let mut end = value_at + scalar_len(&lines.text[value_at..]);
            let rest = &lines.text[end..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            let mut start = start;
            if let Some(after) = trimmed.strip_prefix(',') {
                end += rest.len() - after.trim_start_matches([' ', '\t']).len();
            } else {
                let before = lines.text[..start].trim_end_matches([' ', '\t']);
                if let Some(kept) = before.strip_suffix(',') {
                    start = kept.len();
                }
            }
            Some(Edit {
                range: start..end,
                text: String::new(),
            })
        }
        (Some((key, _)), None) => {
            // The only annotation: take the `annotations:` line with it, or it would be null.
            let from = if keys.len() == 1 {
                ann_key.line
            } else {
                key.pos.line
            };
            Some(Edit {
                range: lines.start(from)..lines.end(key.pos.line),
                text: String::new(),
            })
        }
        (None, None) => None,
    })
}

/// The byte just after the `{` that opens the flow mapping of the key at `from`.
fn after_brace(lines: &Lines<'_>, from: usize) -> usize {
    lines.text[from..].find('{').map_or(from, |i| from + i + 1)
}
