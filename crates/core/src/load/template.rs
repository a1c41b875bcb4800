//! Telling an unrendered template from a rendered manifest that merely holds `{{` in its data.
//!
//! A rendered install is full of Go template text that belongs to the data: a Grafana dashboard
//! in a ConfigMap, a PrometheusRule's `summary: "{{ $labels.instance }}"`, the sidecar
//! injector's own templates. Skipping every file with `{{` dropped those manifests, and with
//! them the ServiceEntries beside them. So a document is a template only where template syntax
//! stands in its structure: the file does not parse as YAML (`name: {{ .Values.x }}` is a
//! mapping key, not a string), a mapping key holds `{{`, or a ServiceEntry's or Sidecar's own
//! fields do — none of them (names, hosts, addresses, ports, labels) can hold a `{`, so there it
//! is a placeholder the chart fills in, not a value Istio would read.

use super::node::{Node, Value};
use super::peek::Document;
use crate::model::NETWORKING_GROUP;

/// True when template syntax stands where the document needs structure (see the module doc).
pub(super) fn stands_in_structure(doc: &Document) -> bool {
    match doc {
        Document::Full(node) => in_structure(node),
        // Another kind, only counted: its keys were scanned for syntax, not kept.
        Document::Other { .. } => false,
    }
}

fn in_structure(node: &Node) -> bool {
    match &node.value {
        Value::Seq(items) => items.iter().any(in_structure),
        Value::Map(entries) => {
            if is_istio_resource(node) && istio_fields_templated(node) {
                return true;
            }
            entries
                .iter()
                .any(|(key, value)| has_template(&key.name) || in_structure(value))
        }
        _ => false,
    }
}

/// A ServiceEntry or Sidecar (also as a List's item).
fn is_istio_resource(node: &Node) -> bool {
    let group = node
        .get_str("apiVersion")
        .and_then(|v| v.split_once('/'))
        .map(|(group, _)| group);
    group == Some(NETWORKING_GROUP)
        && matches!(node.get_str("kind"), Some("ServiceEntry" | "Sidecar"))
}

/// Template syntax in `spec` or in `metadata.name`/`metadata.namespace`/`metadata.labels`.
fn istio_fields_templated(node: &Node) -> bool {
    let meta = node.get("metadata");
    node.get("spec").is_some_and(any_string_templated)
        || ["name", "namespace", "labels"]
            .iter()
            .filter_map(|field| meta.and_then(|m| m.get(field)))
            .any(any_string_templated)
}

fn any_string_templated(node: &Node) -> bool {
    match &node.value {
        Value::Str(text) => has_template(text),
        Value::Seq(items) => items.iter().any(any_string_templated),
        Value::Map(entries) => entries
            .iter()
            .any(|(key, value)| has_template(&key.name) || any_string_templated(value)),
        _ => false,
    }
}

fn has_template(text: &str) -> bool {
    text.contains("{{")
}

/// True when `{{` occurs anywhere in the bytes (most files: no, and no document is walked).
pub(super) fn anywhere(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|pair| pair == b"{{")
}

/// The first line (1-based) holding `{{` outside a comment, for a file that does not parse:
/// Helm charts write `{{ … }}` where YAML expects values, and no reading of such a file as YAML
/// says what the rendered resource would be.
pub(super) fn first_line(bytes: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains("{{") {
        return None;
    }
    (1..).zip(text.lines()).find_map(|(number, line)| {
        let line = line.trim_start();
        (!line.starts_with('#') && line.contains("{{")).then_some(number)
    })
}
