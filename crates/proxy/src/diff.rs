//! What changed between two compiled configurations: a pure function of two registries,
//! rathole-style — one line per listener → cluster chain (with its ServiceEntry and upstream)
//! plus the outbound policy, `- ` for lines that vanished and `+ ` for new ones. The reload log
//! prints the lines; [`direction`] reads them to say whether a change can take anything away,
//! which decides how long the reloader waits before applying it.

use std::collections::BTreeSet;

use meshctl_core::engine::{Registry, UpstreamSpec};
use meshctl_core::model::OutboundPolicy;

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
                UpstreamSpec::ServiceEndpoints { endpoints } => {
                    format!("Service endpoints {}", join(endpoints))
                }
            };
            out.insert(format!(
                "{} → {} ({} {}, {})",
                listener.name,
                chain.cluster,
                registry.entry(chain.entry).kind,
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
pub(crate) fn diff(old: &Registry, new: &Registry) -> Vec<String> {
    let (old, new) = (lines(old), lines(new));
    let removed = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}

/// Which way a change moves what is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// No chain and no outbound policy changes.
    Same,
    /// Only adds chains or relaxes the outbound policy: every connection allowed before is
    /// still allowed, on the same upstream.
    Widens,
    /// Removes or changes a chain (an entry, address or port gone, another upstream) or makes
    /// the outbound policy stricter, possibly while adding others: an established connection
    /// may be revoked.
    Narrows,
}

/// The outbound policy's part in a change: whether it takes away, adds, or neither. Moving
/// between the two ALLOW_ANY flavours changes how plain HTTP is routed, so it counts as taking
/// away.
fn policy_direction(old: OutboundPolicy, new: OutboundPolicy) -> Direction {
    match (old, new) {
        (old, new) if old == new => Direction::Same,
        (OutboundPolicy::RegistryOnly, _) => Direction::Widens,
        _ => Direction::Narrows,
    }
}

/// Whether `new` only adds to what `old` allows, takes something away, or changes nothing.
#[must_use]
pub(crate) fn direction(old: &Registry, new: &Registry) -> Direction {
    let policy = policy_direction(old.outbound_policy(), new.outbound_policy());
    // The policy line also names where the policy came from; its mode is judged above.
    let chains = |r: &Registry| {
        let mut l = lines(r);
        l.retain(|line| !line.starts_with("outbound policy "));
        l
    };
    let (old, new) = (chains(old), chains(new));
    if policy == Direction::Narrows || old.difference(&new).next().is_some() {
        Direction::Narrows
    } else if policy == Direction::Widens || new.difference(&old).next().is_some() {
        Direction::Widens
    } else {
        Direction::Same
    }
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

    #[test]
    fn direction_says_whether_anything_is_taken_away() {
        let entry = |name: &str, address: &str, port: u16| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}}}\nspec: {{hosts: [{name}.example.com], addresses: ['{address}'], ports: [{{number: {port}, name: tcp, protocol: TCP}}], resolution: NONE}}\n"
            )
        };
        let db = entry("db", "203.0.113.7/32", 3306);
        let pg = entry("pg", "198.51.100.1/32", 5432);
        let both = registry(&format!("{db}{pg}"));
        let one = registry(&db);
        assert_eq!(direction(&one, &one), Direction::Same);
        assert_eq!(direction(&one, &both), Direction::Widens, "an entry added");
        assert_eq!(
            direction(&both, &one),
            Direction::Narrows,
            "an entry removed"
        );
        let moved = registry(&entry("db", "203.0.113.8/32", 3306));
        assert_eq!(
            direction(&one, &moved),
            Direction::Narrows,
            "an address replaced"
        );
        let other_port = registry(&entry("db", "203.0.113.7/32", 3307));
        assert_eq!(
            direction(&one, &other_port),
            Direction::Narrows,
            "a port replaced"
        );
        let with_policy = |policy: OutboundPolicy| {
            let inputs =
                load::load_bytes("t.yaml", db.as_bytes(), &LoadOptions::default()).expect("load");
            let mesh = MeshSettings {
                outbound_policy: policy,
                ..MeshSettings::default()
            };
            engine::compile(
                &engine::Resources::from_inputs(&inputs, mesh),
                &Workload::default(),
            )
        };
        let strict = with_policy(OutboundPolicy::RegistryOnly);
        let open = with_policy(OutboundPolicy::AllowAny);
        assert_eq!(
            direction(&open, &strict),
            Direction::Narrows,
            "stricter policy"
        );
        assert_eq!(
            direction(&strict, &open),
            Direction::Widens,
            "relaxed policy"
        );
    }
}
