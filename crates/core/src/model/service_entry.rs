//! `ServiceEntry` (networking.istio.io v1/v1beta1/v1alpha3): how Istio learns about a service
//! outside its registry, and so what a sidecar lets through when egress is registry-only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, WorkloadSelector};

/// A ServiceEntry document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntry {
    /// `networking.istio.io/v1` (or v1beta1/v1alpha3).
    pub api_version: String,
    /// Always `ServiceEntry`.
    pub kind: String,
    /// Name, namespace, labels, annotations, creation time.
    pub metadata: ObjectMeta,
    /// What the entry declares.
    pub spec: ServiceEntrySpec,
    /// Controller-written status; only `addresses` (auto-allocated VIPs) matters to us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ServiceEntryStatus>,
}

/// `ServiceEntry.spec`. Field order is the order `gen serviceentry` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    /// Host names; used for TLS SNI, HTTP Host, cluster names and DNS, **not** to match plain TCP.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Virtual IPs or CIDR blocks; for TCP, the only thing besides the port that matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Ports the service listens on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// `MESH_EXTERNAL` (default) or `MESH_INTERNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How the sidecar finds the upstream; defaults to `NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Explicit endpoints (STATIC/DNS modes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<WorkloadEntry>,
    /// Selects pods/WorkloadEntries as endpoints (mesh-internal services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    /// Namespaces that may see the entry (`.`, `*`, `~`, names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// SANs checked when Istio originates TLS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
}

impl ServiceEntrySpec {
    /// The resolution in effect (`NONE` when unset).
    #[must_use]
    pub fn resolution(&self) -> Resolution {
        self.resolution.unwrap_or(Resolution::None)
    }

    /// The index in `ports` of port `number`, the first when none has it (findings about a
    /// port then point at the list).
    #[must_use]
    pub fn port_index(&self, number: u16) -> usize {
        self.ports
            .iter()
            .position(|p| p.number == u32::from(number))
            .unwrap_or(0)
    }

    /// The location in effect (`MESH_EXTERNAL` when unset).
    #[must_use]
    pub fn location(&self) -> Location {
        self.location.unwrap_or(Location::MeshExternal)
    }
}

/// One entry of `spec.ports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// The port number (1–65535).
    pub number: u32,
    /// Port name; a DNS-1123 label. For a ServiceEntry it does not set the protocol.
    #[serde(default)]
    pub name: String,
    /// `TCP`, `TLS`, `HTTP`, `MYSQL`, …; empty means the sidecar sniffs the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Endpoint port, defaults to `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// `spec.location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Location {
    /// Outside the mesh: no mTLS, external telemetry labels.
    MeshExternal,
    /// Part of the mesh.
    MeshInternal,
}

/// `spec.resolution`: the Envoy cluster type behind the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// ORIGINAL_DST: the connection goes where the application dialled.
    None,
    /// EDS: one of `endpoints`.
    Static,
    /// STRICT_DNS: a resolved address of the host (or endpoints' names).
    Dns,
    /// LOGICAL_DNS: the first resolved address.
    DnsRoundRobin,
    /// Dynamic forward proxy for wildcard HTTP/TLS hosts (Istio 1.28+).
    DynamicDns,
}

impl Resolution {
    /// Istio's spelling, e.g. `DNS_ROUND_ROBIN`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::None => "NONE",
            Resolution::Static => "STATIC",
            Resolution::Dns => "DNS",
            Resolution::DnsRoundRobin => "DNS_ROUND_ROBIN",
            Resolution::DynamicDns => "DYNAMIC_DNS",
        }
    }
}

/// One entry of `spec.endpoints` (a WorkloadEntry spec).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadEntry {
    /// IP, host name (DNS modes) or `unix://` path (STATIC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port overrides keyed by service port name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ports: BTreeMap<String, u32>,
    /// Endpoint labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Network the endpoint is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Locality (region/zone/subzone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load-balancing weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Service account of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// `status` as written by Istio's controllers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEntryStatus {
    /// Auto-allocated addresses, one or two per host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<StatusAddress>,
}

/// One auto-allocated address in `status.addresses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusAddress {
    /// The allocated IP.
    #[serde(default)]
    pub value: String,
    /// The host it was allocated for.
    #[serde(default)]
    pub host: String,
}
