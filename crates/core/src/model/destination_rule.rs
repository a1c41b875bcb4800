//! `DestinationRule` (networking.istio.io): what happens to traffic after routing, per host —
//! the subsets that become clusters, the transport (TLS origination, Istio mTLS, CONNECT
//! tunnelling) and connection limits (istio/istio pilot/pkg/networking/core/cluster_builder.go,
//! cluster_tls.go, tunnelingconfig/apply.go).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// A DestinationRule document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRule {
    /// `networking.istio.io/v1` (or v1beta1/v1alpha3).
    pub api_version: String,
    /// Always `DestinationRule`.
    pub kind: String,
    /// Name, namespace, creation time.
    pub metadata: ObjectMeta,
    /// The policies.
    #[serde(default, deserialize_with = "super::meta::null_as_empty")]
    pub spec: DestinationRuleSpec,
}

/// `DestinationRule.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// The host the rule applies to (wildcards allowed; short names take the rule's namespace).
    #[serde(default)]
    pub host: String,
    /// The policy for every subset and port unless overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named groups of endpoints, each a cluster of its own.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subsets: Vec<Subset>,
    /// Namespaces that see the rule.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub export_to: Vec<String>,
    /// Workloads the rule applies to (only in the rule's own namespace); absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<MatchLabels>,
}

/// A selector written as `matchLabels`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchLabels {
    /// Required labels.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
}

/// `trafficPolicy` (top level or a subset's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// Connection limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPool>,
    /// How the sidecar connects upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
    /// Per-port overrides of `connectionPool` and `tls`.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub port_level_settings: Vec<PortTrafficPolicy>,
    /// CONNECT tunnelling through the host (a forward proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<Tunnel>,
}

/// `trafficPolicy.portLevelSettings[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    /// The port it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<super::virtual_service::PortSelector>,
    /// Connection limits for the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPool>,
    /// Transport for the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
}

/// `trafficPolicy.tls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTls {
    /// `DISABLE`, `SIMPLE`, `MUTUAL` or `ISTIO_MUTUAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The SNI the sidecar sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Names the upstream certificate must carry.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subject_alt_names: Vec<String>,
    /// A Kubernetes secret with the client certificate and CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Client certificate file (`MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// Client key file (`MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// CA bundle file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Skips verification of the upstream certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
}

/// `trafficPolicy.tunnel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tunnel {
    /// `CONNECT` (default) or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The host the forward proxy should connect to.
    #[serde(default)]
    pub target_host: String,
    /// The port the forward proxy should connect to.
    #[serde(default)]
    pub target_port: u32,
}

/// `trafficPolicy.connectionPool`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPool {
    /// TCP limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// HTTP limits; not modelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<serde_json::Value>,
}

/// `connectionPool.tcp`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    /// The most connections to the destination cluster at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i64>,
    /// How long a connect may take (a duration such as `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<String>,
    /// How long a connection may be idle (a duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
    /// Keepalive probes on the upstream socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<serde_json::Value>,
}

/// `subsets[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// Its name, the third part of its cluster's name.
    #[serde(default)]
    pub name: String,
    /// The endpoint labels it selects.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// Its own policy, merged over the rule's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
}
