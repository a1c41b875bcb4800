//! `export envoy --diff`: what the YAML implies against what a sidecar holds. Both sides are
//! read by the same [`dump`](super::dump) parser (the export is parsed back from its own JSON),
//! so a difference is a difference in Envoy's terms, not in two spellings of one thing.
//!
//! Compared: which listeners exist; per listener, each chain by its match (destination port,
//! prefixes, server names, transport, ALPN) and where it goes, and the default chain; which
//! clusters exist and, for those on both sides, their type and endpoints. Chain names are not
//! compared (Istio leaves service chains unnamed), nor are inbound listeners. Istio's EDS is
//! taken as equal to the STATIC load assignment the export writes, and its endpoints (not in a
//! dump without `?include_eds`) are not compared. Only the outbound side is compared: a sidecar's
//! inbound listeners, the ports it really binds (admin, Prometheus, health) and its non-`outbound|`
//! clusters (xDS, SDS, inbound) are none of the YAML's business.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::dump::{ChainAction, Dump, DumpChain, DumpCluster, DumpListener};
use crate::engine::{BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER};

/// One line per difference, sorted by listener then cluster; empty when they agree.
#[must_use]
pub fn diff(ours: &Dump, theirs: &Dump) -> Vec<String> {
    let mut out = Vec::new();
    let index = |dump: &Dump| -> BTreeMap<String, Shape> {
        dump.listeners
            .iter()
            .filter(|l| l.use_original_dst || (!l.inbound && !l.bind_to_port))
            .map(|l| (l.name.clone(), Shape::of(l)))
            .collect()
    };
    let (a, b) = (index(ours), index(theirs));
    for (name, shape) in &a {
        match b.get(name) {
            None => out.push(format!(
                "listener {name}: missing from the dump ({})",
                shape.summary()
            )),
            Some(other) => compare_listener(name, shape, other, &mut out),
        }
    }
    for (name, shape) in &b {
        if !a.contains_key(name) {
            out.push(format!(
                "listener {name}: extra in the dump ({})",
                shape.summary()
            ));
        }
    }
    let outbound = |name: &&String| {
        name.starts_with("outbound|") || *name == PASSTHROUGH_CLUSTER || *name == BLACKHOLE_CLUSTER
    };
    for (name, cluster) in ours.clusters.iter().filter(|(n, _)| outbound(n)) {
        match theirs.clusters.get(name) {
            None => out.push(format!(
                "cluster {name}: missing from the dump ({})",
                cluster.kind
            )),
            Some(other) => compare_cluster(name, cluster, other, &mut out),
        }
    }
    for (name, cluster) in theirs.clusters.iter().filter(|(n, _)| outbound(n)) {
        if !ours.clusters.contains_key(name) {
            out.push(format!(
                "cluster {name}: extra in the dump ({})",
                cluster.kind
            ));
        }
    }
    out
}

/// A listener reduced to what decides connections: match → target, and the default target.
struct Shape {
    chains: BTreeMap<String, String>,
    default: Option<String>,
}

impl Shape {
    fn of(listener: &DumpListener) -> Shape {
        let mut chains: Vec<&DumpChain> = listener.chains.iter().collect();
        let mut default = listener.default_chain.as_ref();
        // A lone match-all chain in `filter_chains` is the default in all but name.
        if default.is_none() && chains.len() == 1 && chains[0].is_match_all() {
            default = chains.pop();
        }
        Shape {
            chains: chains.iter().map(|c| (criteria(c), target(c))).collect(),
            default: default.map(target),
        }
    }

    fn summary(&self) -> String {
        let default = self.default.as_deref().unwrap_or("none");
        format!("{} chain(s), default {default}", self.chains.len())
    }
}

fn criteria(chain: &DumpChain) -> String {
    let mut text = String::new();
    if let Some(port) = chain.destination_port {
        let _ = write!(text, "port {port} ");
    }
    if !chain.prefixes.is_empty() {
        let mut prefixes: Vec<String> = chain.prefixes.iter().map(ToString::to_string).collect();
        prefixes.sort();
        let _ = write!(text, "prefix {} ", prefixes.join(","));
    }
    if !chain.server_names.is_empty() {
        let mut names = chain.server_names.clone();
        names.sort();
        let _ = write!(text, "SNI {} ", names.join(","));
    }
    if let Some(transport) = &chain.transport {
        let _ = write!(text, "transport {transport} ");
    }
    if !chain.application_protocols.is_empty() {
        let _ = write!(text, "ALPN {} ", chain.application_protocols.join(","));
    }
    if text.is_empty() {
        "any".into()
    } else {
        text.trim_end().to_owned()
    }
}

fn target(chain: &DumpChain) -> String {
    match &chain.action {
        ChainAction::TcpProxy(cluster) => cluster.clone(),
        ChainAction::Http => "HTTP routes".into(),
        ChainAction::Other(filter) => format!("filter {filter}"),
    }
}

fn compare_listener(name: &str, ours: &Shape, theirs: &Shape, out: &mut Vec<String>) {
    for (matched, target) in &ours.chains {
        match theirs.chains.get(matched) {
            None => out.push(format!(
                "listener {name}: chain {matched} → {target}: missing from the dump"
            )),
            Some(other) if other != target => out.push(format!(
                "listener {name}: chain {matched}: {target} in the YAML, {other} in the dump"
            )),
            Some(_) => {}
        }
    }
    for (matched, target) in &theirs.chains {
        if !ours.chains.contains_key(matched) {
            out.push(format!(
                "listener {name}: chain {matched} → {target}: extra in the dump"
            ));
        }
    }
    if ours.default != theirs.default {
        let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
        out.push(format!(
            "listener {name}: default chain → {} in the YAML, → {} in the dump",
            show(&ours.default),
            show(&theirs.default)
        ));
    }
}

