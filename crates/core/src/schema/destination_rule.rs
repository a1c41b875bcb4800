//! The DestinationRule schema: host, subsets, `exportTo`, the workload selector and its CEL
//! rules; `trafficPolicy` lives in [`traffic_policy`](super::traffic_policy). The webhook's
//! rules are MSH114 and MSH115.

use super::traffic_policy::TRAFFIC_POLICY;
use super::walk::{METADATA, STRING, STRING_MAP, STRINGS, Schema};

/// A whole DestinationRule object.
pub(super) const DOCUMENT: Schema = Schema::Object {
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", METADATA),
        ("spec", SPEC),
        // The CRD preserves unknown status fields; controllers own them.
        ("status", Schema::Any),
    ],
    required: &[],
};

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
const WORKLOAD_SELECTOR: Schema = Schema::Object {
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
