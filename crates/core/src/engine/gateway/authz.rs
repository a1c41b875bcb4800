//! AuthorizationPolicy on a workload's TCP filter chains, as istiod turns it into Envoy's
//! RBAC network filter (istio/istio pilot/pkg/security/authz/builder/builder.go `BuildTCP`,
//! pilot/pkg/security/authz/model/{model.go,generator.go}).
//!
//! A connection is denied when a DENY policy matches; else, when ALLOW policies exist, it is
//! allowed only if one matches; with no ALLOW policy it is allowed. CUSTOM policies need their
//! external provider, which meshctl cannot ask, so they deny (fail closed) and say so; AUDIT
//! and dry-run policies decide nothing. On TCP, HTTP-only fields (request principals, hosts,
//! methods, paths, `request.*` conditions) cannot be evaluated: an ALLOW rule holding one is
//! dropped whole (it allows less), while a DENY rule drops just that field (it denies more),
//! as `rule.checkError` does. Identity conditions read the client's mTLS certificate: a
//! connection that presented none matches no principal, namespace or service account.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::engine::capture::parse_net;
use crate::load::Loaded;
use crate::model::{AuthorizationPolicy, AuthzAction, AuthzRule, Condition, Operation, Source};

/// What the RBAC filter knows about a connection.
#[derive(Debug, Clone, Default)]
pub struct AuthzInput<'a> {
    /// The client's identity from its mesh certificate: `cluster.local/ns/shop/sa/app`.
    pub principal: Option<&'a str>,
    /// The client's address, when known.
    pub source_ip: Option<IpAddr>,
    /// The address the connection arrived at, when known.
    pub destination_ip: Option<IpAddr>,
    /// The port it arrived at.
    pub destination_port: u16,
    /// The TLS server name, when the client sent one.
    pub sni: Option<&'a str>,
}

/// The RBAC filter's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuthzDecision {
    /// `ALLOW` or `DENY`.
    pub verdict: AuthzVerdict,
    /// `AuthorizationPolicy ns/name` that decided, with `rules[i]` when a rule matched.
    pub policy: Option<String>,
    /// Where that policy is written.
    pub origin: Option<String>,
    /// Why, in one line.
    pub reason: String,
}

/// The verdict of the RBAC filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuthzVerdict {
    /// Let through.
    Allow,
    /// Closed by the RBAC filter.
    Deny,
}

impl AuthzVerdict {
    /// `ALLOW` or `DENY`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AuthzVerdict::Allow => "ALLOW",
            AuthzVerdict::Deny => "DENY",
        }
    }
}

/// The policies that apply to a workload: those of its namespace whose selector its labels
/// satisfy (no selector: every workload there), and those of the root namespace likewise for
/// every namespace (pilot/pkg/model/authorization.go `ListAuthorizationPolicies`). Policies
/// that name a `targetRef` attach to Kubernetes Gateways and waypoints, not to a workload
/// selected by labels, and are left out.
pub(crate) fn applicable<'c>(
    policies: &'c [Loaded<AuthorizationPolicy>],
    root_namespace: &str,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<&'c Loaded<AuthorizationPolicy>> {
    policies
        .iter()
        .filter(|p| {
            let ns = p.resource.metadata.namespace();
            let spec = &p.resource.spec;
            (ns == namespace || ns == root_namespace)
                && spec.target_ref.is_none()
                && spec.target_refs.is_empty()
                && spec
                    .selector
                    .as_ref()
                    .is_none_or(|s| s.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v)))
        })
        .collect()
}

