//! MSH303 short-ttl: the host's smallest answer TTL is below `--min-ttl` (default 300 s): the
//! provider expects its addresses to change soon, and pinned ones with them. An entry that pins
//! nothing (no `addresses`, no STATIC endpoints; `resolution: DNS` re-resolves as the TTL says)
//! follows the change by itself, so it is not reported.

use super::facts::DnsFacts;
use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
