//! Reading a document as written, for the editors: a mapping's entry with its key position,
//! whether a value is a flow collection, and a scalar's length and quoting in the text.

use crate::load::node::Value;
use crate::load::{Node, Pos};

use super::span::Lines;

/// The `(key, value)` of mapping `node` named `name`.
pub(super) fn entry<'n>(node: &'n Node, name: &str) -> Option<(Pos, &'n Node)> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(k, v)| (k.pos, v)),
        _ => None,
    }
}

/// True when the value after the key at `key` starts with `open` (a flow collection).
pub(super) fn is_flow(lines: &Lines<'_>, key: Pos, open: char) -> bool {
    let from = lines.offset(key);
    let rest = &lines.text[from..];
    let Some(colon) = rest.find(':') else {
        return false;
    };
    rest[colon + 1..]
        .trim_start_matches([' ', '\t'])
        .starts_with(open)
}

/// `"`, `'` or nothing: how the existing item at the start of `text` is quoted.
pub(super) fn quote_of(text: &str) -> &'static str {
    match text.chars().next() {
        Some('"') => "\"",
        Some('\'') => "'",
        _ => "",
    }
}

/// Byte length of the scalar at the start of `text`: a quoted string to its closing quote,
/// a plain one to the next `,`, `]`, `}`, ` #` or line end.
pub(super) fn scalar_len(text: &str) -> usize {
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
