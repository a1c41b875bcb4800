//! Planning one entry: its pinned addresses against a DNS answer, through the grace period,
//! to the `addresses` list and departed record it should have. Pure: the answer and the clock
//! come in as values, so every rule below is a unit test.
//!
//! - An answered address not admitted by `addresses` is added.
//! - A pinned address missing from the answer is recorded as departed (at `now`, unless it
//!   already is) and kept until its grace period has run out, then removed, so pooled
//!   connections drain first. An address that comes back is simply un-recorded.
//! - **Fail static**: a failed lookup (timeout, SERVFAIL, refused) changes nothing, and so
//!   does an empty answer (NXDOMAIN, no A/AAAA) unless `allow_empty` says the name really is
//!   gone. A plan that would leave `addresses` empty changes nothing either: an entry without
//!   addresses admits every IP on its ports, the opposite of what pinning is for.
//! - CIDR blocks in `addresses` are the user's: kept, and they cover answered addresses.
//! - **Refused answers** change nothing either ([`Status::Refused`], unverifiable): an address
//!   of a class no entry should pin (unless allowed by flag or by the entry's own annotation),
//!   a list longer than `addresses` may hold, or — the DNS rebinding guard — an address that
//!   moves an entry between private and public space (`crate::pinning`).

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use crate::address_class::AddressClass;
use crate::dns::{AddressFamily, CnameLink, DnsError, Lookup};
use crate::pinning::{self, AllowedClasses, PinError};

use super::grace::Departed;
use super::managed::{Managed, Pinned};

/// The knobs of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    /// How long a departed address stays in `addresses`.
    pub grace: Duration,
    /// An empty answer (NXDOMAIN, no records) removes addresses.
    pub allow_empty: bool,
    /// Refused address classes an answer may pin anyway (`--allow-address-class`), on top of
    /// the ones each entry records itself.
    pub allowed: AllowedClasses,
    /// An answer may move an entry between private and public space (`--allow-class-change`).
    pub allow_class_change: bool,
}

/// One item of the planned `addresses` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The existing item at this index, kept as written (comments included).
    Existing(usize),
    /// A new item, already spelled (`203.0.113.8/32` or `203.0.113.8`).
    New(String),
}

/// How the entry stands against DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Nothing to change.
    InSync,
    /// `addresses` or the departed record should change.
    Drift,
    /// DNS answered with no address; kept because `--allow-empty` was not given.
    HeldEmpty(String),
    /// The change would leave `addresses` empty; kept.
    HeldLast,
    /// The name could not be verified (timeout, SERVFAIL): nothing is concluded.
    Unverified(String),
    /// The answer is not one meshctl pins (a refused address class, more addresses than an
    /// entry holds, a move between private and public space): unverifiable, nothing changes.
    Refused(PinError),
}

/// What should happen to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// In sync, drift, or held.
    pub status: Status,
    /// Answered addresses `addresses` does not admit.
    pub added: Vec<IpAddr>,
    /// Pinned addresses missing from the answer, kept for their grace period, with its end.
    pub draining: Vec<(IpAddr, SystemTime)>,
    /// Pinned addresses removed now (their grace period ran out).
    pub removed: Vec<IpAddr>,
    /// Addresses that had been recorded as departed and are answered again.
    pub returned: Vec<IpAddr>,
    /// The `addresses` list to write.
    pub items: Vec<Item>,
    /// The departed record to write.
    pub departed: Departed,
    /// The answer's smallest TTL, in seconds.
    pub ttl: Option<u32>,
    /// The answer's CNAME chain.
    pub cname_chain: Vec<CnameLink>,
    /// The value [`ALLOWED_ANNOTATION`](crate::pinning::ALLOWED_ANNOTATION) should get, when
    /// an address of a class the entry does not record yet is added under
    /// `--allow-address-class`.
    pub record_allowed: Option<AllowedClasses>,
}

impl Plan {
    /// True when `spec.addresses` changes.
    #[must_use]
    pub fn changes_addresses(&self) -> bool {
        !self.added.is_empty() || !self.removed.is_empty()
    }

    /// The earliest time a draining address must be removed: a reconciler must look again by
    /// then even if the TTL is longer.
    #[must_use]
    pub fn next_deadline(&self) -> Option<SystemTime> {
        self.draining.iter().map(|(_, end)| *end).min()
    }
}

/// The addresses to plan against: the answer, plus — when one family's query failed while the
/// other answered — the pinned addresses of the failed family, which were not seen gone (fail
/// static per family: a resolver failure never removes an address).
fn answered_or_unverified(entry: &Managed, lookup: &Lookup) -> Vec<IpAddr> {
    let mut answered: Vec<IpAddr> = lookup.addresses.iter().map(|a| a.ip).collect();
    if let Some((family, _)) = &lookup.incomplete {
        answered.extend(entry.pinned.iter().filter_map(|pinned| match pinned {
            Pinned::Host(ip) if AddressFamily::of(*ip) == *family => Some(*ip),
            _ => None,
        }));
    }
    answered
}

