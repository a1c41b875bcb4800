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
mod compile;
mod decide;
mod display;
mod explain;
mod host;
mod ids;
mod input;
mod listener;
mod lpm;
mod matcher;
mod near_miss;
mod order;
mod protocol;
mod record;
mod registry;
mod scope;
mod services;

pub use assemble::{Assembly, ChainSpec, ListenerSpec, assemble};
pub use capture::{
    BypassReason, Capture, EXCLUDE_PORTS, EXCLUDE_RANGES, INCLUDE_PORTS, INCLUDE_RANGES,
};
pub use compile::{compile, compile_each};
pub use decide::{
    Connection, Decision, DenyReason, LOOP_PORTS, Unmatched, Upstream, Verdict, decide,
    decide_forwarded,
};
pub use explain::{Explanation, explain};
pub use host::SniMatch;
pub use input::{MeshSettings, Resources, Workload};
pub use listener::{
    Addr, BLACKHOLE_CHAIN, BLACKHOLE_CLUSTER, CATCH_ALL_CHAIN, Chain, ChainId, Endpoint, EntryId,
    HttpService, INBOUND_BLACKHOLE_CHAIN, INBOUND_PORT, Listener, ListenerId, PASSTHROUGH_CHAIN,
    PASSTHROUGH_CLUSTER, UpstreamSpec, VIRTUAL_INBOUND, VIRTUAL_OUTBOUND,
};
pub use matcher::Selection;
pub use order::{Precedence, parse_timestamp};
pub use protocol::{ListenerProtocol, Protocol};
pub use record::{EntryInfo, Fate, Record};
pub use registry::{PolicyInForce, Registry};
pub use scope::{SidecarChoice, SidecarRef};
pub use services::auto_allocation_applies;

#[cfg(test)]
mod tests;
