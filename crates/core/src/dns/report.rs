//! What `resolve` reports about a host over one or more samples: the union of the addresses
//! with the smallest TTL seen for each, the CNAME chain, and whether the answer set moved.
//! Pure: the lookups come in, the stable JSON/YAML shape (documented in docs/commands/resolve.md) goes out.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::records::{Address, AddressFamily, CnameLink, Lookup};
use crate::target::Target;

/// The `resolve -o json|yaml` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveReport {
    /// What was asked.
    pub query: ResolveQuery,
    /// Who answered (the first sample's server).
    pub nameserver: String,
    /// The name at the end of the CNAME chain.
    pub canonical_name: String,
    /// CNAME hops in order.
    pub cname_chain: Vec<CnameLink>,
    /// Every address seen in any sample, with the smallest TTL seen for it.
    pub addresses: Vec<Address>,
    /// The smallest TTL of all addresses; `null` for /etc/hosts and IP literals.
    pub min_ttl: Option<u32>,
    /// Each sample's address set, in order.
    pub samples: Vec<Vec<IpAddr>>,
    /// True when the samples did not all return the same set.
    pub changed: bool,
}

/// The query part of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveQuery {
    /// The input as given, DSN password removed.
    pub input: String,
    /// The host name that was resolved.
    pub host: String,
    /// The port the input names, else its DSN scheme's default (reported, not used for DNS).
    pub port: Option<u16>,
}

impl ResolveReport {
    /// Summarises `lookups` (at least one) of `target`.
    ///
    /// # Panics
    /// Never for a non-empty `lookups`; callers always sample at least once.
    #[must_use]
    pub fn from_lookups(target: &Target, lookups: &[Lookup]) -> ResolveReport {
        let mut union: BTreeMap<(AddressFamily, IpAddr), u32> = BTreeMap::new();
        for address in lookups.iter().flat_map(|l| &l.addresses) {
            union
                .entry((address.family, address.ip))
                .and_modify(|ttl| *ttl = (*ttl).min(address.ttl))
                .or_insert(address.ttl);
        }
        let samples: Vec<Vec<IpAddr>> = lookups
            .iter()
            .map(|l| l.addresses.iter().map(|a| a.ip).collect())
            .collect();
        let first = &lookups[0];
        ResolveReport {
            query: ResolveQuery {
                input: target.display.clone(),
                host: target.host.clone(),
                port: target.port_or_scheme_default(),
            },
            nameserver: first.nameserver.clone(),
            canonical_name: first.canonical_name.clone(),
            cname_chain: first.cname_chain.clone(),
            addresses: union
                .into_iter()
                .map(|((family, ip), ttl)| Address { ip, family, ttl })
                .collect(),
            min_ttl: lookups.iter().filter_map(|l| l.min_ttl).min(),
            changed: samples.windows(2).any(|w| w[0] != w[1]),
            samples,
        }
    }
}
