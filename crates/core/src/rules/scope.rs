//! MSH5xx: configuration that makes entries pointless for the workloads in scope — a mesh that
//! allows every destination anyway (MSH501), an entry no namespace in the inputs can use
//! (MSH502, from the engine's visibility and import decisions).

use crate::diagnostic::Diagnostic;
use crate::model::OutboundPolicy;

use std::collections::{BTreeSet, HashMap};

use crate::engine::Fate;
use crate::load::Origin;

use super::views::Views;
use super::{Context, Rule, finding};

pub(super) fn check(cx: &Context<'_>, views: &Views<'_>, out: &mut Vec<Diagnostic>) {
    not_visible(cx, views, out);
    for mesh in &cx.inputs.mesh_configs {
        let mode = mesh
            .resource
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode);
        if mode.is_some_and(OutboundPolicy::allows_unmatched) {
            let origin = mesh.locate("outboundTrafficPolicy.mode");
            out.push(Diagnostic {
                rule: Rule::RegistryOnlyDisabled,
                severity: Rule::RegistryOnlyDisabled.default_severity(),
                message: format!(
                    "the mesh's outbound policy is {}: connections no entry matches are let through, so ServiceEntries restrict nothing",
                    mode.map_or("", OutboundPolicy::as_str)
                ),
                origin,
                resource: Some("MeshConfig".into()),
                help: Some("set `outboundTrafficPolicy.mode: REGISTRY_ONLY` to allow only registered destinations".into()),
            });
        }
    }
}

/// MSH502: in every namespace's view the entry was filtered out before any listener was built.
fn not_visible(cx: &Context<'_>, views: &Views<'_>, out: &mut Vec<Diagnostic>) {
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
        let mut d = finding(
            se,
            Rule::EntryNotVisible,
            "metadata.name",
            format!(
                "no workload in the inputs' namespaces can use this entry ({})",
                reasons.join("; ")
            ),
        );
        d.help = Some("widen `exportTo` or add the host to the Sidecar's egress `hosts`".into());
        out.push(d);
    }
}
