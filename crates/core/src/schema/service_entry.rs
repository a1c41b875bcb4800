//! The ServiceEntry schema: the `spec` fields, limits and CEL rules of Istio's CRD.

use crate::load::node::{Node, Value};

use super::violation::Violation;
use super::walk::{PORT, STRING, STRINGS, Schema, UINT32, istio_object};

/// Most items `spec.addresses` may hold (the CRD's `maxItems`); `gen serviceentry` and `sync`
/// refuse an answer longer than this rather than write what the API server rejects.
pub(crate) const MAX_ADDRESSES: usize = 256;

/// A whole ServiceEntry object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: ["spec"]);

/// `workloadSelector`, shared with Sidecar.
pub(super) const WORKLOAD_SELECTOR: Schema = Schema::Object {
    fields: &[(
        "labels",
        Schema::Map {
            values: &Schema::Str {
                max_len: Some(63),
                one_of: None,
                rule: Some(no_wildcard_in_selector),
            },
            max_props: Some(256),
            key_rule: None,
        },
    )],
    required: &[],
};

fn no_wildcard_in_selector(value: &str) -> Option<&'static str> {
    value
        .contains('*')
        .then_some("wildcard is not supported in selector")
}

const SPEC: Schema = Schema::Object {
    fields: &[
        (
            "hosts",
            Schema::Array {
                items: &Schema::Str {
                    max_len: None,
                    one_of: None,
                    rule: Some(host_not_wildcard),
                },
                min_items: 1,
                max_items: Some(256),
            },
        ),
        (
            "addresses",
            Schema::Array {
                items: &Schema::Str {
                    max_len: Some(64),
                    one_of: None,
                    rule: None,
                },
                min_items: 0,
                max_items: Some(MAX_ADDRESSES),
            },
        ),
        (
            "ports",
            Schema::Array {
                items: &SERVICE_PORT,
                min_items: 0,
                max_items: Some(256),
            },
        ),
        (
            "location",
            Schema::Str {
                max_len: None,
                one_of: Some(&["MESH_EXTERNAL", "MESH_INTERNAL"]),
                rule: None,
            },
        ),
        (
            "resolution",
            Schema::Str {
                max_len: None,
                one_of: Some(&["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"]),
                rule: None,
            },
        ),
        (
            "endpoints",
            Schema::Array {
                items: &WORKLOAD_ENTRY,
                min_items: 0,
                max_items: Some(4096),
            },
        ),
        ("workloadSelector", WORKLOAD_SELECTOR),
        ("exportTo", STRINGS),
        ("subjectAltNames", STRINGS),
    ],
    required: &["hosts"],
};

fn host_not_wildcard(host: &str) -> Option<&'static str> {
    (host == "*").then_some("hostname cannot be wildcard")
}

const SERVICE_PORT: Schema = Schema::Object {
    fields: &[
        (
            "name",
            Schema::Str {
                max_len: Some(256),
                one_of: None,
                rule: None,
            },
        ),
        ("number", PORT),
        (
            "protocol",
            Schema::Str {
                max_len: Some(256),
                one_of: None,
                rule: None,
            },
        ),
        ("targetPort", PORT),
    ],
    required: &["number", "name"],
};

const WORKLOAD_ENTRY: Schema = Schema::Object {
    fields: &[
        (
            "address",
            Schema::Str {
                max_len: Some(256),
                one_of: None,
                rule: Some(unix_address_rule),
            },
        ),
        (
            "labels",
            Schema::Map {
                values: &STRING,
                max_props: Some(256),
                key_rule: None,
            },
        ),
        (
            "locality",
            Schema::Str {
                max_len: Some(2048),
                one_of: None,
                rule: None,
            },
        ),
        (
            "network",
            Schema::Str {
                max_len: Some(2048),
                one_of: None,
                rule: None,
            },
        ),
        (
            "ports",
            Schema::Map {
                values: &PORT,
                max_props: Some(128),
                key_rule: Some(port_name_rule),
            },
        ),
        (
            "serviceAccount",
            Schema::Str {
                max_len: Some(253),
                one_of: None,
                rule: None,
            },
        ),
        ("weight", UINT32),
    ],
    required: &[],
};

