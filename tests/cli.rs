//! End-to-end tests of the `meshctl` binary: every command's human and machine output and its
//! error paths, snapshotted with insta (exit code, stdout and stderr folded into one snapshot).

#[path = "cli/common.rs"]
mod common;

#[path = "cli/address_classes.rs"]
mod address_classes;
#[path = "cli/check.rs"]
mod check;
#[path = "cli/check_config.rs"]
mod check_config;
#[path = "cli/check_fix.rs"]
mod check_fix;
#[path = "cli/check_repo.rs"]
mod check_repo;
#[path = "cli/completions.rs"]
mod completions;
#[path = "cli/diff.rs"]
mod diff;
#[path = "cli/envoy.rs"]
mod envoy;
#[path = "cli/envoy_gateway.rs"]
mod envoy_gateway;
#[path = "cli/from_log.rs"]
mod from_log;
#[path = "cli/gen.rs"]
mod gen_serviceentry;
#[path = "cli/global.rs"]
mod global;
#[path = "cli/log_escape.rs"]
mod log_escape;
#[path = "cli/meshes.rs"]
mod meshes;
#[path = "cli/proxy.rs"]
mod proxy;
#[path = "cli/real_files.rs"]
mod real_files;
#[path = "cli/redaction.rs"]
mod redaction;
#[path = "cli/resolve.rs"]
mod resolve;
#[path = "cli/schema_crosscheck.rs"]
mod schema_crosscheck;
#[path = "cli/simulate.rs"]
mod simulate;
#[path = "cli/simulate_gateway.rs"]
mod simulate_gateway;
#[path = "cli/sync.rs"]
mod sync;
#[path = "cli/sync_write.rs"]
mod sync_write;
#[path = "cli/version.rs"]
mod version;
