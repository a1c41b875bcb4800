//! The DestinationRule schema: host, subsets, `exportTo`, the workload selector and its CEL
//! rules; `trafficPolicy` lives in [`traffic_policy`](super::traffic_policy), its load balancer
//! in [`load_balancer`](super::load_balancer). The webhook's rules are MSH114 and MSH115.

use crate::load::node::{Node, Value};

use super::load_balancer;
use super::traffic_policy::TRAFFIC_POLICY;
use super::violation::Violation;
use super::walk::{STRING, STRING_MAP, STRINGS, Schema, istio_object};

/// A whole DestinationRule object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: []);

const SPEC: Schema = Schema::Object {
    fields: &[
        ("exportTo", STRINGS),
        ("host", STRING),
        (
            "subsets",
            Schema::Array {
                items: &SUBSET,
                min_items: 0,
                max_items: None,
            },
        ),
        ("trafficPolicy", TRAFFIC_POLICY),
        ("workloadSelector", WORKLOAD_SELECTOR),
    ],
    required: &["host"],
};

const SUBSET: Schema = Schema::Object {
    fields: &[
        ("labels", STRING_MAP),
        ("name", STRING),
        ("trafficPolicy", TRAFFIC_POLICY),
    ],
    required: &["name"],
};

/// `workloadSelector`, written with `matchLabels` (ServiceEntry and Sidecar use `labels`).
pub(super) const WORKLOAD_SELECTOR: Schema = Schema::Object {
    fields: &[(
        "matchLabels",
        Schema::Map {
            values: &Schema::Str {
                max_len: Some(63),
                one_of: None,
                rule: Some(no_wildcard_in_value),
            },
            max_props: Some(4096),
            key_rule: Some(key_rule),
        },
    )],
    required: &[],
};

fn no_wildcard_in_value(value: &str) -> Option<&'static str> {
    value
        .contains('*')
        .then_some("wildcard not allowed in label value match")
}

/// The two CEL rules on the map's keys.
fn key_rule(key: &str) -> Option<&'static str> {
    if key.contains('*') {
        Some("wildcard not allowed in label key match")
    } else if key.is_empty() {
        Some("key must not be empty")
    } else {
        None
    }
}

/// The rules the walker cannot express as field data: the load balancers' one-of choices, in
/// the rule's policy, its subsets' policies and their port-level settings.
pub(super) fn cel_rules(doc: &Node) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(spec) = doc.get("spec") else {
        return out;
    };
    let mut policies = Vec::new();
    if let Some(policy) = spec.get("trafficPolicy") {
        policies.push((policy, "spec.trafficPolicy".to_owned()));
    }
    for (i, subset) in items(spec.get("subsets")).iter().enumerate() {
        if let Some(policy) = subset.get("trafficPolicy") {
            policies.push((policy, format!("spec.subsets[{i}].trafficPolicy")));
        }
    }
    for (policy, path) in policies {
        let mut balancers = vec![(policy.get("loadBalancer"), format!("{path}.loadBalancer"))];
        for (i, port) in items(policy.get("portLevelSettings")).iter().enumerate() {
            let at = format!("{path}.portLevelSettings[{i}].loadBalancer");
            balancers.push((port.get("loadBalancer"), at));
        }
        for (balancer, at) in balancers {
            if let Some(balancer) = balancer {
                load_balancer::one_of(doc, balancer, &at, &mut out);
            }
        }
    }
    out
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}