/// Decides a connection against the policies that apply to the workload.
#[must_use]
pub(crate) fn evaluate(
    policies: &[&Loaded<AuthorizationPolicy>],
    input: &AuthzInput<'_>,
) -> AuthzDecision {
    let enforced: Vec<(&Loaded<AuthorizationPolicy>, AuthzAction)> = policies
        .iter()
        .filter(|p| !p.resource.is_dry_run())
        .map(|p| (*p, p.resource.action()))
        .collect();
    if let Some((p, _)) = enforced.iter().find(|(_, a)| *a == AuthzAction::Custom) {
        return decided(
            AuthzVerdict::Deny,
            p,
            "",
            "a CUSTOM policy is decided by its external provider, which meshctl cannot ask: denied (fail closed)".into(),
        );
    }
    for (p, _) in enforced.iter().filter(|(_, a)| *a == AuthzAction::Deny) {
        for (i, rule) in p.resource.spec.rules.iter().enumerate() {
            match rule_matches(
                rule,
                AuthzAction::Deny,
                p.resource.metadata.namespace(),
                input,
            ) {
                Match::Yes => {
                    return decided(
                        AuthzVerdict::Deny,
                        p,
                        &format!(" rules[{i}]"),
                        "a DENY rule matches the connection".into(),
                    );
                }
                Match::Unknown(what) => {
                    return decided(
                        AuthzVerdict::Deny,
                        p,
                        &format!(" rules[{i}]"),
                        format!(
                            "a DENY rule may match: {what} is not known, so it is taken to match (fail closed)"
                        ),
                    );
                }
                Match::No => {}
            }
        }
    }
    let allows: Vec<&Loaded<AuthorizationPolicy>> = enforced
        .iter()
        .filter(|(_, a)| *a == AuthzAction::Allow)
        .map(|(p, _)| *p)
        .collect();
    if allows.is_empty() {
        return AuthzDecision {
            verdict: AuthzVerdict::Allow,
            policy: None,
            origin: None,
            reason: "no ALLOW policy applies to the workload, and no DENY rule matches".into(),
        };
    }
    let mut unknown = None;
    for p in &allows {
        for (i, rule) in p.resource.spec.rules.iter().enumerate() {
            match rule_matches(
                rule,
                AuthzAction::Allow,
                p.resource.metadata.namespace(),
                input,
            ) {
                Match::Yes => {
                    return decided(
                        AuthzVerdict::Allow,
                        p,
                        &format!(" rules[{i}]"),
                        "an ALLOW rule matches the connection".into(),
                    );
                }
                Match::Unknown(what) => {
                    unknown.get_or_insert(what);
                }
                Match::No => {}
            }
        }
    }
    let names: Vec<String> = allows.iter().map(|p| policy_name(p)).collect();
    let reason = match unknown {
        Some(what) => format!(
            "no rule of the ALLOW policies is known to match ({what} is not known, so the rule is taken not to match): {}",
            names.join(", ")
        ),
        None if names.len() == 1 => "no rule of this ALLOW policy matches the connection".into(),
        None => format!(
            "ALLOW policies apply and no rule of theirs matches: {}",
            names.join(", ")
        ),
    };
    AuthzDecision {
        verdict: AuthzVerdict::Deny,
        policy: Some(names[0].clone()),
        origin: Some(allows[0].origin.to_string()),
        reason,
    }
}

/// `AuthorizationPolicy namespace/name`.
fn policy_name(p: &Loaded<AuthorizationPolicy>) -> String {
    let meta = &p.resource.metadata;
    format!("AuthorizationPolicy {}/{}", meta.namespace(), meta.name)
}

/// A decision by policy `p` (and `path`, ` rules[i]`, when a rule matched), located at that rule.
fn decided(
    verdict: AuthzVerdict,
    p: &Loaded<AuthorizationPolicy>,
    path: &str,
    reason: String,
) -> AuthzDecision {
    let field = path.trim().replace("rules", "spec.rules");
    let origin = if field.is_empty() {
        p.origin.clone()
    } else {
        p.locate(&field)
    };
    AuthzDecision {
        verdict,
        policy: Some(format!("{}{path}", policy_name(p))),
        origin: Some(origin.to_string()),
        reason,
    }
}

/// The answer of one condition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    /// Depends on an attribute the inputs do not hold.
    Unknown(String),
}

impl Match {
    fn from_bool(b: bool) -> Match {
        if b { Match::Yes } else { Match::No }
    }

    /// Both must hold.
    fn and(self, other: impl FnOnce() -> Match) -> Match {
        match self {
            Match::No => Match::No,
            Match::Yes => other(),
            Match::Unknown(what) => match other() {
                Match::No => Match::No,
                _ => Match::Unknown(what),
            },
        }
    }

    fn not(self) -> Match {
        match self {
            Match::Yes => Match::No,
            Match::No => Match::Yes,
            unknown @ Match::Unknown(_) => unknown,
        }
    }
}

