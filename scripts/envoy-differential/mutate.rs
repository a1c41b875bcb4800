//! The mutation corpus that judges `meshctl diff`: pairs of configurations that differ by one
//! change of a named kind ([`CHANGES`]) or only in how they are written ([`NOOPS`]).
//!
//! Every base is a configuration the random generator draws (so Istio would admit it), some of
//! them with DNS capture on and auto-allocated VIPs in `status.addresses`. A change is applied
//! to one document or to the mesh config and kept only when the changed side is still admitted
//! and reads differently; a refactor rewrites the same documents (reordered, split across
//! files, block style with other key order, comments, `/32` spellings, a renamed file).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde_json::{Value, json};

use crate::generate::{self, NAMESPACE};
use crate::pools::{HOSTS, PORTS};
use crate::rng::Rng;

/// Kinds of one-change pairs, in the words of the report.
pub(crate) const CHANGES: [&str; 22] = [
    "duplicate-host-other-port",
    "duplicate-host-other-resolution",
    "addresses-removed",
    "cidr-widened",
    "cidr-narrowed",
    "address-changed",
    "address-added",
    "port-added",
    "port-removed",
    "port-renamed",
    "port-number-changed",
    "protocol-changed",
    "resolution-changed",
    "exportTo-changed",
    "sidecar-hosts-changed",
    "namespace-moved",
    "entry-added",
    "entry-removed",
    "host-changed",
    "vip-reshuffled",
    "policy-flipped",
    "creation-time-changed",
];

/// Kinds of no-op refactors.
pub(crate) const NOOPS: [&str; 7] = [
    "documents-reordered",
    "split-into-files",
    "block-style",
    "keys-reordered",
    "comments",
    "address-spelling",
    "file-renamed",
];

/// One side of a pair: file names and their text, written into the side's directory.
pub(crate) type Side = Vec<(String, String)>;

/// One pair.
pub(crate) struct Pair {
    pub(crate) kind: &'static str,
    pub(crate) old: Side,
    pub(crate) new: Side,
}

/// A configuration being mutated: its documents and mesh config.
#[derive(Clone, PartialEq)]
struct Config {
    docs: Vec<Value>,
    mesh: Value,
}

impl Config {
    fn text(&self) -> String {
        let mut text = String::new();
        for doc in &self.docs {
            let _ = writeln!(text, "---\n{doc}");
        }
        text
    }

    fn mesh_text(&self) -> String {
        format!("{}\n", self.mesh)
    }

    /// The same configuration with other documents, written as the generator writes it.
    fn with_docs(&self, docs: Vec<Value>) -> Side {
        Config {
            docs,
            mesh: self.mesh.clone(),
        }
        .side()
    }

    /// The side as the generator writes it: one flow-style file and the mesh config.
    fn side(&self) -> Side {
        vec![
            ("config.yaml".into(), self.text()),
            ("mesh.yaml".into(), self.mesh_text()),
        ]
    }

    /// True when every document is admitted: `diff` answers nothing about a side with a
    /// rejected resource.
    fn admitted(&self) -> bool {
        generate::workspace(
            &self.text(),
            &self.mesh_text(),
            &meshctl_core::load::LoadOptions::default(),
        )
        .is_some_and(|w| w.rejected().is_empty())
    }

    fn entries(&self) -> Vec<usize> {
        (0..self.docs.len())
            .filter(|i| self.docs[*i]["kind"] == "ServiceEntry")
            .collect()
    }
}

