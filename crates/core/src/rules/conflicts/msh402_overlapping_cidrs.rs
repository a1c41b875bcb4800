//! # MSH402 overlapping-cidrs
//!
//! ## What it does
//! Reports, as info, two entries on the same port whose CIDR blocks overlap without being equal. It is
//! a warning when the port is TLS or HTTPS, where the overlap interacts with SNI matching.
//!
//! ## Why it matters
//! Both blocks become prefix matches on `0.0.0.0_<port>`, and Envoy picks the longest prefix, so for
//! addresses inside both the narrower entry wins. That is often intended (a carve-out), but it means
//! the wider entry does not govern its whole range. On TLS ports Envoy compares the destination IP
//! before the SNI: a connection whose IP best matches one entry but whose SNI names the other matches
//! neither and falls to the passthrough or blackhole default (istio/istio#52235, still open).
//!
//! Severity: info: overlapping blocks are legal and the longest prefix wins predictably.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: pg-cluster
//! spec:
//!   hosts: [pg.example.com]
//!   addresses: [198.51.100.0/24]
//!   ports: [{name: tcp, number: 5432, protocol: TCP}]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: pg-primary
//! spec:
//!   hosts: [pg-primary.example.com]
//!   addresses: [198.51.100.128/25]
//!   ports: [{name: tcp, number: 5432, protocol: TCP}]
//! ```
//!
//! ## Use instead
//! ```yaml
//!   # pg-cluster keeps only the half pg-primary does not claim
//!   addresses: [198.51.100.0/25]
//! ```

use super::seen::Seen;
use crate::engine::Registry;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::rules::views::Views;

/// MSH402 overlapping-cidrs: CIDR chains of different entries overlap on one listener. The
/// longer prefix wins for addresses in both (Envoy picks the most specific destination prefix);
/// with TLS it is a warning, because Envoy checks the destination before SNI, so a connection to
/// the overlap carrying the other entry's name falls to the default chain (istio/istio issue
/// 52235, <https://github.com/istio/istio/issues/52235>).
pub(crate) const RULE: Row = Row {
    severity: Severity::Info,
    check: CheckFn::Views(check),
    summary: "Entries with overlapping CIDR blocks on one port: the longest prefix wins.",
};

/// Reports each overlap once, on the entry with the narrower block.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        overlaps(views, registry, &mut seen, out);
    }
}

fn overlaps(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
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
                if !seen.first(se, format!("{n}|{w}|{}", listener.name)) {
                    continue;
                }
                let mut message = format!(
                    "{n} lies inside {w} of {} on {}: the longer prefix wins for addresses in both",
                    registry.entry(wide.entry),
                    listener.name
                );
                if tls {
                    message.push_str("; with TLS, an SNI of the other entry falls to the default chain (Istio issue 52235)");
                }
                let finding = out.at(se, "spec.addresses", message);
                if tls {
                    finding.severity(Severity::Warning);
                }
                finding.help(
                    "make the ranges disjoint, or accept that the narrower entry takes the overlap",
                );
            }
        }
    }
}
