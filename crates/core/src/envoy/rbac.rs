//! AuthorizationPolicies as Envoy's RBAC network filters, the way istiod writes them for a
//! TCP filter chain (istio/istio pilot/pkg/security/authz/builder/builder.go `build`,
//! `buildTCP`; pilot/pkg/security/authz/model/{model.go,generator.go,permission.go,principal.go}).
//!
//! One filter per action, DENY before ALLOW, each holding one policy per rule named
//! `ns[<namespace>]-policy[<name>]-rule[<index>]`. A rule's `to` entries become permissions,
//! its `from` entries principals; `when` conditions join the side they describe. Identities
//! are matched on the client certificate's URI SAN (`authenticated.principal_name`), so they
//! only hold on a chain that terminates mTLS.
//!
//! What the filters decide is what `engine::gateway` decides (its `authz.rs`): a CUSTOM policy
//! denies everything (its provider cannot be asked), AUDIT and dry-run policies decide
//! nothing, an ALLOW rule naming an HTTP-only attribute is dropped, a DENY rule drops just
//! that attribute, and a condition meshctl does not evaluate drops an ALLOW rule and is
//! dropped from a DENY rule (so it denies more).

use serde_json::{Map, Value, json};

use super::tls::quote_meta;
use crate::load::Loaded;
use crate::model::{AuthorizationPolicy, AuthzAction, AuthzRule, Condition, Operation, Source};

const FILTER: &str = "envoy.filters.network.rbac";
const TYPE: &str = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC";
/// istiod's stat prefix for the TCP filter (`authzmodel.RBACTCPFilterStatPrefix`).
const STAT_PREFIX: &str = "tcp.";

/// The RBAC filters for `policies` (those that apply to the workload), in the order a chain
/// runs them. Empty when no policy enforces anything.
pub(crate) fn filters(
    policies: &[Loaded<AuthorizationPolicy>],
    notes: &mut Vec<String>,
) -> Vec<Value> {
    let mut by_action: [Vec<&AuthorizationPolicy>; 3] = Default::default();
    for loaded in policies {
        let policy = &loaded.resource;
        let label = label(policy);
        if policy.is_dry_run() {
            notes.push(format!(
                "{label} is dry-run (istio.io/dry-run): it decides nothing and is left out"
            ));
            continue;
        }
        match policy.action() {
            AuthzAction::Custom => by_action[0].push(policy),
            AuthzAction::Deny => by_action[1].push(policy),
            AuthzAction::Allow => by_action[2].push(policy),
            AuthzAction::Audit => {}
        }
    }
    let [custom, deny, allow] = by_action;
    let mut filters = Vec::new();
    if !custom.is_empty() {
        // Fail closed, as meshctl decides: a match-all DENY per CUSTOM policy.
        let mut rules = Map::new();
        for policy in &custom {
            notes.push(format!(
                "{} is CUSTOM: its external provider is not exported, so the gateway denies every connection (fail closed)",
                label(policy)
            ));
            rules.insert(
                format!("{}-custom", policy_name(policy, 0)),
                json!({ "permissions": [{ "any": true }], "principals": [{ "any": true }] }),
            );
        }
        filters.push(filter("DENY", rules));
    }
    if !deny.is_empty() {
        filters.push(filter("DENY", policies_of(&deny, AuthzAction::Deny, notes)));
    }
    if !allow.is_empty() {
        filters.push(filter(
            "ALLOW",
            policies_of(&allow, AuthzAction::Allow, notes),
        ));
    }
    filters
}

fn filter(action: &str, policies: Map<String, Value>) -> Value {
    json!({
        "name": FILTER,
        "typed_config": {
            "@type": TYPE,
            "stat_prefix": STAT_PREFIX,
            "rules": { "action": action, "policies": Value::Object(policies) },
        },
    })
}

fn label(policy: &AuthorizationPolicy) -> String {
    format!(
        "AuthorizationPolicy {}/{}",
        policy.metadata.namespace(),
        policy.metadata.name
    )
}