/// Plans `entry` against `answer` at `now`.
#[must_use]
pub fn plan(
    entry: &Managed,
    answer: &Result<Lookup, DnsError>,
    now: SystemTime,
    settings: Settings,
) -> Plan {
    let unchanged = |status| Plan {
        status,
        added: Vec::new(),
        draining: Vec::new(),
        removed: Vec::new(),
        returned: Vec::new(),
        items: (0..entry.pinned.len()).map(Item::Existing).collect(),
        departed: entry.departed.clone(),
        ttl: None,
        cname_chain: Vec::new(),
        record_allowed: None,
    };
    let (answered, ttl, chain): (Vec<IpAddr>, _, _) = match answer {
        Ok(lookup) => (
            answered_or_unverified(entry, lookup),
            lookup.min_ttl,
            lookup.cname_chain.clone(),
        ),
        Err(e) if e.is_negative_answer() && settings.allow_empty => (Vec::new(), None, Vec::new()),
        Err(e) if e.is_negative_answer() => return unchanged(Status::HeldEmpty(e.to_string())),
        Err(e) => return unchanged(Status::Unverified(e.to_string())),
    };

    let mut departed = entry.departed.clone();
    let mut kept = Vec::new();
    let (mut draining, mut removed, mut returned) = (Vec::new(), Vec::new(), Vec::new());
    for (index, pinned) in entry.pinned.iter().enumerate() {
        let Pinned::Host(ip) = pinned else {
            kept.push(index);
            continue;
        };
        if answered.contains(ip) {
            if departed.since(*ip).is_some() {
                departed.forget(*ip);
                returned.push(*ip);
            }
            kept.push(index);
        } else {
            departed.record(*ip, now);
            // A zero grace period removes at once (the record is rounded up to a second).
            if settings.grace.is_zero() || departed.expired(*ip, settings.grace, now) {
                departed.forget(*ip);
                removed.push(*ip);
            } else {
                let end = departed.deadline(*ip, settings.grace).unwrap_or(now);
                draining.push((*ip, end));
                kept.push(index);
            }
        }
    }
    let mut added: Vec<IpAddr> = answered
        .iter()
        .copied()
        .filter(|ip| !entry.pinned.iter().any(|p| p.covers(*ip)))
        .collect();
    added.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    added.dedup();
    if let Err(refused) = screen(entry, answer, &added, kept.len() + added.len(), settings) {
        return unchanged(Status::Refused(refused));
    }
    // Records for addresses no longer in the list (edited away by hand) mean nothing.
    departed.retain(|ip| kept.iter().any(|&i| entry.pinned[i] == Pinned::Host(ip)));

    if kept.is_empty() && added.is_empty() {
        let mut held = unchanged(Status::HeldLast);
        held.ttl = ttl;
        held.cname_chain = chain;
        held.removed = removed;
        return held;
    }
    let items = order(entry, &kept, &added);
    let recorded = entry
        .allowed
        .union(settings.allowed.used_by(added.iter().copied()));
    let record_allowed = (recorded != entry.allowed).then_some(recorded);
    let changed = !added.is_empty()
        || !removed.is_empty()
        || departed != entry.departed
        || record_allowed.is_some();
    Plan {
        status: if changed {
            Status::Drift
        } else {
            Status::InSync
        },
        added,
        draining,
        removed,
        returned,
        items,
        departed,
        ttl,
        cname_chain: chain,
        record_allowed,
    }
}

/// The pinning screen (`crate::pinning`) over one plan: the answer holds no address of a
/// class neither the flags nor the entry allow, `added` keeps the entry in its private or
/// public space, and the list of `count` items fits in `addresses`.
fn screen(
    entry: &Managed,
    answer: &Result<Lookup, DnsError>,
    added: &[IpAddr],
    count: usize,
    settings: Settings,
) -> Result<(), PinError> {
    if let Ok(lookup) = answer {
        let ips: Vec<IpAddr> = lookup.addresses.iter().map(|a| a.ip).collect();
        pinning::screen_answer(&entry.host, &ips, settings.allowed.union(entry.allowed))?;
    }
    if !settings.allow_class_change {
        pinning::class_change(&entry.host, pinned_classes(entry), added)?;
    }
    if count > pinning::ADDRESS_LIMIT {
        return Err(PinError::TooMany {
            host: entry.host.clone(),
            count,
        });
    }
    Ok(())
}

/// The classes of what `entry` pins now: each host address, and each block that lies in one.
fn pinned_classes(entry: &Managed) -> Vec<AddressClass> {
    entry
        .pinned
        .iter()
        .filter_map(|pinned| match pinned {
            Pinned::Host(ip) => Some(AddressClass::of(*ip)),
            Pinned::Other(text) => text
                .parse::<ipnet::IpNet>()
                .ok()
                .and_then(AddressClass::of_net),
        })
        .collect()
}

/// The new list: when the existing items are sorted single addresses (as `gen` writes them),
/// new ones are merged in order, so a regenerated entry and a synced one are the same bytes;
/// otherwise they go at the end and the user's order stands.
fn order(entry: &Managed, kept: &[usize], added: &[IpAddr]) -> Vec<Item> {
    let spell = |ip: &IpAddr| {
        if entry.bare {
            ip.to_string()
        } else {
            ipnet::IpNet::from(*ip).to_string()
        }
    };
    let key = |ip: &IpAddr| (ip.is_ipv6(), *ip);
    let hosts: Option<Vec<IpAddr>> = entry
        .pinned
        .iter()
        .map(|p| match p {
            Pinned::Host(ip) => Some(*ip),
            Pinned::Other(_) => None,
        })
        .collect();
    match hosts.filter(|h| h.windows(2).all(|w| key(&w[0]) <= key(&w[1]))) {
        Some(hosts) => {
            let mut all: Vec<(IpAddr, Item)> = kept
                .iter()
                .map(|&i| (hosts[i], Item::Existing(i)))
                .chain(added.iter().map(|ip| (*ip, Item::New(spell(ip)))))
                .collect();
            all.sort_by_key(|(ip, _)| key(ip));
            all.into_iter().map(|(_, item)| item).collect()
        }
        None => kept
            .iter()
            .map(|&i| Item::Existing(i))
            .chain(added.iter().map(|ip| Item::New(spell(ip))))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
