//! MSH301 dynamic-ip-provider: a host under a provider whose addresses change, on an entry that
//! pins host addresses. Offline: the provider list is data, no DNS query is made.

use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::providers::dynamic_provider;

/// Reports each provider host of an entry with at least one host-route address.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if !spec.addresses.iter().any(|a| address::is_host_route(a)) {
            continue;
        }
        for (i, host) in spec.hosts.iter().enumerate() {
            if let Some(provider) = dynamic_provider(host) {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!(
                        "{host} is under {provider}, whose addresses change; the pinned addresses will go stale"
                    ),
                )
                .help("use the provider's published CIDR ranges, DNS proxying with auto-allocated VIPs, or exclude the traffic from capture");
            }
        }
    }
}
