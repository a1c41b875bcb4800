//! Near misses: the entries a user probably meant, and why they did not take the connection
//! (meshctl's own report: Istio's simulator names only what matched), grouped by reason with a
//! few lines each. Notes: what an ALLOW may do that surprises — an address-less entry hijacking
//! the port, a DNS upstream that ignores the dialled IP, a sniffed port, a TLS entry on a plain IP
//! that never checks SNI, a cluster with no endpoints. Those are about the entry that matched,
//! so they are not near misses.
//!
//! Everything comes from the compile records, so filtered entries (not exported, not imported,
//! shadowed, dropped) are found without recompiling.

use std::collections::HashSet;
use std::net::IpAddr;

use super::decide::{Connection, Decision, Upstream};
use super::listener::{Addr, Chain};
use super::record::{Fate, Record};
use super::registry::Registry;

/// At most this many lines of one kind (the same reason for different entries); the rest are
/// counted in one "and N more like this" line, so a registry of hundreds of pinned entries
/// does not bury the one line that matters.
const PER_KIND: usize = 3;

/// Lines grouped by kind, in the order each kind first appeared; duplicates dropped.
#[derive(Default)]
struct Lines {
    seen: HashSet<String>,
    groups: Vec<(&'static str, Vec<String>, usize)>,
}

impl Lines {
    fn push(&mut self, kind: &'static str, line: String) {
        if !self.seen.insert(line.clone()) {
            return;
        }
        let index = if let Some(index) = self.groups.iter().position(|(k, ..)| *k == kind) {
            index
        } else {
            self.groups.push((kind, Vec::new(), 0));
            self.groups.len() - 1
        };
        let (_, kept, extra) = &mut self.groups[index];
        if kept.len() < PER_KIND {
            kept.push(line);
        } else {
            *extra += 1;
        }
    }

    fn into_lines(self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, kept, extra) in self.groups {
            out.extend(kept);
            if extra > 0 {
                out.push(format!("… and {extra} more like this"));
            }
        }
        out
    }
}

/// What an ALLOW may not do as the user expects (an address-less entry taking the port, a DNS
/// upstream that ignores the dialled IP, …): notes about the entry that matched, not near misses.
pub(crate) fn notes(conn: &Connection<'_>, decision: &Decision<'_>) -> Vec<String> {
    let mut out = Lines::default();
    if let Decision::Allow { chain, .. } = decision {
        surprises(
            decision,
            chain,
            conn.dst.to_canonical(),
            conn.port,
            &mut out,
        );
    }
    out.into_lines()
}

/// Near misses for a decided connection.
pub(crate) fn near_misses(
    registry: &Registry,
    conn: &Connection<'_>,
    decision: &Decision<'_>,
) -> Vec<String> {
    let dst = conn.dst.to_canonical();
    let port = conn.port;
    let mut out = Lines::default();
    let allowed = match decision {
        Decision::Allow { chain, .. } => Some(*chain),
        _ => None,
    };
    let on_port: HashSet<_> = registry
        .records()
        .iter()
        .filter(|r| r.port == port)
        .map(|r| r.entry)
        .collect();
    let mut sni_hosts = Vec::new();
    for record in registry.records() {
        let same_port = record.port == port;
        let covers = record.addr.covers(dst);
        match &record.fate {
            Fate::Chain(id) => {
                let chain = registry.chain(*id);
                if allowed.is_some_and(|a| std::ptr::eq(a, chain)) {
                    continue;
                }
                if matches!(decision, Decision::Bypass { .. }) {
                    if same_port && covers {
                        out.push("bypassed", format!(
                            "entry {} (host {}) would match {dst}:{port}, but the connection bypasses the sidecar",
                            registry.entry(record.entry),
                            record.host
                        ));
                    }
                } else if allowed.is_none() {
                    unmatched_chain(registry, record, chain, dst, port, &mut out, &mut sni_hosts);
                }
            }
            Fate::HttpRoute(_) if same_port && allowed.is_none() => out.push(
                "http",
                format!(
                    "entry {} (host {}) is HTTP on port {port}: matched by Host header, which meshctl does not model for TCP",
                    registry.entry(record.entry),
                    record.host
                ),
            ),
            Fate::Unusable { .. } if on_port.contains(&record.entry) => {
                out.push("unusable", registry.describe(record));
            }
            Fate::HttpRoute(_) | Fate::Unusable { .. } => {}
            _ if same_port && covers => out.push(fate_kind(&record.fate), registry.describe(record)),
            _ => {}
        }
    }
    if !sni_hosts.is_empty() {
        let listener = decision.listener();
        let hosts = sni_hosts.join(", ");
        out.push("sni", match (conn.tls, conn.sni) {
            (true, Some(sni)) => {
                format!("SNI {sni} matches no host of the TLS entries on {listener} ({hosts})")
            }
            _ => format!(
                "the connection carries no SNI; TLS entries on {listener} match only by SNI ({hosts})"
            ),
        });
    }
    out.into_lines()
}

