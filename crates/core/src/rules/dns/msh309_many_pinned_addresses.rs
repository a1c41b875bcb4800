//! # MSH309 many-pinned-addresses
//!
//! ## What it does
//! Warns when an entry's `addresses` hold more than 8 host routes (`/32` or `/128`). It counts what
//! is written; no DNS query is made.
//!
//! ## Why it matters
//! A database answers with one address, or a few for replicas. A name that answers with a dozen is
//! a load balancer or CDN pool, and such pools rotate their members: each pinned address goes stale
//! on its own schedule, and REGISTRY_ONLY denies the new ones until someone edits the entry.
//! `meshctl gen serviceentry` warns with this code when it pins such an answer.
//!
//! Severity: warning: the entry works today; the size of the pool says it will not for long.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: assets
//! spec:
//!   hosts:
//!   - assets.example.com
//!   addresses:                 # twelve answers from a CDN pool
//!   - 198.51.100.1/32
//!   - 198.51.100.2/32
//!   # …
//!   ports:
//!   - name: tls
//!     number: 443
//!     protocol: TLS
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 198.51.100.0/24          # the provider's published range
//! ```
//! Or keep the pins true with `meshctl sync --watch`.

use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH309 many-pinned-addresses: an entry pins more than [`MAX_PINNED`] host addresses. A name
/// that answers with that many is a load balancer or CDN pool, whose members rotate: the pins
/// go stale one by one. Offline, like MSH301: it counts what is written, no DNS query is made.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "An entry pins more than 8 host addresses: a pool that large rotates, so the pins go stale.",
};

/// Most host routes (`/32`, `/128`) an entry pins before the pool looks like one that rotates.
/// Eight covers a database with replicas in a few zones; CDNs answer from pools of dozens.
pub(crate) const MAX_PINNED: usize = 8;

/// Reports an entry whose `addresses` hold more than [`MAX_PINNED`] host routes.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let pinned = se
            .resource
            .spec
            .addresses
            .iter()
            .filter(|a| address::is_host_route(a))
            .count();
        if pinned <= MAX_PINNED {
            continue;
        }
        out.at(
            se,
            "spec.addresses",
            format!(
                "{pinned} pinned addresses (more than {MAX_PINNED}): a pool this large is usually a load balancer or CDN whose members rotate, so the pins go stale one by one"
            ),
        )
        .help("pin the provider's published CIDR ranges, or keep the entry true with `meshctl sync --watch`");
    }
}
