//! The slice of Istio's `MeshConfig` that decides egress: the outbound policy, the root
//! namespace (where mesh-wide Sidecars live) and the default `exportTo`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Mesh-wide settings meshctl honours; every other MeshConfig field is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {
    /// `outboundTrafficPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    /// `rootNamespace`, `istio-system` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_namespace: Option<String>,
    /// `defaultServiceExportTo`, `["*"]` when unset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_service_export_to: Vec<String>,
    /// `defaultConfig`: proxy defaults; meshctl reads only the DNS proxying metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_config: Option<ProxyConfig>,
}

/// `meshConfig.defaultConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfig {
    /// `proxyMetadata`: environment for every sidecar, e.g. `ISTIO_META_DNS_CAPTURE`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub proxy_metadata: std::collections::BTreeMap<String, String>,
}

impl MeshConfig {
    /// Istio's root namespace default.
    pub const DEFAULT_ROOT_NAMESPACE: &'static str = "istio-system";

    /// The root namespace in effect.
    #[must_use]
    pub fn root_namespace(&self) -> &str {
        self.root_namespace
            .as_deref()
            .unwrap_or(Self::DEFAULT_ROOT_NAMESPACE)
    }

    /// True when sidecars answer DNS themselves (`ISTIO_META_DNS_CAPTURE: "true"`), the
    /// precondition for using auto-allocated VIPs (istio/istio pilot/pkg/model/service.go
    /// `nodeUsesAutoallocatedIPs`).
    #[must_use]
    pub fn dns_capture(&self) -> bool {
        self.proxy_metadata("ISTIO_META_DNS_CAPTURE")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn proxy_metadata(&self, key: &str) -> Option<&str> {
        self.default_config
            .as_ref()
            .and_then(|c| c.proxy_metadata.get(key))
            .map(String::as_str)
    }

    /// The keys that identify a bare MeshConfig document (one with no `kind`).
    pub const KNOWN_KEYS: [&'static str; 4] = [
        "outboundTrafficPolicy",
        "rootNamespace",
        "defaultServiceExportTo",
        "defaultConfig",
    ];
}

/// `outboundTrafficPolicy` in MeshConfig or a Sidecar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundTrafficPolicy {
    /// `REGISTRY_ONLY` or `ALLOW_ANY` (MeshConfig also knows `ALLOW_ANY_DYNAMIC_DNS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundPolicy>,
    /// Hidden `egressProxy` field (ALLOW_ANY only); kept opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_proxy: Option<serde_json::Value>,
}

/// What a sidecar does with a connection that matches no service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundPolicy {
    /// Unmatched connections go to BlackHoleCluster (denied). meshctl's default.
    RegistryOnly,
    /// Unmatched connections go to PassthroughCluster (allowed). Istio's shipped default.
    AllowAny,
    /// Like ALLOW_ANY, with plain HTTP resolved by host name (MeshConfig only, Istio 1.30+).
    AllowAnyDynamicDns,
}

impl OutboundPolicy {
    /// Istio's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundPolicy::RegistryOnly => "REGISTRY_ONLY",
            OutboundPolicy::AllowAny => "ALLOW_ANY",
            OutboundPolicy::AllowAnyDynamicDns => "ALLOW_ANY_DYNAMIC_DNS",
        }
    }

    /// True when unmatched TCP is let through.
    #[must_use]
    pub fn allows_unmatched(self) -> bool {
        !matches!(self, OutboundPolicy::RegistryOnly)
    }
}

impl fmt::Display for OutboundPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
