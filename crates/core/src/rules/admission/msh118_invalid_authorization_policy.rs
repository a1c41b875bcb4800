//! # MSH118 invalid-authorization-policy
//!
//! ## What it does
//! Flags an AuthorizationPolicy Istio's webhook rejects: a `DENY` or `CUSTOM` policy without
//! rules, a `CUSTOM` policy without a provider name or matching on identities its external
//! authorizer cannot see, a `provider` on another action, a `from` without a source or with an
//! empty one, a `to` without an operation or with an empty one, service accounts beside
//! principals or namespaces, an empty value in a list, an address or CIDR block that does not
//! parse, a port that is not a number up to 65535, a service account not written
//! `namespace/name`, and a `when` condition without values or on an unknown attribute.
//!
//! ## Why it matters
//! The webhook refuses the whole policy, so `kubectl apply` fails: an egress gateway meant to let
//! only some workloads out keeps whatever policy it had before, or none.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: security.istio.io/v1
//! kind: AuthorizationPolicy
//! metadata:
//!   name: egress-db
//!   namespace: istio-system
//! spec:
//!   selector:
//!     matchLabels: {istio: egressgateway}
//!   rules:
//!   - to:
//!     - operation:
//!         ports: ["https"]       # ports are numbers, written as strings
//! ```
//!
//! ## Use instead
//! ```yaml
//!   rules:
//!   - to:
//!     - operation:
//!         ports: ["443"]
//! ```

use std::net::IpAddr;

use crate::load::{Inputs, Loaded};
use crate::model::{AuthorizationPolicy, AuthzRule, Condition, Operation, Source};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH118 invalid-authorization-policy: what istio/istio `pkg/config/validation/validation.go`
/// (`ValidateAuthorizationPolicy`) and `pkg/config/security/security.go` (`ValidateIPs`,
/// `ValidatePorts`, `CheckServiceAccount`, `ValidateAttribute`) reject. Path templates, the
/// workload selector's and target references' own checks, and the warning about HTTP-only
/// attributes in a `DENY` rule are not reported.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "An AuthorizationPolicy whose action, rules, sources, operations or conditions Istio's webhook rejects.",
};

/// Reports each webhook error about an AuthorizationPolicy.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for policy in &inputs.authorization_policies {
        let spec = &policy.resource.spec;
        let action = spec.action.as_deref().unwrap_or("ALLOW");
        // Istio's words, comma included.
        let never = "action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request";
        if action == "CUSTOM" {
            if spec.rules.is_empty() {
                out.at(policy, "spec", format!("CUSTOM {never}"));
            } else if spec.provider.as_ref().is_none_or(|p| p.name.is_empty()) {
                out.at(policy, "spec.provider", "`provider.name` must not be empty");
            }
            custom_errors(policy, out);
        }
        if spec.provider.is_some() && action != "CUSTOM" {
            out.at(
                policy,
                "spec.provider",
                format!("`provider` must not be with non CUSTOM action, found {action}"),
            );
        }
        if action == "DENY" && spec.rules.is_empty() {
            out.at(policy, "spec", format!("DENY {never}"));
        }
        for (i, rule) in spec.rules.iter().enumerate() {
            rule_errors(policy, i, rule, out);
        }
    }
}

/// The identities a `CUSTOM` policy's external authorizer cannot match on.
fn custom_errors(policy: &Loaded<AuthorizationPolicy>, out: &mut Findings) {
    for (i, rule) in policy.resource.spec.rules.iter().enumerate() {
        for (f, from) in rule.from.iter().enumerate() {
            let Some(source) = &from.source else {
                continue;
            };
            let fields = [
                (&source.namespaces, "From.Namespaces"),
                (&source.not_namespaces, "From.NotNamespaces"),
                (&source.service_accounts, "From.ServiceAccounts"),
                (&source.not_service_accounts, "From.NotServiceAccounts"),
                (&source.trust_domains, "From.TrustDomains"),
                (&source.not_trust_domains, "From.NotTrustDomains"),
                (&source.principals, "From.Principals"),
                (&source.not_principals, "From.NotPrincipals"),
                (&source.request_principals, "From.RequestPrincipals"),
                (&source.not_request_principals, "From.NotRequestPrincipals"),
            ];
            for (values, name) in fields {
                if !values.is_empty() {
                    let at = format!("spec.rules[{i}].from[{f}].source");
                    out.at(
                        policy,
                        &at,
                        format!("{name} is currently not supported with CUSTOM action"),
                    );
                }
            }
        }
        for (w, when) in rule.when.iter().enumerate() {
            let key = when.key.as_str();
            let unsupported = matches!(
                key,
                "source.namespace"
                    | "source.serviceAccount"
                    | "source.trustDomain"
                    | "source.principal"
            ) || key.starts_with("request.auth.");
            if unsupported {
                let at = format!("spec.rules[{i}].when[{w}].key");
                out.at(
                    policy,
                    &at,
                    format!("{key} is currently not supported with CUSTOM action"),
                );
            }
        }
    }
}

