//! The seeded generator: random configurations over what the engine models, and connections
//! aimed at them.
//!
//! A configuration is a few ServiceEntries (resolutions NONE/STATIC/DNS/DNS_ROUND_ROBIN; no,
//! plain and CIDR addresses, IPv4 and IPv6, drawn from small pools so that they overlap; TCP,
//! TLS, HTTPS, MYSQL, MONGO, REDIS, HTTP-class and unset protocols on a shared set of ports;
//! exact and wildcard hosts; `exportTo`; creation times), sometimes a Sidecar with egress
//! imports and a policy override, and a mesh config with either outbound policy. Every draw goes
//! through meshctl's own loader, so only configurations Istio would admit are kept. A run with
//! `--routed` also draws Services, VirtualServices and DestinationRules into a share of them
//! ([`routes`]).
//!
//! `aim` then chooses the connections made against each configuration.

use std::fmt::Write as _;

use serde_json::{Value, json};

use meshctl_core::engine::{self, Registry};

use crate::aim::{self, Call};
use crate::pools::{CIDRS, EXACT, HOSTS, PORTS};
use crate::rng::Rng;
use crate::routes;
use meshctl_core::load::{self, LoadOptions};
use meshctl_core::workspace;

pub(crate) use crate::pools::NAMESPACE;

/// One generated configuration.
pub(crate) struct Generated {
    pub(crate) config: String,
    pub(crate) mesh: String,
    pub(crate) calls: Vec<Call>,
}

const PROTOCOLS: [(&str, usize); 8] = [
    ("TCP", 30),
    ("TLS", 18),
    ("HTTPS", 5),
    ("MYSQL", 8),
    ("MONGO", 10),
    ("REDIS", 4),
    ("HTTP", 12),
    ("", 13),
];
/// Spellings that are not plain pins: the unspecified address (istiod's "no address", so the
/// wildcard listener) and IPv4-mapped IPv6 forms. DNS admits only the bare ones.
const SPECIAL: [&str; 8] = [
    "0.0.0.0",
    "0.0.0.0/32",
    "::",
    "::/128",
    "::ffff:198.51.100.10",
    "::ffff:203.0.113.0/120",
    "::ffff:0.0.0.0/96",
    "::ffff:0.0.0.0",
];
/// Upstream endpoints (STATIC): routed to the external namespace's catch-all.
const ENDPOINTS: [&str; 3] = ["198.51.100.250", "203.0.113.250", "2001:db8:9::1"];
const TIMES: [&str; 3] = [
    "2024-01-01T00:00:00Z",
    "2024-06-01T00:00:00Z",
    "2025-01-01T00:00:00Z",
];

fn weighted(rng: &mut Rng) -> &'static str {
    let total: usize = PROTOCOLS.iter().map(|p| p.1).sum();
    let mut n = rng.below(total);
    for (name, weight) in PROTOCOLS {
        if n < weight {
            return name;
        }
        n -= weight;
    }
    "TCP"
}

/// Draws configurations until one is admitted, then aims `calls` connections at it. With
/// `routed` percent, a configuration also holds Services, VirtualServices and DestinationRules
/// ([`routes`]); at 0 no draw is spent on them, so a seed gives the configurations it always
/// gave.
pub(crate) fn generate(rng: &mut Rng, calls: usize, special: u8, routed: u8) -> Generated {
    loop {
        let (mut docs, mesh, mut tags) = draw(rng, special);
        if routed > 0 && rng.chance(usize::from(routed)) {
            routes::draw(rng, &mut docs, &mut tags);
            tags.push("routed".into());
            tags.sort();
            tags.dedup();
        }
        let mut config = String::new();
        for doc in &docs {
            let _ = writeln!(
                config,
                "---\n{}",
                serde_json::to_string(doc).unwrap_or_default()
            );
        }
        let mesh = serde_json::to_string(&mesh).unwrap_or_default() + "\n";
        let options = LoadOptions::default();
        let Some(registry) = compile(&config, &mesh, &options) else {
            continue;
        };
        let calls = aim::aim(rng, &registry, calls, &tags);
        return Generated {
            config,
            mesh,
            calls,
        };
    }
}

