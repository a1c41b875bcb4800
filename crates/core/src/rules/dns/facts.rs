//! What DNS said about each host, gathered by the caller before the (pure) rules run, and the
//! few ways the DNS rules read it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::dns::{DnsError, Lookup};

/// What DNS said about each host, gathered by the command before the (pure) rules run.
#[derive(Debug, Default)]
pub struct DnsFacts {
    /// Per host: every sample in order, or the error of the first failing sample.
    pub hosts: BTreeMap<String, Result<Vec<Lookup>, DnsError>>,
}

impl DnsFacts {
    /// The samples for `host` when it resolved at least once; `None` when it was not asked
    /// about, failed (MSH305's case) or returned nothing.
    pub(crate) fn samples(&self, host: &str) -> Option<&[Lookup]> {
        match self.hosts.get(host)? {
            Ok(samples) if !samples.is_empty() => Some(samples),
            _ => None,
        }
    }
}

/// Every address in every sample, in answer order (with repeats).
pub(crate) fn resolved(samples: &[Lookup]) -> Vec<IpAddr> {
    samples
        .iter()
        .flat_map(|l| l.addresses.iter().map(|a| a.ip))
        .collect()
}

/// The items as sorted, deduplicated strings, for messages that list them.
pub(crate) fn unique<T: ToString>(items: impl Iterator<Item = T>) -> Vec<String> {
    let mut list: Vec<String> = items.map(|i| i.to_string()).collect();
    list.sort();
    list.dedup();
    list
}
