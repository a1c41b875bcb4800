//! MSH3xx: addresses that DNS can invalidate. MSH301 and MSH309 are offline (a host under a provider known to
//! move its IPs, pinned to fixed addresses); MSH302–MSH307 compare the entry with what DNS
//! answers now, so they need [`DnsFacts`](facts::DnsFacts) and run only with `--dns`: default
//! runs stay deterministic. MSH308 judges the entries `meshctl sync` manages, from a sync plan.

pub(super) mod facts;
mod listed;
pub(super) mod msh301_dynamic_ip_provider;
pub(super) mod msh302_address_drift;
pub(super) mod msh303_short_ttl;
pub(super) mod msh304_cname_to_dynamic_provider;
pub(super) mod msh305_unresolvable_host;
pub(super) mod msh306_rotating_answers;
pub(super) mod msh307_dns_addresses_not_dialled;
pub mod msh308_managed_address_drift;
pub(super) mod msh309_many_pinned_addresses;
pub(super) mod providers;