/// The `index`-th pair of a corpus: a refactor when `noop`, else a change of the kind the index
/// names (kinds take turns, so every kind is drawn about as often).
pub(crate) fn pair(rng: &mut Rng, index: usize, noop: bool) -> Pair {
    let kinds: &[&'static str] = if noop { &NOOPS } else { &CHANGES };
    let kind = kinds[index % kinds.len()];
    loop {
        let vips = kind == "vip-reshuffled" || rng.chance(20);
        let base = base(rng, vips);
        if noop {
            if let Some(new) = refactor(rng, kind, &base) {
                return Pair {
                    kind,
                    old: base.side(),
                    new,
                };
            }
            continue;
        }
        for _ in 0..8 {
            let mut changed = base.clone();
            if change(rng, kind, &mut changed) && changed != base && changed.admitted() {
                return Pair {
                    kind,
                    old: base.side(),
                    new: changed.side(),
                };
            }
        }
    }
}

/// A generated, admitted configuration; with `vips`, DNS capture is on and every entry that
/// gets auto-allocated addresses has them in `status.addresses`.
fn base(rng: &mut Rng, vips: bool) -> Config {
    loop {
        let (docs, mesh, _) = generate::draw(rng, 0);
        let mut config = Config { docs, mesh };
        if vips {
            config.mesh["defaultConfig"] =
                json!({ "proxyMetadata": { "ISTIO_META_DNS_CAPTURE": "true" } });
            allocate(&mut config, 0);
        }
        if config.admitted() {
            return config;
        }
    }
}

/// True for an entry istiod allocates addresses to: no `spec.addresses`, resolution other
/// than NONE (the hosts that are wildcards get none).
fn allocatable(doc: &Value) -> bool {
    doc["kind"] == "ServiceEntry"
        && doc["spec"]["addresses"]
            .as_array()
            .is_none_or(Vec::is_empty)
        && doc["spec"]["resolution"] != "NONE"
}

/// Writes `status.addresses` for every allocatable entry, VIPs handed out in document order
/// from `240.240.0.<1 + shift>` on, as istiod's allocator numbers them.
fn allocate(config: &mut Config, shift: usize) {
    let mut next = 1 + shift;
    for doc in &mut config.docs {
        if let Some(status) = doc.as_object_mut() {
            status.remove("status");
        }
        if !allocatable(doc) {
            continue;
        }
        let hosts: Vec<String> = doc["spec"]["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|h| !h.starts_with('*'))
            .map(str::to_owned)
            .collect();
        if hosts.is_empty() {
            continue;
        }
        let addresses: Vec<Value> = hosts
            .iter()
            .map(|host| {
                let vip = format!("240.240.0.{next}");
                next += 1;
                json!({ "value": vip, "host": host })
            })
            .collect();
        doc["status"] = json!({ "addresses": addresses });
    }
}

fn pick_entry(rng: &mut Rng, config: &Config, fit: impl Fn(&Value) -> bool) -> Option<usize> {
    let fitting: Vec<usize> = config
        .entries()
        .into_iter()
        .filter(|i| fit(&config.docs[*i]))
        .collect();
    (!fitting.is_empty()).then(|| *rng.pick(&fitting))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn is_dns(doc: &Value) -> bool {
    doc["spec"]["resolution"]
        .as_str()
        .is_some_and(|r| r.starts_with("DNS"))
}

fn has_addresses(doc: &Value) -> bool {
    doc["spec"]["addresses"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

fn port_numbers(doc: &Value) -> Vec<u64> {
    doc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["number"].as_u64())
        .collect()
}

fn port_json(number: u16, protocol: &str) -> Value {
    let mut port = json!({ "number": number, "name": format!("p{number}") });
    if !protocol.is_empty() {
        port["protocol"] = json!(protocol);
    }
    port
}

/// Protocols of a port a change adds (the first three also for a duplicated entry's port).
const ADDED_PORT_PROTOCOLS: [&str; 4] = ["TCP", "TLS", "", "MYSQL"];

const PROTOCOLS: [&str; 8] = ["TCP", "TLS", "HTTPS", "MYSQL", "MONGO", "REDIS", "HTTP", ""];

/// A port of the pool the entry does not have yet.
fn free_port(rng: &mut Rng, doc: &Value) -> Option<u16> {
    let taken = port_numbers(doc);
    let free: Vec<u16> = PORTS
        .iter()
        .copied()
        .filter(|p| !taken.contains(&u64::from(*p)))
        .collect();
    (!free.is_empty()).then(|| *rng.pick(&free))
}

/// The address, read as a network (a bare IP is its single-address block).
fn as_net(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

fn set_address(doc: &mut Value, at: usize, value: &str) {
    if let Some(addresses) = doc["spec"]
        .get_mut("addresses")
        .and_then(Value::as_array_mut)
    {
        addresses[at] = json!(value);
    }
}

/// Applies one change of `kind`; false when the configuration has nothing it applies to.
fn change(rng: &mut Rng, kind: &str, config: &mut Config) -> bool {
    match kind {
        "addresses-removed" | "cidr-widened" | "cidr-narrowed" | "address-changed"
        | "address-added" => change_addresses(rng, kind, config),
        "port-added"
        | "port-number-changed"
        | "port-removed"
        | "port-renamed"
        | "protocol-changed" => change_ports(rng, kind, config),
        "resolution-changed"
        | "exportTo-changed"
        | "sidecar-hosts-changed"
        | "vip-reshuffled"
        | "policy-flipped" => change_scope(rng, kind, config),
        _ => change_entries(rng, kind, config),
    }
}

/// `spec.addresses`: removed, widened, narrowed, moved or added.
fn change_addresses(rng: &mut Rng, kind: &str, config: &mut Config) -> bool {
    match kind {
        "addresses-removed" => {
            let Some(i) = pick_entry(rng, config, has_addresses) else {
                return false;
            };
            config.docs[i]["spec"]
                .as_object_mut()
                .map(|s| s.remove("addresses"));
            true
        }
        "cidr-widened" | "cidr-narrowed" | "address-changed" => {
            let Some(i) = pick_entry(rng, config, |d| has_addresses(d) && !is_dns(d)) else {
                return false;
            };
            let addresses = strings(&config.docs[i]["spec"]["addresses"]);
            let at = rng.below(addresses.len());
            let Some(net) = as_net(&addresses[at]) else {
                return false;
            };
            let max = net.max_prefix_len();
            let value = match kind {
                "cidr-widened" => {
                    // Wider, but inside the documentation ranges the test may dial.
                    let choices: &[u8] = if max == 32 {
                        &[24, 25, 28, 30]
                    } else {
                        &[32, 48, 64, 120]
                    };
                    let wider: Vec<u8> = choices
                        .iter()
                        .copied()
                        .filter(|p| *p < net.prefix_len())
                        .collect();
                    if wider.is_empty() {
                        return false;
                    }
                    IpNet::new(net.addr(), *rng.pick(&wider))
                        .map(|n| n.trunc().to_string())
                        .unwrap_or_default()
                }
                "cidr-narrowed" => {
                    if net.prefix_len() == max {
                        return false;
                    }
                    let len =
                        (net.prefix_len() + 1 + u8::try_from(rng.below(4)).unwrap_or(0)).min(max);
                    let Ok(mut subnets) = net.subnets(len) else {
                        return false;
                    };
                    let half = if rng.chance(50) {
                        subnets.next()
                    } else {
                        subnets.last()
                    };
                    half.map(|n| n.to_string()).unwrap_or_default()
                }
                _ => {
                    let neighbour = match net.network() {
                        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4).wrapping_add(1))),
                        IpAddr::V6(v6) => {
                            IpAddr::V6(Ipv6Addr::from(u128::from(v6).wrapping_add(1)))
                        }
                    };
                    neighbour.to_string()
                }
            };
            if value.is_empty() || addresses.contains(&value) {
                return false;
            }
            set_address(&mut config.docs[i], at, &value);
            true
        }
        "address-added" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let dns = is_dns(&config.docs[i]);
            let pool = [
                "198.51.100.40",
                "203.0.113.99",
                "2001:db8:1::40",
                "198.51.100.64/26",
                "203.0.113.128/25",
                "2001:db8:3::/64",
            ];
            let address = *rng.pick(&pool);
            if dns && address.contains('/') {
                return false;
            }
            let spec = &mut config.docs[i]["spec"];
            let mut addresses = strings(&spec["addresses"]);
            if addresses.iter().any(|a| a == address) {
                return false;
            }
            addresses.push(address.into());
            spec["addresses"] = json!(addresses);
            true
        }
        _ => false,
    }
}

/// `spec.ports`: added, removed, renumbered, renamed or of another protocol.
fn change_ports(rng: &mut Rng, kind: &str, config: &mut Config) -> bool {
    match kind {
        "port-added" | "port-number-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let Some(port) = free_port(rng, &config.docs[i]) else {
                return false;
            };
            let Some(ports) = config.docs[i]["spec"]["ports"].as_array_mut() else {
                return false;
            };
            if kind == "port-added" {
                let protocol = rng.pick(&ADDED_PORT_PROTOCOLS);
                ports.push(port_json(port, protocol));
            } else {
                let at = rng.below(ports.len());
                ports[at]["number"] = json!(port);
            }
            true
        }
        "port-removed" => {
            let Some(i) = pick_entry(rng, config, |d| port_numbers(d).len() > 1) else {
                return false;
            };
            let Some(ports) = config.docs[i]["spec"]["ports"].as_array_mut() else {
                return false;
            };
            let at = rng.below(ports.len());
            ports.remove(at);
            true
        }
        "port-renamed" | "protocol-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let Some(ports) = config.docs[i]["spec"]["ports"].as_array_mut() else {
                return false;
            };
            let at = rng.below(ports.len());
            let number = ports[at]["number"].as_u64().unwrap_or(0);
            if kind == "port-renamed" {
                // A name's prefix is the protocol when `protocol` is unset.
                let prefix = *rng.pick(&["db", "tcp", "http", "tls", "mongo", "renamed"]);
                ports[at]["name"] = json!(format!("{prefix}-{number}"));
            } else {
                let now = ports[at]["protocol"].as_str().unwrap_or("").to_owned();
                let protocol = *rng.pick(&PROTOCOLS);
                if protocol == now {
                    return false;
                }
                let port = ports[at].as_object_mut().expect("a port is an object");
                if protocol.is_empty() {
                    port.remove("protocol");
                } else {
                    port.insert("protocol".into(), json!(protocol));
                }
            }
            true
        }
        _ => false,
    }
}

