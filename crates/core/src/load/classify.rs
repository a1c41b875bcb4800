//! Sorts parsed documents by kind, validates Istio resources against their schema and converts
//! them to typed values. Lists are unpacked; mesh configuration is accepted in the three forms
//! users have (a bare MeshConfig, the `istio` ConfigMap, an IstioOperator's `spec.meshConfig`).

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::budget::Limits;
use super::inputs::Inputs;
use super::node::{Node, Pos, Value};
use super::options::LoadOptions;
use super::origin::{Loaded, Origin};
use super::peek::Document;
use super::problem::{LoadProblem, ProblemKind};
use super::skipped::{OtherDocument, SkipReason, Skipped};
use crate::model::{
    MeshConfig, NETWORKING_GROUP, NETWORKING_VERSIONS, SECURITY_GROUP, SECURITY_VERSIONS,
};
use crate::schema::{self, Violation};

/// Sorts one top-level document; documents of other kinds arrive with their head only.
pub(super) fn top_level(
    path: &Arc<str>,
    doc: Document,
    options: &LoadOptions,
    inputs: &mut Inputs,
) {
    match doc {
        Document::Full(node) => document(path, node, options, inputs),
        Document::Other {
            pos,
            api_version,
            kind,
        } => {
            let origin = Origin {
                path: path.clone(),
                pos,
            };
            inputs.others.push(other(origin, api_version, kind));
        }
    }
}

fn document(path: &Arc<str>, doc: Node, options: &LoadOptions, inputs: &mut Inputs) {
    let origin = Origin {
        path: path.clone(),
        pos: doc.pos,
    };
    if !matches!(doc.value, Value::Map(_)) {
        inputs.skipped.push(Skipped {
            origin,
            reason: SkipReason::NotMapping,
        });
        return;
    }
    let api_version = doc.get_str("apiVersion").unwrap_or_default().to_owned();
    let kind = doc.get_str("kind").unwrap_or_default().to_owned();
    let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));

    match (group, kind.as_str()) {
        (
            NETWORKING_GROUP,
            "ServiceEntry" | "Sidecar" | "VirtualService" | "DestinationRule" | "Gateway",
        ) => {
            if !NETWORKING_VERSIONS.contains(&version) {
                let problem = not_served(path, &doc, &kind, &api_version, options);
                inputs.problems.push(problem);
                return;
            }
            let doc = with_namespace(doc, options);
            networking(path, doc, &kind, inputs);
        }
        (SECURITY_GROUP, "AuthorizationPolicy") => {
            if !SECURITY_VERSIONS.contains(&version) {
                let problem = not_served(path, &doc, &kind, &api_version, options);
                inputs.problems.push(problem);
                return;
            }
            let doc = with_namespace(doc, options);
            let violations = schema::validate_authorization_policy(&doc);
            if let Some(loaded) = typed(path, doc, &kind, violations, inputs) {
                inputs.authorization_policies.push(loaded);
            }
        }
        ("", "Service" | "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => {
            kubernetes(path, with_namespace(doc, options), &kind, inputs);
        }
        ("" | _, "List") if doc.get("items").is_some() => {
            if let Some(Value::Seq(items)) = doc.get("items").map(|n| n.value.clone()) {
                for item in items {
                    document(path, item, options, inputs);
                }
            }
        }
        ("", "ConfigMap") if is_istio_configmap(&doc) => mesh_from_configmap(path, &doc, inputs),
        ("install.istio.io", "IstioOperator") => {
            if let Some(mesh) = doc.get("spec").and_then(|s| s.get("meshConfig")) {
                mesh_config(path, mesh, "spec.meshConfig", &doc, inputs);
            } else {
                inputs.others.push(other(origin, api_version, kind));
            }
        }
        ("", "") if MeshConfig::KNOWN_KEYS.iter().any(|k| doc.get(k).is_some()) => {
            mesh_config(path, &doc, "", &doc, inputs);
        }
        _ if api_version.is_empty() || kind.is_empty() => inputs.skipped.push(Skipped {
            origin,
            reason: SkipReason::NotResource,
        }),
        _ => inputs.others.push(other(origin, api_version, kind)),
    }
}

/// Validates and converts an Istio networking resource of a kind meshctl models.
fn networking(path: &Arc<str>, doc: Node, kind: &str, inputs: &mut Inputs) {
    match kind {
        "ServiceEntry" => {
            let violations = schema::validate_service_entry(&doc);
            if let Some(loaded) = typed(path, doc, kind, violations, inputs) {
                inputs.service_entries.push(loaded);
            }
        }
        "Sidecar" => {
            let violations = schema::validate_sidecar(&doc);
            if let Some(loaded) = typed(path, doc, kind, violations, inputs) {
                inputs.sidecars.push(loaded);
            }
        }
        "VirtualService" => {
            let violations = schema::validate_virtual_service(&doc);
            if let Some(loaded) = typed(path, doc, kind, violations, inputs) {
                inputs.virtual_services.push(loaded);
            }
        }
        "Gateway" => {
            let violations = schema::validate_gateway(&doc);
            if let Some(loaded) = typed(path, doc, kind, violations, inputs) {
                inputs.gateways.push(loaded);
            }
        }
        _ => {
            let violations = schema::validate_destination_rule(&doc);
            if let Some(loaded) = typed(path, doc, kind, violations, inputs) {
                inputs.destination_rules.push(loaded);
            }
        }
    }
}

