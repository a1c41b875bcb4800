//! MSH4xx: entries that interfere with each other. MSH405 (the same resource twice) and MSH404
//! (one host, two protocols) need only the documents; MSH401–MSH403 read the decision engine's
//! compiled listeners, so "which entry wins" is the engine's answer, not a second opinion.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{Addr, Fate, Protocol, Registry};
use crate::load::{Loaded, Origin};
use crate::model::Resource;

use super::views::Views;
use super::{Context, Rule, finding};

pub(super) fn check(cx: &Context<'_>, views: &Views<'_>, out: &mut Vec<Diagnostic>) {
    duplicates(&cx.inputs.service_entries, out);
    duplicates(&cx.inputs.sidecars, out);
    // The same conflict shows in every namespace that sees both entries: `seen` keeps the first
    // sighting, checked before a finding is built, so large inputs do not format it N times.
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        for d in shadowed(views, registry, &mut seen)
            .into_iter()
            .chain(overlaps(views, registry, &mut seen))
            .chain(mixed_protocols(views, registry, &mut seen))
            .chain(conflicting_protocols(views, registry, &mut seen))
        {
            out.push(d);
        }
    }
}

fn duplicates<T: Resource>(resources: &[Loaded<T>], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<String, &Origin> = BTreeMap::new();
    for loaded in resources {
        let key = loaded.resource.key();
        match first.get(&key) {
            Some(origin) => {
                let mut d = finding(
                    loaded,
                    Rule::DuplicateResource,
                    "metadata.name",
                    format!(
                        "{} is also defined at {origin}; applying both keeps only the last one",
                        loaded.resource.describe()
                    ),
                );
                d.help = Some("rename one of them or remove the copy".into());
                out.push(d);
            }
            None => {
                first.insert(key, &loaded.origin);
            }
        }
    }
}

/// Conflicts already reported, by (rule, entry, what).
#[derive(Default)]
struct Seen(std::collections::HashSet<(Rule, usize, String)>);

impl Seen {
    /// True the first time `rule` fires on `se` for `what`.
    fn first<T>(&mut self, rule: Rule, se: &Loaded<T>, what: String) -> bool {
        self.0.insert((rule, std::ptr::from_ref(se) as usize, what))
    }
}

/// MSH401: the engine dropped a chain because an earlier service had the same match.
fn shadowed(views: &Views<'_>, registry: &Registry, seen: &mut Seen) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for record in registry.records() {
        let Fate::Shadowed {
            listener,
            winner,
            precedence,
        } = &record.fate
        else {
            continue;
        };
        let winner_chain = registry.chain(*winner);
        let winner_entry = registry.entry(winner_chain.entry);
        let loser = registry.entry(record.entry);
        if winner_entry.origin == loser.origin {
            continue; // one entry's own hosts/addresses: MSH201's info covers it
        }
        let Some(se) = views.loaded(loser) else {
            continue;
        };
        if !seen.first(
            Rule::ShadowedTcpEntry,
            se,
            format!(
                "{}|{}|{winner_entry}",
                record.port,
                registry.listener(*listener).name
            ),
        ) {
            continue;
        }
        let undated = se.resource.metadata.creation_timestamp.is_none();
        let mut d = finding(
            se,
            Rule::ShadowedTcpEntry,
            "spec.ports",
            format!(
                "port {} on {} is shadowed by {winner_entry} (host {}): both match {}, only the first is used ({precedence}{})",
                record.port,
                registry.listener(*listener).name,
                winner_chain.host,
                winner_chain.match_description(),
                if undated {
                    "; without creationTimestamp the winner depends on creation order"
                } else {
                    ""
                }
            ),
        );
        d.help = Some("give each entry its own addresses, or merge them into one entry".into());
        out.push(d);
    }
    out
}

/// MSH402: CIDR chains (or a plain-IP listener) of different entries overlapping on one port.
fn overlaps(views: &Views<'_>, registry: &Registry, seen: &mut Seen) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for listener in registry.listeners() {
        let chains: Vec<_> = registry
            .chains_of(listener)
            .filter(|c| c.prefix.is_some())
            .collect();
        for narrow in &chains {
            for wide in &chains {
                let (Some(n), Some(w)) = (narrow.prefix, wide.prefix) else {
                    continue;
                };
                if std::ptr::eq(*narrow, *wide)
                    || narrow.entry == wide.entry
                    || n.prefix_len() <= w.prefix_len()
                    || !w.contains(&n.network())
                {
                    continue;
                }
                let tls = narrow.server_name.is_some() || wide.server_name.is_some();
                let Some(se) = views.loaded(registry.entry(narrow.entry)) else {
                    continue;
                };
                if !seen.first(
                    Rule::OverlappingCidrs,
                    se,
                    format!("{n}|{w}|{}", listener.name),
                ) {
                    continue;
                }
                let mut d = finding(
                    se,
                    Rule::OverlappingCidrs,
                    "spec.addresses",
                    format!(
                        "{n} lies inside {w} of {} on {}: the longer prefix wins for addresses in both",
                        registry.entry(wide.entry),
                        listener.name
                    ),
                );
                if tls {
                    d.severity = Severity::Warning;
                    d.message.push_str("; with TLS, an SNI of the other entry falls to the default chain (Istio issue 52235)");
                }
                d.help = Some(
                    "make the ranges disjoint, or accept that the narrower entry takes the overlap"
                        .into(),
                );
                out.push(d);
            }
        }
    }
    out
}

