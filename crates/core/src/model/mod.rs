//! The Istio and Kubernetes resources meshctl reads, as plain serde types with no I/O.
//!
//! Field names and enum spellings follow the Kubernetes JSON form of the Istio API
//! (`networking.istio.io` v1, v1beta1 and v1alpha3 share one schema), so a document loaded from a
//! cluster dump deserializes without renaming. Which values are *valid* is decided in
//! [`crate::schema`], not here: these types accept anything of the right shape so that a
//! linter can still report on a half-wrong document.

mod authorization_policy;
mod destination_rule;
mod gateway;
mod kube_service;
mod mesh;
mod meta;
mod resource;
mod service_entry;
mod sidecar;
mod virtual_service;

pub use authorization_policy::{
    AuthorizationPolicy, AuthorizationPolicySpec, AuthzAction, AuthzRule, Condition, Operation,
    PolicyTargetRef, Provider, RuleFrom, RuleTo, SECURITY_GROUP, SECURITY_VERSIONS, Source,
};
pub use destination_rule::{
    ClientTls, ConnectionPool, DestinationRule, DestinationRuleSpec, MatchLabels,
    PortTrafficPolicy, Subset, TcpSettings, TrafficPolicy, Tunnel,
};
pub use gateway::{Gateway, GatewayPort, GatewaySpec, Server, ServerTls};
pub use kube_service::{
    EndpointAddress, EndpointPort, EndpointSubset, IntOrString, KubeEndpointSlice, KubeEndpoints,
    KubeService, KubeServicePort, KubeServiceSpec, SERVICE_NAME_LABEL, SliceConditions,
    SliceEndpoint,
};
pub use mesh::{MeshConfig, OutboundPolicy, OutboundTrafficPolicy, ProxyConfig};
pub use meta::{ObjectMeta, WorkloadSelector};
pub use resource::{NETWORKING_GROUP, NETWORKING_VERSIONS, Resource};
pub use service_entry::{
    Location, Resolution, ServiceEntry, ServiceEntrySpec, ServiceEntryStatus, ServicePort,
    StatusAddress, WorkloadEntry,
};
pub use sidecar::{EgressListener, Sidecar, SidecarPort, SidecarSpec};
pub use virtual_service::{
    Destination, L4Match, PortSelector, RouteDestination, TcpRoute, TlsMatch, TlsRoute,
    VirtualService, VirtualServiceSpec,
};
