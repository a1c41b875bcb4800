//! Applying plans to a file's text by source span: only the `addresses` items and the
//! departed annotation change; comments, key order, quoting and every other byte stay.
//!
//! Positions come from the loader's [`Node`] tree, which was parsed from exactly this text.
//! Block sequences are edited line by line, so a kept address keeps its line with its trailing
//! comment, and comment lines above an address travel with it (and leave with it). A flow
//! sequence (`[a, b]`, also JSON) is rewritten between its brackets with the kept items'
//! original spelling. The departed annotation is edited in [`annotation`].

use std::ops::Range;
use std::sync::Arc;

use crate::load::node::Value;
use crate::load::{Node, Origin, Pos};

use super::grace::DEPARTED_ANNOTATION;
use super::plan::{Item, Plan};
use crate::pinning::ALLOWED_ANNOTATION;

/// One replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes replaced.
    pub range: Range<usize>,
    /// What goes there.
    pub text: String,
}

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

/// Line starts of a text, to turn 1-based line/column (characters) into byte offsets.
#[derive(Debug)]
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// Byte offset of the start of 1-based `line` (the text's end past the last line).
    fn start(&self, line: u64) -> usize {
        usize::try_from(line)
            .ok()
            .and_then(|l| self.starts.get(l.saturating_sub(1)))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte offset just past the end of `line`, newline included.
    fn end(&self, line: u64) -> usize {
        self.start(line + 1)
    }

    /// Byte offset of `pos`.
    #[must_use]
    pub fn offset(&self, pos: Pos) -> usize {
        let start = self.start(pos.line);
        let column = usize::try_from(pos.column.saturating_sub(1)).unwrap_or(usize::MAX);
        self.text[start..]
            .char_indices()
            .nth(column)
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}

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
        edits.push(addresses_edit(lines, path, doc, &plan.items)?);
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

fn error(path: &Arc<str>, pos: Pos, field: &str, message: &str) -> EditError {
    EditError {
        origin: Origin {
            path: path.clone(),
            pos,
        },
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// The `(key, value)` of mapping `node` named `name`.
fn entry<'n>(node: &'n Node, name: &str) -> Option<(Pos, &'n Node)> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(k, v)| (k.pos, v)),
        _ => None,
    }
}

/// True when the value after the key at `key` starts with `open` (a flow collection).
fn is_flow(lines: &Lines<'_>, key: Pos, open: char) -> bool {
    let from = lines.offset(key);
    let rest = &lines.text[from..];
    let Some(colon) = rest.find(':') else {
        return false;
    };
    rest[colon + 1..]
        .trim_start_matches([' ', '\t'])
        .starts_with(open)
}

fn addresses_edit(
    lines: &Lines<'_>,
    path: &Arc<str>,
    doc: &Node,
    items: &[Item],
) -> Result<Edit, EditError> {
    let field = "spec.addresses";
    let spec = doc
        .get("spec")
        .ok_or_else(|| error(path, doc.pos, "spec", "missing"))?;
    let (key, seq) =
        entry(spec, "addresses").ok_or_else(|| error(path, spec.pos, field, "missing"))?;
    let Value::Seq(old) = &seq.value else {
        return Err(error(path, seq.pos, field, "not a list"));
    };
    if is_flow(lines, key, '[') || old.is_empty() {
        return Ok(flow_edit(lines, path, key, old, items));
    }
    // Block: one chunk of whole lines per item, comment lines above an item included (the
    // lines between `addresses:` and the first item can only be comments or blank).
    let item_lines: Vec<u64> = old.iter().map(|n| n.pos.line).collect();
    let chunk = |i: usize| {
        let from = if i == 0 {
            key.line + 1
        } else {
            item_lines[i - 1] + 1
        };
        &lines.text[lines.start(from)..lines.end(item_lines[i])]
    };
    let first = lines.offset(old[0].pos);
    let prefix = &lines.text[lines.start(item_lines[0])..first];
    let quote = quote_of(&lines.text[first..]);
    let region = lines.start(key.line + 1)..lines.end(item_lines[old.len() - 1]);
    let eol = if chunk(0).ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut text = String::new();
    for item in items {
        match item {
            Item::Existing(i) => {
                text.push_str(chunk(*i));
                if !text.ends_with('\n') {
                    text.push_str(eol);
                }
            }
            Item::New(value) => {
                for part in [prefix, quote, value, quote, eol] {
                    text.push_str(part);
                }
            }
        }
    }
    if !lines.text[region.clone()].ends_with('\n') {
        text.truncate(text.trim_end_matches(['\r', '\n']).len());
    }
    Ok(Edit {
        range: region,
        text,
    })
}

/// `"`, `'` or nothing: how the existing item at the start of `text` is quoted.
fn quote_of(text: &str) -> &'static str {
    match text.chars().next() {
        Some('"') => "\"",
        Some('\'') => "'",
        _ => "",
    }
}

/// Byte length of the scalar at the start of `text`: a quoted string to its closing quote,
/// a plain one to the next `,`, `]`, `}`, ` #` or line end.
fn scalar_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    if let Some((_, q @ ('"' | '\''))) = chars.next() {
        let mut escaped = false;
        for (i, c) in chars {
            if q == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == q && !escaped {
                return i + 1;
            }
            escaped = false;
        }
        return text.len();
    }
    let end = text.find([',', ']', '}', '\n', '\r']).unwrap_or(text.len());
    let end = text[..end].find(" #").unwrap_or(end);
    text[..end].trim_end().len()
}

fn flow_edit(lines: &Lines<'_>, path: &Arc<str>, key: Pos, old: &[Node], items: &[Item]) -> Edit {
    let key_at = lines.offset(key);
    let open = lines.text[key_at..]
        .find('[')
        .map_or(key_at, |i| key_at + i);
    let mut close = open + 1;
    let mut rest = &lines.text[open + 1..];
    while let Some(c) = rest.chars().next() {
        if c == ']' {
            break;
        }
        let len = if matches!(c, '"' | '\'') {
            scalar_len(rest)
        } else {
            c.len_utf8()
        };
        close += len;
        rest = &rest[len..];
    }
    let quote = old
        .first()
        .map(|n| quote_of(&lines.text[lines.offset(n.pos)..]))
        .or_else(|| path.ends_with(".json").then_some("\""))
        .unwrap_or("");
    let spelled: Vec<String> = items
        .iter()
        .map(|item| match item {
            Item::Existing(i) => {
                let at = lines.offset(old[*i].pos);
                lines.text[at..at + scalar_len(&lines.text[at..])].to_owned()
            }
            Item::New(value) => format!("{quote}{value}{quote}"),
        })
        .collect();
    Edit {
        range: open..(close + 1).min(lines.text.len()),
        text: format!("[{}]", spelled.join(", ")),
    }
}

mod annotation;

#[cfg(test)]
mod tests;
