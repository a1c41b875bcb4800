//! Flags, `meshctl.toml` and the environment resolved into the typed values a command hands to
//! the core, in one place (ripgrep's `crates/core/flags/hiargs.rs`): `cli` declares the flags,
//! this module gives them their meaning, and every default a flag cannot carry itself lives here
//! once. Commands read flags only through these functions, never field by field.
//!
//! The arrows point one way: `cli` names only [`parse`] (its value parsers) and `defaults`,
//! which import nothing of the crate; every other module here reads `cli`.

pub(crate) mod check;
pub(crate) mod config;
pub(crate) mod convert;
pub(crate) mod defaults;
pub(crate) mod diff;
pub(crate) mod gen_from_log;
pub(crate) mod gen_service_entry;
pub(crate) mod inputs;
pub(crate) mod lint;
pub(crate) mod list;
pub mod parse;
pub(crate) mod per_file_ignores;
pub(crate) mod resolve;
pub(crate) mod resolver;
pub(crate) mod simulate;
pub(crate) mod sync;
pub(crate) mod target;
pub(crate) mod view;
pub(crate) mod workload;
