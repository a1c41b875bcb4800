//! `Gateway` (networking.istio.io): the listeners of a standalone Envoy such as the egress
//! gateway, chosen by pod labels. Each server is one port with its hosts and TLS settings;
//! VirtualServices bound to the gateway route what arrives there (istio/istio
//! pilot/pkg/networking/core/gateway.go, pilot/pkg/model/gateway.go).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// A Gateway document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    /// `networking.istio.io/v1` (or v1beta1/v1alpha3).
    pub api_version: String,
    /// Always `Gateway`.
    pub kind: String,
    /// Name, namespace, creation time.
    pub metadata: ObjectMeta,
    /// The listeners.
    #[serde(default, deserialize_with = "super::meta::null_as_empty")]
    pub spec: GatewaySpec,
}

/// `Gateway.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Pod labels of the gateway workloads (written directly, not as `matchLabels`); istiod
    /// searches every namespace for them unless `PILOT_SCOPE_GATEWAY_TO_NAMESPACE` is set.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub selector: BTreeMap<String, String>,
    /// One entry per listening port (several may share a port when their hosts or TLS differ).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub servers: Vec<Server>,
}

/// `servers[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// The port the gateway listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<GatewayPort>,
    /// The address to bind to instead of every address (an IP or a `unix://` path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// Hosts exposed, each optionally `namespace/host` to limit which VirtualServices bind.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hosts: Vec<String>,
    /// How the server terminates or passes through TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTls>,
    /// Where traffic goes by default (sidecar ingress only); kept for the webhook's checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// The server's name, unique within the Gateway; it names routes and metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `servers[].port`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayPort {
    /// The port number the gateway's service exposes.
    #[serde(default)]
    pub number: u32,
    /// `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP`, `TLS`, …
    #[serde(default)]
    pub protocol: String,
    /// The port's name.
    #[serde(default)]
    pub name: String,
    /// The port on the gateway pod (deprecated upstream, still read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// `servers[].tls` (istio/api networking/v1alpha3/gateway.proto `ServerTLSSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    /// `PASSTHROUGH`, `SIMPLE`, `MUTUAL`, `AUTO_PASSTHROUGH`, `ISTIO_MUTUAL` or `OPTIONAL_MUTUAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Answers plain HTTP with a redirect to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
    /// A Kubernetes secret holding the server certificate (and CA for `MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Up to two secrets (an RSA and an ECDSA certificate).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credential_names: Vec<String>,
    /// Up to two inline file triples, as an alternative to `credentialNames`.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tls_certificates: Vec<serde_json::Value>,
    /// Server certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Server key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// CA bundle for client certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// A ConfigMap or secret holding that CA bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_credential_name: Option<String>,
    /// Revocation list file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
    /// Names a client certificate must carry.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subject_alt_names: Vec<String>,
    /// Accepted client certificate SPKI hashes.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verify_certificate_spki: Vec<String>,
    /// Accepted client certificate hashes.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verify_certificate_hash: Vec<String>,
    /// Lowest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<String>,
    /// Highest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_protocol_version: Option<String>,
    /// Cipher suites offered.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cipher_suites: Vec<String>,
    /// ECDH curves offered.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ecdh_curves: Vec<String>,
    /// Accepts a client certificate that fails verification (`OPTIONAL_MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
}
