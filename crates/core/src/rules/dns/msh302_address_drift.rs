//! MSH302 address-drift: an entry matched by its addresses (any resolution but DNS) whose host
//! now resolves to addresses outside them, or whose listed host addresses no longer resolve.

use ipnet::IpNet;

use super::facts::{DnsFacts, resolved, unique};
use crate::model::Resolution;
use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports, per host, resolved addresses the entry does not cover and listed ones DNS dropped.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if matches!(
            spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        ) {
            continue; // MSH307 compares those
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
            let uncovered = unique(
                resolved
                    .iter()
                    .filter(|ip| !nets.iter().any(|n| n.contains(*ip))),
            );
            let gone = unique(
                nets.iter()
                    .filter(|n| {
                        n.prefix_len() == n.max_prefix_len() && !resolved.contains(&n.addr())
                    })
                    .map(IpNet::addr),
            );
            let mut parts = Vec::new();
            if !uncovered.is_empty() {
                parts.push(format!(
                    "{host} now resolves to {} outside `addresses`",
                    uncovered.join(", ")
                ));
            }
            if !gone.is_empty() {
                parts.push(format!(
                    "{} no longer resolve{}",
                    gone.join(", "),
                    if gone.len() == 1 { "s" } else { "" }
                ));
            }
            if !parts.is_empty() {
                out.at(se, "spec.addresses", parts.join("; ")).help(format!(
                    "regenerate the entry: `meshctl gen serviceentry {host}`"
                ));
            }
        }
    }
}
