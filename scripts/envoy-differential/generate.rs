//! The seeded generator: random configurations over what the engine models, and connections
//! aimed at them.
//!
//! A configuration is a few ServiceEntries (resolutions NONE/STATIC/DNS/DNS_ROUND_ROBIN; no,
//! plain and CIDR addresses, IPv4 and IPv6, drawn from small pools so that they overlap; TCP,
//! TLS, HTTPS, MYSQL, MONGO, REDIS, HTTP-class and unset protocols on a shared set of ports;
//! exact and wildcard hosts; `exportTo`; creation times), sometimes a Sidecar with egress
//! imports and a policy override, and a mesh config with either outbound policy. Every draw goes
//! through meshctl's own loader, so only configurations Istio would admit are kept.
//!
//! Connections are aimed using the registry the engine compiles for the configuration: at a
//! chain's address and port (match), just beside it (near miss: the next IP, the address past
//! a CIDR, another SNI, no SNI, plain TCP on a TLS port), at nothing in particular (unmatched),
//! and at 15001 (the loop guard). The engine is only used to aim; the verdicts are compared later.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use meshctl_core::engine::{self, Addr, Registry};
use meshctl_core::load::{self, LoadOptions};
use meshctl_core::workspace;

/// The workload's namespace.
pub(crate) const NAMESPACE: &str = "app";

/// splitmix64: small, seedable, and the same on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// True with probability `percent`%.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One connection to make.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Call {
    pub(crate) id: usize,
    pub(crate) dst: IpAddr,
    pub(crate) port: u16,
    pub(crate) tls: bool,
    pub(crate) sni: Option<String>,
    /// Feature classes this connection exercises (for the per-class table).
    pub(crate) classes: Vec<String>,
}

/// One generated configuration.
pub(crate) struct Generated {
    pub(crate) config: String,
    pub(crate) mesh: String,
    pub(crate) calls: Vec<Call>,
}

const PORTS: [u16; 8] = [3306, 5432, 443, 27017, 6379, 9042, 80, 8443];
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
const HOSTS: [&str; 9] = [
    "db.example.com",
    "pg.example.com",
    "api.example.com",
    "v1.api.example.com",
    "cache.test",
    "mongo.test",
    "*.example.com",
    "*.api.example.com",
    "*.svc.test",
];
const EXACT: [&str; 8] = [
    "198.51.100.10",
    "198.51.100.11",
    "198.51.100.130",
    "203.0.113.20",
    "203.0.113.21/32",
    "2001:db8:1::10",
    "2001:db8:1::11/128",
    "2001:db8:2::7",
];
const CIDRS: [&str; 10] = [
    "198.51.100.0/24",
    "198.51.100.0/25",
    "198.51.100.128/25",
    "198.51.100.0/28",
    "203.0.113.0/24",
    "203.0.113.16/28",
    "2001:db8:1::/64",
    "2001:db8:1::/120",
    "2001:db8::/32",
    "2001:db8:2::/48",
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

/// Draws configurations until one is admitted, then aims `calls` connections at it.
pub(crate) fn generate(rng: &mut Rng, calls: usize) -> Generated {
    loop {
        let (docs, mesh, tags) = draw(rng);
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
        let calls = aim(rng, &registry, calls, &tags);
        return Generated {
            config,
            mesh,
            calls,
        };
    }
}

/// The registry `simulate -f config --mesh-config mesh --source-namespace app` decides with,
/// or `None` when the loader rejects the configuration.
fn compile(config: &str, mesh: &str, options: &LoadOptions) -> Option<Registry> {
    let mut inputs = load::load_bytes("config.yaml", config.as_bytes(), options)
        .ok()?
        .into_valid()
        .ok()?;
    let mesh = load::load_bytes("mesh.yaml", mesh.as_bytes(), options)
        .ok()?
        .into_valid()
        .ok()?;
    inputs.mesh_configs = mesh.mesh_configs;
    let settings = workspace::mesh_settings(&inputs, None).ok()?;
    let workload = engine::Workload {
        namespace: NAMESPACE.into(),
        dns_auto_allocate: true,
        ..engine::Workload::default()
    };
    let workload = workspace::in_mesh(workload, &inputs);
    Some(engine::compile(
        &engine::Config::from_inputs(&inputs, settings),
        &workload,
    ))
}

/// One random configuration: documents, mesh config, and config-level class tags.
fn draw(rng: &mut Rng) -> (Vec<Value>, Value, Vec<String>) {
    let mut docs = Vec::new();
    let mut tags = Vec::new();
    let entries = 1 + rng.below(6);
    for i in 0..entries {
        let (doc, entry_tags) = entry(rng, i);
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

fn entry(rng: &mut Rng, i: usize) -> (Value, Vec<String>) {
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
    let addresses = addresses(rng, dns);
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

fn sidecar(rng: &mut Rng) -> Value {
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

/// Addresses for "anything": documentation ranges, away from the link addresses.
fn random_ip(rng: &mut Rng) -> IpAddr {
    if rng.chance(70) {
        let base = *rng.pick(&[[198u8, 51, 100], [203, 0, 113]]);
        IpAddr::V4(Ipv4Addr::new(
            base[0],
            base[1],
            base[2],
            u8::try_from(4 + rng.below(240)).unwrap_or(9),
        ))
    } else {
        let group = *rng.pick(&[1u16, 2, 3]);
        let host = u16::try_from(1 + rng.below(4000)).unwrap_or(1);
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, group, 0, 0, 0, 0, host))
    }
}

/// An address inside `net` (not its network address), or the one just past its end.
fn in_or_past(rng: &mut Rng, net: IpNet, past: bool) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let size = 1u64 << (32 - u32::from(n.prefix_len()));
            let base = u64::from(u32::from(n.network()));
            let offset = if past {
                size
            } else {
                1 + rng.next() % (size - 1).max(1)
            };
            IpAddr::V4(Ipv4Addr::from(
                u32::try_from((base + offset) & 0xFFFF_FFFF).unwrap_or(0),
            ))
        }
        IpNet::V6(n) => {
            let bits = 128 - u32::from(n.prefix_len());
            let base = u128::from(n.network());
            let offset = if past {
                1u128.checked_shl(bits).unwrap_or(0)
            } else {
                1 + u128::from(rng.next() % 60_000)
            };
            IpAddr::V6(Ipv6Addr::from(base.wrapping_add(offset)))
        }
    }
}

