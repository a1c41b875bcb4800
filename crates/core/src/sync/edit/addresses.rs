//! Editing `spec.addresses` by span: a block sequence line by line, so a kept address keeps its
//! line with its trailing comment and comment lines above an address travel with it; a flow
//! sequence (`[a, b]`, also JSON) between its brackets with the kept items' original spelling.

use std::sync::Arc;

use crate::load::node::Value;
use crate::load::{Node, Pos};

use super::error::{EditError, error};
use super::span::{Edit, Lines};
use super::written::{entry, is_flow, quote_of, scalar_len};
use crate::sync::plan::Item;

/// The edit that turns `doc`'s `spec.addresses` into `items`.
pub(super) fn edit(
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

/// The edit that rewrites the flow sequence whose key is at `key` to `items`.
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
