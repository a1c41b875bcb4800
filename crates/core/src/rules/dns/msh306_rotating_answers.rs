//! MSH306 rotating-answers: repeated queries for the host returned different address sets, so
//! any fixed list of addresses covers only some of them.

use std::net::IpAddr;

use super::facts::{DnsFacts, unique};
use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
