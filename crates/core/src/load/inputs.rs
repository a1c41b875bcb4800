//! Everything read from the inputs: the typed resources in input order, the documents set
//! aside and the problems found, merged file by file in input order.

use std::sync::Arc;

use super::origin::Loaded;
use super::problem::LoadProblem;
use super::skipped::{OtherDocument, Skipped};
use super::walk;
use crate::model::{
    AuthorizationPolicy, DestinationRule, Gateway, KubeEndpointSlice, KubeEndpoints, KubeService,
    MeshConfig, ServiceEntry, Sidecar, VirtualService,
};

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// ServiceEntries in input order.
    pub service_entries: Vec<Loaded<ServiceEntry>>,
    /// Sidecars in input order.
    pub sidecars: Vec<Loaded<Sidecar>>,
    /// Kubernetes Services in input order.
    pub services: Vec<Loaded<KubeService>>,
    /// Kubernetes Endpoints in input order.
    pub endpoints: Vec<Loaded<KubeEndpoints>>,
    /// Kubernetes EndpointSlices in input order.
    pub endpoint_slices: Vec<Loaded<KubeEndpointSlice>>,
    /// VirtualServices in input order.
    pub virtual_services: Vec<Loaded<VirtualService>>,
    /// DestinationRules in input order.
    pub destination_rules: Vec<Loaded<DestinationRule>>,
    /// Gateways in input order.
    pub gateways: Vec<Loaded<Gateway>>,
    /// AuthorizationPolicies in input order.
    pub authorization_policies: Vec<Loaded<AuthorizationPolicy>>,
    /// Mesh configuration documents (bare, `istio` ConfigMap, IstioOperator).
    pub mesh_configs: Vec<Loaded<MeshConfig>>,
    /// Documents of other kinds.
    pub others: Vec<OtherDocument>,
    /// Documents that could not be used.
    pub problems: Vec<LoadProblem>,
    /// Files read.
    pub files: Vec<Arc<str>>,
    /// Files and documents read but not linted (templates, non-resources), in input order.
    pub skipped: Vec<Skipped>,
    /// The paths the user named (files, directories, `-`), for findings about the run itself.
    pub roots: Vec<Arc<str>>,
    /// Directory entries not read, with why (links that lead nowhere): warnings, not errors.
    pub unread: Vec<walk::Skipped>,
}

impl Inputs {
    /// True when a mesh config turns on DNS proxying for every sidecar
    /// (`defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE`).
    #[must_use]
    pub fn mesh_dns_capture(&self) -> bool {
        self.mesh_configs.iter().any(|m| m.resource.dns_capture())
    }

    /// The first problem, for commands that need every input to be valid.
    ///
    /// # Errors
    /// Returns the first [`LoadProblem`] when there is one.
    pub fn into_valid(self) -> Result<Self, LoadProblem> {
        match self.problems.first() {
            Some(problem) => Err(problem.clone()),
            None => Ok(self),
        }
    }

    /// Appends what one file held (after everything read before it).
    pub(super) fn absorb(&mut self, file: Inputs) {
        self.service_entries.extend(file.service_entries);
        self.sidecars.extend(file.sidecars);
        self.services.extend(file.services);
        self.endpoints.extend(file.endpoints);
        self.endpoint_slices.extend(file.endpoint_slices);
        self.virtual_services.extend(file.virtual_services);
        self.destination_rules.extend(file.destination_rules);
        self.gateways.extend(file.gateways);
        self.authorization_policies
            .extend(file.authorization_policies);
        self.mesh_configs.extend(file.mesh_configs);
        self.others.extend(file.others);
        self.problems.extend(file.problems);
        self.files.extend(file.files);
        self.skipped.extend(file.skipped);
        self.roots.extend(file.roots);
        self.unread.extend(file.unread);
    }
}
