//! The Istio and Kubernetes resources meshctl reads, as plain serde types with no I/O.
//!
//! Field names and enum spellings follow the Kubernetes JSON form of the Istio API
//! (`networking.istio.io` v1, v1beta1 and v1alpha3 share one schema), so a document loaded from a
//! cluster dump deserializes without renaming. Which values are *valid* is decided in
//! [`crate::schema`], not here: these types accept anything of the right shape so that a
//! linter can still report on a half-wrong document.

mod mesh;
mod meta;
mod service_entry;
mod sidecar;

pub use mesh::{MeshConfig, OutboundPolicy, OutboundTrafficPolicy, ProxyConfig};
pub use meta::{ObjectMeta, WorkloadSelector};
pub use service_entry::{
    Location, Resolution, ServiceEntry, ServiceEntrySpec, ServiceEntryStatus, ServicePort,
    StatusAddress, WorkloadEntry,
};
pub use sidecar::{EgressListener, Sidecar, SidecarPort, SidecarSpec};

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

/// The API group of every Istio networking resource meshctl reads.
pub const NETWORKING_GROUP: &str = "networking.istio.io";

/// The API versions under which Istio serves ServiceEntry and Sidecar (identical schemas).
pub const NETWORKING_VERSIONS: [&str; 3] = ["v1", "v1beta1", "v1alpha3"];
