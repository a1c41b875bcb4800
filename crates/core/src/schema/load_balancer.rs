//! A traffic policy's `loadBalancer`: its fields, enums, limits and CEL rules, and the CRD's
//! one-of choices (one algorithm; one hash key and one hash ring for `consistentHash`), which
//! the walker cannot express as data and [`one_of`] checks instead.

use crate::load::node::{Node, Value};

use super::duration::DURATION;
use super::violation::Violation;
use super::walk::{STRING, STRINGS, Schema, UINT32};

/// `loadBalancer`.
pub(super) const LOAD_BALANCER: Schema = Schema::Object {
    fields: &[
        ("backendUtilization", BACKEND_UTILIZATION),
        ("consistentHash", CONSISTENT_HASH),
        ("localityLbSetting", LOCALITY),
        (
            "simple",
            Schema::Str {
                max_len: None,
                one_of: Some(&[
                    "UNSPECIFIED",
                    "LEAST_CONN",
                    "RANDOM",
                    "PASSTHROUGH",
                    "ROUND_ROBIN",
                    "LEAST_REQUEST",
                ]),
                rule: None,
            },
        ),
        (
            "warmup",
            Schema::Object {
                fields: &[
                    (
                        "aggression",
                        Schema::Number {
                            min: 0.0,
                            max: f64::MAX,
                        },
                    ),
                    ("duration", DURATION),
                    (
                        "minimumPercent",
                        Schema::Number {
                            min: 0.0,
                            max: 100.0,
                        },
                    ),
                ],
                required: &["duration"],
            },
        ),
        ("warmupDurationSecs", DURATION),
        ("zoneAwareLbSetting", ZONE_AWARE),
    ],
    required: &[],
};

/// A non-negative integer without an upper bound in the CRD.
const NON_NEGATIVE: Schema = Schema::Int {
    min: 0,
    max: i128::MAX,
    rule: None,
};

const BACKEND_UTILIZATION: Schema = Schema::Object {
    fields: &[
        ("errorUtilizationPenaltyPercent", UINT32),
        ("metricNamesForComputingUtilization", STRINGS),
        ("weightExpirationPeriod", STRING),
        ("weightStabilizationPeriod", STRING),
        ("weightUpdatePeriod", STRING),
    ],
    required: &[],
};

const CONSISTENT_HASH: Schema = Schema::Object {
    fields: &[
        (
            "httpCookie",
            Schema::Object {
                fields: &[
                    (
                        "attributes",
                        Schema::Array {
                            items: &Schema::Object {
                                fields: &[("name", STRING), ("value", STRING)],
                                required: &["name"],
                            },
                            min_items: 0,
                            max_items: None,
                        },
                    ),
                    ("name", STRING),
                    ("path", STRING),
                    ("ttl", STRING),
                ],
                required: &["name"],
            },
        ),
        ("httpHeaderName", STRING),
        ("httpQueryParameterName", STRING),
        (
            "maglev",
            Schema::Object {
                fields: &[("tableSize", NON_NEGATIVE)],
                required: &[],
            },
        ),
        ("minimumRingSize", NON_NEGATIVE),
        (
            "ringHash",
            Schema::Object {
                fields: &[("minimumRingSize", NON_NEGATIVE)],
                required: &[],
            },
        ),
        ("useSourceIp", Schema::Bool),
    ],
    required: &[],
};

const FAILOVER: Schema = Schema::Array {
    items: &Schema::Object {
        fields: &[("from", STRING), ("to", STRING)],
        required: &[],
    },
    min_items: 0,
    max_items: None,
};

const LOCALITY: Schema = Schema::Object {
    fields: &[
        (
            "distribute",
            Schema::Array {
                items: &Schema::Object {
                    fields: &[
                        ("from", STRING),
                        (
                            "to",
                            Schema::Map {
                                values: &UINT32,
                                max_props: None,
                                key_rule: None,
                            },
                        ),
                    ],
                    required: &[],
                },
                min_items: 0,
                max_items: None,
            },
        ),
        ("enabled", Schema::Bool),
        ("failover", FAILOVER),
        ("failoverPriority", STRINGS),
    ],
    required: &[],
};

const ZONE_AWARE: Schema = Schema::Object {
    fields: &[
        ("enabled", Schema::Bool),
        ("failover", FAILOVER),
        ("failoverPriority", STRINGS),
        (
            "minClusterSize",
            Schema::Int {
                min: 1,
                max: 4_294_967_295,
                rule: None,
            },
        ),
    ],
    required: &[],
};

/// The CRD's `oneOf` groups: at most one member of each may be set.
const ONE_OF: [(&str, &[&str]); 3] = [
    ("", &["simple", "consistentHash", "backendUtilization"]),
    (
        "consistentHash",
        &[
            "httpHeaderName",
            "httpCookie",
            "useSourceIp",
            "httpQueryParameterName",
        ],
    ),
    ("consistentHash", &["ringHash", "maglev"]),
];

/// The one-of violations of the `loadBalancer` at `node` (field path `path`).
pub(super) fn one_of(doc: &Node, node: &Node, path: &str, out: &mut Vec<Violation>) {
    for (within, members) in ONE_OF {
        let (scope, scope_path) = if within.is_empty() {
            (Some(node), path.to_owned())
        } else {
            (node.get(within), format!("{path}.{within}"))
        };
        let Some(scope) = scope else {
            continue;
        };
        let set: Vec<&str> = members
            .iter()
            .copied()
            .filter(|m| {
                scope
                    .get(m)
                    .is_some_and(|v| !matches!(v.value, Value::Null))
            })
            .collect();
        if set.len() > 1 {
            out.push(Violation {
                pos: doc.locate(&scope_path),
                path: scope_path.clone(),
                message: format!(
                    "Invalid value: \"object\": must validate one and only one schema (oneOf): {} are set together",
                    set.join(", ")
                ),
            });
        }
    }
}
