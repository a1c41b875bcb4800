//! # MSH115 invalid-traffic-policy
//!
//! ## What it does
//! Flags a DestinationRule `trafficPolicy` (the rule's own or a subset's) Istio's webhook rejects:
//! an empty policy, connection pool or port-level setting, a port-level setting without `port`,
//! `tunnel` together with `proxyProtocol`, a tunnel protocol other than CONNECT or POST, a tunnel
//! target host that is neither a DNS name nor an IP address, a target port outside 1–65535, TLS
//! settings that contradict their mode (MUTUAL without a client certificate and key, files next to
//! `credentialName`, verification material next to `insecureSkipVerify`), negative connection
//! limits, durations below 1ms or finer than a millisecond, and outlier-detection percentages
//! outside 0–100.
//!
//! ## Why it matters
//! The webhook refuses the whole DestinationRule, for example with `client certificate required for
//! mutual tls`, so `kubectl apply` fails: the sidecar keeps connecting the old way (plain text where
//! TLS origination was meant, directly where a tunnel was meant).
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata:
//!   name: mysql-tls
//!   namespace: bookinfo
//! spec:
//!   host: db.example.com
//!   trafficPolicy:
//!     tls:
//!       mode: MUTUAL           # no client certificate or key
//!       sni: db.example.com
//! ```
//!
//! ## Use instead
//! ```yaml
//!   trafficPolicy:
//!     tls:
//!       mode: MUTUAL
//!       credentialName: mysql-client   # a secret with the key, certificate and CA
//!       sni: db.example.com
//! ```

use super::names;
use crate::load::node::{Node, Value};
use crate::load::{Inputs, Loaded};
use crate::model::DestinationRule;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::schema::duration;

/// MSH115 invalid-traffic-policy: what istio/istio `pkg/config/validation/validation.go`
/// (`validateTrafficPolicy`, `validateConnectionPool`, `validatePortTrafficPolicies`,
/// `validateTunnelSettings`, `validateOutlierDetection`) and
/// `pkg/config/validation/agent/validation.go` (`ValidateTLS`, `ValidateDuration`) reject. The
/// policy is read from the document, so fields the model leaves out are checked too. Load
/// balancers are MSH116's; `configmap://` credential names are not checked.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A DestinationRule traffic policy (TLS, tunnel, connection pool, port settings) Istio's webhook rejects.",
};

/// Reports each webhook error about the rule's traffic policy and its subsets' policies.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for dr in &inputs.destination_rules {
        let Some(spec) = dr.node.get("spec") else {
            continue;
        };
        if let Some(policy) = present(spec, "trafficPolicy") {
            traffic_policy(dr, policy, "spec.trafficPolicy", out);
        }
        if let Some(Value::Seq(subsets)) = spec.get("subsets").map(|n| &n.value) {
            for (i, subset) in subsets.iter().enumerate() {
                if let Some(policy) = present(subset, "trafficPolicy") {
                    let path = format!("spec.subsets[{i}].trafficPolicy");
                    traffic_policy(dr, policy, &path, out);
                }
            }
        }
    }
}

/// The field `key` of `node` when it is written and not `null`; an empty list counts as absent,
/// as it does once Istio has read the document into its protobuf types.
fn present<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|n| match &n.value {
        Value::Null => false,
        Value::Seq(items) => !items.is_empty(),
        _ => true,
    })
}

fn int(node: &Node, key: &str) -> Option<i128> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

fn flag(node: &Node, key: &str) -> bool {
    matches!(node.get(key).map(|n| &n.value), Some(Value::Bool(true)))
}

fn text<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get_str(key).unwrap_or_default()
}

const POLICY_FIELDS: [&str; 8] = [
    "outlierDetection",
    "connectionPool",
    "loadBalancer",
    "tls",
    "portLevelSettings",
    "tunnel",
    "proxyProtocol",
    "retryBudget",
];

