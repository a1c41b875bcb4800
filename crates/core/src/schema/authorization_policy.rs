//! The AuthorizationPolicy schema (security.istio.io v1 and v1beta1 are identical): selector or
//! target references, action, provider and rules, with the CRD's CEL rules. The CRD's `oneOf`
//! on `provider` (absent, or present) admits every object, so it has no encoding. The webhook's
//! rules are MSH118.

use crate::load::node::{Node, Value};

use super::destination_rule::WORKLOAD_SELECTOR;
use super::violation::Violation;
use super::walk::{STRING, STRINGS, Schema, istio_object};

/// A whole AuthorizationPolicy object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: []);

const SPEC: Schema = Schema::Object {
    fields: &[
        (
            "action",
            Schema::Str {
                max_len: None,
                one_of: Some(&["ALLOW", "DENY", "AUDIT", "CUSTOM"]),
                rule: None,
            },
        ),
        (
            "provider",
            Schema::Object {
                fields: &[("name", STRING)],
                required: &[],
            },
        ),
        (
            "rules",
            Schema::Array {
                items: &RULE,
                min_items: 0,
                max_items: Some(512),
            },
        ),
        ("selector", WORKLOAD_SELECTOR),
        ("targetRef", TARGET_REF),
        (
            "targetRefs",
            Schema::Array {
                items: &TARGET_REF,
                min_items: 0,
                max_items: Some(16),
            },
        ),
    ],
    required: &[],
};

const RULE: Schema = Schema::Object {
    fields: &[
        (
            "from",
            Schema::Array {
                items: &FROM,
                min_items: 0,
                max_items: Some(512),
            },
        ),
        (
            "to",
            Schema::Array {
                items: &TO,
                min_items: 0,
                max_items: None,
            },
        ),
        (
            "when",
            Schema::Array {
                items: &CONDITION,
                min_items: 0,
                max_items: None,
            },
        ),
    ],
    required: &[],
};

const FROM: Schema = Schema::Object {
    fields: &[("source", SOURCE)],
    required: &[],
};

/// `serviceAccounts` and `notServiceAccounts`: at most 16 names of at most 320 characters.
const SERVICE_ACCOUNTS: Schema = Schema::Array {
    items: &Schema::Str {
        max_len: Some(320),
        one_of: None,
        rule: None,
    },
    min_items: 0,
    max_items: Some(16),
};

const SOURCE: Schema = Schema::Object {
    fields: &[
        ("ipBlocks", STRINGS),
        ("namespaces", STRINGS),
        ("notIpBlocks", STRINGS),
        ("notNamespaces", STRINGS),
        ("notPrincipals", STRINGS),
        ("notRemoteIpBlocks", STRINGS),
        ("notRequestPrincipals", STRINGS),
        ("notServiceAccounts", SERVICE_ACCOUNTS),
        ("notTrustDomains", STRINGS),
        ("principals", STRINGS),
        ("remoteIpBlocks", STRINGS),
        ("requestPrincipals", STRINGS),
        ("serviceAccounts", SERVICE_ACCOUNTS),
        ("trustDomains", STRINGS),
    ],
    required: &[],
};

const TO: Schema = Schema::Object {
    fields: &[(
        "operation",
        Schema::Object {
            fields: &[
                ("hosts", STRINGS),
                ("methods", STRINGS),
                ("notHosts", STRINGS),
                ("notMethods", STRINGS),
                ("notPaths", STRINGS),
                ("notPorts", STRINGS),
                ("paths", STRINGS),
                ("ports", STRINGS),
            ],
            required: &[],
        },
    )],
    required: &[],
};

const CONDITION: Schema = Schema::Object {
    fields: &[("key", STRING), ("notValues", STRINGS), ("values", STRINGS)],
    required: &["key"],
};

/// A Gateway API `PolicyTargetReference`: lengths and patterns as the CRD declares them.
const TARGET_REF: Schema = Schema::Object {
    fields: &[
        (
            "group",
            Schema::Str {
                max_len: Some(253),
                one_of: None,
                rule: Some(group_rule),
            },
        ),
        (
            "kind",
            Schema::Str {
                max_len: Some(63),
                one_of: None,
                rule: Some(kind_rule),
            },
        ),
        (
            "name",
            Schema::Str {
                max_len: Some(253),
                one_of: None,
                rule: Some(non_empty),
            },
        ),
        (
            "namespace",
            Schema::Str {
                max_len: None,
                one_of: None,
                rule: Some(same_namespace),
            },
        ),
    ],
    required: &["kind", "name"],
};

/// `^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`: empty, or DNS labels
/// joined by dots.
fn group_rule(group: &str) -> Option<&'static str> {
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b.first().is_some_and(|c| *c != b'-')
            && b.last().is_some_and(|c| *c != b'-')
    };
    (!group.is_empty() && !group.split('.').all(label)).then_some(
        "should match '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
    )
}

/// `minLength: 1` and `^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`.
fn kind_rule(kind: &str) -> Option<&'static str> {
    let b = kind.as_bytes();
    if b.is_empty() {
        return Some("should be at least 1 chars long");
    }
    let ok = b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    (!ok).then_some("should match '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$'")
}

/// `minLength: 1`.
fn non_empty(value: &str) -> Option<&'static str> {
    value
        .is_empty()
        .then_some("should be at least 1 chars long")
}

/// The CEL rule `self.size() == 0`.
fn same_namespace(namespace: &str) -> Option<&'static str> {
    (!namespace.is_empty()).then_some("cross namespace referencing is not currently supported")
}

/// The CRD's rules that compare the presence of several fields: one attachment at most on the
/// spec, and service accounts never beside principals or namespaces in a source.
pub(super) fn cel_rules(doc: &Node) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(spec) = doc.get("spec") else {
        return out;
    };
    let at = |path: String, message: &str| Violation {
        pos: doc.locate(&path),
        path,
        message: format!("Invalid value: {message}"),
    };
    let attachments = ["selector", "targetRef", "targetRefs"]
        .into_iter()
        .filter(|f| has(spec, f))
        .count();
    if attachments > 1 {
        out.push(at(
            "spec".to_owned(),
            "only one of targetRefs or selector can be set",
        ));
    }
    for (r, rule) in items(spec.get("rules")).iter().enumerate() {
        for (f, from) in items(rule.get("from")).iter().enumerate() {
            let Some(source) = from.get("source") else {
                continue;
            };
            let accounts = has(source, "serviceAccounts") || has(source, "notServiceAccounts");
            let identities = ["principals", "notPrincipals", "namespaces", "notNamespaces"]
                .into_iter()
                .any(|field| has(source, field));
            if accounts && identities {
                out.push(at(
                    format!("spec.rules[{r}].from[{f}].source"),
                    "Cannot set serviceAccounts with namespaces or principals",
                ));
            }
        }
    }
    out
}

/// CEL's `has()`: present and not null.
fn has(node: &Node, field: &str) -> bool {
    node.get(field)
        .is_some_and(|n| !matches!(n.value, Value::Null))
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}
