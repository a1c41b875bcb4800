//! MSH309 many-pinned-addresses: an entry pins more than [`MAX_PINNED`] host addresses. A name
//! that answers with that many is a load balancer or CDN pool, whose members rotate: the pins
//! go stale one by one. Offline, like MSH301: it counts what is written, no DNS query is made.

use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