fn traffic_policy(dr: &Loaded<DestinationRule>, policy: &Node, path: &str, out: &mut Findings) {
    if POLICY_FIELDS.iter().all(|f| present(policy, f).is_none()) {
        out.at(dr, path, "traffic policy must have at least one field");
        return;
    }
    if present(policy, "tunnel").is_some() && present(policy, "proxyProtocol").is_some() {
        out.at(
            dr,
            path,
            "tunnel and proxyProtocol must not be set together",
        );
        return;
    }
    if let Some(outlier) = present(policy, "outlierDetection") {
        outlier_detection(dr, outlier, &format!("{path}.outlierDetection"), out);
    }
    if let Some(pool) = present(policy, "connectionPool") {
        connection_pool(dr, pool, &format!("{path}.connectionPool"), out);
    }
    if let Some(tls) = present(policy, "tls") {
        client_tls(dr, tls, &format!("{path}.tls"), out);
    }
    if let Some(Value::Seq(ports)) = present(policy, "portLevelSettings").map(|n| &n.value) {
        for (i, port) in ports.iter().enumerate() {
            port_policy(dr, port, &format!("{path}.portLevelSettings[{i}]"), out);
        }
    }
    if let Some(tunnel) = present(policy, "tunnel") {
        tunnel_settings(dr, tunnel, &format!("{path}.tunnel"), out);
    }
}

fn port_policy(dr: &Loaded<DestinationRule>, port: &Node, path: &str, out: &mut Findings) {
    if present(port, "port").is_none() {
        out.at(dr, path, "portTrafficPolicy must have valid port");
    }
    let fields = ["outlierDetection", "connectionPool", "loadBalancer", "tls"];
    if fields.iter().all(|f| present(port, f).is_none()) {
        out.at(dr, path, "port traffic policy must have at least one field");
        return;
    }
    if let Some(outlier) = present(port, "outlierDetection") {
        outlier_detection(dr, outlier, &format!("{path}.outlierDetection"), out);
    }
    if let Some(pool) = present(port, "connectionPool") {
        connection_pool(dr, pool, &format!("{path}.connectionPool"), out);
    }
    if let Some(tls) = present(port, "tls") {
        client_tls(dr, tls, &format!("{path}.tls"), out);
    }
}

/// `ValidateDuration`: at least 1ms, in whole milliseconds.
fn check_duration(
    dr: &Loaded<DestinationRule>,
    node: &Node,
    key: &str,
    path: &str,
    out: &mut Findings,
) {
    let Some(written) = node.get_str(key) else {
        return;
    };
    let at = format!("{path}.{key}");
    match duration::parse(written) {
        None => {
            out.at(dr, &at, format!("{written} is not a valid duration"));
        }
        Some(ns) if ns < 1_000_000 => {
            out.at(dr, &at, "duration must be greater than 1ms");
        }
        Some(ns) if ns % 1_000_000 != 0 => {
            out.at(dr, &at, "only durations to ms precision are supported");
        }
        Some(_) => {}
    }
}

fn outlier_detection(dr: &Loaded<DestinationRule>, outlier: &Node, path: &str, out: &mut Findings) {
    check_duration(dr, outlier, "baseEjectionTime", path, out);
    check_duration(dr, outlier, "interval", path, out);
    if !flag(outlier, "splitExternalLocalOriginErrors")
        && int(outlier, "consecutiveLocalOriginFailures").is_some_and(|n| n > 0)
    {
        out.at(
            dr,
            path,
            "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
        );
    }
    for key in ["maxEjectionPercent", "minHealthPercent"] {
        if let Some(n) = int(outlier, key).filter(|n| !(0..=100).contains(n)) {
            out.at(
                dr,
                &format!("{path}.{key}"),
                format!("percentage {n} is not in range 0..100"),
            );
        }
    }
}