fn rule_errors(
    policy: &Loaded<AuthorizationPolicy>,
    i: usize,
    rule: &AuthzRule,
    out: &mut Findings,
) {
    for (f, from) in rule.from.iter().enumerate() {
        let at = format!("spec.rules[{i}].from[{f}]");
        match &from.source {
            None => {
                out.at(
                    policy,
                    &at,
                    format!("`from.source` must not be nil, found at rule {i}"),
                );
            }
            Some(source) => {
                for message in source_errors(i, source) {
                    out.at(policy, &format!("{at}.source"), message);
                }
            }
        }
    }
    for (t, to) in rule.to.iter().enumerate() {
        let at = format!("spec.rules[{i}].to[{t}]");
        match &to.operation {
            None => {
                out.at(
                    policy,
                    &at,
                    format!("`to.operation` must not be nil, found at rule {i}"),
                );
            }
            Some(operation) => {
                for message in operation_errors(i, operation) {
                    out.at(policy, &format!("{at}.operation"), message);
                }
            }
        }
    }
    for (w, condition) in rule.when.iter().enumerate() {
        if let Some(message) = condition_error(condition) {
            out.at(policy, &format!("spec.rules[{i}].when[{w}]"), message);
        }
    }
}

fn source_errors(i: usize, source: &Source) -> Vec<String> {
    let mut errors = Vec::new();
    let identities = [
        &source.principals,
        &source.not_principals,
        &source.namespaces,
        &source.not_namespaces,
    ];
    let accounts = [&source.service_accounts, &source.not_service_accounts];
    if identities.iter().any(|v| !v.is_empty()) && accounts.iter().any(|v| !v.is_empty()) {
        errors.push(format!(
            "cannot set serviceAccounts with namespaces or principals, found at rule {i}"
        ));
    }
    let all = [
        &source.principals,
        &source.request_principals,
        &source.namespaces,
        &source.ip_blocks,
        &source.remote_ip_blocks,
        &source.not_principals,
        &source.not_request_principals,
        &source.not_namespaces,
        &source.not_ip_blocks,
        &source.not_remote_ip_blocks,
        &source.service_accounts,
        &source.not_service_accounts,
        &source.trust_domains,
        &source.not_trust_domains,
    ];
    if all.iter().all(|v| v.is_empty()) {
        errors.push(format!(
            "`from.source` must not be empty, found at rule {i}"
        ));
    }
    for blocks in [
        &source.ip_blocks,
        &source.not_ip_blocks,
        &source.remote_ip_blocks,
        &source.not_remote_ip_blocks,
    ] {
        errors.extend(blocks.iter().filter_map(|b| ip_error(b)));
    }
    let plain = [
        (&source.principals, "Principals"),
        (&source.request_principals, "RequestPrincipals"),
        (&source.namespaces, "Namespaces"),
        (&source.ip_blocks, "IpBlocks"),
        (&source.remote_ip_blocks, "RemoteIpBlocks"),
        (&source.not_principals, "NotPrincipals"),
        (&source.not_request_principals, "NotRequestPrincipals"),
        (&source.not_namespaces, "NotNamespaces"),
        (&source.not_ip_blocks, "NotIpBlocks"),
        (&source.not_remote_ip_blocks, "NotRemoteIpBlocks"),
    ];
    for (values, key) in plain {
        errors.extend(empty_value_error(key, values));
    }
    errors.extend(service_account_error(
        "ServiceAccounts",
        &source.service_accounts,
    ));
    errors.extend(service_account_error(
        "NotServiceAccounts",
        &source.not_service_accounts,
    ));
    errors.extend(trust_domain_error("TrustDomains", &source.trust_domains));
    errors.extend(trust_domain_error(
        "NotTrustDomains",
        &source.not_trust_domains,
    ));
    errors
}

fn operation_errors(i: usize, operation: &Operation) -> Vec<String> {
    let mut errors = Vec::new();
    let fields = [
        (&operation.ports, "Ports"),
        (&operation.methods, "Methods"),
        (&operation.paths, "Paths"),
        (&operation.hosts, "Hosts"),
        (&operation.not_ports, "NotPorts"),
        (&operation.not_methods, "NotMethods"),
        (&operation.not_paths, "NotPaths"),
        (&operation.not_hosts, "NotHosts"),
    ];
    if fields.iter().all(|(values, _)| values.is_empty()) {
        errors.push(format!(
            "`to.operation` must not be empty, found at rule {i}"
        ));
    }
    for ports in [&operation.ports, &operation.not_ports] {
        errors.extend(ports.iter().filter_map(|p| port_error(p)));
    }
    for (values, key) in fields {
        errors.extend(empty_value_error(key, values));
    }
    errors
}

/// A `when` condition: a key, some values, and values the attribute accepts.
fn condition_error(condition: &Condition) -> Option<String> {
    let key = condition.key.as_str();
    if key.is_empty() {
        return Some("`key` must not be empty".to_owned());
    }
    if condition.values.is_empty() && condition.not_values.is_empty() {
        return Some(format!(
            "at least one of `values` or `notValues` must be set for key {key}"
        ));
    }
    for (values, what) in [
        (&condition.values, "value"),
        (&condition.not_values, "notValue"),
    ] {
        if let Some(error) = attribute_error(key, values) {
            return Some(format!("invalid `{what}` for `key` {key}: {error}"));
        }
    }
    None
}

