//! MSH302 address-drift: an entry matched by its addresses (any resolution but DNS) whose host
//! now resolves to addresses outside them, or whose listed host addresses no longer resolve.

use ipnet::IpNet;

use super::facts::{DnsFacts, unique};
use super::listed::{Resolved, listed_and_resolved};
use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
