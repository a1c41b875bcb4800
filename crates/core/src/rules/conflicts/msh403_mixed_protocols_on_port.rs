//! # MSH403 mixed-protocols-on-port
//!
//! ## What it does
//! Warns when entries without addresses declare one port with an HTTP-like protocol and a TCP-like one,
//! or when one of them leaves the protocol unset. It is an error when one side is MONGO or MYSQL and
//! the protocols differ.
//!
//! ## Why it matters
//! Both entries land on the listener `0.0.0.0_<port>`. Istio merges them into one listener that has to
//! sniff each connection with its HTTP inspector to pick a chain, so server-first clients such as MySQL
//! or SMTP hang: the inspector waits for bytes the client never sends first. When one side is MONGO or
//! MYSQL Istio does not merge at all: the entry processed later is dropped entirely, with only a
//! warning in istiod's log.
//!
//! Severity: warning: connections on the port hang or one entry is dropped; that breaks traffic rather than admitting new destinations.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: api-http
//! spec:
//!   hosts: [api.example.com]
//!   ports: [{name: http, number: 8080, protocol: HTTP}]
//!   resolution: DNS
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: legacy-tcp
//! spec:
//!   hosts: [legacy.example.com]
//!   ports: [{name: tcp, number: 8080, protocol: TCP}]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   # legacy-tcp: its own address gives it its own listener, 203.0.113.20_8080
//!   addresses: [203.0.113.20/32]
//! ```

use std::collections::{BTreeMap, BTreeSet};

use super::seen::Seen;
use crate::engine::{Addr, EntryId, Fate, Registry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH403 mixed-protocols-on-port: entries of different protocols on one port without addresses.
/// Where Istio cannot merge them (MONGO or MYSQL against anything else) it drops the later entry
/// from the listener: an error. Otherwise the port becomes protocol-sniffed and server-first
/// clients hang: a warning (istio/istio `pilot/pkg/networking/core/listener.go`,
/// `buildSidecarOutboundListener` and its well-known-port conflict check).
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Views(check),
    summary: "Entries with different protocols share a port without addresses.",
};

/// Reports dropped entries, then sniffed wildcard listeners that mix protocols.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        dropped(views, registry, &mut seen, out);
        sniffed(views, registry, &mut seen, out);
    }
}

/// The engine dropped an entry from a listener another protocol created.
fn dropped(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    for record in registry.records() {
        let Fate::ProtocolConflict { listener } = &record.fate else {
            continue;
        };
        let listener = registry.listener(*listener);
        let (created_protocol, creator) = listener.created_by;
        let Some(se) = views.loaded(registry.entry(record.entry)) else {
            continue;
        };
        if !seen.first(se, format!("{}|{}", record.port, listener.name)) {
            continue;
        }
        out.at(
            se,
            "spec.ports",
            format!(
                "port {} is {} here but {created_protocol} in {}, which created {}: Istio drops this entry from the listener",
                record.port,
                record.protocol,
                registry.entry(creator),
                listener.name
            ),
        )
        .severity(Severity::Error)
        .help("use one protocol per port across entries, or give the entries addresses");
    }
}

/// A wildcard listener sniffs because several entries bring different protocols to it.
fn sniffed(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    for listener in registry
        .listeners()
        .iter()
        .filter(|l| l.bind.is_none() && l.is_sniffed())
    {
        let mut protocols: BTreeMap<&str, Vec<EntryId>> = BTreeMap::new();
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
        if !seen.first(last, listener.name.to_string()) {
            continue;
        }
        let names: Vec<String> = protocols.keys().map(ToString::to_string).collect();
        out.at(
            last,
            "spec.ports",
            format!(
                "port {} mixes {} across entries without addresses: {} is protocol-sniffed and server-first clients hang",
                listener.port,
                names.join(" and "),
                listener.name
            ),
        )
        .help("give the entries addresses, or move one service to another port");
    }
}
