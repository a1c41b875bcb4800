//! meshctl-core: everything meshctl knows about Istio egress, with no command line and no
//! terminal. Data flows one way:
//! [`model`] (Istio types) → [`load`] (files to typed resources with positions) →
//! [`schema`] (the CRD's rejections) → [`workspace`] (the one input pipeline) →
//! [`engine`] (compile, decide, explain) and [`rules`] (findings).
//! [`ip`] reads addresses as Istio's webhook does, for every stage that reads one;
//! [`address_class`] tells the special addresses apart and [`pinning`] screens what may be
//! pinned. [`dns`], [`generate`] and [`target`] serve the commands that resolve and generate;
//! [`sync`] keeps pinned addresses equal to what DNS answers. [`meshes`] splits a repository
//! into the meshes it holds, a workspace each; [`escape`] makes input text safe to log.
//! Only loading and DNS do I/O; the binary crate renders, the proxy crate enforces.

pub mod address_class;
pub mod diff;
pub mod dns;
pub mod engine;
pub mod envoy;
pub mod escape;
pub mod expect;
pub mod generate;
pub mod generate_from_log;
pub mod ip;
pub mod load;
pub mod meshes;
pub mod model;
pub mod pinning;
pub mod rules;
mod schema;
pub mod sync;
pub mod target;
pub mod workspace;
