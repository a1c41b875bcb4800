//! Reads a `simulate --expect` calls file with the same parser, budgets and positions as every
//! other input, so a mistake is reported as `calls.yaml:5:11: \`calls[1].expect\`: …`. The
//! loader hands over each file's nodes; the calls shape is this module's to check.

use std::path::Path;
use std::sync::Arc;

use super::call::Call;
use crate::load::node::{Node, Value};
use crate::load::{self, Limits, LoadProblem, Origin, ProblemKind, SourceError};

/// Why a calls file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CallsError {
    /// Unreadable.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Unparsable, or not the calls shape.
    #[error(transparent)]
    Invalid(#[from] LoadProblem),
}

/// Reads and checks the calls file at `path`.
///
/// # Errors
/// [`CallsError`] naming the file, position and field.
pub fn load_calls(path: &Path, limits: &Limits) -> Result<Vec<Call>, CallsError> {
    let mut calls = Vec::new();
    load::read_each_file(path, limits, |name, docs| -> Result<(), CallsError> {
        calls.extend(parse_calls(name, &docs)?);
        Ok(())
    })?;
    Ok(calls)
}

fn parse_calls(name: &Arc<str>, docs: &[Node]) -> Result<Vec<Call>, LoadProblem> {
    let problem = |pos, field: Option<String>, message: String| LoadProblem {
        kind: ProblemKind::Parse,
        origin: Origin {
            path: name.clone(),
            pos,
        },
        field,
        message,
        resource: None,
    };
    let [doc] = docs else {
        return Err(problem(
            docs.get(1)
                .map_or(load::Pos { line: 1, column: 1 }, |d| d.pos),
            None,
            format!("expected one document with `calls:`, found {}", docs.len()),
        ));
    };
    let Some(Node {
        value: Value::Seq(items),
        ..
    }) = doc.get("calls")
    else {
        return Err(problem(
            doc.pos,
            Some("calls".into()),
            "expected a list of calls (`calls: [{destination: …, expect: ALLOW}]`)".into(),
        ));
    };
    if items.is_empty() {
        return Err(problem(
            doc.locate("calls"),
            Some("calls".into()),
            "the list is empty: nothing to check".into(),
        ));
    }
    // Unknown top-level keys are mistakes too (a misspelt `calls` would otherwise pass).
    if let Value::Map(entries) = &doc.value
        && let Some((key, _)) = entries.iter().find(|(k, _)| k.name != "calls")
    {
        return Err(problem(
            key.pos,
            Some(key.name.clone()),
            "unknown field: a calls file has only `calls`".into(),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut call: Call = serde_json::from_value(item.to_json()).map_err(|e| {
                // A value echoed back (`unknown variant …`) may be a DSN with its password.
                let message = crate::target::redact(&e.to_string());
                let field = blamed_field(&message, item);
                let pos = field.as_deref().map_or(item.pos, |f| item.locate(f));
                let path = field.map_or(format!("calls[{i}]"), |f| format!("calls[{i}].{f}"));
                problem(pos, Some(path), message)
            })?;
            call.origin = Origin {
                path: name.clone(),
                pos: item.pos,
            };
            Ok(call)
        })
        .collect()
}

/// The key a serde message is about: ``unknown field `x` `` names it; an unknown variant can only
/// be the `expect` verdict; a type error names no key, so the call itself is blamed.
fn blamed_field(message: &str, item: &Node) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return rest.split('`').next().map(str::to_owned);
    }
    if message.starts_with("unknown variant") && item.get("expect").is_some() {
        return Some("expect".into());
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return rest.split('`').next().map(str::to_owned);
    }
    None
}