/// Any of `items` (an empty list always matches).
fn any<T>(items: &[T], f: impl Fn(&T) -> Match) -> Match {
    if items.is_empty() {
        return Match::Yes;
    }
    let mut unknown = None;
    for item in items {
        match f(item) {
            Match::Yes => return Match::Yes,
            Match::Unknown(what) => {
                unknown.get_or_insert(what);
            }
            Match::No => {}
        }
    }
    unknown.map_or(Match::No, Match::Unknown)
}

/// A `values`/`notValues` pair: any of `values` (when given), and none of `not_values`.
fn values(values: &[String], not_values: &[String], f: impl Fn(&str) -> Match) -> Match {
    let positive = if values.is_empty() {
        Match::Yes
    } else {
        any(values, |v| f(v))
    };
    positive.and(|| {
        if not_values.is_empty() {
            Match::Yes
        } else {
            any(not_values, |v| f(v)).not()
        }
    })
}

/// True when a rule names an attribute a TCP connection does not carry.
fn http_only(rule: &AuthzRule) -> bool {
    let source = rule.from.iter().filter_map(|f| f.source.as_ref());
    let operation = rule.to.iter().filter_map(|t| t.operation.as_ref());
    source.clone().any(Source::names_request_principals)
        || operation.clone().any(Operation::names_http_fields)
        || rule.when.iter().any(|c| http_only_key(&c.key))
}

fn http_only_key(key: &str) -> bool {
    key.starts_with("request.")
}

fn rule_matches(
    rule: &AuthzRule,
    action: AuthzAction,
    policy_ns: &str,
    input: &AuthzInput<'_>,
) -> Match {
    if action == AuthzAction::Allow && http_only(rule) {
        return Match::No;
    }
    let from = any(&rule.from, |f| {
        f.source
            .as_ref()
            .map_or(Match::Yes, |s| source_matches(s, policy_ns, input))
    });
    from.and(|| {
        any(&rule.to, |t| {
            t.operation
                .as_ref()
                .map_or(Match::Yes, |o| operation_matches(o, input))
        })
    })
    .and(|| {
        rule.when
            .iter()
            .filter(|c| !http_only_key(&c.key))
            .fold(Match::Yes, |acc, c| {
                acc.and(|| condition_matches(c, policy_ns, input))
            })
    })
}

fn source_matches(source: &Source, policy_ns: &str, input: &AuthzInput<'_>) -> Match {
    let identity = Identity::parse(input.principal);
    values(&source.principals, &source.not_principals, |v| {
        identity.principal(v)
    })
    .and(|| {
        values(&source.namespaces, &source.not_namespaces, |v| {
            identity.namespace(v)
        })
    })
    .and(|| {
        values(
            &source.service_accounts,
            &source.not_service_accounts,
            |v| identity.service_account(v, policy_ns),
        )
    })
    .and(|| {
        values(&source.trust_domains, &source.not_trust_domains, |v| {
            identity.trust_domain(v)
        })
    })
    .and(|| {
        values(&source.ip_blocks, &source.not_ip_blocks, |v| {
            ip_in(input.source_ip, v, "the source address")
        })
    })
    .and(|| {
        values(
            &source.remote_ip_blocks,
            &source.not_remote_ip_blocks,
            |v| ip_in(input.source_ip, v, "the source address"),
        )
    })
}

fn operation_matches(operation: &Operation, input: &AuthzInput<'_>) -> Match {
    values(&operation.ports, &operation.not_ports, |v| {
        Match::from_bool(v.trim().parse::<u16>().ok() == Some(input.destination_port))
    })
}

fn condition_matches(condition: &Condition, policy_ns: &str, input: &AuthzInput<'_>) -> Match {
    let identity = Identity::parse(input.principal);
    let test = |v: &str| -> Match {
        match condition.key.as_str() {
            "source.ip" | "remote.ip" => ip_in(input.source_ip, v, "the source address"),
            "destination.ip" => ip_in(input.destination_ip, v, "the gateway's address"),
            "destination.port" => {
                Match::from_bool(v.trim().parse::<u16>().ok() == Some(input.destination_port))
            }
            "connection.sni" => Match::from_bool(input.sni.is_some_and(|sni| glob(v, sni))),
            "source.namespace" => identity.namespace(v),
            "source.principal" => identity.principal(v),
            "source.serviceAccount" => identity.service_account(v, policy_ns),
            "source.trustDomain" => identity.trust_domain(v),
            other => Match::Unknown(format!("condition `{other}`")),
        }
    };
    values(&condition.values, &condition.not_values, test)
}

