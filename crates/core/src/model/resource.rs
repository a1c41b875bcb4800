//! What every resource meshctl reads can tell about itself (kind, metadata, `Kind ns/name`), and
//! the API group and versions under which Istio serves the networking resources.

use super::authorization_policy::AuthorizationPolicy;
use super::destination_rule::DestinationRule;
use super::gateway::Gateway;
use super::kube_service::{KubeEndpointSlice, KubeEndpoints, KubeService};
use super::meta::ObjectMeta;
use super::service_entry::ServiceEntry;
use super::sidecar::Sidecar;
use super::virtual_service::VirtualService;

/// What every Kubernetes resource meshctl reads can tell about itself, for messages.
pub trait Resource {
    /// `ServiceEntry`, `Sidecar`, …
    fn kind(&self) -> &'static str;
    /// Its metadata.
    fn metadata(&self) -> &ObjectMeta;
    /// `Kind namespace/name`.
    fn describe(&self) -> String {
        let meta = self.metadata();
        // Escaped: a name Kubernetes would reject (MSH111) still reaches the findings about it.
        format!(
            "{} {}/{}",
            self.kind(),
            crate::escape::Escaped(meta.namespace()),
            crate::escape::Escaped(&meta.name)
        )
    }
    /// `namespace/name`.
    fn key(&self) -> String {
        let meta = self.metadata();
        format!("{}/{}", meta.namespace(), meta.name)
    }
}

impl Resource for ServiceEntry {
    fn kind(&self) -> &'static str {
        "ServiceEntry"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for Sidecar {
    fn kind(&self) -> &'static str {
        "Sidecar"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for KubeService {
    fn kind(&self) -> &'static str {
        "Service"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for KubeEndpoints {
    fn kind(&self) -> &'static str {
        "Endpoints"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for KubeEndpointSlice {
    fn kind(&self) -> &'static str {
        "EndpointSlice"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for VirtualService {
    fn kind(&self) -> &'static str {
        "VirtualService"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for DestinationRule {
    fn kind(&self) -> &'static str {
        "DestinationRule"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for Gateway {
    fn kind(&self) -> &'static str {
        "Gateway"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Resource for AuthorizationPolicy {
    fn kind(&self) -> &'static str {
        "AuthorizationPolicy"
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// The API group of every Istio networking resource meshctl reads.
pub const NETWORKING_GROUP: &str = "networking.istio.io";

/// The API versions under which Istio serves its networking kinds (identical schemas).
pub const NETWORKING_VERSIONS: [&str; 3] = ["v1", "v1beta1", "v1alpha3"];
