//! Kubernetes `Service`, `Endpoints` and `EndpointSlice` (core/v1, discovery.k8s.io/v1): what
//! Istio's Kubernetes registry turns into mesh services (istio/istio
//! pilot/pkg/serviceregistry/kube/conversion.go `ConvertService`) and their endpoints.
//!
//! Only the fields that shape a sidecar's listeners and clusters are typed; everything else is
//! ignored, so a Service written for any Kubernetes version deserializes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// A Service document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeService {
    /// `v1`.
    pub api_version: String,
    /// Always `Service`.
    pub kind: String,
    /// Name, namespace, annotations (`networking.istio.io/exportTo`), creation time.
    pub metadata: ObjectMeta,
    /// What the Service declares.
    #[serde(default, deserialize_with = "super::meta::null_as_empty")]
    pub spec: KubeServiceSpec,
}

/// `Service.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeServiceSpec {
    /// `ClusterIP` (default), `NodePort`, `LoadBalancer` or `ExternalName`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    /// The virtual IP, `None` for a headless Service, absent before allocation.
    #[serde(default, rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    /// Every family's virtual IP (dual-stack); the first equals `clusterIP`.
    #[serde(
        default,
        rename = "clusterIPs",
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_ips: Vec<String>,
    /// The DNS name an `ExternalName` Service aliases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    /// The ports.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<KubeServicePort>,
    /// Pods backing the Service.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub selector: BTreeMap<String, String>,
}

impl KubeServiceSpec {
    /// True for `type: ExternalName` with a name to alias.
    #[must_use]
    pub fn is_external_name(&self) -> bool {
        self.service_type.as_deref() == Some("ExternalName")
            && self.external_name.as_deref().is_some_and(|n| !n.is_empty())
    }

    /// True for `clusterIP: None`.
    #[must_use]
    pub fn is_headless(&self) -> bool {
        self.cluster_ip.as_deref() == Some("None")
    }
}

/// One entry of `Service.spec.ports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeServicePort {
    /// Port name; its prefix before `-` names the protocol for Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Service port.
    #[serde(default)]
    pub port: i64,
    /// `TCP` (default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Overrides the name as the protocol for Istio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    /// The pods' port: a number or the name of a container port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
}

/// Kubernetes `IntOrString`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// A number.
    Int(i64),
    /// A name.
    String(String),
}

/// An `Endpoints` document (core/v1): the addresses behind a Service of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeEndpoints {
    /// `v1`.
    pub api_version: String,
    /// Always `Endpoints`.
    pub kind: String,
    /// The Service's name and namespace.
    pub metadata: ObjectMeta,
    /// Address sets.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subsets: Vec<EndpointSubset>,
}

/// `Endpoints.subsets[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSubset {
    /// Ready addresses.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<EndpointAddress>,
    /// Ports of these addresses.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<EndpointPort>,
}

/// `Endpoints.subsets[].addresses[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointAddress {
    /// The pod IP.
    #[serde(default)]
    pub ip: String,
}

/// A port of an endpoint (`Endpoints` and `EndpointSlice` spell it alike).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPort {
    /// The Service port's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The pod's port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// `TCP`, `UDP`, `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// An `EndpointSlice` document (discovery.k8s.io/v1), tied to its Service by the
/// `kubernetes.io/service-name` label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeEndpointSlice {
    /// `discovery.k8s.io/v1`.
    pub api_version: String,
    /// Always `EndpointSlice`.
    pub kind: String,
    /// Name, namespace and the service-name label.
    pub metadata: ObjectMeta,
    /// `IPv4`, `IPv6` or `FQDN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<String>,
    /// The endpoints.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub endpoints: Vec<SliceEndpoint>,
    /// Their ports.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<EndpointPort>,
}

/// The label that ties a slice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

impl KubeEndpointSlice {
    /// The Service this slice belongs to.
    #[must_use]
    pub fn service_name(&self) -> Option<&str> {
        self.metadata
            .labels
            .get(SERVICE_NAME_LABEL)
            .map(String::as_str)
    }
}

/// `EndpointSlice.endpoints[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SliceEndpoint {
    /// Addresses (one in practice).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<String>,
    /// Readiness; absent means ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<SliceConditions>,
}

/// `EndpointSlice.endpoints[].conditions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SliceConditions {
    /// False when the endpoint is not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}
