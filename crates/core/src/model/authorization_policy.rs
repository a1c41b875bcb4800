//! `AuthorizationPolicy` (security.istio.io v1 and v1beta1, one schema): which requests or
//! connections a workload — an egress gateway included — lets through. Only the TCP-level
//! attributes (principals, namespaces, IP blocks, ports, SNI hosts) decide a TCP connection; the
//! HTTP-only ones (methods, paths, request principals, most `when` keys) are kept as written so
//! the webhook's checks and a later engine can read them (istio/istio
//! pilot/pkg/security/authz/builder, pilot/pkg/security/authz/model/model.go).

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// The API group of AuthorizationPolicy.
pub const SECURITY_GROUP: &str = "security.istio.io";

/// The API versions under which Istio serves AuthorizationPolicy (identical schemas).
pub const SECURITY_VERSIONS: [&str; 2] = ["v1", "v1beta1"];

/// An AuthorizationPolicy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    /// `security.istio.io/v1` or `security.istio.io/v1beta1`.
    pub api_version: String,
    /// Always `AuthorizationPolicy`.
    pub kind: String,
    /// Name, namespace, creation time.
    pub metadata: ObjectMeta,
    /// The policy.
    #[serde(default, deserialize_with = "super::meta::null_as_empty")]
    pub spec: AuthorizationPolicySpec,
}

/// `AuthorizationPolicy.spec`.
/// What a policy does with what its rules match (`spec.action`; ALLOW when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthzAction {
    /// Only what some ALLOW rule matches gets through.
    Allow,
    /// What a DENY rule matches is refused.
    Deny,
    /// Logged, not decided.
    Audit,
    /// Decided by an external provider.
    Custom,
}

impl AuthorizationPolicy {
    /// The policy's action; an unknown spelling reads as ALLOW (the webhook rejects it first).
    #[must_use]
    pub fn action(&self) -> AuthzAction {
        match self
            .spec
            .action
            .as_deref()
            .unwrap_or("ALLOW")
            .to_ascii_uppercase()
            .as_str()
        {
            "DENY" => AuthzAction::Deny,
            "AUDIT" => AuthzAction::Audit,
            "CUSTOM" => AuthzAction::Custom,
            _ => AuthzAction::Allow,
        }
    }

    /// True under the `istio.io/dry-run: "true"` annotation: istiod builds the policy as shadow
    /// rules, which decide nothing.
    #[must_use]
    pub fn is_dry_run(&self) -> bool {
        self.metadata
            .annotations
            .get("istio.io/dry-run")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl Source {
    /// True when it names request principals, which only an HTTP request carries.
    #[must_use]
    pub fn names_request_principals(&self) -> bool {
        !self.request_principals.is_empty() || !self.not_request_principals.is_empty()
    }
}

impl Operation {
    /// True when it names hosts, methods or paths, which only an HTTP request carries.
    #[must_use]
    pub fn names_http_fields(&self) -> bool {
        !(self.hosts.is_empty()
            && self.not_hosts.is_empty()
            && self.methods.is_empty()
            && self.not_methods.is_empty()
            && self.paths.is_empty()
            && self.not_paths.is_empty())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    /// Workloads the policy applies to; absent (with no target) means the whole namespace, or
    /// the whole mesh in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<super::destination_rule::MatchLabels>,
    /// A single Gateway API or Service the policy attaches to instead of a selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetRef>,
    /// Several attachment targets.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub target_refs: Vec<PolicyTargetRef>,
    /// `ALLOW` (the default), `DENY`, `AUDIT` or `CUSTOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The external authorizer of a `CUSTOM` policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// Rules, any of which matches; none means an `ALLOW` policy allows nothing.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rules: Vec<AuthzRule>,
}

/// `targetRef` / `targetRefs[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTargetRef {
    /// API group (`gateway.networking.k8s.io`, or empty for core).
    #[serde(default)]
    pub group: String,
    /// `Gateway`, `Service`, `ServiceEntry`, `GatewayClass`.
    #[serde(default)]
    pub kind: String,
    /// The target's name.
    #[serde(default)]
    pub name: String,
    /// Must be the policy's own namespace (empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `provider`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    /// An extension provider named in the mesh config.
    #[serde(default)]
    pub name: String,
}

/// `rules[]`: all of `from`, `to` and `when` must match (each list matches if any entry does).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzRule {
    /// Where the request comes from.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub from: Vec<RuleFrom>,
    /// What it asks for.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub to: Vec<RuleTo>,
    /// Extra conditions.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub when: Vec<Condition>,
}

/// `rules[].from[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleFrom {
    /// The source's attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// `rules[].to[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleTo {
    /// The operation's attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// `from[].source`: every non-empty list must match; an empty one matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Peer identities (`cluster.local/ns/<ns>/sa/<sa>`), mTLS only.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub principals: Vec<String>,
    /// Peer identities that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_principals: Vec<String>,
    /// JWT principals (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub request_principals: Vec<String>,
    /// JWT principals that must not match (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_request_principals: Vec<String>,
    /// Peer namespaces, mTLS only.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespaces: Vec<String>,
    /// Peer namespaces that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_namespaces: Vec<String>,
    /// Peer addresses or CIDRs (the connection's source).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ip_blocks: Vec<String>,
    /// Peer addresses that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_ip_blocks: Vec<String>,
    /// Client addresses as `X-Forwarded-For` or the proxy protocol tells them.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub remote_ip_blocks: Vec<String>,
    /// Client addresses that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_remote_ip_blocks: Vec<String>,
    /// Service accounts (`ns/name`), an alternative to principals and namespaces.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub service_accounts: Vec<String>,
    /// Service accounts that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_service_accounts: Vec<String>,
    /// Trust domains of the peer identity.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub trust_domains: Vec<String>,
    /// Trust domains that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_trust_domains: Vec<String>,
}

/// `to[].operation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Destination ports, as strings.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<String>,
    /// Destination ports that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_ports: Vec<String>,
    /// Hosts (HTTP `Host`, or the SNI for TLS on a gateway).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hosts: Vec<String>,
    /// Hosts that must not match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_hosts: Vec<String>,
    /// HTTP methods (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub methods: Vec<String>,
    /// HTTP methods that must not match (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_methods: Vec<String>,
    /// HTTP paths (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub paths: Vec<String>,
    /// HTTP paths that must not match (HTTP only).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_paths: Vec<String>,
}

/// `rules[].when[]`: an attribute (`source.ip`, `destination.port`, `connection.sni`,
/// `request.headers[...]`, …) and the values it must or must not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The attribute.
    #[serde(default)]
    pub key: String,
    /// Values any of which matches.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
    /// Values none of which may match.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_values: Vec<String>,
}