/// The API server's answer to a kind applied under a version its CRD does not serve.
fn not_served(
    path: &Arc<str>,
    doc: &Node,
    kind: &str,
    api_version: &str,
    options: &LoadOptions,
) -> LoadProblem {
    let served = if kind == "AuthorizationPolicy" {
        SECURITY_VERSIONS.join(", ")
    } else {
        NETWORKING_VERSIONS.join(", ")
    };
    LoadProblem {
        kind: ProblemKind::Schema,
        origin: Origin {
            path: path.clone(),
            pos: doc.locate("apiVersion"),
        },
        field: Some("apiVersion".into()),
        message: format!(
            "no matches for kind \"{kind}\" in version \"{api_version}\" (served: {served})"
        ),
        resource: Some(resource_name(kind, doc, options)),
    }
}

/// Converts a Kubernetes resource that shapes the mesh's registry. The API server validated it
/// when it was applied, so only its shape is checked here.
fn kubernetes(path: &Arc<str>, doc: Node, kind: &str, inputs: &mut Inputs) {
    match kind {
        "Service" => {
            if let Some(loaded) = typed(path, doc, kind, Vec::new(), inputs) {
                inputs.services.push(loaded);
            }
        }
        "Endpoints" => {
            if let Some(loaded) = typed(path, doc, kind, Vec::new(), inputs) {
                inputs.endpoints.push(loaded);
            }
        }
        _ => {
            if let Some(loaded) = typed(path, doc, kind, Vec::new(), inputs) {
                inputs.endpoint_slices.push(loaded);
            }
        }
    }
}

fn other(origin: Origin, api_version: String, kind: String) -> OtherDocument {
    OtherDocument {
        origin,
        api_version,
        kind,
    }
}

/// `Kind namespace/name` for messages.
fn resource_name(kind: &str, doc: &Node, options: &LoadOptions) -> String {
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get_str("name")).unwrap_or("<unnamed>");
    let namespace = meta
        .and_then(|m| m.get_str("namespace"))
        .unwrap_or(&options.default_namespace);
    format!("{kind} {namespace}/{name}")
}

/// Fills `metadata.namespace` from `-n` (or `default`) when the document names none.
fn with_namespace(mut doc: Node, options: &LoadOptions) -> Node {
    let Value::Map(entries) = &mut doc.value else {
        return doc;
    };
    let Some((_, meta)) = entries.iter_mut().find(|(k, _)| k.name == "metadata") else {
        return doc;
    };
    if let Value::Map(fields) = &mut meta.value
        && !fields
            .iter()
            .any(|(k, v)| k.name == "namespace" && v.as_str().is_some())
    {
        fields.retain(|(k, _)| k.name != "namespace");
        fields.push((
            super::node::Key {
                name: "namespace".into(),
                pos: meta.pos,
            },
            Node {
                pos: meta.pos,
                value: Value::Str(options.default_namespace.clone()),
            },
        ));
    }
    doc
}

fn typed<T: DeserializeOwned>(
    path: &Arc<str>,
    doc: Node,
    kind: &str,
    violations: Vec<Violation>,
    inputs: &mut Inputs,
) -> Option<Loaded<T>> {
    let resource = {
        let meta = doc.get("metadata");
        let name = meta.and_then(|m| m.get_str("name")).unwrap_or("<unnamed>");
        let namespace = meta
            .and_then(|m| m.get_str("namespace"))
            .unwrap_or("default");
        format!("{kind} {namespace}/{name}")
    };
    if !violations.is_empty() {
        for v in violations {
            inputs.problems.push(LoadProblem {
                kind: ProblemKind::Schema,
                origin: Origin {
                    path: path.clone(),
                    pos: v.pos,
                },
                field: Some(v.path),
                message: v.message,
                resource: Some(resource.clone()),
            });
        }
        return None;
    }
    let origin = Origin {
        path: path.clone(),
        pos: doc.pos,
    };
    match serde_json::from_value::<T>(doc.to_json()) {
        Ok(value) => Some(Loaded {
            resource: value,
            origin,
            node: Arc::new(doc),
        }),
        Err(e) => {
            inputs.problems.push(LoadProblem {
                kind: ProblemKind::Schema,
                origin,
                field: None,
                message: e.to_string(),
                resource: Some(resource),
            });
            None
        }
    }
}

