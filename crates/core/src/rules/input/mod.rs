//! MSH0xx: documents the loader could not use — unreadable (MSH001) or against the CRD schema
//! (MSH002) — and inputs that are not what the user meant to check: a near miss of an Istio
//! kind (MSH003), no Istio resource at all (MSH004), or a suppression that suppresses nothing
//! (MSH005). The loader already collected the problems;
//! these rules report them, so `check` names every bad file and goes on with the rest.

// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_input.rs"));
pub(super) mod problems;