/// `ns[<namespace>]-policy[<name>]-rule[<index>]` (builder.go `policyName`).
fn policy_name(policy: &AuthorizationPolicy, rule: usize) -> String {
    format!(
        "ns[{}]-policy[{}]-rule[{rule}]",
        policy.metadata.namespace(),
        policy.metadata.name
    )
}

fn policies_of(
    policies: &[&AuthorizationPolicy],
    action: AuthzAction,
    notes: &mut Vec<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for policy in policies {
        let ns = policy.metadata.namespace();
        if policy.spec.rules.is_empty() {
            // A policy without rules matches nothing (builder.go `rbacPolicyMatchNever`).
            out.insert(
                policy_name(policy, 0),
                json!({
                    "permissions": [{ "not_rule": { "any": true } }],
                    "principals": [{ "not_id": { "any": true } }],
                }),
            );
            continue;
        }
        for (i, rule) in policy.spec.rules.iter().enumerate() {
            if action == AuthzAction::Allow
                && let Some(why) = unusable_for_allow(rule)
            {
                notes.push(format!(
                    "{} rules[{i}] names {why}, which the TCP filter chain cannot check: the ALLOW rule is left out (it allows nothing)",
                    label(policy)
                ));
                continue;
            }
            out.insert(
                policy_name(policy, i),
                json!({
                    "permissions": permissions(rule),
                    "principals": principals(rule, ns),
                }),
            );
        }
    }
    out
}

/// Why an ALLOW rule cannot be written for TCP, if it cannot.
fn unusable_for_allow(rule: &AuthzRule) -> Option<String> {
    let sources = rule.from.iter().filter_map(|f| f.source.as_ref());
    if sources.clone().any(Source::names_request_principals) {
        return Some("request principals".into());
    }
    if rule
        .to
        .iter()
        .filter_map(|t| t.operation.as_ref())
        .any(Operation::names_http_fields)
    {
        return Some("hosts, methods or paths".into());
    }
    rule.when
        .iter()
        .find(|c| side(&c.key).is_none())
        .map(|c| format!("condition `{}`", c.key))
}

/// Where a condition key goes: the permission (what is reached) or the principal (who
/// connects). `None`: HTTP-only, or not evaluated by meshctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Permission,
    Principal,
}

fn side(key: &str) -> Option<Side> {
    match key {
        "destination.ip" | "destination.port" | "connection.sni" => Some(Side::Permission),
        "source.ip"
        | "remote.ip"
        | "source.namespace"
        | "source.principal"
        | "source.serviceAccount"
        | "source.trustDomain" => Some(Side::Principal),
        _ => None,
    }
}

/// One permission per `to` (one matching anything without `to`), each the AND of its
/// ports and the permission-side conditions.
fn permissions(rule: &AuthzRule) -> Vec<Value> {
    let conditions: Vec<Value> = rule
        .when
        .iter()
        .filter(|c| side(&c.key) == Some(Side::Permission))
        .flat_map(|c| values_and_not(c, &|v| permission_of(&c.key, v), &permission_set))
        .collect();
    let mut out = Vec::new();
    let operations: Vec<Option<&Operation>> = if rule.to.is_empty() {
        vec![None]
    } else {
        rule.to.iter().map(|t| t.operation.as_ref()).collect()
    };
    for operation in operations {
        let mut and = Vec::new();
        if let Some(o) = operation {
            and.extend(pair(&o.ports, &o.not_ports, &port, &permission_set));
        }
        and.extend(conditions.iter().cloned());
        if and.is_empty() {
            and.push(json!({ "any": true }));
        }
        out.push(json!({ "and_rules": { "rules": and } }));
    }
    out
}