/// Which entries exist, where, for which hosts and how old.
fn change_entries(rng: &mut Rng, kind: &str, config: &mut Config) -> bool {
    let n = config.docs.len();
    match kind {
        "duplicate-host-other-port" | "duplicate-host-other-resolution" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let mut copy = config.docs[i].clone();
            copy["metadata"]["name"] = json!(format!("dup-{n}"));
            if let Some(status) = copy.as_object_mut() {
                status.remove("status");
            }
            if kind == "duplicate-host-other-port" {
                let Some(port) = free_port(rng, &copy) else {
                    return false;
                };
                let protocol = rng.pick(&ADDED_PORT_PROTOCOLS[..3]);
                copy["spec"]["ports"] = json!([port_json(port, protocol)]);
            } else {
                let now = copy["spec"]["resolution"].as_str().unwrap_or("NONE");
                let others: Vec<&str> = ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"]
                    .into_iter()
                    .filter(|r| *r != now)
                    .collect();
                let resolution = *rng.pick(&others);
                copy["spec"]["resolution"] = json!(resolution);
                if resolution != "STATIC" {
                    copy["spec"].as_object_mut().map(|s| s.remove("endpoints"));
                }
            }
            config.docs.push(copy);
            true
        }
        "namespace-moved" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let namespace = *rng.pick(&[NAMESPACE, "shared", "team-b", "elsewhere"]);
            config.docs[i]["metadata"]["namespace"] = json!(namespace);
            true
        }
        "entry-added" => {
            let (mut doc, _) = generate::entry(rng, n, 0);
            doc["metadata"]["name"] = json!(format!("added-{n}"));
            config.docs.push(doc);
            true
        }
        "entry-removed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            config.docs.remove(i);
            true
        }
        "host-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let dns = is_dns(&config.docs[i]);
            let host = *rng.pick(&HOSTS);
            if dns && host.starts_with('*') {
                return false;
            }
            let Some(hosts) = config.docs[i]["spec"]["hosts"].as_array_mut() else {
                return false;
            };
            if hosts.iter().any(|h| h == host) {
                return false;
            }
            let at = rng.below(hosts.len());
            hosts[at] = json!(host);
            // The allocator follows the hosts.
            if config.docs[i].get("status").is_some() {
                allocate(config, 0);
            }
            true
        }
        "creation-time-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let time = *rng.pick(&[
                "2023-01-01T00:00:00Z",
                "2024-06-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
            ]);
            config.docs[i]["metadata"]["creationTimestamp"] = json!(time);
            true
        }
        _ => false,
    }
}

