//! The decision engine: the one implementation of "what does an Istio sidecar do with this
//! outbound TCP connection", shared by `check`, `simulate` and the proxy. Istio answers the same
//! question for its tests with istio/istio pilot/pkg/simulation/traffic.go.
//!
//! It works in two steps, as istiod and Envoy do. [`compile`] runs once per config × workload:
//! it selects the Sidecar, applies exportTo and egress imports, expands `ServiceEntries` into
//! (host × address) services in Istio's processing order, and builds listeners and filter chains
//! with Istio's conflict rules, producing an immutable [`Registry`]. [`decide`] runs per
//! connection on that registry: capture bypass, loop guard, listener lookup, chain sieve,
//! default chain, and returns a [`Decision`] that borrows from the registry (no allocation).
//! [`explain`] re-runs the decision with a trace and near misses for humans.
//!
//! Pure: no I/O, no clock, no logging. Loading is `load`'s job, rendering belongs to callers.

mod assemble;
mod build;
mod capture;
mod catalogue;
mod compile;
mod decide;
mod destination;
mod display;
mod explain;
pub mod gateway;
mod host;
mod ids;
mod input;
mod kube;
mod listener;
mod lpm;
mod matcher;
mod near_miss;
mod order;
mod path;
mod protocol;
mod record;
mod registry;
mod routing;
mod scope;
mod services;

pub(crate) use assemble::{Assembly, ChainSpec, ListenerSpec, assemble};
pub use capture::{Capture, EXCLUDE_RANGES, INCLUDE_RANGES};

pub use compile::compile;
pub(crate) use compile::{compile_each, compile_each_then};
pub(crate) use decide::LOOP_PORTS;
pub use decide::{
    Connection, Decision, DenyReason, Unmatched, Upstream, Verdict, decide, decide_forwarded,
    upstream_of,
};
pub use explain::{Deciding, Explanation, Hop, HopDestination, HopVerdict, explain};
pub use path::{Gateways, explain_gateway, explain_path, principal_of};

pub use destination::{
    ConnectionLimits, Keepalive, RuleRef, Transport, TunnelTarget, parse_duration,
};
pub use input::{InMesh, MeshSettings, Resources, Workload};
pub(crate) use kube::service_port_protocol;
pub use listener::{
    Addr, BLACKHOLE_CHAIN, BLACKHOLE_CLUSTER, Chain, Endpoint, Listener, Route, UpstreamSpec,
    VIRTUAL_OUTBOUND, WeightedCluster,
};
pub(crate) use listener::{
    CATCH_ALL_CHAIN, EntryId, HttpService, INBOUND_BLACKHOLE_CHAIN, INBOUND_PORT,
    PASSTHROUGH_CHAIN, PASSTHROUGH_CLUSTER, VIRTUAL_INBOUND,
};
pub use routing::RouteSource;
pub(crate) use routing::overlaps as hosts_overlap;

pub(crate) use protocol::ListenerProtocol;
pub use protocol::Protocol;
pub use record::Record;
pub(crate) use record::{EntryInfo, Fate};
pub use registry::{PolicyInForce, Registry};
pub use scope::SidecarChoice;

pub(crate) use services::auto_allocation_applies;

#[cfg(test)]
mod tests;