/// `ValidateAttribute`: the attributes Istio knows, and what their values must look like.
fn attribute_error(key: &str, values: &[String]) -> Option<String> {
    if let Some(error) = empty_value_error(key, values) {
        return Some(error);
    }
    let map_key = || {
        let open = key.find('[');
        let ok = key.ends_with(']') && open.is_some_and(|o| o > 0 && o < key.len() - 2);
        (!ok).then(|| format!("bad key ({key}): should have format a[b]"))
    };
    match key {
        _ if key.starts_with("request.headers") => map_key(),
        "source.ip" | "remote.ip" | "destination.ip" => values.iter().find_map(|v| ip_error(v)),
        "source.serviceAccount" => service_account_error(key, values),
        "source.trustDomain" => wildcard_error(key, values),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => None,
        _ if key.starts_with("request.auth.claims") => map_key(),
        "destination.port" => values.iter().find_map(|v| port_error(v)),
        _ if key.starts_with("experimental.envoy.filters.") => map_key(),
        "destination.namespace" => Some(format!(
            "attribute {key} is replaced by the metadata.namespace"
        )),
        _ if key.starts_with("destination.labels") => Some(format!(
            "attribute {key} is replaced by the workload selector"
        )),
        "destination.name" | "destination.user" => Some(format!(
            "deprecated attribute {key}: only supported in v1alpha1"
        )),
        _ => Some(format!("unknown attribute: {key}")),
    }
}

/// `ValidateIPs` for one entry: an address, or a CIDR block as Go's `netip.ParsePrefix` reads it.
fn ip_error(block: &str) -> Option<String> {
    if let Some((address, bits)) = block.split_once('/') {
        let max = match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => 32,
            Ok(IpAddr::V6(_)) => 128,
            Err(_) => return Some(format!("bad CIDR range ({block})")),
        };
        let bits_ok = !bits.is_empty()
            && bits.bytes().all(|b| b.is_ascii_digit())
            && (bits == "0" || !bits.starts_with('0'))
            && bits.parse::<u32>().is_ok_and(|b| b <= max);
        (!bits_ok).then(|| format!("bad CIDR range ({block})"))
    } else {
        block
            .parse::<IpAddr>()
            .is_err()
            .then(|| format!("bad IP address ({block})"))
    }
}

/// `ValidatePorts` for one entry: a decimal number up to 65535.
fn port_error(port: &str) -> Option<String> {
    let ok = !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u64>().is_ok_and(|p| p <= 65535);
    (!ok).then(|| format!("bad port ({port})"))
}

fn empty_value_error(key: &str, values: &[String]) -> Option<String> {
    values
        .iter()
        .any(String::is_empty)
        .then(|| format!("empty value not allowed, found in {key}"))
}

/// `CheckWildcardValues`: one `*` at most, at the start or the end.
fn wildcard_error(key: &str, values: &[String]) -> Option<String> {
    empty_value_error(key, values).or_else(|| {
        values.iter().find_map(|value| {
            let count = value.matches('*').count();
            if count > 1 {
                Some(format!(
                    "at most one wildcard is allowed, found in {key}: \"{value}\""
                ))
            } else if count == 1 && !value.starts_with('*') && !value.ends_with('*') {
                Some(format!(
                    "wildcard is only allowed at the start or end, found in {key}: \"{value}\""
                ))
            } else {
                None
            }
        })
    })
}

/// `CheckTrustDomainValues`: wildcard values without `/`.
fn trust_domain_error(key: &str, values: &[String]) -> Option<String> {
    wildcard_error(key, values).or_else(|| {
        values
            .iter()
            .find(|v| v.contains('/'))
            .map(|value| format!("trust domain must not contain '/', found in {key}: \"{value}\""))
    })
}

/// `CheckServiceAccount`: at most 16 `name` or `namespace/name` entries without wildcards.
fn service_account_error(key: &str, values: &[String]) -> Option<String> {
    if values.len() > 16 {
        return Some("may not have more than 16 values".to_owned());
    }
    values.iter().find_map(|value| {
        let format = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
        if value.is_empty() {
            return Some(format!("empty value not allowed, found in {key}"));
        }
        if value.contains('*') {
            return Some(format!("wildcard not allowed, found in {key}"));
        }
        if value.matches('/').count() > 1 {
            return Some(format!("{format}, found \"{value}\" in {key}"));
        }
        if value.len() > 320 {
            return Some(format!(
                "value cannot exceed 320 characters, found \"{value}\" in {key}"
            ));
        }
        match value.split_once('/') {
            Some(("", _)) => Some(format!(
                "{format}, found empty namespace \"{value}\" in {key}"
            )),
            Some((_, "")) => Some(format!(
                "{format}, found empty serviceAccount \"{value}\" in {key}"
            )),
            _ => None,
        }
    })
}
