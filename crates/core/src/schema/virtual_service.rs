//! The VirtualService schema: hosts, gateways, `exportTo` and the `tcp` and `tls` routes in full.
//! An `http` route is checked for its field names, `timeout` and destinations only; what else
//! lies below it (matches, retries, fault injection, …) is accepted as opaque, because a raw TCP
//! connection carries no request for those to act on.
//!
//! The CRD's only CEL rules are the `http` durations (`duration(self) >= duration('1ms')`);
//! the webhook's rules are MSH112 and MSH113.

use super::duration::DURATION;
use super::walk::{INT32, STRING, STRING_MAP, STRINGS, Schema, UINT32, istio_object};

/// A whole VirtualService object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: []);

const SPEC: Schema = Schema::Object {
    fields: &[
        ("hosts", STRINGS),
        ("gateways", STRINGS),
        (
            "http",
            Schema::Array {
                items: &HTTP_ROUTE,
                min_items: 0,
                max_items: None,
            },
        ),
        (
            "tls",
            Schema::Array {
                items: &TLS_ROUTE,
                min_items: 0,
                max_items: None,
            },
        ),
        (
            "tcp",
            Schema::Array {
                items: &TCP_ROUTE,
                min_items: 0,
                max_items: None,
            },
        ),
        ("exportTo", STRINGS),
    ],
    required: &[],
};

/// `http[]`: the field names, `name`, `timeout` and the destinations; every other subtree is
/// opaque.
const HTTP_ROUTE: Schema = Schema::Object {
    fields: &[
        ("corsPolicy", Schema::Any),
        ("delegate", Schema::Any),
        ("directResponse", Schema::Any),
        ("fault", Schema::Any),
        ("headers", Schema::Any),
        ("match", Schema::Any),
        ("mirror", Schema::Any),
        ("mirrorPercent", UINT32),
        ("mirrorPercentage", Schema::Any),
        ("mirror_percent", UINT32),
        ("mirrors", Schema::Any),
        ("name", STRING),
        ("redirect", Schema::Any),
        ("retries", Schema::Any),
        ("rewrite", Schema::Any),
        (
            "route",
            Schema::Array {
                items: &HTTP_ROUTE_DESTINATION,
                min_items: 0,
                max_items: None,
            },
        ),
        ("timeout", DURATION),
    ],
    required: &[],
};

/// `http[].route[]`: a destination as in `tcp` and `tls` routes; its header edits are opaque.
const HTTP_ROUTE_DESTINATION: Schema = Schema::Object {
    fields: &[
        ("destination", DESTINATION),
        ("headers", Schema::Any),
        ("weight", INT32),
    ],
    required: &["destination"],
};

const TLS_ROUTE: Schema = Schema::Object {
    fields: &[
        (
            "match",
            Schema::Array {
                items: &TLS_MATCH,
                min_items: 0,
                max_items: None,
            },
        ),
        ("route", ROUTES),
    ],
    required: &["match"],
};

const TCP_ROUTE: Schema = Schema::Object {
    fields: &[
        (
            "match",
            Schema::Array {
                items: &L4_MATCH,
                min_items: 0,
                max_items: None,
            },
        ),
        ("route", ROUTES),
    ],
    required: &[],
};

/// `tls[].match[]`: an L4 match that must name SNI hosts.
const TLS_MATCH: Schema = Schema::Object {
    fields: &[
        ("destinationSubnets", STRINGS),
        ("gateways", STRINGS),
        ("port", UINT32),
        ("sniHosts", STRINGS),
        ("sourceLabels", STRING_MAP),
        ("sourceNamespace", STRING),
    ],
    required: &["sniHosts"],
};

/// `tcp[].match[]`.
const L4_MATCH: Schema = Schema::Object {
    fields: &[
        ("destinationSubnets", STRINGS),
        ("gateways", STRINGS),
        ("port", UINT32),
        ("sourceLabels", STRING_MAP),
        ("sourceNamespace", STRING),
        ("sourceSubnet", STRING),
    ],
    required: &[],
};

const ROUTES: Schema = Schema::Array {
    items: &ROUTE_DESTINATION,
    min_items: 0,
    max_items: None,
};

const ROUTE_DESTINATION: Schema = Schema::Object {
    fields: &[("destination", DESTINATION), ("weight", INT32)],
    required: &["destination"],
};

/// `destination`, the same in `tcp` and `tls` routes.
const DESTINATION: Schema = Schema::Object {
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
};
