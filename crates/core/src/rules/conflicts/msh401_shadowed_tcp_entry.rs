//! # MSH401 shadowed-tcp-entry
//!
//! ## What it does
//! Flags entries with TCP-like or unset protocols that land on the same listener key for a port (both
//! without addresses, the same IP, or CIDR blocks equal after masking), once on each losing entry. The
//! message names the winner and why: explicit export to the namespace first, then the older
//! `creationTimestamp`, then host name, then namespace; without timestamps it says the winner depends
//! on creation order.
//!
//! ## Why it matters
//! Istio keeps the first filter chain for a listener key and silently drops identical chains from later
//! services; only an istiod metric counts the drop. Every connection for that key reaches the winner's
//! cluster, so the loser's resolution, endpoints and settings never apply. The classic case is two
//! databases on 3306 without addresses: both applications end up at whichever entry was created first.
//!
//! Severity: error: the later entry silently does nothing, so traffic its author meant to route is handled by another entry.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: orders-db}
//! spec:
//!   hosts: [orders-db.example.com]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//!   resolution: DNS
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata: {name: billing-db}
//! spec:
//!   hosts: [billing-db.example.com]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                                   # orders-db; billing-db likewise with 203.0.113.8/32
//!   hosts: [orders-db.example.com]
//!   addresses: [203.0.113.7/32]
//!   ports: [{name: tcp, number: 3306, protocol: TCP}]
//!   resolution: NONE
//! ```

use super::seen::Seen;
use crate::engine::{Fate, Registry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH401 shadowed-tcp-entry: the engine dropped an entry's filter chain because an earlier
/// entry had the same match on the same listener — both without addresses on a port, the same
/// address, or CIDR blocks equal after masking. Istio keeps the oldest (then by host name), so
/// the later entry is silently unused — unless it is identical in effect (same match, same
/// cluster), when nothing is lost (istio/istio `pilot/pkg/networking/core/listener.go`,
/// `mergeTCPFilterChains`; ordering in `pilot/pkg/model/push_context.go`,
/// `SortServicesByCreationTime`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Views(check),
    summary: "Two entries on the same listener key: only the first is used.",
};

/// Reports every shadowed chain once, on the losing entry.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        shadowed(views, registry, &mut seen, out);
    }
}

fn shadowed(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
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
        if winner_entry.to_string() == loser.to_string() {
            // Two documents with one kind, namespace and name are one resource: applying both
            // keeps the last (MSH405 says so), so neither can shadow the other.
            continue;
        }
        if *winner_chain.cluster == *format!("outbound|{}||{}", record.port, record.host) {
            // The same chain to the same cluster: the dropped chain would have done exactly
            // what the kept one does (one host declared by two entries), so nothing is lost;
            // Istio's analyzers report nothing either (ServiceEntry conflict analyzer's
            // `serviceentry-no-conflict-protocol.yaml` test case).
            continue;
        }
        let Some(se) = views.loaded(loser) else {
            continue;
        };
        let listener = &registry.listener(*listener).name;
        if !seen.first(se, format!("{}|{listener}|{winner_entry}", record.port)) {
            continue;
        }
        let undated = se.resource.metadata.creation_timestamp.is_none();
        out.at(
            se,
            "spec.ports",
            format!(
                "port {} on {listener} is shadowed by {winner_entry} (host {}): both match {}, only the first is used ({precedence}{})",
                record.port,
                winner_chain.host,
                winner_chain.match_description(),
                if undated {
                    "; without creationTimestamp the winner depends on creation order"
                } else {
                    ""
                }
            ),
        )
        .help("give each entry its own addresses, or merge them into one entry");
    }
}