fn is_istio_configmap(doc: &Node) -> bool {
    let meta = doc.get("metadata");
    let name = meta.and_then(|m| m.get_str("name")).unwrap_or_default();
    let namespace = meta.and_then(|m| m.get_str("namespace"));
    (name == "istio" || name.starts_with("istio-"))
        && namespace.is_none_or(|ns| ns == MeshConfig::DEFAULT_ROOT_NAMESPACE)
        && doc.get("data").and_then(|d| d.get("mesh")).is_some()
}

/// The `istio` ConfigMap keeps MeshConfig as a YAML string under `data.mesh`.
fn mesh_from_configmap(path: &Arc<str>, doc: &Node, inputs: &mut Inputs) {
    let Some(field) = doc.get("data").and_then(|d| d.get("mesh")) else {
        return;
    };
    let problem = |message: String| LoadProblem {
        kind: ProblemKind::Parse,
        origin: Origin {
            path: path.clone(),
            pos: field.pos,
        },
        field: Some("data.mesh".into()),
        message,
        resource: Some("ConfigMap istio-system/istio".into()),
    };
    let Some(text) = field.as_str() else {
        inputs
            .problems
            .push(problem("must be a string holding MeshConfig YAML".into()));
        return;
    };
    match super::parse::nodes(text.as_bytes(), &Limits::default()) {
        Ok(mut docs) if docs.len() <= 1 => {
            let mesh = docs.pop().unwrap_or(Node {
                pos: field.pos,
                value: Value::Map(Vec::new()),
            });
            // Positions inside the embedded string are relative to it; point at the field.
            let mesh = relocate(mesh, field.pos);
            mesh_config(path, &mesh, "data.mesh", doc, inputs);
        }
        Ok(_) => inputs
            .problems
            .push(problem("holds more than one YAML document".into())),
        Err(e) => inputs.problems.push(problem(format!(
            "embedded MeshConfig line {}: {}",
            e.pos.line, e.message
        ))),
    }
}

fn relocate(mut node: Node, pos: Pos) -> Node {
    node.pos = pos;
    match &mut node.value {
        Value::Seq(items) => {
            *items = std::mem::take(items)
                .into_iter()
                .map(|n| relocate(n, pos))
                .collect();
        }
        Value::Map(entries) => {
            *entries = std::mem::take(entries)
                .into_iter()
                .map(|(mut k, v)| {
                    k.pos = pos;
                    (k, relocate(v, pos))
                })
                .collect();
        }
        _ => {}
    }
    node
}

fn mesh_config(path: &Arc<str>, mesh: &Node, field: &str, whole: &Node, inputs: &mut Inputs) {
    let origin = Origin {
        path: path.clone(),
        pos: mesh.pos,
    };
    let mode_path = if field.is_empty() {
        "outboundTrafficPolicy.mode".to_owned()
    } else {
        format!("{field}.outboundTrafficPolicy.mode")
    };
    if let Some(mode) = mesh
        .get("outboundTrafficPolicy")
        .and_then(|p| p.get("mode"))
        && !matches!(
            mode.as_str(),
            Some("REGISTRY_ONLY" | "ALLOW_ANY" | "ALLOW_ANY_DYNAMIC_DNS")
        )
    {
        inputs.problems.push(LoadProblem {
            kind: ProblemKind::Schema,
            origin: Origin {
                path: path.clone(),
                pos: mode.pos,
            },
            field: Some(mode_path),
            message: "Unsupported value: supported values: \"REGISTRY_ONLY\", \"ALLOW_ANY\", \"ALLOW_ANY_DYNAMIC_DNS\"".into(),
            resource: Some("MeshConfig".into()),
        });
        return;
    }
    // The operator turns an IstioOperator's scalar proxyMetadata into strings; a value that is
    // still not a string is reported at its own key.
    let mut mesh = mesh.clone();
    let not_strings = super::operator::proxy_metadata(&mut mesh, field, field == "spec.meshConfig");
    if !not_strings.is_empty() {
        for wrong in not_strings {
            inputs.problems.push(LoadProblem {
                kind: ProblemKind::Schema,
                origin: Origin {
                    path: path.clone(),
                    pos: wrong.pos,
                },
                field: Some(wrong.path),
                message: wrong.message,
                resource: Some("MeshConfig".into()),
            });
        }
        return;
    }
    match serde_json::from_value::<MeshConfig>(mesh.to_json()) {
        // The node is the MeshConfig itself (for the ConfigMap form, relocated to `data.mesh`),
        // so `locate("outboundTrafficPolicy.mode")` works for all three forms.
        Ok(resource) => inputs.mesh_configs.push(Loaded {
            resource,
            origin: Origin {
                path: origin.path.clone(),
                pos: whole.pos,
            },
            node: Arc::new(mesh),
        }),
        Err(e) => inputs.problems.push(LoadProblem {
            kind: ProblemKind::Schema,
            origin,
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: e.to_string(),
            resource: Some("MeshConfig".into()),
        }),
    }
}