/// Resolution, visibility (`exportTo`, Sidecar imports), auto-allocated VIPs and the mesh's outbound policy.
fn change_scope(rng: &mut Rng, kind: &str, config: &mut Config) -> bool {
    let n = config.docs.len();
    match kind {
        "resolution-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let resolution = *rng.pick(&["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"]);
            let spec = &mut config.docs[i]["spec"];
            spec["resolution"] = json!(resolution);
            if resolution != "STATIC" {
                spec.as_object_mut().map(|s| s.remove("endpoints"));
            }
            true
        }
        "exportTo-changed" => {
            let Some(i) = pick_entry(rng, config, |_| true) else {
                return false;
            };
            let choices = [
                json!(["."]),
                json!(["*"]),
                json!([NAMESPACE]),
                json!(["team-b"]),
                json!(["~"]),
                Value::Null,
            ];
            let export = rng.pick(&choices).clone();
            let spec = config.docs[i]["spec"]
                .as_object_mut()
                .expect("spec is an object");
            if export.is_null() {
                spec.remove("exportTo");
            } else {
                spec.insert("exportTo".into(), export);
            }
            true
        }
        "sidecar-hosts-changed" => {
            let at = config.docs.iter().position(|d| d["kind"] == "Sidecar");
            match (at, rng.below(3)) {
                (Some(at), 0) => {
                    config.docs.remove(at);
                }
                (Some(at), _) => {
                    let fresh = generate::sidecar(rng);
                    config.docs[at]["spec"]["egress"] = fresh["spec"]["egress"].clone();
                }
                (None, _) => config.docs.push(generate::sidecar(rng)),
            }
            true
        }
        "vip-reshuffled" => {
            // istiod numbers VIPs over all entries; one more entry ahead of the others moves
            // every VIP after it (as a new entry sorting first would).
            if !config.docs.iter().any(|d| d.get("status").is_some()) {
                return false;
            }
            if rng.chance(50) {
                allocate(config, 1 + rng.below(3));
            } else {
                let (mut doc, _) = generate::entry(rng, n, 0);
                doc["metadata"]["name"] = json!(format!("aaa-added-{n}"));
                doc["spec"]["resolution"] = json!("DNS");
                if let Some(spec) = doc["spec"].as_object_mut() {
                    spec.remove("addresses");
                    spec.remove("endpoints");
                }
                doc["spec"]["hosts"] = json!(["new.example.com"]);
                config.docs.insert(0, doc);
                allocate(config, 0);
            }
            true
        }
        "policy-flipped" => {
            let mode = &mut config.mesh["outboundTrafficPolicy"]["mode"];
            *mode = json!(if *mode == "ALLOW_ANY" {
                "REGISTRY_ONLY"
            } else {
                "ALLOW_ANY"
            });
            true
        }
        _ => false,
    }
}