fn ip_in(ip: Option<IpAddr>, block: &str, what: &str) -> Match {
    let Some(ip) = ip else {
        return Match::Unknown(what.into());
    };
    match parse_net(block) {
        Some(net) => Match::from_bool(net.contains(&ip)),
        None => Match::No,
    }
}

/// The client's mesh identity, split into its SPIFFE parts.
struct Identity<'a> {
    principal: Option<&'a str>,
    trust_domain: Option<&'a str>,
    namespace: Option<&'a str>,
    service_account: Option<&'a str>,
}

impl<'a> Identity<'a> {
    fn parse(principal: Option<&'a str>) -> Identity<'a> {
        let principal = principal.map(|p| p.strip_prefix("spiffe://").unwrap_or(p));
        let mut id = Identity {
            principal,
            trust_domain: None,
            namespace: None,
            service_account: None,
        };
        if let Some(p) = principal {
            let mut parts = p.split('/');
            id.trust_domain = parts.next();
            let rest: Vec<&str> = parts.collect();
            for pair in rest.chunks(2) {
                match pair {
                    ["ns", ns] => id.namespace = Some(ns),
                    ["sa", sa] => id.service_account = Some(sa),
                    _ => {}
                }
            }
        }
        id
    }

    /// `source.principals`: exact, `prefix*`, `*suffix` or `*` (any authenticated client).
    fn principal(&self, value: &str) -> Match {
        Match::from_bool(self.principal.is_some_and(|p| {
            let value = value.strip_prefix("spiffe://").unwrap_or(value);
            glob_edge(value, p)
        }))
    }

    /// `source.namespaces`: the `/ns/<namespace>/` part, `*` matching any text.
    fn namespace(&self, value: &str) -> Match {
        Match::from_bool(self.namespace.is_some_and(|ns| glob(value, ns)))
    }

    /// `source.serviceAccounts`: `<namespace>/<name>`, or `<name>` in the policy's namespace.
    fn service_account(&self, value: &str, policy_ns: &str) -> Match {
        let (ns, sa) = value.split_once('/').unwrap_or((policy_ns, value));
        Match::from_bool(self.namespace == Some(ns) && self.service_account == Some(sa))
    }

    fn trust_domain(&self, value: &str) -> Match {
        Match::from_bool(self.trust_domain.is_some_and(|td| glob(value, td)))
    }
}

/// Istio's string matchers for principals: `*` is any non-empty text, `*x` a suffix, `x*` a
/// prefix, anything else exact.
fn glob_edge(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        !text.is_empty()
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        text.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        text.starts_with(prefix)
    } else {
        pattern == text
    }
}

/// `*` anywhere matches any text (the regex istiod builds for namespaces).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_patterns_follow_istios_string_matchers() {
        assert!(glob_edge("*", "cluster.local/ns/a/sa/b"));
        assert!(glob_edge("cluster.local/ns/a/*", "cluster.local/ns/a/sa/b"));
        assert!(glob_edge("*/sa/b", "cluster.local/ns/a/sa/b"));
        assert!(!glob_edge(
            "cluster.local/ns/a/sa/c",
            "cluster.local/ns/a/sa/b"
        ));
        assert!(glob("team-*", "team-db"));
        assert!(!glob("team-*", "ops"));
        assert!(glob("*-db", "team-db"));
    }

    #[test]
    fn an_identity_splits_into_its_spiffe_parts() {
        let id = Identity::parse(Some("spiffe://cluster.local/ns/shop/sa/app"));
        assert_eq!(id.namespace, Some("shop"));
        assert_eq!(id.service_account, Some("app"));
        assert_eq!(id.trust_domain, Some("cluster.local"));
        assert_eq!(id.namespace("shop"), Match::Yes);
        assert_eq!(id.service_account("shop/app", "x"), Match::Yes);
        assert_eq!(id.service_account("app", "shop"), Match::Yes);
        assert_eq!(Identity::parse(None).namespace("shop"), Match::No);
    }
}
