//! MSH404 conflicting-protocol: the same host and port declared with different protocols by
//! entries a workload sees together (Istio's analyzer reports it as IST0177).

use std::collections::BTreeMap;

use super::seen::Seen;
use crate::engine::{EntryId, Protocol, Registry};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::views::Views;

/// Reports each later declaration that disagrees with the first one.
pub(crate) fn check(_cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    let mut seen = Seen::default();
    for (_, registry) in &views.registries {
        conflicting(views, registry, &mut seen, out);
    }
}

fn conflicting(views: &Views<'_>, registry: &Registry, seen: &mut Seen, out: &mut Findings) {
    let mut first: BTreeMap<(String, u16), (Protocol, EntryId)> = BTreeMap::new();
    for record in registry.records().iter().filter(|r| r.is_active()) {
        let key = (record.host.to_ascii_lowercase(), record.port);
        match first.get(&key) {
            Some((protocol, entry)) if *protocol != record.protocol && *entry != record.entry => {
                let Some(se) = views.loaded(registry.entry(record.entry)) else {
                    continue;
                };
                if !seen.first(
                    se,
                    format!("{}:{}|{}", record.host, record.port, registry.entry(*entry)),
                ) {
                    continue;
                }
                let index = se
                    .resource
                    .spec
                    .ports
                    .iter()
                    .position(|p| p.number == u32::from(record.port))
                    .unwrap_or(0);
                out.at(
                    se,
                    &format!("spec.ports[{index}].protocol"),
                    format!(
                        "{}:{} is {} here but {protocol} in {}",
                        record.host,
                        record.port,
                        record.protocol,
                        registry.entry(*entry)
                    ),
                )
                .help("declare the port with the same protocol everywhere");
            }
            Some(_) => {}
            None => {
                first.insert(key, (record.protocol, record.entry));
            }
        }
    }
}