/// The same configuration written another way; `None` when the refactor has nothing to act on.
fn refactor(rng: &mut Rng, kind: &str, config: &Config) -> Option<Side> {
    let mesh = ("mesh.yaml".to_owned(), config.mesh_text());
    let side = match kind {
        "documents-reordered" => {
            if config.docs.len() < 2 {
                return None;
            }
            let mut docs = config.docs.clone();
            docs.reverse();
            let first = docs.remove(rng.below(docs.len()));
            docs.push(first);
            config.with_docs(docs)
        }
        "split-into-files" => {
            let mut side: Side = config
                .docs
                .iter()
                .enumerate()
                .map(|(i, doc)| (format!("doc-{i:02}.yaml"), format!("{doc}\n")))
                .collect();
            side.push(mesh);
            side
        }
        "block-style" | "keys-reordered" | "comments" => {
            let reverse = kind == "keys-reordered";
            let comments = kind == "comments";
            let mut text = String::new();
            if comments {
                text.push_str("# Egress for the app namespace.\n");
            }
            for doc in &config.docs {
                text.push_str("---\n");
                if comments {
                    text.push_str("# reviewed\n");
                }
                block(doc, 0, reverse, comments, &mut text);
            }
            let mut mesh_text = String::new();
            block(&config.mesh, 0, reverse, comments, &mut mesh_text);
            vec![
                ("config.yaml".into(), text),
                ("mesh.yaml".into(), mesh_text),
            ]
        }
        "address-spelling" => {
            let docs = respelled(config)?;
            config.with_docs(docs)
        }
        "file-renamed" => vec![("egress-entries.yaml".into(), config.text()), mesh],
        _ => return None,
    };
    Some(side)
}

