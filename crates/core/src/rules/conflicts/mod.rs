//! MSH4xx: entries that interfere with each other. MSH405 (the same resource twice) needs only
//! the documents; MSH401–MSH404 read the decision engine's compiled listeners, so "which entry
//! wins" is the engine's answer, not a second opinion.

pub(super) mod msh401_shadowed_tcp_entry;
pub(super) mod msh402_overlapping_cidrs;
pub(super) mod msh403_mixed_protocols_on_port;
pub(super) mod msh404_conflicting_protocol;
pub(super) mod msh405_duplicate_resource;
pub(super) mod seen;