/// The registry `simulate -f config --mesh-config mesh --source-namespace app` decides with,
/// or `None` when the loader rejects the configuration.
pub(crate) fn compile(config: &str, mesh: &str, options: &LoadOptions) -> Option<Registry> {
    let workspace = workspace(config, mesh, options)?;
    Some(sidecar_of(&workspace, NAMESPACE))
}

/// The registry of an ordinary workload in `namespace` (`simulate --source-namespace`).
pub(crate) fn compile_for(config: &str, mesh: &str, namespace: &str) -> Option<Registry> {
    let workspace = workspace(config, mesh, &LoadOptions::default())?;
    Some(sidecar_of(&workspace, namespace))
}

fn sidecar_of(workspace: &workspace::Workspace, namespace: &str) -> Registry {
    let workload = engine::Workload {
        namespace: namespace.into(),
        ..engine::Workload::default()
    };
    workspace.compile(&workspace.in_mesh(workload))
}

/// The workspace `simulate` builds: mesh settings once, admission, then the admitted
/// resources (admission may still reject some).
pub(crate) fn workspace(
    config: &str,
    mesh: &str,
    options: &LoadOptions,
) -> Option<workspace::Workspace> {
    let mut inputs = load::load_bytes("config.yaml", config.as_bytes(), options)
        .ok()?
        .into_valid()
        .ok()?;
    let mesh = load::load_bytes("mesh.yaml", mesh.as_bytes(), options)
        .ok()?
        .into_valid()
        .ok()?;
    inputs.mesh_configs = mesh.mesh_configs;
    workspace::Workspace::from_inputs(inputs, None).ok()
}

/// One random configuration: documents, mesh config, and config-level class tags.
pub(crate) fn draw(rng: &mut Rng, special: u8) -> (Vec<Value>, Value, Vec<String>) {
    let mut docs = Vec::new();
    let mut tags = Vec::new();
    let entries = 1 + rng.below(6);
    for i in 0..entries {
        let (doc, entry_tags) = entry(rng, i, special);
        tags.extend(entry_tags);
        docs.push(doc);
    }
    if rng.chance(30) {
        docs.push(sidecar(rng));
        tags.push("sidecar".into());
    }
    let policy = if rng.chance(50) {
        "REGISTRY_ONLY"
    } else {
        "ALLOW_ANY"
    };
    tags.push(format!("policy:{policy}"));
    let mesh = json!({ "outboundTrafficPolicy": { "mode": policy } });
    tags.sort();
    tags.dedup();
    (docs, mesh, tags)
}