/// Why an active chain on this port did not take an unmatched connection.
fn unmatched_chain(
    registry: &Registry,
    record: &Record,
    chain: &Chain,
    dst: IpAddr,
    port: u16,
    out: &mut Lines,
    sni_hosts: &mut Vec<String>,
) {
    let entry = registry.entry(record.entry);
    let same_port = record.port == port;
    let covers = record.addr.covers(dst);
    if same_port && !covers && record.addr.same_family(dst) {
        out.push("address", match record.addr {
            Addr::Ip(ip) => format!(
                "entry {entry} (host {}) covers {ip} on port {port}, not {dst} — did the IP change?",
                record.host
            ),
            _ => format!(
                "entry {entry} (host {}) covers {} on port {port}, which does not contain {dst}",
                record.host, record.addr
            ),
        });
    } else if same_port && covers && chain.server_name.is_some() {
        let name = chain.server_name.as_deref().unwrap_or_default().to_owned();
        if !sni_hosts.contains(&name) {
            sni_hosts.push(name);
        }
    } else if !same_port && covers && record.addr != Addr::Any {
        out.push(
            "port",
            format!(
                "entry {entry} (host {}) has port {}, not {port}",
                record.host, record.port
            ),
        );
    }
}

/// The kind of a filtered entry's line, so entries dropped for one reason group together.
fn fate_kind(fate: &Fate) -> &'static str {
    match fate {
        Fate::Chain(_) => "chain",
        Fate::HttpRoute(_) => "http",
        Fate::Shadowed { .. } => "shadowed",
        Fate::Unusable { .. } => "unusable",
        _ => "filtered",
    }
}

/// Notes on an ALLOW that may not be what the user expects.
fn surprises(decision: &Decision<'_>, chain: &Chain, dst: IpAddr, port: u16, out: &mut Lines) {
    let Decision::Allow {
        entry,
        listener,
        upstream,
        ..
    } = decision
    else {
        return;
    };
    if chain.is_match_all() && listener.bind.is_none() {
        let why = match &entry.unspecified_address {
            Some(address) => format!(
                "lists `{address}`, the unspecified address, which Istio reads as no address"
            ),
            None => "has no addresses".to_owned(),
        };
        out.push("match-all", format!(
            "entry {entry} {why}: its match-all chain takes every destination on port {port} that no more specific listener or chain takes (hosts are ignored for TCP)"
        ));
    }
    match upstream {
        Upstream::Resolve { .. } => out.push("resolve", format!(
            "entry {entry} has resolution {}: the sidecar connects to {upstream}, the dialled {dst} only selected the listener",
            entry.resolution.as_str()
        )),
        Upstream::NoUpstream => out.push("no-endpoints", format!(
            "entry {entry} has no endpoints: the connection matches but has nowhere to go"
        )),
        _ => {}
    }
    if listener.is_sniffed() {
        out.push("sniffed", format!(
            "listener {} sniffs the protocol (a port without protocol, or HTTP and TCP mixed): server-first protocols such as MySQL hang; set `protocol: TCP`",
            listener.name
        ));
    }
    if chain.protocol.is_tls() && listener.bind.is_some() {
        out.push(
            "sni-unchecked",
            format!(
                "SNI is not checked on {}: any connection to {dst}:{port} goes to {}",
                listener.name, chain.host
            ),
        );
    }
}