/// One principal per `from` (one matching anyone without `from`), each the AND of the
/// source's fields and the principal-side conditions.
fn principals(rule: &AuthzRule, policy_ns: &str) -> Vec<Value> {
    let conditions: Vec<Value> = rule
        .when
        .iter()
        .filter(|c| side(&c.key) == Some(Side::Principal))
        .flat_map(|c| values_and_not(c, &|v| principal_of(&c.key, v, policy_ns), &principal_set))
        .collect();
    let sources: Vec<Option<&Source>> = if rule.from.is_empty() {
        vec![None]
    } else {
        rule.from.iter().map(|f| f.source.as_ref()).collect()
    };
    let mut out = Vec::new();
    for source in sources {
        let mut and = Vec::new();
        if let Some(s) = source {
            // Istio's order (model.go `New`, each field inserted at the front).
            let principal = |v: &str| principal_of("source.principal", v, policy_ns);
            let account = |v: &str| principal_of("source.serviceAccount", v, policy_ns);
            let domain = |v: &str| principal_of("source.trustDomain", v, policy_ns);
            let namespace = |v: &str| principal_of("source.namespace", v, policy_ns);
            let remote = |v: &str| principal_of("remote.ip", v, policy_ns);
            let direct = |v: &str| principal_of("source.ip", v, policy_ns);
            and.extend(pair(
                &s.principals,
                &s.not_principals,
                &principal,
                &principal_set,
            ));
            and.extend(pair(
                &s.service_accounts,
                &s.not_service_accounts,
                &account,
                &principal_set,
            ));
            and.extend(pair(
                &s.trust_domains,
                &s.not_trust_domains,
                &domain,
                &principal_set,
            ));
            and.extend(pair(
                &s.namespaces,
                &s.not_namespaces,
                &namespace,
                &principal_set,
            ));
            and.extend(pair(
                &s.remote_ip_blocks,
                &s.not_remote_ip_blocks,
                &remote,
                &principal_set,
            ));
            and.extend(pair(
                &s.ip_blocks,
                &s.not_ip_blocks,
                &direct,
                &principal_set,
            ));
        }
        and.extend(conditions.iter().cloned());
        if and.is_empty() {
            and.push(json!({ "any": true }));
        }
        out.push(json!({ "and_ids": { "ids": and } }));
    }
    out
}

/// A `values`/`notValues` pair: an OR of the values, and NOT an OR of the not-values.
/// A value that cannot be written (a port that is not a number, a block that is not a CIDR)
/// matches nothing, as the engine takes it.
fn pair(
    values: &[String],
    not_values: &[String],
    one: &dyn Fn(&str) -> Option<Value>,
    set: &dyn Fn(&str, Vec<Value>) -> Value,
) -> Vec<Value> {
    let mut out = Vec::new();
    if !values.is_empty() {
        out.push(set("or", values.iter().filter_map(|v| one(v)).collect()));
    }
    if !not_values.is_empty() {
        let or = set("or", not_values.iter().filter_map(|v| one(v)).collect());
        out.push(set("not", vec![or]));
    }
    out
}

fn values_and_not(
    condition: &Condition,
    one: &dyn Fn(&str) -> Option<Value>,
    set: &dyn Fn(&str, Vec<Value>) -> Value,
) -> Vec<Value> {
    pair(&condition.values, &condition.not_values, one, set)
}

/// `or` (an empty OR matches nothing) or `not` (of one item) over permissions.
fn permission_set(kind: &str, items: Vec<Value>) -> Value {
    match kind {
        "not" => json!({ "not_rule": items.into_iter().next().unwrap_or(json!({ "any": true })) }),
        _ if items.is_empty() => json!({ "not_rule": { "any": true } }),
        _ => json!({ "or_rules": { "rules": items } }),
    }
}

/// `or` (an empty OR matches nothing) or `not` (of one item) over principals.
fn principal_set(kind: &str, items: Vec<Value>) -> Value {
    match kind {
        "not" => json!({ "not_id": items.into_iter().next().unwrap_or(json!({ "any": true })) }),
        _ if items.is_empty() => json!({ "not_id": { "any": true } }),
        _ => json!({ "or_ids": { "ids": items } }),
    }
}

fn port(value: &str) -> Option<Value> {
    let port: u16 = value.trim().parse().ok()?;
    Some(json!({ "destination_port": port }))
}

fn permission_of(key: &str, value: &str) -> Option<Value> {
    match key {
        "destination.port" => port(value),
        "destination.ip" => cidr(value).map(|c| json!({ "destination_ip": c })),
        "connection.sni" => Some(json!({ "requested_server_name": edge_matcher(value, "") })),
        _ => None,
    }
}