pub(crate) fn entry(rng: &mut Rng, i: usize, special: u8) -> (Value, Vec<String>) {
    let mut tags = Vec::new();
    let namespace = *rng.pick(&[NAMESPACE, NAMESPACE, NAMESPACE, "shared", "team-b"]);
    let resolution = *rng.pick(&[
        "NONE",
        "NONE",
        "NONE",
        "STATIC",
        "STATIC",
        "DNS",
        "DNS",
        "DNS_ROUND_ROBIN",
    ]);
    let dns = resolution.starts_with("DNS");
    let mut hosts = vec![*rng.pick(&HOSTS)];
    if rng.chance(20) {
        hosts.push(*rng.pick(&HOSTS));
    }
    if dns {
        hosts.retain(|h| !h.starts_with('*'));
        if hosts.is_empty() {
            hosts.push("db.example.com");
        }
    }
    hosts.dedup();
    let mut ports = Vec::new();
    for _ in 0..=rng.below(2) {
        let number = *rng.pick(&PORTS);
        if ports.iter().any(|(n, _)| *n == number) {
            continue;
        }
        let mut protocol = weighted(rng);
        if hosts.len() > 1 && resolution != "NONE" && !matches!(protocol, "HTTP" | "TLS" | "HTTPS")
        {
            protocol = "TLS"; // Istio rejects several hosts on a non-HTTP/TLS DNS/STATIC port
        }
        ports.push((number, protocol));
    }
    let mut addresses = addresses(rng, dns);
    special_address(rng, special, dns, &mut addresses, &mut tags);
    let mut spec = json!({
        "hosts": hosts,
        "ports": ports.iter().map(|(n, p)| {
            let mut port = json!({ "number": n, "name": format!("p{n}") });
            if !p.is_empty() {
                port["protocol"] = json!(p);
            }
            port
        }).collect::<Vec<_>>(),
        "resolution": resolution,
        "location": "MESH_EXTERNAL",
    });
    if !addresses.is_empty() {
        spec["addresses"] = json!(addresses);
    }
    let endpoints: Vec<Value> = match resolution {
        "STATIC" => (0..rng.below(3))
            .map(|_| json!({ "address": *rng.pick(&ENDPOINTS) }))
            .collect(),
        "DNS" | "DNS_ROUND_ROBIN" if rng.chance(30) => {
            vec![json!({ "address": "real-db.example.com" })]
        }
        _ => Vec::new(),
    };
    if !endpoints.is_empty() {
        spec["endpoints"] = json!(endpoints);
    }
    if rng.chance(35) {
        let export = rng
            .pick(&[
                json!(["."]),
                json!(["*"]),
                json!([NAMESPACE]),
                json!(["team-b"]),
                json!(["~"]),
            ])
            .clone();
        spec["exportTo"] = export;
        tags.push("exportTo".into());
    }
    let mut metadata = json!({ "name": format!("se-{i}"), "namespace": namespace });
    if rng.chance(50) {
        metadata["creationTimestamp"] = json!(*rng.pick(&TIMES));
    }
    let doc = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": metadata,
        "spec": spec,
    });
    (doc, tags)
}

/// `spec.addresses`: none, plain IPs or CIDRs (DNS admits no CIDR notation, not even /32).
fn addresses(rng: &mut Rng, dns: bool) -> Vec<&'static str> {
    let mut addresses = Vec::new();
    if rng.chance(65) {
        for _ in 0..=rng.below(2) {
            let cidr = !dns && rng.chance(50);
            let address = if cidr {
                *rng.pick(&CIDRS)
            } else {
                rng.pick(&EXACT)
                    .trim_end_matches(if dns { "/32" } else { "" })
            };
            if dns && address.contains('/') {
                continue;
            }
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
    }
    addresses
}

/// With `percent` chance, one more address in a spelling that is not a plain pin
/// ([`SPECIAL`]), tagged by what Istio makes of it.
fn special_address(
    rng: &mut Rng,
    percent: u8,
    dns: bool,
    addresses: &mut Vec<&'static str>,
    tags: &mut Vec<String>,
) {
    if !rng.chance(usize::from(percent)) {
        return;
    }
    let special = *rng.pick(&SPECIAL);
    // DNS admits no CIDR notation, not even /128.
    if addresses.contains(&special) || (dns && special.contains('/')) {
        return;
    }
    addresses.push(special);
    let unspecified = meshctl_core::ip::is_unspecified_host(special);
    tags.push(
        if unspecified {
            "address:unspecified"
        } else {
            "address:mapped"
        }
        .into(),
    );
}

pub(crate) fn sidecar(rng: &mut Rng) -> Value {
    let egress = rng
        .pick(&[
            json!([{ "hosts": ["./*", "shared/*"] }]),
            json!([{ "hosts": ["*/db.example.com", "*/*.example.com"] }]),
            json!([{ "hosts": ["*/*"] }]),
            json!([{ "port": { "number": 3306, "protocol": "TCP", "name": "mysql" }, "hosts": ["shared/*"] },
                   { "hosts": ["./*"] }]),
        ])
        .clone();
    let mut spec = json!({ "egress": egress });
    if rng.chance(30) {
        let mode = *rng.pick(&["ALLOW_ANY", "REGISTRY_ONLY"]);
        spec["outboundTrafficPolicy"] = json!({ "mode": mode });
    }
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "Sidecar",
        "metadata": { "name": "default", "namespace": NAMESPACE },
        "spec": spec,
    })
}
