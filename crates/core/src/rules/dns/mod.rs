//! MSH3xx: addresses that DNS can invalidate. MSH301 and MSH309 are offline (a host under a provider known to
//! move its IPs, pinned to fixed addresses); MSH302–MSH307 compare the entry with what DNS
//! answers now, so they need [`DnsFacts`](facts::DnsFacts) and run only with `--dns`: default
//! runs stay deterministic. MSH308 judges the entries `meshctl sync` manages, from a sync plan.

pub(super) mod facts;
mod listed;
// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_dns.rs"));
pub(super) mod providers;
