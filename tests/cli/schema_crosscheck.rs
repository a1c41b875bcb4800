//! Cross-checks meshctl's built-in schema against Istio's real CRD schemas with a JSON-schema
//! validator, whenever `../shared/schemas/istio/` exists (it does in CI). The CRDs are read from
//! there at test time and never copied into this repository.
//!
//! Kubernetes rejects unknown fields (`kubectl apply` validates strictly), which a plain JSON
//! schema does not; the test adds `additionalProperties: false` to every object schema that lists
//! its properties and does not preserve unknown fields, which is the same rule.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn crd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/istio")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The Istio kinds meshctl validates, each with its CRD file.
const KINDS: [(&str, &str); 6] = [
    ("ServiceEntry", "serviceentry-crd.yaml"),
    ("Sidecar", "sidecar-crd.yaml"),
    ("VirtualService", "virtualservice-crd.yaml"),
    ("DestinationRule", "destinationrule-crd.yaml"),
    ("Gateway", "gateway-crd.yaml"),
    ("AuthorizationPolicy", "authorizationpolicy-crd.yaml"),
];

/// The versions besides `v1` under which each kind's CRD serves the same schema.
fn other_versions(kind: &str) -> &'static [&'static str] {
    if kind == "AuthorizationPolicy" {
        &["v1beta1"]
    } else {
        &["v1beta1", "v1alpha3"]
    }
}

/// The strict JSON schema for `kind` (one of [`KINDS`]) at API version `version`.
fn schema_for(kind: &str, version: &str) -> Option<Value> {
    let file = KINDS.iter().find(|(k, _)| *k == kind)?.1;
    let text = std::fs::read_to_string(crd_dir().join(file)).ok()?;
    let crd: Value = serde_saphyr::from_str(&text).expect("CRD parses");
    let versions = crd["spec"]["versions"].as_array().expect("versions");
    let mut schema =
        versions.iter().find(|v| v["name"] == version)?["schema"]["openAPIV3Schema"].clone();
    strict(&mut schema);
    let properties = schema["properties"].as_object_mut().expect("properties");
    properties.insert("apiVersion".into(), json!({"type": "string"}));
    properties.insert("kind".into(), json!({"type": "string"}));
    properties.insert("metadata".into(), json!({"type": "object"}));
    Some(schema)
}

fn strict(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let preserves = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if object.contains_key("properties")
        && !object.contains_key("additionalProperties")
        && !preserves
    {
        object.insert("additionalProperties".into(), json!(false));
    }
    for value in object.values_mut() {
        match value {
            Value::Object(_) => strict(value),
            Value::Array(items) => items.iter_mut().for_each(strict),
            _ => {}
        }
    }
}

/// Every Istio document in `text` (Lists unpacked) as JSON, with kind and version.
fn istio_documents(text: &str) -> Vec<(String, String, Value)> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("fixture parses");
    let mut out = Vec::new();
    let mut queue: Vec<Value> = docs;
    while let Some(doc) = queue.pop() {
        if doc["kind"] == "List" {
            queue.extend(doc["items"].as_array().cloned().unwrap_or_default());
            continue;
        }
        let api = doc["apiVersion"].as_str().unwrap_or_default();
        let kind = doc["kind"].as_str().unwrap_or_default().to_owned();
        let version = api
            .strip_prefix("networking.istio.io/")
            .or_else(|| api.strip_prefix("security.istio.io/"));
        if let Some(version) = version {
            out.push((kind, version.to_owned(), doc));
        }
    }
    out
}

fn crd_errors(kind: &str, version: &str, doc: &Value) -> Option<Vec<String>> {
    let schema = schema_for(kind, version)?;
    let validator = jsonschema::validator_for(&schema).expect("CRD schema compiles");
    Some(
        validator
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect(),
    )
}

