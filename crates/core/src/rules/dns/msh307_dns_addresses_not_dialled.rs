//! MSH307 dns-addresses-not-dialled: resolution DNS with `addresses` that the host's DNS does not
//! return, while sidecars do not proxy DNS. Clients resolve the name themselves, dial the real
//! addresses, and miss the listener built on the listed ones.

use ipnet::IpNet;

use super::facts::{DnsFacts, resolved, unique};
use crate::model::Resolution;
use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports, per host, DNS-mode entries none of whose addresses the host resolves to.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    if cx.dns_capture {
        return; // the sidecar answers with the listed addresses, so clients dial them
    }
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if !matches!(
            spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        ) {
            continue; // MSH302 compares those
        }
        let nets: Vec<IpNet> = spec
            .addresses
            .iter()
            .filter_map(|a| address::as_net(a))
            .collect();
        if nets.is_empty() {
            continue;
        }
        for host in &spec.hosts {
            let Some(samples) = facts.samples(host) else {
                continue;
            };
            let resolved = resolved(samples);
            if nets
                .iter()
                .any(|n| resolved.iter().any(|ip| n.contains(ip)))
            {
                continue;
            }
            out.at(
                se,
                "spec.addresses",
                format!(
                    "{host} resolves to {}, none of them in `addresses`: clients dial those IPs and miss this entry's listener",
                    unique(resolved.iter()).join(", ")
                ),
            )
            .help("use resolution NONE with the resolved addresses, or turn on DNS proxying so clients get the listed addresses");
        }
    }
}
