//! # MSH306 rotating-answers
//!
//! ## What it does
//! Runs only with `--dns`. Warns when repeated queries for a host, a short interval apart, return
//! different sets of addresses.
//!
//! ## Why it matters
//! Round-robin, weighted and geographic DNS hand out a subset of a larger pool on each answer, so any
//! list of `/32` addresses captures only the subset seen when it was written. Clients later dial
//! addresses that are not listed and miss the entry's listener, but only some of the time, which makes
//! the failures intermittent and hard to reproduce.
//!
//! Severity: warning: some of the answers may be missing from the entry, so some connections may be denied.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # answers: .7, then .8, then .9
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
//!   - 203.0.113.0/24           # the whole pool the answers rotate through
//! ```
//! `meshctl resolve db.example.com --samples 5` shows what the name rotates through.

use std::net::IpAddr;

use super::facts::{DnsFacts, unique};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH306 rotating-answers: repeated queries for the host returned different address sets, so
/// any fixed list of addresses covers only some of them.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "Repeated DNS queries return different address sets.",
};

/// Reports every host whose consecutive samples differ.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let Some(samples) = facts.samples(host) else {
                continue;
            };
            let sets: Vec<Vec<IpAddr>> = samples
                .iter()
                .map(|l| l.addresses.iter().map(|a| a.ip).collect())
                .collect();
            if sets.windows(2).any(|w| w[0] != w[1]) {
                let distinct = unique(sets.iter().map(|s| format!("{s:?}"))).len();
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!(
                        "{} queries for {host} returned {distinct} different address sets",
                        sets.len()
                    ),
                )
                .help("list every address the name rotates through, or the provider's CIDR range");
            }
        }
    }
}
