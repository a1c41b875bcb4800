//! What changed between two compiled configurations, for the reload log: a pure function of
//! two registries, rathole-style — one line per listener → cluster chain (with its ServiceEntry
//! and upstream) plus the outbound policy, `- ` for lines that vanished and `+ ` for new ones.

use std::collections::BTreeSet;

use meshctl_core::engine::{Registry, UpstreamSpec};

/// The lines describing a registry, one per chain, plus the policy.
fn lines(registry: &Registry) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(format!(
        "outbound policy {} ({})",
        registry.outbound_policy(),
        registry.policy_source()
    ));
    for listener in registry.listeners() {
        for chain in registry.chains_of(listener) {
            let upstream = match &chain.upstream {
                UpstreamSpec::OriginalDst { target_port: None } => "original destination".into(),
                UpstreamSpec::OriginalDst {
                    target_port: Some(p),
                } => format!("original destination, targetPort {p}"),
                UpstreamSpec::Resolve { endpoints, .. } => format!("resolve {}", join(endpoints)),
                UpstreamSpec::Static { endpoints } => format!("static {}", join(endpoints)),
                UpstreamSpec::FromSni { port } => format!("SNI name, port {port}"),
            };
            out.insert(format!(
                "{} → {} (ServiceEntry {}, {})",
                listener.name,
                chain.cluster,
                registry.entry(chain.entry),
                upstream
            ));
        }
    }
    out
}

fn join(endpoints: &[meshctl_core::engine::Endpoint]) -> String {
    if endpoints.is_empty() {
        return "(no endpoints)".into();
    }
    endpoints
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What changed between two registries: `+ line` for new chains, `- line` for removed ones.
#[must_use]
pub fn diff(old: &Registry, new: &Registry) -> Vec<String> {
    let (old, new) = (lines(old), lines(new));
    let removed = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshctl_core::engine::{self, MeshSettings, Workload};
    use meshctl_core::load::{self, LoadOptions};

    fn registry(yaml: &str) -> Registry {
        let inputs =
            load::load_bytes("t.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("load");
        engine::compile(
            &engine::Resources::from_inputs(&inputs, MeshSettings::default()),
            &Workload::default(),
        )
    }

    #[test]
    fn lines_that_vanished_and_appeared() {
        let entry = |name: &str, address: &str| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}}}\nspec: {{hosts: [{name}.example.com], addresses: ['{address}'], ports: [{{number: 3306, name: tcp, protocol: TCP}}], resolution: NONE}}\n"
            )
        };
        let old = registry(&entry("db", "203.0.113.7/32"));
        assert!(diff(&old, &old).is_empty());
        let new = registry(&format!(
            "{}{}",
            entry("db", "203.0.113.7/32"),
            entry("pg", "198.51.100.1/32")
        ));
        assert_eq!(
            diff(&old, &new),
            [
                "+ 198.51.100.1_3306 → outbound|3306||pg.example.com (ServiceEntry default/pg, original destination)"
            ]
        );
        assert_eq!(
            diff(&new, &old),
            [
                "- 198.51.100.1_3306 → outbound|3306||pg.example.com (ServiceEntry default/pg, original destination)"
            ]
        );
    }
}
