//! The values the Istio operator turns into strings before a MeshConfig is read.
//!
//! `proxyMetadata` is a map of strings, but people write `ISTIO_DUAL_STACK: false` or
//! `CONCURRENCY: 2`, and in an IstioOperator the operator converts such scalars to strings
//! (istio/istio `operator/pkg/values/map.go`, `alwaysString`: every key under
//! `spec.meshConfig.defaultConfig.proxyMetadata.`), so the install succeeds. The bare MeshConfig
//! and the `istio` ConfigMap get no such help: istiod reads them as they are. A value that is
//! no scalar at all is wrong in every form, and is reported at its own key in kubectl's words.

use super::node::{Node, Pos, Value};

/// A proxyMetadata value that is not a string after conversion: where, which field, and why.
pub(super) struct NotString {
    /// The value's position.
    pub pos: Pos,
    /// Its full path (`spec.meshConfig.defaultConfig.proxyMetadata.X`).
    pub path: String,
    /// kubectl's wording.
    pub message: String,
}

/// Converts scalar `proxyMetadata` values to strings when `convert` (the IstioOperator form) and
/// returns every value that is still not a string. `field` is where `mesh` sits in its document
/// (empty for a bare MeshConfig).
pub(super) fn proxy_metadata(mesh: &mut Node, field: &str, convert: bool) -> Vec<NotString> {
    let Some(metadata) = child(mesh, "defaultConfig").and_then(|c| child(c, "proxyMetadata"))
    else {
        return Vec::new();
    };
    let Value::Map(entries) = &mut metadata.value else {
        return Vec::new();
    };
    let prefix = if field.is_empty() {
        "defaultConfig.proxyMetadata".to_owned()
    } else {
        format!("{field}.defaultConfig.proxyMetadata")
    };
    let mut wrong = Vec::new();
    for (key, value) in entries {
        let text = match &value.value {
            Value::Str(_) => continue,
            Value::Bool(b) if convert => b.to_string(),
            Value::Int(i) if convert => i.to_string(),
            Value::Float(f) if convert => f.to_string(),
            other => {
                let path = format!("{prefix}.{}", key.name);
                let found = other.type_name();
                wrong.push(NotString {
                    pos: value.pos,
                    message: format!(
                        "Invalid value: \"{found}\": {path} in body must be of type string: \"{found}\""
                    ),
                    path,
                });
                continue;
            }
        };
        value.value = Value::Str(text);
    }
    wrong
}

fn child<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v),
        _ => None,
    }
}