fn available() -> bool {
    let present = crd_dir().join("serviceentry-crd.yaml").exists();
    if !present {
        super::common::skip_or_fail("CRD cross-check", &crd_dir());
    }
    present
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> meshctl_core::load::Inputs {
    meshctl_core::load::load_paths(
        &[path.to_path_buf()],
        &meshctl_core::load::LoadOptions::default(),
    )
    .expect("readable")
}

fn meshctl_problems(path: &Path) -> Vec<String> {
    load(path)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The admission findings that keep a document of `path` out (Istio's webhook would reject it).
fn meshctl_rejections(path: &Path) -> Vec<String> {
    meshctl_core::rules::admission(&load(path))
        .rejecting
        .iter()
        .map(|d| format!("{} {}", d.rule.code(), d.message))
        .collect()
}

/// How many VirtualServices, DestinationRules, Gateways and AuthorizationPolicies of `path` the
/// workspace loads, and how many of them it admits (the rest Istio would reject, so no decision
/// sees them).
fn routing_admitted(path: &Path) -> (usize, usize) {
    let workspace = meshctl_core::workspace::Workspace::load(&meshctl_core::workspace::Sources {
        paths: vec![path.to_path_buf()],
        mesh_config: None,
        outbound_policy: None,
        namespace: None,
    })
    .expect("workspace loads");
    let count = |inputs: &meshctl_core::load::Inputs| {
        inputs.virtual_services.len()
            + inputs.destination_rules.len()
            + inputs.gateways.len()
            + inputs.authorization_policies.len()
    };
    (count(workspace.inputs()), count(workspace.admitted()))
}

/// The YAML files under `fixtures/<dir>`, asserting there are at least `min`.
fn fixture_files(dir: &str, min: usize) -> Vec<PathBuf> {
    let files = yaml_files(&fixtures().join(dir));
    assert!(files.len() >= min, "{dir}: only {} fixtures", files.len());
    files
}

/// Asserts `text` (generated by meshctl) is accepted by Istio's CRD schema.
pub(crate) fn assert_valid_against_crd(kind: &str, text: &str, what: &str) {
    if !available() {
        return;
    }
    let docs = istio_documents(text);
    assert!(!docs.is_empty(), "{what}: no Istio document");
    for (doc_kind, version, doc) in docs {
        assert_eq!(doc_kind, kind);
        let errors = crd_errors(&doc_kind, &version, &doc).expect("schema");
        assert!(errors.is_empty(), "{what}: {errors:?}");
    }
}

#[test]
fn valid_fixtures_pass_both_validators() {
    if !available() {
        return;
    }
    let mut checked = 0;
    let dirs = [
        "blog",
        "serviceentry/valid",
        "sidecar/valid",
        "virtualservice/valid",
        "destinationrule/valid",
        "gateway/valid",
        "authorizationpolicy/valid",
    ];
    for dir in dirs {
        for path in fixture_files(dir, 1) {
            let text = std::fs::read_to_string(&path).expect("read");
            for (kind, version, doc) in istio_documents(&text) {
                let errors = crd_errors(&kind, &version, &doc).expect("known kind");
                assert!(
                    errors.is_empty(),
                    "{}: CRD rejects: {errors:?}",
                    path.display()
                );
                checked += 1;
            }
            assert_eq!(
                meshctl_problems(&path),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            assert_eq!(
                meshctl_rejections(&path),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            let (loaded, admitted) = routing_admitted(&path);
            assert_eq!(loaded, admitted, "{}", path.display());
        }
    }
    assert!(checked >= 17, "only {checked} documents checked");
}

#[test]
fn structurally_invalid_fixtures_fail_both_validators() {
    if !available() {
        return;
    }
    let files = [
        "serviceentry/invalid",
        "virtualservice/invalid",
        "destinationrule/invalid",
        "gateway/invalid",
        "authorizationpolicy/invalid",
    ]
    .into_iter()
    .flat_map(|dir| fixture_files(dir, 5));
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        for (kind, version, doc) in istio_documents(&text) {
            let errors = crd_errors(&kind, &version, &doc).expect("known kind");
            assert!(
                !errors.is_empty(),
                "{}: CRD schema accepts it",
                path.display()
            );
        }
        assert!(
            !meshctl_problems(&path).is_empty(),
            "{}: meshctl accepts it",
            path.display()
        );
    }
}

#[test]
fn cel_rule_fixtures_are_rejected_by_meshctl() {
    // The CRD's CEL rules are not JSON schema; the API server evaluates them. meshctl encodes
    // them, so these must be rejected even though the structural schema accepts them.
    let files = [
        "serviceentry/invalid-cel",
        "destinationrule/invalid-cel",
        "gateway/invalid-cel",
        "authorizationpolicy/invalid-cel",
    ]
    .into_iter()
    .flat_map(|dir| fixture_files(dir, 2));
    for path in files {
        assert_structurally_valid(&path);
        assert!(!meshctl_problems(&path).is_empty(), "{}", path.display());
    }
}

#[test]
fn webhook_rule_fixtures_pass_the_crd_and_are_rejected_at_admission() {
    // What only Istio's validating webhook rejects: the CRD (structure and CEL) admits these,
    // so meshctl loads them, and its admission rules (MSH1xx) keep them out of the workspace.
    let files = [
        "virtualservice/invalid-webhook",
        "destinationrule/invalid-webhook",
        "gateway/invalid-webhook",
        "authorizationpolicy/invalid-webhook",
    ]
    .into_iter()
    .flat_map(|dir| fixture_files(dir, 3));
    for path in files {
        assert_structurally_valid(&path);
        assert_eq!(
            meshctl_problems(&path),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        assert!(
            !meshctl_rejections(&path).is_empty(),
            "{}: meshctl admits it",
            path.display()
        );
        assert_eq!(
            routing_admitted(&path),
            (
                istio_documents(&std::fs::read_to_string(&path).expect("read")).len(),
                0
            ),
            "{}: the workspace keeps it",
            path.display()
        );
    }
}

/// Asserts the CRD's structural schema accepts every document of `path` (when the CRDs exist).
fn assert_structurally_valid(path: &Path) {
    if !available() {
        return;
    }
    let text = std::fs::read_to_string(path).expect("read");
    for (kind, version, doc) in istio_documents(&text) {
        let errors = crd_errors(&kind, &version, &doc).expect("known kind");
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn every_served_version_has_the_same_schema() {
    if !available() {
        return;
    }
    for (kind, _) in KINDS {
        let v1 = schema_for(kind, "v1");
        assert!(v1.is_some());
        for version in other_versions(kind) {
            assert_eq!(v1, schema_for(kind, version), "{kind} {version}");
        }
    }
}
