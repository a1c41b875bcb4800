//! # MSH303 short-ttl
//!
//! ## What it does
//! Runs only with `--dns`. Warns when the TTL of a host's A/AAAA records is below `--min-ttl` (300
//! seconds unless set), for entries that pin addresses (`addresses`, or STATIC endpoints); an entry
//! that pins nothing follows the answers by itself.
//!
//! ## Why it matters
//! A short TTL is the operator of that name telling resolvers the answer may change soon, typically
//! because of failover or load balancing. Addresses pinned from such an answer can go stale between two
//! lint runs, and when they do, connections to the new IP miss the entry's listener (see MSH302). It is
//! an early signal that `/32` pinning is the wrong tool for this host.
//!
//! Severity: warning: a short TTL says the addresses may change soon; nothing is wrong yet.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # answer: 203.0.113.7, TTL 30 s
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.0/24           # the published range the name moves within
//! ```
//! If no such range exists, the blog's answer is to route this traffic around the sidecar.

use super::facts::DnsFacts;
use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH303 short-ttl: the host's smallest answer TTL is below `--min-ttl` (default 300 s): the
/// provider expects its addresses to change soon, and pinned ones with them. An entry that pins
/// nothing (no `addresses`, no STATIC endpoints; `resolution: DNS` re-resolves as the TTL says)
/// follows the change by itself, so it is not reported.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "The host's DNS TTL is below --min-ttl: its addresses may change soon.",
};

/// Reports every host of an entry that pins addresses whose answers carry a TTL below the
/// context's threshold.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        let pins = !spec.addresses.is_empty()
            || (spec.resolution() == Resolution::Static
                && spec.endpoints.iter().any(|e| e.address.is_some()));
        if !pins {
            continue;
        }
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let Some(samples) = facts.samples(host) else {
                continue;
            };
            if let Some(ttl) = samples
                .iter()
                .filter_map(|l| l.min_ttl)
                .min()
                .filter(|ttl| *ttl < cx.min_ttl)
            {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!(
                        "{host} has a TTL of {ttl}s (below {}s): its addresses may change soon",
                        cx.min_ttl
                    ),
                )
                .help("pin only addresses the provider documents as stable, or use DNS proxying with auto-allocated VIPs");
            }
        }
    }
}
