//! The walk MSH302 and MSH307 share: the hosts of entries that list addresses, with what DNS
//! answered for each, so each rule only says what it compares.

use std::net::IpAddr;

use ipnet::IpNet;

use super::facts::{DnsFacts, resolved};
use crate::load::Loaded;
use crate::model::{Resolution, ServiceEntry};
use crate::rules::address;
use crate::rules::context::Context;

/// Which entries a comparison of listed and resolved addresses reads: MSH302 compares the
/// entries matched by their addresses, MSH307 the DNS-resolved ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Resolution DNS or DNS_ROUND_ROBIN.
    ByDns,
    /// Any other resolution.
    NotByDns,
}

/// Calls `each(entry, listed, host, resolved)` for every host that resolved, of every entry in
/// `which` that lists addresses (as networks).
pub(crate) fn listed_and_resolved<'a>(
    cx: &Context<'a>,
    facts: &DnsFacts,
    which: Resolved,
    mut each: impl FnMut(&'a Loaded<ServiceEntry>, &[IpNet], &str, &[IpAddr]),
) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        let by_dns = matches!(
            spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        );
        if by_dns != (which == Resolved::ByDns) {
            continue;
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
            if let Some(samples) = facts.samples(host) {
                each(se, &nets, host, &resolved(samples));
            }
        }
    }
}
