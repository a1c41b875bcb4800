//! `VirtualService` (networking.istio.io): how a proxy routes traffic for some hosts. For TCP
//! egress the `tcp` and `tls` routes matter (istio/istio pilot/pkg/networking/core/tls.go builds
//! a sidecar's filter chains from them); `http` routes are kept opaque, because a raw TCP
//! connection carries no request for them to match.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// A VirtualService document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualService {
    /// `networking.istio.io/v1` (or v1beta1/v1alpha3).
    pub api_version: String,
    /// Always `VirtualService`.
    pub kind: String,
    /// Name, namespace, creation time.
    pub metadata: ObjectMeta,
    /// The routes.
    #[serde(default, deserialize_with = "super::meta::null_as_empty")]
    pub spec: VirtualServiceSpec,
}

/// `VirtualService.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// The destination hosts the routes apply to (wildcards allowed).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hosts: Vec<String>,
    /// Gateways the routes are bound to; empty means the `mesh` gateway (every sidecar).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub gateways: Vec<String>,
    /// HTTP routes; not modelled for TCP connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<serde_json::Value>,
    /// TLS pass-through routes, matched by SNI.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tls: Vec<TlsRoute>,
    /// Opaque TCP routes, matched by destination subnet and port.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tcp: Vec<TcpRoute>,
    /// Namespaces that see the VirtualService (`.`, `*`, names).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub export_to: Vec<String>,
}

/// One `spec.tcp[]` route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpRoute {
    /// Conditions, any of which selects the route; none means every connection.
    #[serde(
        default,
        rename = "match",
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub matches: Vec<L4Match>,
    /// Where matching connections go.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub route: Vec<RouteDestination>,
}

/// One `spec.tls[]` route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsRoute {
    /// Conditions (each with SNI hosts), any of which selects the route.
    #[serde(
        default,
        rename = "match",
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub matches: Vec<TlsMatch>,
    /// Where matching connections go.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub route: Vec<RouteDestination>,
}

/// `spec.tcp[].match[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct L4Match {
    /// Destination CIDRs or IPs.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub destination_subnets: Vec<String>,
    /// Destination port; 0 or absent means any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels the source workload must carry.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways this match is restricted to.
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub gateways: Vec<String>,
    /// Namespace the source workload must be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// `spec.tls[].match[]`: the L4 conditions plus the server names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsMatch {
    /// Server names the `ClientHello` must carry (wildcards allowed).
    #[serde(
        default,
        deserialize_with = "super::meta::null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sni_hosts: Vec<String>,
    /// Destination subnets, port, source labels and namespace, gateways: as a `tcp` match.
    #[serde(flatten)]
    pub l4: L4Match,
}

/// `route[]`: a destination and its share of the traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDestination {
    /// Where to send.
    #[serde(default)]
    pub destination: Destination,
    /// Relative weight; absent means 100 for a single destination, 0 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
}

/// `destination`: a host of the registry, optionally a subset and a port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// A service host (short names are qualified with the VirtualService's namespace).
    #[serde(default)]
    pub host: String,
    /// A subset named by the host's DestinationRule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The destination port; needed when the host has several ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// `destination.port`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortSelector {
    /// The port number.
    #[serde(default)]
    pub number: u32,
}
