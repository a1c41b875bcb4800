//! MSH304 cname-to-dynamic-provider: the host is an alias (CNAME) for a name under a provider
//! whose addresses change, so whatever it resolves to today will not last.

use super::facts::DnsFacts;
use super::providers::dynamic_provider;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports every host whose first answer's CNAME chain reaches a dynamic provider.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let Some(first) = facts.samples(host).and_then(<[_]>::first) else {
                continue;
            };
            if let Some((name, provider)) = first
                .cname_chain
                .iter()
                .find_map(|link| dynamic_provider(&link.target).map(|p| (link.target.as_str(), p)))
            {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!("{host} is a CNAME to {name} ({provider}), whose addresses change"),
                )
                .help("use the provider's published CIDR ranges instead of pinned addresses");
            }
        }
    }
}
