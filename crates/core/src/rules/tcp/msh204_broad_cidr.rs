//! # MSH204 broad-cidr
//!
//! ## What it does
//! Warns on an address block wider than /24 for IPv4 or /64 for IPv6 (both limits are configurable).
//! `0.0.0.0/0` and `::/0` are errors.
//!
//! ## Why it matters
//! Every address in the block counts as the service: the sidecar adds a prefix match on
//! `0.0.0.0_<port>` and, with resolution NONE, forwards to whichever address in it was dialled. A /16
//! lets 65,536 destinations through a REGISTRY_ONLY mesh on that port. A /0 matches every destination,
//! which is the same as having no addresses at all (MSH201) while looking like a restriction. The blog
//! asks for the service's own IPs, or a range only when the provider publishes one.
//!
//! Severity: warning, because a wide block may be a provider's published range on purpose; `/0` is an error, since it admits every address and restricts nothing.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: postgres-external
//! spec:
//!   hosts:
//!   - pg.example.com
//!   addresses:
//!   - 0.0.0.0/0                # every IPv4 destination on port 5432
//!   ports:
//!   - name: tcp
//!     number: 5432
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 198.51.100.20/32
//!   - 198.51.100.21/32
//! ```
//! Generate the list with `meshctl gen serviceentry pg.example.com`.
//! When the entry already lists a provider's published ranges, keep only those the service uses and
//! limit which workloads see the entry (`exportTo`, a Sidecar's egress hosts).

use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH204 broad-cidr: a CIDR block wider than `--max-ipv4-prefix` (default /24) or
/// `--max-ipv6-prefix` (default /64): the entry opens its ports to that many addresses. `/0` is
/// an error, because it opens them to the whole internet. An IPv4-mapped IPv6 block counts by
/// the IPv4 width it covers (`::ffff:0.0.0.0/96` is IPv4's `/0`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.",
};

/// Reports every CIDR block shorter than the context's threshold for its family.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, address) in se.resource.spec.addresses.iter().enumerate() {
            // A bare IP cannot be broad; an unparsable block is MSH102's.
            let Some(net) = crate::ip::parse_cidr(address) else {
                continue;
            };
            // `::ffff:0.0.0.0/96` covers every IPv4 address: count it in the family it covers.
            let net = crate::ip::effective_block(net);
            let limit = if net.addr().is_ipv4() {
                cx.max_ipv4_prefix
            } else {
                cx.max_ipv6_prefix
            };
            if net.prefix_len() >= limit {
                continue;
            }
            let path = format!("spec.addresses[{i}]");
            let finding = if net.prefix_len() == 0 {
                out.at(
                    se,
                    &path,
                    format!(
                        "`{address}` admits every address: the entry opens its ports to the whole internet"
                    ),
                )
                .severity(Severity::Error)
            } else {
                let size = 2f64.powi(i32::from(net.max_prefix_len() - net.prefix_len()));
                out.at(
                    se,
                    &path,
                    format!("`{address}` admits {size} addresses (wider than /{limit})"),
                )
            };
            finding.help(help(se.resource.spec.addresses.len()));
        }
    }
}

/// What to do instead. An entry that already lists several blocks is most likely a provider's
/// published ranges (istio/istio's `samples/external/github.yaml` lists GitHub's): telling its
/// author to use the published ranges sends them back to what they did.
fn help(listed: usize) -> &'static str {
    if listed > 1 {
        "keep only the ranges this service uses, and limit which workloads see the entry (`exportTo`, a Sidecar's egress hosts)"
    } else {
        "list the service's own addresses (`meshctl gen serviceentry`) or the provider's published ranges"
    }
}
