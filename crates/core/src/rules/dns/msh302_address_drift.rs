//! # MSH302 address-drift
//!
//! ## What it does
//! Runs only with `--dns`. Warns when a host now resolves to addresses outside the entry's `addresses`,
//! or when a listed host address (`/32`, `/128`, bare IP) no longer appears in its DNS answer.
//!
//! ## Why it matters
//! The sidecar matches TCP by destination IP, and applications dial whatever DNS returns today. A new
//! address matches no listener, so its connections are black-holed under REGISTRY_ONLY or pass
//! unmanaged under ALLOW_ANY. A stale address keeps a hole open to an IP that may now belong to someone
//! else, since cloud providers reuse addresses.
//!
//! Severity: warning: DNS and the pinned addresses disagree now; until the entry is updated connections to the new addresses are denied.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # now resolves to 203.0.113.9
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
//!   - 203.0.113.9/32
//! ```
//! Regenerate it with `meshctl gen serviceentry db.example.com`; if it keeps moving, see MSH301.

use ipnet::IpNet;

use super::facts::{DnsFacts, unique};
use super::listed::{Resolved, listed_and_resolved};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH302 address-drift: an entry matched by its addresses (any resolution but DNS) whose host
/// now resolves to addresses outside them, or whose listed host addresses no longer resolve.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.",
};

/// Reports, per host, resolved addresses the entry does not cover and listed ones DNS dropped.
/// DNS-resolved entries are MSH307's.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    listed_and_resolved(cx, facts, Resolved::NotByDns, |se, nets, host, resolved| {
        let uncovered = unique(
            resolved
                .iter()
                .filter(|ip| !nets.iter().any(|n| n.contains(*ip))),
        );
        let gone = unique(
            nets.iter()
                .filter(|n| n.prefix_len() == n.max_prefix_len() && !resolved.contains(&n.addr()))
                .map(IpNet::addr),
        );
        let mut parts = Vec::new();
        if !uncovered.is_empty() {
            parts.push(format!(
                "{host} now resolves to {} outside `addresses`",
                uncovered.join(", ")
            ));
        }
        if !gone.is_empty() {
            parts.push(format!(
                "{} no longer resolve{}",
                gone.join(", "),
                if gone.len() == 1 { "s" } else { "" }
            ));
        }
        if !parts.is_empty() {
            out.at(se, "spec.addresses", parts.join("; ")).help(format!(
                "regenerate the entry: `meshctl gen serviceentry {host}`"
            ));
        }
    });
}