fn compare_cluster(name: &str, ours: &DumpCluster, theirs: &DumpCluster, out: &mut Vec<String>) {
    let kind = |k: &str| {
        if k == "EDS" {
            "STATIC".to_owned()
        } else {
            k.to_owned()
        }
    };
    if kind(&ours.kind) != kind(&theirs.kind) {
        out.push(format!(
            "cluster {name}: type {} in the YAML, {} in the dump",
            ours.kind, theirs.kind
        ));
        return;
    }
    if theirs.kind != "EDS" {
        let sorted = |c: &DumpCluster| {
            let mut e: Vec<String> = c
                .endpoints
                .iter()
                .map(|(a, p)| format!("{a}:{p}"))
                .collect();
            e.sort();
            e
        };
        let (a, b) = (sorted(ours), sorted(theirs));
        if a != b {
            out.push(format!(
                "cluster {name}: endpoints [{}] in the YAML, [{}] in the dump",
                a.join(", "),
                b.join(", ")
            ));
        }
    }
    if ours.port_override != theirs.port_override {
        let show = |p: Option<u16>| p.map_or_else(|| "none".to_owned(), |p| p.to_string());
        out.push(format!(
            "cluster {name}: port override {} in the YAML, {} in the dump",
            show(ours.port_override),
            show(theirs.port_override)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(cluster: &str, prefix: Option<&str>) -> DumpChain {
        DumpChain {
            name: String::new(),
            destination_port: None,
            prefixes: prefix
                .map(|p| p.parse().expect("net"))
                .into_iter()
                .collect(),
            server_names: Vec::new(),
            transport: None,
            application_protocols: Vec::new(),
            action: ChainAction::TcpProxy(cluster.into()),
            mongo: false,
        }
    }

    fn listener(name: &str, chains: Vec<DumpChain>, default: Option<DumpChain>) -> DumpListener {
        DumpListener {
            name: name.into(),
            ip: Some("0.0.0.0".parse().expect("ip")),
            port: 3306,
            additional: Vec::new(),
            use_original_dst: false,
            inbound: false,
            bind_to_port: false,
            chains,
            default_chain: default,
        }
    }

    fn cluster(kind: &str) -> DumpCluster {
        DumpCluster {
            kind: kind.into(),
            endpoints: Vec::new(),
            port_override: None,
            config: None,
            host: None,
        }
    }

    #[test]
    fn lone_match_all_chain_equals_a_default_and_sidecar_internals_are_ignored() {
        let ours = Dump {
            source: "export".into(),
            listeners: vec![listener(
                "0.0.0.0_3306",
                vec![chain("outbound|3306||a", None)],
                None,
            )],
            clusters: [("outbound|3306||a".to_owned(), cluster("STATIC"))].into(),
        };
        let mut prometheus = listener("0.0.0.0_15090", Vec::new(), None);
        prometheus.bind_to_port = true;
        let theirs = Dump {
            source: "dump".into(),
            listeners: vec![
                listener(
                    "0.0.0.0_3306",
                    Vec::new(),
                    Some(chain("outbound|3306||a", None)),
                ),
                prometheus,
            ],
            clusters: [
                ("outbound|3306||a".to_owned(), cluster("EDS")),
                ("xds-grpc".to_owned(), cluster("STATIC")),
            ]
            .into(),
        };
        assert_eq!(diff(&ours, &theirs), Vec::<String>::new());
    }

    #[test]
    fn different_chains_and_clusters_are_listed() {
        let ours = Dump {
            source: "export".into(),
            listeners: vec![listener(
                "0.0.0.0_3306",
                vec![chain("outbound|3306||a", Some("198.51.100.0/24"))],
                None,
            )],
            clusters: [("outbound|3306||a".to_owned(), cluster("ORIGINAL_DST"))].into(),
        };
        let theirs = Dump {
            source: "dump".into(),
            listeners: vec![listener(
                "0.0.0.0_3306",
                vec![chain("outbound|3306||b", Some("198.51.100.0/24"))],
                Some(chain("outbound|3306||c", None)),
            )],
            clusters: [("outbound|3306||a".to_owned(), cluster("STRICT_DNS"))].into(),
        };
        assert_eq!(
            diff(&ours, &theirs),
            [
                "listener 0.0.0.0_3306: chain prefix 198.51.100.0/24: outbound|3306||a in the YAML, outbound|3306||b in the dump",
                "listener 0.0.0.0_3306: default chain → none in the YAML, → outbound|3306||c in the dump",
                "cluster outbound|3306||a: type ORIGINAL_DST in the YAML, STRICT_DNS in the dump",
            ]
        );
    }

    #[test]
    fn a_port_override_reads_as_a_number_or_none() {
        let with = |port: Option<u16>| Dump {
            source: "export".into(),
            listeners: Vec::new(),
            clusters: [(
                "outbound|3306||a".to_owned(),
                DumpCluster {
                    port_override: port,
                    ..cluster("ORIGINAL_DST")
                },
            )]
            .into(),
        };
        assert_eq!(
            diff(&with(Some(3306)), &with(None)),
            ["cluster outbound|3306||a: port override 3306 in the YAML, none in the dump"]
        );
    }
}