/// The documents with every single address of a NONE or STATIC entry in its other spelling
/// (`203.0.113.7` ↔ `203.0.113.7/32`, which istiod reads alike); `None` when there is none.
fn respelled(config: &Config) -> Option<Vec<Value>> {
    let mut docs = config.docs.clone();
    let mut respelled = false;
    for doc in &mut docs {
        if doc["kind"] != "ServiceEntry" || is_dns(doc) {
            continue;
        }
        let Some(addresses) = doc["spec"]
            .get_mut("addresses")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for address in addresses {
            let text = address.as_str().unwrap_or_default().to_owned();
            let other = match text.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => format!("{text}/32"),
                Ok(IpAddr::V6(_)) => format!("{text}/128"),
                // Only a single-address block has a bare spelling.
                Err(_) => match text.parse::<IpNet>() {
                    Ok(net) if net.prefix_len() == net.max_prefix_len() => net.addr().to_string(),
                    _ => continue,
                },
            };
            *address = json!(other);
            respelled = true;
        }
    }
    respelled.then_some(docs)
}

/// Writes `value` as block-style YAML at `indent`, keys in order or reversed, optionally with a
/// trailing comment on every mapping line that holds a scalar.
fn block(value: &Value, indent: usize, reverse: bool, comments: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            if reverse {
                keys.reverse();
            }
            for (key, item) in keys {
                let key = Value::String(key.clone());
                if let Some(text) = scalar(item) {
                    let note = if comments { "  # as before" } else { "" };
                    let _ = writeln!(out, "{pad}{key}: {text}{note}");
                } else {
                    let _ = writeln!(out, "{pad}{key}:");
                    block(item, indent + 2, reverse, comments, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if let Some(text) = scalar(item) {
                    let _ = writeln!(out, "{pad}- {text}");
                } else {
                    let _ = writeln!(out, "{pad}-");
                    block(item, indent + 2, reverse, comments, out);
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other).unwrap_or_default());
        }
    }
}

/// A value that fits on one line: JSON spelling (valid YAML), empty collections in flow style.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) if map.is_empty() => Some("{}".into()),
        Value::Array(items) if items.is_empty() => Some("[]".into()),
        Value::Object(_) | Value::Array(_) => None,
        other => Some(other.to_string()),
    }
}