/// MSH403: one port's wildcard listener mixes protocols from several entries.
fn mixed_protocols(views: &Views<'_>, registry: &Registry, seen: &mut Seen) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for record in registry.records() {
        if let Fate::ProtocolConflict { listener } = &record.fate {
            let listener = registry.listener(*listener);
            let (created_protocol, creator) = listener.created_by;
            let Some(se) = views.loaded(registry.entry(record.entry)) else {
                continue;
            };
            if !seen.first(
                Rule::MixedProtocolsOnPort,
                se,
                format!("{}|{}", record.port, listener.name),
            ) {
                continue;
            }
            let mut d = finding(
                se,
                Rule::MixedProtocolsOnPort,
                "spec.ports",
                format!(
                    "port {} is {} here but {created_protocol} in {}, which created {}: Istio drops this entry from the listener",
                    record.port,
                    record.protocol,
                    registry.entry(creator),
                    listener.name
                ),
            );
            d.severity = Severity::Error;
            d.help = Some(
                "use one protocol per port across entries, or give the entries addresses".into(),
            );
            out.push(d);
        }
    }
    for listener in registry
        .listeners()
        .iter()
        .filter(|l| l.bind.is_none() && l.is_sniffed())
    {
        let mut protocols: BTreeMap<&str, Vec<crate::engine::EntryId>> = BTreeMap::new();
        for record in registry
            .records()
            .iter()
            .filter(|r| r.port == listener.port && r.is_active() && matches!(r.addr, Addr::Any))
        {
            protocols
                .entry(record.protocol.as_str())
                .or_default()
                .push(record.entry);
        }
        let entries: BTreeSet<_> = protocols.values().flatten().collect();
        if protocols.len() < 2 || entries.len() < 2 {
            continue;
        }
        let Some(last) = entries
            .iter()
            .next_back()
            .and_then(|id| views.loaded(registry.entry(**id)))
        else {
            continue;
        };
        if !seen.first(Rule::MixedProtocolsOnPort, last, listener.name.to_string()) {
            continue;
        }
        let names: Vec<String> = protocols.keys().map(ToString::to_string).collect();
        let mut d = finding(
            last,
            Rule::MixedProtocolsOnPort,
            "spec.ports",
            format!(
                "port {} mixes {} across entries without addresses: {} is protocol-sniffed and server-first clients hang",
                listener.port,
                names.join(" and "),
                listener.name
            ),
        );
        d.help = Some("give the entries addresses, or move one service to another port".into());
        out.push(d);
    }
    out
}

/// MSH404: the same host and port declared with different protocols by entries that a
/// workload sees together (Istio's IST0177).
fn conflicting_protocols(
    views: &Views<'_>,
    registry: &Registry,
    seen: &mut Seen,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut first: BTreeMap<(String, u16), (Protocol, crate::engine::EntryId)> = BTreeMap::new();
    for record in registry.records().iter().filter(|r| r.is_active()) {
        let key = (record.host.to_ascii_lowercase(), record.port);
        match first.get(&key) {
            Some((protocol, entry)) if *protocol != record.protocol && *entry != record.entry => {
                let Some(se) = views.loaded(registry.entry(record.entry)) else {
                    continue;
                };
                if !seen.first(
                    Rule::ConflictingProtocol,
                    se,
                    format!("{}:{}|{}", record.host, record.port, registry.entry(*entry)),
                ) {
                    continue;
                }
                let index = se
                    .resource
                    .spec
                    .ports
                    .iter()
                    .position(|p| p.number == u32::from(record.port))
                    .unwrap_or(0);
                let mut d = finding(
                    se,
                    Rule::ConflictingProtocol,
                    &format!("spec.ports[{index}].protocol"),
                    format!(
                        "{}:{} is {} here but {protocol} in {}",
                        record.host,
                        record.port,
                        record.protocol,
                        registry.entry(*entry)
                    ),
                );
                d.help = Some("declare the port with the same protocol everywhere".into());
                out.push(d);
            }
            Some(_) => {}
            None => {
                first.insert(key, (record.protocol, record.entry));
            }
        }
    }
    out
}
