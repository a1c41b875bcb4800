//! MSH307 dns-addresses-not-dialled: resolution DNS with `addresses` that the host's DNS does not
//! return, while sidecars do not proxy DNS. Clients resolve the name themselves, dial the real
//! addresses, and miss the listener built on the listed ones.

use super::facts::{DnsFacts, unique};
use super::listed::{Resolved, listed_and_resolved};
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports, per host, DNS-mode entries none of whose addresses the host resolves to. Entries
/// matched by their addresses are MSH302's.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    if cx.dns_capture {
        return; // the sidecar answers with the listed addresses, so clients dial them
    }
    listed_and_resolved(cx, facts, Resolved::ByDns, |se, nets, host, resolved| {
        if nets
            .iter()
            .any(|n| resolved.iter().any(|ip| n.contains(ip)))
        {
            return;
        }
        out.at(
            se,
            "spec.addresses",
            format!(
                "{host} resolves to {}, none of them in `addresses`: clients dial those IPs and miss this entry's listener",
                unique(resolved.iter()).join(", ")
            ),
        )
        .help("use resolution NONE with the resolved addresses, or turn on DNS proxying so clients get the listed addresses");
    });
}