fn neighbour(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4).wrapping_add(1))),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6).wrapping_add(1))),
    }
}

/// A concrete name under a server name (`*.example.com` → `x7.example.com`).
fn concrete(rng: &mut Rng, name: &str) -> String {
    match name.strip_prefix('*') {
        Some(suffix) => format!("x{}{suffix}", rng.below(100)),
        None => name.to_owned(),
    }
}

fn aim(rng: &mut Rng, registry: &Registry, calls: usize, tags: &[String]) -> Vec<Call> {
    let chains: Vec<_> = registry
        .listeners()
        .iter()
        .flat_map(|l| registry.chains_of(l).map(move |c| (l, c)))
        .collect();
    let http_ports: Vec<u16> = registry
        .listeners()
        .iter()
        .filter(|l| !l.http_services.is_empty())
        .map(|l| l.port)
        .collect();
    let mut out = Vec::new();
    while out.len() < calls {
        let roll = rng.below(100);
        let mut classes: Vec<String> = tags.to_vec();
        let (dst, port, tls, sni) = if roll < 50 && !chains.is_empty() {
            let (listener, chain) = *rng.pick(&chains);
            let near = roll >= 30;
            classes.push(if near { "near-miss" } else { "match" }.into());
            classes.push(format!("protocol:{}", chain.protocol.as_str()));
            classes.push(format!(
                "resolution:{}",
                registry.entry(chain.entry).resolution.as_str()
            ));
            let dst = match chain.addr {
                Addr::Ip(ip) => {
                    classes.push("address:exact".into());
                    if near && rng.chance(60) {
                        neighbour(ip)
                    } else {
                        ip
                    }
                }
                Addr::Cidr(net) => {
                    classes.push("address:cidr".into());
                    let past = near && rng.chance(60);
                    in_or_past(rng, net, past)
                }
                Addr::Any => {
                    classes.push("address:none".into());
                    random_ip(rng)
                }
            };
            let (tls, sni) = match &chain.server_name {
                Some(_) if near => match rng.below(3) {
                    0 => (true, None),
                    1 => (false, None),
                    _ => (true, Some(other_name(rng))),
                },
                Some(name) => {
                    if name.starts_with('*') {
                        classes.push("sni:wildcard".into());
                    }
                    (true, Some(concrete(rng, name)))
                }
                None if rng.chance(25) => (true, Some(other_name(rng))),
                None => (false, None),
            };
            let port = if near && rng.chance(20) {
                *rng.pick(&PORTS)
            } else {
                listener.port
            };
            (dst, port, tls, sni)
        } else if roll < 58 && !http_ports.is_empty() {
            classes.push("http-port".into());
            (random_ip(rng), *rng.pick(&http_ports), rng.chance(30), None)
        } else if roll < 95 {
            classes.push("unmatched".into());
            let port = if rng.chance(70) {
                *rng.pick(&PORTS)
            } else {
                1024 + u16::try_from(rng.below(8000)).unwrap_or(0)
            };
            let tls = rng.chance(30);
            let sni = (tls && rng.chance(70)).then(|| other_name(rng));
            (random_ip(rng), port, tls, sni)
        } else {
            classes.push("loop-guard".into());
            (random_ip(rng), 15001, false, None)
        };
        classes.push(if dst.is_ipv4() { "ipv4" } else { "ipv6" }.into());
        classes.push(match (tls, &sni) {
            (false, _) => "transport:plain".into(),
            (true, None) => "transport:tls-no-sni".into(),
            (true, Some(_)) => "transport:tls-sni".into(),
        });
        out.push(Call {
            id: out.len(),
            dst,
            port,
            tls,
            sni,
            classes,
        });
    }
    out
}

fn rng_host(rng: &mut Rng) -> &'static str {
    HOSTS[rng.below(HOSTS.len())]
}

/// A concrete name under a random pool host.
fn other_name(rng: &mut Rng) -> String {
    let host = rng_host(rng);
    concrete(rng, host)
}

/// The text of a call for humans: `[2001:db8::1]:443 tls sni=a.example.com`.
pub(crate) fn describe(call: &Call) -> String {
    let mut text = match call.dst {
        IpAddr::V6(ip) => format!("[{ip}]:{}", call.port),
        IpAddr::V4(ip) => format!("{ip}:{}", call.port),
    };
    if call.tls {
        text.push_str(" tls");
    }
    if let Some(sni) = &call.sni {
        let _ = write!(text, " sni={sni}");
    }
    text
}
