//! MSH305 unresolvable-host: the host does not resolve (NXDOMAIN, no address records, or the
//! server failed). Addresses pinned for a name that no longer exists are stale.

use super::facts::DnsFacts;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports every host whose lookup failed, with the resolver's reason.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            if let Some(Err(error)) = facts.hosts.get(host) {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!("{host} does not resolve: {error}"),
                )
                .help(
                    "check the name; addresses pinned for a name that no longer exists are stale",
                );
            }
        }
    }
}