fn unix_address_rule(address: &str) -> Option<&'static str> {
    let path = address.strip_prefix("unix://")?;
    if !(path.starts_with('/') || path.starts_with('@')) {
        Some("UDS must be an absolute path or abstract socket")
    } else if path.ends_with('/') {
        Some("UDS may not be a dir")
    } else {
        None
    }
}

/// The CRD's rule for endpoint port names: shorter than 63 and alphanumeric with inner dashes.
fn port_name_rule(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let ok = !name.is_empty()
        && name.len() < 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    (!ok).then_some("port name must be valid")
}

/// The CRD's `x-kubernetes-validations` that span several fields, plus the `ports` list-map key.
pub(super) fn cel_rules(doc: &Node) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(spec) = doc.get("spec") else {
        return out;
    };
    let at = |path: &str, message: &str| Violation {
        pos: doc.locate(path),
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let has = |field: &str| {
        spec.get(field)
            .is_some_and(|n| !matches!(n.value, Value::Null))
    };
    let resolution = spec.get_str("resolution").unwrap_or("NONE");
    let endpoints = match spec.get("endpoints").map(|n| &n.value) {
        Some(Value::Seq(items)) => items.as_slice(),
        _ => &[],
    };

    if let Some(Value::Seq(ports)) = spec.get("ports").map(|n| &n.value) {
        for (i, port) in ports.iter().enumerate() {
            let number = port.get("number").map(|n| &n.value);
            if number.is_some()
                && ports[..i]
                    .iter()
                    .any(|p| p.get("number").map(|n| &n.value) == number)
            {
                out.push(at(
                    &format!("spec.ports[{i}].number"),
                    "Invalid value: port number cannot be duplicated",
                ));
            }
            if let Some(name) = port.get_str("name")
                && ports[..i].iter().any(|p| p.get_str("name") == Some(name))
            {
                out.push(at(
                    &format!("spec.ports[{i}]"),
                    &format!("Duplicate value: {{\"name\":\"{name}\"}}"),
                ));
            }
        }
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        let address = endpoint.get_str("address");
        if address.is_none() && endpoint.get("network").is_none() {
            out.push(at(
                &format!("spec.endpoints[{i}]"),
                "Invalid value: Address is required",
            ));
        }
        if address.is_some_and(|a| a.starts_with("unix://")) && endpoint.get("ports").is_some() {
            out.push(at(
                &format!("spec.endpoints[{i}]"),
                "Invalid value: UDS may not include ports",
            ));
        }
    }
    if has("workloadSelector") && has("endpoints") {
        out.push(at(
            "spec",
            "Invalid value: only one of WorkloadSelector or Endpoints can be set",
        ));
    }
    // The CEL rule sits on `spec`, so the API server names `spec`; the fix is at the address,
    // so the problem points at the first one containing `/` (same message, same rule).
    let first_cidr = match spec.get("addresses").map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .position(|a| a.as_str().is_some_and(|s| s.contains('/'))),
        _ => None,
    };
    if let Some(i) = first_cidr
        && !matches!(resolution, "NONE" | "STATIC")
    {
        out.push(at(
            &format!("spec.addresses[{i}]"),
            "Invalid value: CIDR addresses are allowed only for NONE/STATIC resolution types",
        ));
    }
    if resolution == "NONE" && has("endpoints") {
        out.push(at("spec", "Invalid value: NONE mode cannot set endpoints"));
    }
    if resolution == "DNS_ROUND_ROBIN" && endpoints.len() > 1 {
        out.push(at(
            "spec",
            "Invalid value: DNS_ROUND_ROBIN mode cannot have multiple endpoints",
        ));
    }
    out
}
