//! MSH502 entry-not-visible: in every namespace's view the engine filtered the entry out before
//! building any listener — not exported there, not imported by the namespace's Sidecar, its port
//! taken by another egress listener, or its host kept from another namespace.

use std::collections::{BTreeSet, HashMap};

use crate::engine::Fate;
use crate::load::Origin;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::views::Views;

/// Reports every entry no namespace's view uses, with the reason per namespace.
pub(crate) fn check(cx: &Context<'_>, views: &Views<'_>, out: &mut Findings) {
    // One pass over every registry's records: entry origin → (used anywhere, why not).
    let mut verdicts: HashMap<(&Origin, String), (bool, BTreeSet<String>)> = HashMap::new();
    for (namespaces, registry) in &views.registries {
        let namespace = match namespaces.as_slice() {
            [one] => one.clone(),
            many => format!("{} namespaces", many.len()),
        };
        for record in registry.records() {
            let info = registry.entry(record.entry);
            let (used, reasons) = verdicts
                .entry((&info.origin, info.to_string()))
                .or_default();
            match &record.fate {
                Fate::NotExported => {
                    reasons.insert(format!("{namespace}: not exported to it"));
                }
                Fate::NotImported => {
                    reasons.insert(format!("{namespace}: not imported by its Sidecar"));
                }
                Fate::PortLocked => {
                    reasons.insert(format!(
                        "{namespace}: its port belongs to another egress listener"
                    ));
                }
                Fate::HostInOtherNamespace { kept } => {
                    reasons.insert(format!("{namespace}: host taken from namespace {kept}"));
                }
                _ => *used = true,
            }
        }
    }
    for se in &cx.inputs.service_entries {
        let Some((used, reasons)) = verdicts.get(&(&se.origin, Views::key(se))) else {
            continue;
        };
        if *used || reasons.is_empty() {
            continue;
        }
        let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
        out.at(
            se,
            "metadata.name",
            format!(
                "no workload in the inputs' namespaces can use this entry ({})",
                reasons.join("; ")
            ),
        )
        .help("widen `exportTo` or add the host to the Sidecar's egress `hosts`");
    }
}
