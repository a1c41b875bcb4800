//! MSH4xx: entries that interfere with each other. MSH405 (the same resource twice) needs only
//! the documents; MSH401–MSH404 read the decision engine's compiled listeners, so "which entry
//! wins" is the engine's answer, not a second opinion.

// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_conflicts.rs"));
pub(super) mod seen;