fn principal_of(key: &str, value: &str, policy_ns: &str) -> Option<Value> {
    let authenticated = |m: Value| json!({ "authenticated": { "principal_name": m } });
    match key {
        "source.ip" => cidr(value).map(|c| json!({ "direct_remote_ip": c })),
        "remote.ip" => cidr(value).map(|c| json!({ "remote_ip": c })),
        "source.principal" => Some(authenticated(edge_matcher(
            value.strip_prefix("spiffe://").unwrap_or(value),
            "spiffe://",
        ))),
        "source.namespace" => {
            let pattern = value
                .split('*')
                .map(quote_meta)
                .collect::<Vec<_>>()
                .join(".*");
            Some(authenticated(regex(&format!(".*/ns/{pattern}/.*"))))
        }
        "source.serviceAccount" => {
            let (ns, sa) = value.split_once('/').unwrap_or((policy_ns, value));
            Some(authenticated(regex(&format!(
                "spiffe://.+/ns/{}/(.+/|)sa/{}(/.+)?",
                quote_meta(ns),
                quote_meta(sa)
            ))))
        }
        "source.trustDomain" => Some(authenticated(if value == "*" {
            json!({ "prefix": "spiffe://" })
        } else if let Some((head, tail)) = value.split_once('*') {
            regex(&format!(
                "spiffe://{}[^/]*{}/.*",
                quote_meta(head),
                quote_meta(tail)
            ))
        } else {
            json!({ "prefix": format!("spiffe://{value}/") })
        })),
        _ => None,
    }
}

fn regex(pattern: &str) -> Value {
    json!({ "safe_regex": { "regex": pattern } })
}

/// Istio's `StringMatcherWithPrefix`: `*` any non-empty text, `*x` a suffix, `x*` a prefix,
/// else exact; `prefix` is written before the value.
fn edge_matcher(value: &str, prefix: &str) -> Value {
    if value == "*" {
        regex(".+")
    } else if let Some(suffix) = value.strip_prefix('*') {
        if prefix.is_empty() {
            json!({ "suffix": suffix })
        } else {
            regex(&format!("{}.*{}", quote_meta(prefix), quote_meta(suffix)))
        }
    } else if let Some(head) = value.strip_suffix('*') {
        json!({ "prefix": format!("{prefix}{head}") })
    } else {
        json!({ "exact": format!("{prefix}{value}") })
    }
}

/// An address or block as an Envoy `CidrRange`.
fn cidr(value: &str) -> Option<Value> {
    let value = value.trim();
    let net: ipnet::IpNet = value.parse().ok().or_else(|| {
        value
            .parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })?;
    Some(json!({ "address_prefix": net.network().to_string(), "prefix_len": net.prefix_len() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_written_as_istio_writes_them() {
        let p = |key: &str, v: &str| principal_of(key, v, "istio-system").expect("written");
        assert_eq!(
            p("source.namespace", "bookinfo"),
            json!({ "authenticated": { "principal_name": { "safe_regex": { "regex": ".*/ns/bookinfo/.*" } } } })
        );
        assert_eq!(
            p("source.principal", "cluster.local/ns/a/sa/b"),
            json!({ "authenticated": { "principal_name": { "exact": "spiffe://cluster.local/ns/a/sa/b" } } })
        );
        assert_eq!(
            p("source.principal", "*/sa/b")["authenticated"]["principal_name"],
            json!({ "safe_regex": { "regex": "spiffe://.*/sa/b" } })
        );
        assert_eq!(
            p("source.serviceAccount", "app")["authenticated"]["principal_name"],
            json!({ "safe_regex": { "regex": "spiffe://.+/ns/istio-system/(.+/|)sa/app(/.+)?" } })
        );
        assert_eq!(
            p("source.ip", "192.0.2.7"),
            json!({ "direct_remote_ip": { "address_prefix": "192.0.2.7", "prefix_len": 32 } })
        );
        assert_eq!(port("x"), None);
        assert_eq!(
            permission_set("or", Vec::new()),
            json!({ "not_rule": { "any": true } })
        );
    }
}
