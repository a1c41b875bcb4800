//! Envoy, the engine that decides in production: export a compiled registry as an Envoy
//! bootstrap ([`export`]) and a gateway workload as another ([`gateway`]), read a running
//! sidecar's config dump ([`dump`]) back into the engine's listener model ([`translate`]), and
//! compare the two ([`diff`]).
//!
//! The engine stays the one matcher. The export walks the compiled `Registry`; the dump becomes
//! a `Registry` through `engine::assemble`, and `engine::decide` judges it. So `simulate -f`,
//! `simulate --config-dump` and a real Envoy loaded with `export envoy` can be held against
//! each other (scripts/envoy-differential.sh does, connection by connection).

mod clusters;
pub mod diff;
pub mod dump;
pub mod export;
mod fields;
pub mod gateway;
mod rbac;
mod tls;
pub mod translate;

pub use export::{ADMIN_PORT, Export, ExportOptions, OUTBOUND_PORT, export, log_fields};
pub use gateway::export_gateway;
pub use tls::CertFiles;
