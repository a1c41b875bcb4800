//! What `compile` takes: the resources (borrowed from the loader's output), the mesh-wide
//! settings, and the one workload whose sidecar is being modelled.
//!
//! Istio compiles a separate configuration per proxy, because Sidecar selection, exportTo and
//! capture annotations all depend on the workload; so does meshctl. Inputs are borrowed so a
//! caller compiling for many workloads does not clone the resources.

use std::collections::BTreeMap;

use crate::load::{Inputs, Loaded};
use crate::model::{
    AuthorizationPolicy, DestinationRule, Gateway, KubeEndpointSlice, KubeEndpoints, KubeService,
    MeshConfig, OutboundPolicy, ServiceEntry, Sidecar, VirtualService,
};

/// The resources and mesh settings a registry is compiled from.
#[derive(Debug, Clone)]
pub struct Resources<'a> {
    /// Every `ServiceEntry`, in input order (the last tie-breaker of the processing order in
    /// `order`).
    pub service_entries: &'a [Loaded<ServiceEntry>],
    /// Every Sidecar.
    pub sidecars: &'a [Loaded<Sidecar>],
    /// Mesh-wide settings.
    pub mesh: MeshSettings,
    /// Kubernetes Services, VirtualServices and DestinationRules: what else shapes the ports
    /// an entry uses.
    pub in_mesh: InMesh<'a>,
}

/// The resources besides entries and Sidecars that shape a sidecar's outbound listeners and
/// clusters; empty for a repository of entries alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct InMesh<'a> {
    /// Kubernetes Services, in input order.
    pub services: &'a [Loaded<KubeService>],
    /// Kubernetes Endpoints.
    pub endpoints: &'a [Loaded<KubeEndpoints>],
    /// Kubernetes EndpointSlices.
    pub endpoint_slices: &'a [Loaded<KubeEndpointSlice>],
    /// VirtualServices, in input order.
    pub virtual_services: &'a [Loaded<VirtualService>],
    /// DestinationRules, in input order.
    pub destination_rules: &'a [Loaded<DestinationRule>],
    /// Gateways: the listeners of gateway workloads.
    pub gateways: &'a [Loaded<Gateway>],
    /// AuthorizationPolicies: who a workload (a gateway included) lets in.
    pub authorization_policies: &'a [Loaded<AuthorizationPolicy>],
}

impl<'a> InMesh<'a> {
    /// Borrows them from loaded inputs.
    #[must_use]
    pub fn from_inputs(inputs: &'a Inputs) -> Self {
        Self {
            services: &inputs.services,
            endpoints: &inputs.endpoints,
            endpoint_slices: &inputs.endpoint_slices,
            virtual_services: &inputs.virtual_services,
            destination_rules: &inputs.destination_rules,
            gateways: &inputs.gateways,
            authorization_policies: &inputs.authorization_policies,
        }
    }
}

impl<'a> Resources<'a> {
    /// Borrows the resources of loaded inputs.
    #[must_use]
    pub fn from_inputs(inputs: &'a Inputs, mesh: MeshSettings) -> Self {
        Self {
            service_entries: &inputs.service_entries,
            sidecars: &inputs.sidecars,
            mesh,
            in_mesh: InMesh::from_inputs(inputs),
        }
    }
}

/// The mesh-wide settings that shape egress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshSettings {
    /// `outboundTrafficPolicy.mode` before any Sidecar override.
    pub outbound_policy: OutboundPolicy,
    /// Where that value came from, for explanations: `meshctl default`,
    /// `mesh config fixtures/mesh.yaml:3:9`, `--outbound-policy flag`.
    pub policy_source: String,
    /// `rootNamespace`: where mesh-wide default Sidecars live.
    pub root_namespace: String,
    /// `defaultServiceExportTo`, used by entries with an empty `exportTo`; empty means `*`.
    pub default_export_to: Vec<String>,
}

impl Default for MeshSettings {
    /// meshctl's defaults: `REGISTRY_ONLY` (the safe choice for a linter of egress, unlike
    /// Istio's shipped `ALLOW_ANY`), root namespace `istio-system`, export to `*`.
    fn default() -> Self {
        Self {
            outbound_policy: OutboundPolicy::RegistryOnly,
            policy_source: "meshctl default".into(),
            root_namespace: MeshConfig::DEFAULT_ROOT_NAMESPACE.into(),
            default_export_to: vec!["*".into()],
        }
    }
}

impl MeshSettings {
    /// Settings from a loaded mesh config; fields it leaves unset keep meshctl's defaults.
    #[must_use]
    pub fn from_mesh_config(mesh: &Loaded<MeshConfig>) -> Self {
        let mut settings = Self::default();
        let config = &mesh.resource;
        if let Some(mode) = config.outbound_traffic_policy.as_ref().and_then(|p| p.mode) {
            settings.outbound_policy = mode;
            settings.policy_source =
                format!("mesh config {}", mesh.locate("outboundTrafficPolicy.mode"));
        }
        config
            .root_namespace()
            .clone_into(&mut settings.root_namespace);
        if !config.default_service_export_to.is_empty() {
            settings
                .default_export_to
                .clone_from(&config.default_service_export_to);
        }
        settings
    }
}

/// The pod whose sidecar is modelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Its namespace.
    pub namespace: String,
    /// Pod labels (Sidecar `workloadSelector` matching).
    pub labels: BTreeMap<String, String>,
    /// Pod annotations; the `traffic.sidecar.istio.io/*Outbound*` ones shape capture.
    pub annotations: BTreeMap<String, String>,
    /// Proxy metadata `ISTIO_META_DNS_CAPTURE`.
    pub dns_capture: bool,
}

impl Default for Workload {
    /// A pod in `default` with no labels, no annotations and no DNS proxying.
    fn default() -> Self {
        Self {
            namespace: "default".into(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            dns_capture: false,
        }
    }
}

impl Workload {
    /// True when listeners bind on the auto-allocated VIPs of `status.addresses` instead of
    /// `0.0.0.0`: the workload proxies DNS, and istiod allocates (its v2 allocator is on by
    /// default since Istio 1.25, the versions meshctl models; istio/istio
    /// pilot/pkg/model/service.go `nodeUsesAutoallocatedIPs`).
    #[must_use]
    pub fn consumes_auto_allocated_vips(&self) -> bool {
        self.dns_capture
    }
}
