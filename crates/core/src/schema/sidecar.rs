//! The Sidecar schema: the egress side and outbound policy in full; `ingress` and
//! `inboundConnectionPool` are accepted as opaque because meshctl does not model inbound traffic.

use super::service_entry::WORKLOAD_SELECTOR;
use super::walk::{STRING, STRINGS, Schema, UINT32, istio_object};

/// A whole Sidecar object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: []);

const SPEC: Schema = Schema::Object {
    fields: &[
        ("workloadSelector", WORKLOAD_SELECTOR),
        (
            "egress",
            Schema::Array {
                items: &EGRESS_LISTENER,
                min_items: 0,
                max_items: None,
            },
        ),
        ("ingress", Schema::Any),
        ("inboundConnectionPool", Schema::Any),
        ("outboundTrafficPolicy", OUTBOUND_TRAFFIC_POLICY),
    ],
    required: &[],
};

const EGRESS_LISTENER: Schema = Schema::Object {
    fields: &[
        ("bind", STRING),
        (
            "captureMode",
            Schema::Str {
                max_len: None,
                one_of: Some(&["DEFAULT", "IPTABLES", "NONE"]),
                rule: None,
            },
        ),
        ("hosts", STRINGS),
        (
            "port",
            Schema::Object {
                fields: &[
                    ("name", STRING),
                    ("number", UINT32),
                    ("protocol", STRING),
                    ("targetPort", UINT32),
                ],
                required: &[],
            },
        ),
    ],
    required: &["hosts"],
};

const OUTBOUND_TRAFFIC_POLICY: Schema = Schema::Object {
    fields: &[
        (
            "mode",
            Schema::Str {
                max_len: None,
                one_of: Some(&["REGISTRY_ONLY", "ALLOW_ANY"]),
                rule: None,
            },
        ),
        (
            "egressProxy",
            Schema::Object {
                fields: &[
                    ("host", STRING),
                    (
                        "port",
                        Schema::Object {
                            fields: &[("number", UINT32)],
                            required: &[],
                        },
                    ),
                    ("subset", STRING),
                ],
                required: &["host"],
            },
        ),
    ],
    required: &[],
};
