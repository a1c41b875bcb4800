//! MSH5xx: configuration that makes entries pointless for the workloads in scope — a mesh that
//! lets every destination through anyway (MSH501), an entry no namespace in the inputs can use
//! (MSH502, from the engine's visibility and import decisions).

// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_scope.rs"));
