//! A DestinationRule's `trafficPolicy` (top level and per subset, which the CRD declares alike):
//! TLS origination, CONNECT tunnelling, connection pools, port-level overrides, outlier
//! detection, PROXY protocol, the retry budget and the load balancer
//! ([`load_balancer`](super::load_balancer)) in full.

use super::duration::DURATION;
use super::load_balancer::LOAD_BALANCER;
use super::walk::{INT32, STRING, STRINGS, Schema, UINT32};

/// `trafficPolicy`.
pub(super) const TRAFFIC_POLICY: Schema = Schema::Object {
    fields: &[
        ("connectionPool", CONNECTION_POOL),
        ("loadBalancer", LOAD_BALANCER),
        ("outlierDetection", OUTLIER_DETECTION),
        (
            "portLevelSettings",
            Schema::Array {
                items: &PORT_TRAFFIC_POLICY,
                min_items: 0,
                max_items: Some(4096),
            },
        ),
        (
            "proxyProtocol",
            Schema::Object {
                fields: &[(
                    "version",
                    Schema::Str {
                        max_len: None,
                        one_of: Some(&["V1", "V2"]),
                        rule: None,
                    },
                )],
                required: &[],
            },
        ),
        (
            "retryBudget",
            Schema::Object {
                fields: &[
                    ("budgetInterval", STRING),
                    ("minRetryConcurrency", UINT32),
                    (
                        "percent",
                        Schema::Number {
                            min: 0.0,
                            max: 100.0,
                        },
                    ),
                ],
                required: &[],
            },
        ),
        ("tls", CLIENT_TLS),
        ("tunnel", TUNNEL),
    ],
    required: &[],
};

const PORT_TRAFFIC_POLICY: Schema = Schema::Object {
    fields: &[
        ("connectionPool", CONNECTION_POOL),
        ("loadBalancer", LOAD_BALANCER),
        ("outlierDetection", OUTLIER_DETECTION),
        (
            "port",
            Schema::Object {
                fields: &[("number", UINT32)],
                required: &[],
            },
        ),
        ("tls", CLIENT_TLS),
    ],
    required: &[],
};

const CONNECTION_POOL: Schema = Schema::Object {
    fields: &[("http", HTTP_POOL), ("tcp", TCP_POOL)],
    required: &[],
};

const TCP_POOL: Schema = Schema::Object {
    fields: &[
        ("connectTimeout", DURATION),
        // The only duration the CRD leaves without a rule: `0s` disables the timeout.
        ("idleTimeout", STRING),
        ("maxConnectionDuration", DURATION),
        ("maxConnections", INT32),
        (
            "tcpKeepalive",
            Schema::Object {
                fields: &[
                    ("interval", DURATION),
                    ("probes", UINT32),
                    ("time", DURATION),
                ],
                required: &[],
            },
        ),
    ],
    required: &[],
};

const HTTP_POOL: Schema = Schema::Object {
    fields: &[
        (
            "h2UpgradePolicy",
            Schema::Str {
                max_len: None,
                one_of: Some(&["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]),
                rule: None,
            },
        ),
        ("http1MaxPendingRequests", INT32),
        (
            "http2KeepAlive",
            Schema::Object {
                fields: &[("interval", DURATION), ("timeout", DURATION)],
                required: &[],
            },
        ),
        ("http2MaxRequests", INT32),
        ("idleTimeout", DURATION),
        ("maxConcurrentStreams", INT32),
        ("maxRequestsPerConnection", INT32),
        ("maxRetries", INT32),
        ("useClientProtocol", Schema::Bool),
    ],
    required: &[],
};

/// `tls`: how the sidecar originates TLS to the destination.
const CLIENT_TLS: Schema = Schema::Object {
    fields: &[
        ("caCertificates", STRING),
        ("caCrl", STRING),
        ("clientCertificate", STRING),
        ("credentialName", STRING),
        ("insecureSkipVerify", Schema::Bool),
        (
            "mode",
            Schema::Str {
                max_len: None,
                one_of: Some(&["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]),
                rule: None,
            },
        ),
        ("privateKey", STRING),
        ("sni", STRING),
        ("subjectAltNames", STRINGS),
    ],
    required: &[],
};

/// `tunnel`: the CRD requires both target fields; the protocol is the webhook's (MSH115).
const TUNNEL: Schema = Schema::Object {
    fields: &[
        ("protocol", STRING),
        ("targetHost", STRING),
        ("targetPort", UINT32),
    ],
    required: &["targetHost", "targetPort"],
};

const OUTLIER_DETECTION: Schema = Schema::Object {
    fields: &[
        ("baseEjectionTime", DURATION),
        ("consecutive5xxErrors", UINT32),
        ("consecutiveErrors", INT32),
        ("consecutiveGatewayErrors", UINT32),
        ("consecutiveLocalOriginFailures", UINT32),
        ("interval", DURATION),
        ("maxEjectionPercent", INT32),
        ("minHealthPercent", INT32),
        (
            "outlierDetectionHttpErrorCodes",
            Schema::Array {
                items: &Schema::Int {
                    min: 100,
                    max: 599,
                    rule: None,
                },
                min_items: 0,
                max_items: None,
            },
        ),
        ("splitExternalLocalOriginErrors", Schema::Bool),
    ],
    required: &[],
};