fn connection_pool(dr: &Loaded<DestinationRule>, pool: &Node, path: &str, out: &mut Findings) {
    let http = present(pool, "http");
    let tcp = present(pool, "tcp");
    if http.is_none() && tcp.is_none() {
        out.at(dr, path, "connection pool must have at least one field");
        return;
    }
    if let Some(http) = http {
        let at = format!("{path}.http");
        for (key, what) in [
            ("http1MaxPendingRequests", "http1 max pending requests"),
            ("http2MaxRequests", "http2 max requests"),
            ("maxRequestsPerConnection", "max requests per connection"),
            ("maxRetries", "max retries"),
            ("maxConcurrentStreams", "max concurrent streams"),
        ] {
            if int(http, key).is_some_and(|n| n < 0) {
                out.at(
                    dr,
                    &format!("{at}.{key}"),
                    format!("{what} must be non-negative"),
                );
            }
        }
        check_duration(dr, http, "idleTimeout", &at, out);
        if text(http, "h2UpgradePolicy") == "UPGRADE" && flag(http, "useClientProtocol") {
            out.at(
                dr,
                &at,
                "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
            );
        }
        if let Some(keepalive) = present(http, "http2KeepAlive") {
            let at = format!("{at}.http2KeepAlive");
            for key in ["interval", "timeout"] {
                if present(keepalive, key).is_none() {
                    out.at(dr, &at, format!("http2 keepalive {key} is required"));
                }
                check_duration(dr, keepalive, key, &at, out);
            }
        }
    }
    if let Some(tcp) = tcp {
        let at = format!("{path}.tcp");
        if int(tcp, "maxConnections").is_some_and(|n| n < 0) {
            out.at(
                dr,
                &format!("{at}.maxConnections"),
                "max connections must be non-negative",
            )
            .help("leave `maxConnections` out for Envoy's default, or give a positive limit");
        }
        check_duration(dr, tcp, "connectTimeout", &at, out);
        check_duration(dr, tcp, "maxConnectionDuration", &at, out);
        // `0s` (under a millisecond) disables the idle timeout, so only other values are checked.
        let disabled = tcp
            .get_str("idleTimeout")
            .and_then(duration::parse)
            .is_some_and(|ns| ns / 1_000_000 == 0);
        if !disabled {
            check_duration(dr, tcp, "idleTimeout", &at, out);
        }
        if let Some(keepalive) = present(tcp, "tcpKeepalive") {
            let at = format!("{at}.tcpKeepalive");
            check_duration(dr, keepalive, "time", &at, out);
            check_duration(dr, keepalive, "interval", &at, out);
        }
    }
}

/// `ValidateTLS`: what each mode needs and what may not stand next to what.
fn client_tls(dr: &Loaded<DestinationRule>, tls: &Node, path: &str, out: &mut Findings) {
    let mode = tls.get_str("mode").unwrap_or("DISABLE");
    let given = |key: &str| !text(tls, key).is_empty();
    let sans = present(tls, "subjectAltNames").is_some();
    if flag(tls, "insecureSkipVerify") {
        if mode == "SIMPLE" && (given("caCertificates") || given("credentialName") || sans) {
            out.at(
                dr,
                path,
                "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
            );
        }
        if mode == "MUTUAL" && (given("caCertificates") || sans) {
            out.at(
                dr,
                path,
                "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true",
            );
        }
    }
    if matches!(mode, "SIMPLE" | "MUTUAL") && given("credentialName") {
        let files = ["clientCertificate", "caCertificates", "privateKey", "caCrl"];
        if files.iter().any(|f| given(f)) {
            out.at(
                dr,
                path,
                "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
            )
            .help("keep `credentialName` (a secret) or the file paths, not both");
        }
        return;
    }
    if mode == "MUTUAL" {
        for (key, message) in [
            (
                "clientCertificate",
                "client certificate required for mutual tls",
            ),
            ("privateKey", "private key required for mutual tls"),
        ] {
            if !given(key) {
                out.at(dr, path, message).help(
                    "give `credentialName` (a secret holding key, certificate and CA) or `clientCertificate` and `privateKey`",
                );
            }
        }
    }
}

/// `validateTunnelSettings`.
fn tunnel_settings(dr: &Loaded<DestinationRule>, tunnel: &Node, path: &str, out: &mut Findings) {
    if !matches!(text(tunnel, "protocol"), "" | "CONNECT" | "POST") {
        out.at(
            dr,
            &format!("{path}.protocol"),
            "tunnel protocol must be \"CONNECT\" or \"POST\"",
        );
    }
    let host = text(tunnel, "targetHost");
    if let Some(fqdn) = names::fqdn_error(host)
        && crate::ip::parse_ip(host).is_none()
    {
        out.at(
            dr,
            &format!("{path}.targetHost"),
            format!(
                "tunnel target host must be valid FQDN or IP address: {fqdn}; {host} is not a valid IP"
            ),
        );
    }
    if let Some(message) = names::port_error(int(tunnel, "targetPort").unwrap_or(0)) {
        out.at(
            dr,
            &format!("{path}.targetPort"),
            format!("tunnel target port is invalid: {message}"),
        );
    }
}
