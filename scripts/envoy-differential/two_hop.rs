//! The two-hop differential: a pod's sidecar routes to an egress gateway, which routes on to
//! the external namespace. Each configuration is Istio's egress-gateway TCP example with its
//! parts drawn at random — the gateway Service's ports and target ports, one or two Gateways
//! with TCP, `ISTIO_MUTUAL` or `PASSTHROUGH` servers, the DestinationRule towards the gateway
//! (its TLS mode and SNI, or none), the VirtualService's two hops (sometimes one is missing or
//! names the wrong port), the external entries (STATIC, or NONE, which never leaves a gateway)
//! and the gateway's AuthorizationPolicy (none, ALLOW or DENY by namespace, principal or port,
//! rules with HTTP-only fields, a policy without rules). Connections come from two namespaces,
//! `app` and `other`, each with its own mesh certificate, so the policy's verdict differs between
//! them.
//!
//! Judging a connection compares `meshctl simulate`'s hops with what the two Envoys did: the
//! sidecar's cluster (its access log), whether it went to the gateway, the gateway's cluster
//! and whether its RBAC filter closed it (the gateway's access log, matched to the sidecar's
//! line by the sidecar's upstream address), and the fate: the client hears the external
//! catch-all answer exactly when `simulate` says ALLOW.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aim::Call;
use crate::client::Outcome;
use crate::rng::Rng;
use meshctl_core::envoy::log_fields as f;

/// The namespaces connections come from; each runs its own sidecar session.
pub(crate) const SOURCES: [&str; 2] = ["app", "other"];
/// The gateway workload's namespace.
const GATEWAY_NAMESPACE: &str = "istio-system";
/// The gateway pod's address (its network namespace's end of the pod link).
const GATEWAY_IP: &str = "192.0.2.1";
const GATEWAY_HOST: &str = "istio-egressgateway.istio-system.svc.cluster.local";
const GATEWAY_PORTS: [u16; 4] = [7777, 7443, 15443, 9000];
const EXTERNAL_PORTS: [u16; 4] = [3306, 5432, 27017, 6379];

/// One generated two-hop configuration.
pub(crate) struct Generated {
    pub(crate) config: String,
    pub(crate) calls: Vec<Call>,
}

/// One external service of a configuration.
struct External {
    host: String,
    address: String,
    port: u16,
}

/// The egress setup a configuration starts from, before single parts are broken at random:
/// mTLS to an `ISTIO_MUTUAL` server (Istio's example), TLS passed through by SNI, or plain TCP.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Mutual,
    Passthrough,
    Plain,
}

/// One port of the gateway Service.
#[derive(Clone, Copy)]
struct GatewayPort {
    port: u16,
    target: u16,
}

/// Draws configurations until meshctl's loader admits one, then aims `calls` connections at it.
pub(crate) fn generate(rng: &mut Rng, calls: usize) -> Generated {
    loop {
        let (config, externals, tags) = draw(rng);
        if crate::generate::workspace(&config, MESH, &meshctl_core::load::LoadOptions::default())
            .is_none_or(|w| !w.rejected().is_empty())
        {
            continue;
        }
        let calls = aim(rng, &externals, &tags, calls);
        return Generated { config, calls };
    }
}

/// Writes a run: per configuration `gw-NNNN/` with `config.yaml`, `mesh.yaml`, `calls.json`,
/// and one directory per source namespace holding the same calls (its sidecar session's).
pub(crate) fn write_run(seed: u64, configs: usize, calls: usize, out: &Path) -> anyhow::Result<()> {
    let mut rng = Rng::new(seed);
    for i in 0..configs {
        let generated = generate(&mut rng, calls);
        let dir = out.join(format!("gw-{i:04}"));
        let calls = serde_json::to_string_pretty(&generated.calls)?;
        for source in SOURCES {
            std::fs::create_dir_all(dir.join(source))?;
            std::fs::write(dir.join(source).join("calls.json"), &calls)?;
        }
        std::fs::write(dir.join("config.yaml"), &generated.config)?;
        std::fs::write(dir.join("mesh.yaml"), MESH)?;
        std::fs::write(dir.join("calls.json"), &calls)?;
    }
    Ok(())
}

/// The mesh config of every two-hop configuration.
pub(crate) const MESH: &str = "{\"outboundTrafficPolicy\": {\"mode\": \"REGISTRY_ONLY\"}}\n";

fn draw(rng: &mut Rng) -> (String, Vec<External>, Vec<String>) {
    let mut tags = Vec::new();
    let mut yaml = String::new();
    let mut externals = Vec::new();
    for i in 0..=rng.below(3) {
        let external = External {
            host: format!("ext{i}.example.com"),
            address: format!("198.51.100.{}", 40 + i),
            port: *rng.pick(&EXTERNAL_PORTS),
        };
        let none = rng.chance(10);
        if none {
            tags.push("entry:NONE".into());
        }
        let resolution = if none {
            "resolution: NONE".to_owned()
        } else {
            format!(
                "resolution: STATIC, endpoints: [{{address: {}}}]",
                external.address
            )
        };
        let _ = write!(
            yaml,
            "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: ext{i}, namespace: {GATEWAY_NAMESPACE}}}\nspec: {{hosts: [{}], addresses: [{}/32], ports: [{{number: {}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, {resolution}}}\n",
            external.host, external.address, external.port
        );
        externals.push(external);
    }
    let style = match rng.below(20) {
        0..=13 => Style::Mutual,
        14..=16 => Style::Passthrough,
        _ => Style::Plain,
    };
    tags.push(
        match style {
            Style::Mutual => "style:mutual",
            Style::Passthrough => "style:passthrough",
            Style::Plain => "style:plain",
        }
        .into(),
    );
    let ports = gateway_service(rng, &mut yaml);
    let gateways = gateways(rng, style, &ports, &externals, &mut yaml, &mut tags);
    destination_rule(rng, style, &ports, &externals, &mut yaml, &mut tags);
    for (i, external) in externals.iter().enumerate() {
        virtual_service(
            rng, style, i, external, &ports, &gateways, &mut yaml, &mut tags,
        );
    }
    authorization_policy(rng, &ports, &mut yaml, &mut tags);
    tags.sort();
    tags.dedup();
    (yaml, externals, tags)
}

fn gateway_service(rng: &mut Rng, yaml: &mut String) -> Vec<GatewayPort> {
    let mut ports: Vec<GatewayPort> = Vec::new();
    for _ in 0..=rng.below(2) {
        let port = *rng.pick(&GATEWAY_PORTS);
        if ports.iter().any(|p| p.port == port) {
            continue;
        }
        let target = if rng.chance(30) { port + 10000 } else { port };
        ports.push(GatewayPort { port, target });
    }
    let service_ports: Vec<String> = ports
        .iter()
        .map(|p| {
            format!(
                "{{name: tls-{}, port: {}, targetPort: {}}}",
                p.port, p.port, p.target
            )
        })
        .collect();
    let endpoint_ports: Vec<String> = ports
        .iter()
        .map(|p| format!("{{name: tls-{}, port: {}}}", p.port, p.target))
        .collect();
    let _ = write!(
        yaml,
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: istio-egressgateway, namespace: {GATEWAY_NAMESPACE}}}\nspec: {{selector: {{istio: egressgateway, app: istio-egressgateway}}, ports: [{}]}}\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {{name: istio-egressgateway, namespace: {GATEWAY_NAMESPACE}}}\nsubsets: [{{addresses: [{{ip: {GATEWAY_IP}}}], ports: [{}]}}]\n",
        service_ports.join(", "),
        endpoint_ports.join(", ")
    );
    ports
}

/// The Gateways (names) and their servers.
fn gateways(
    rng: &mut Rng,
    style: Style,
    ports: &[GatewayPort],
    externals: &[External],
    yaml: &mut String,
    tags: &mut Vec<String>,
) -> Vec<String> {
    let count = if rng.chance(15) { 2 } else { 1 };
    let mut names = Vec::new();
    for g in 0..count {
        let name = format!("egress-{g}");
        let mut servers = Vec::new();
        for s in 0..=rng.below(2) {
            // Mostly the Service's first port, which routes also favour, so that most
            // configurations have a working path to break in one place.
            let number = match rng.below(10) {
                0..=6 => ports[0].port,
                7 | 8 => rng.pick(ports).port,
                _ => *rng.pick(&GATEWAY_PORTS),
            };
            let hosts = if rng.chance(40) {
                "['*']".to_owned()
            } else {
                format!("[{}]", rng.pick(externals).host)
            };
            let mutual = ("TLS", ", tls: {mode: ISTIO_MUTUAL}");
            let passthrough = ("TLS", ", tls: {mode: PASSTHROUGH}");
            let plain = ("TCP", "");
            let (protocol, tls) = match (style, rng.below(10)) {
                (Style::Mutual, 0..=7) | (_, 8) => mutual,
                (Style::Passthrough, 0..=7) | (_, 9) => passthrough,
                _ => plain,
            };
            tags.push(format!(
                "server:{}",
                if tls.is_empty() {
                    "TCP"
                } else if tls.contains("PASS") {
                    "PASSTHROUGH"
                } else {
                    "ISTIO_MUTUAL"
                }
            ));
            servers.push(format!(
                "{{port: {{number: {number}, name: s{g}-{s}, protocol: {protocol}}}, hosts: {hosts}{tls}}}"
            ));
        }
        if count > 1 {
            tags.push("gateways:2".into());
        }
        let _ = write!(
            yaml,
            "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: {GATEWAY_NAMESPACE}, creationTimestamp: '2024-0{}-01T00:00:00Z'}}\nspec: {{selector: {{istio: egressgateway}}, servers: [{}]}}\n",
            g + 1,
            servers.join(", ")
        );
        names.push(name);
    }
    names
}

fn destination_rule(
    rng: &mut Rng,
    style: Style,
    ports: &[GatewayPort],
    externals: &[External],
    yaml: &mut String,
    tags: &mut Vec<String>,
) {
    if rng.chance(if style == Style::Mutual { 10 } else { 50 }) {
        tags.push("dr:none".into());
        return;
    }
    let settings: Vec<String> = ports
        .iter()
        .map(|p| {
            let good = if style == Style::Mutual {
                format!("{{mode: ISTIO_MUTUAL, sni: {}}}", rng.pick(externals).host)
            } else {
                "{mode: DISABLE}".to_owned()
            };
            let tls = match rng.below(10) {
                0..=6 => good,
                7 => "{mode: ISTIO_MUTUAL}".to_owned(),
                8 => "{mode: ISTIO_MUTUAL, sni: elsewhere.example.org}".to_owned(),
                _ => "{mode: DISABLE}".to_owned(),
            };
            tags.push(format!(
                "dr:{}",
                if tls.contains("DISABLE") {
                    "DISABLE"
                } else if tls.contains("sni") {
                    "ISTIO_MUTUAL+sni"
                } else {
                    "ISTIO_MUTUAL"
                }
            ));
            format!("{{port: {{number: {}}}, tls: {tls}}}", p.port)
        })
        .collect();
    let _ = write!(
        yaml,
        "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: to-gateway, namespace: {GATEWAY_NAMESPACE}}}\nspec: {{host: {GATEWAY_HOST}, trafficPolicy: {{portLevelSettings: [{}]}}}}\n",
        settings.join(", ")
    );
}

#[allow(clippy::too_many_arguments)]
fn virtual_service(
    rng: &mut Rng,
    style: Style,
    i: usize,
    external: &External,
    ports: &[GatewayPort],
    gateways: &[String],
    yaml: &mut String,
    tags: &mut Vec<String>,
) {
    if rng.chance(10) {
        tags.push("vs:none".into());
        return;
    }
    let gateway = rng.pick(gateways).clone();
    let bound = match rng.below(20) {
        0 => {
            tags.push("vs:mesh-only".into());
            "[mesh]".to_owned()
        }
        1 => {
            tags.push("vs:gateway-only".into());
            format!("[{gateway}]")
        }
        _ => format!("[mesh, {gateway}]"),
    };
    let to = if rng.chance(80) {
        ports[0].port
    } else {
        rng.pick(ports).port
    };
    let onward_port = if rng.chance(90) {
        to
    } else {
        *rng.pick(&GATEWAY_PORTS)
    };
    let back = if rng.chance(92) {
        external.port
    } else {
        *rng.pick(&EXTERNAL_PORTS)
    };
    let passthrough = (style == Style::Passthrough) != rng.chance(10);
    let onward = if passthrough {
        tags.push("route:tls".into());
        format!(
            "tls: [{{match: [{{gateways: [{gateway}], port: {onward_port}, sniHosts: [{}]}}], route: [{{destination: {{host: {}, port: {{number: {back}}}}}}}]}}]",
            external.host, external.host
        )
    } else {
        format!(
            "tcp: [{{match: [{{gateways: [{gateway}], port: {onward_port}}}], route: [{{destination: {{host: {}, port: {{number: {back}}}}}}}]}}]",
            external.host
        )
    };
    let mesh_route = format!(
        "{{match: [{{gateways: [mesh], port: {}}}], route: [{{destination: {{host: {GATEWAY_HOST}, port: {{number: {to}}}}}}}]}}",
        external.port
    );
    let spec = if passthrough {
        format!("tcp: [{mesh_route}], {onward}")
    } else {
        let onward = onward.trim_start_matches("tcp: [").trim_end_matches(']');
        format!("tcp: [{mesh_route}, {onward}]")
    };
    let _ = write!(
        yaml,
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: ext{i}, namespace: {GATEWAY_NAMESPACE}}}\nspec: {{hosts: [{}], gateways: {bound}, {spec}}}\n",
        external.host
    );
}

fn authorization_policy(
    rng: &mut Rng,
    ports: &[GatewayPort],
    yaml: &mut String,
    tags: &mut Vec<String>,
) {
    let port = rng.pick(ports).target;
    let (tag, body) = match rng.below(20) {
        0..=4 => ("none", String::new()),
        5..=9 => ("allow-namespace", "rules: [{from: [{source: {namespaces: [app]}}]}]".into()),
        10 => (
            "allow-principal",
            "rules: [{from: [{source: {principals: [cluster.local/ns/other/sa/default]}}]}]".into(),
        ),
        11 | 12 => (
            "deny-namespace",
            "action: DENY, rules: [{from: [{source: {namespaces: [other]}}]}]".into(),
        ),
        13 => ("allow-port", format!("rules: [{{to: [{{operation: {{ports: ['{port}']}}}}]}}]")),
        14 => (
            "allow-http-only",
            "rules: [{from: [{source: {namespaces: [app]}}], to: [{operation: {methods: [GET]}}]}]".into(),
        ),
        15 => (
            "deny-not-namespace",
            "action: DENY, rules: [{from: [{source: {notNamespaces: [app]}}]}]".into(),
        ),
        16 => (
            "deny-http-only",
            "action: DENY, rules: [{from: [{source: {namespaces: [app]}}], to: [{operation: {paths: [/admin]}}]}]".into(),
        ),
        17 => ("allow-nothing", "{}".into()),
        18 => (
            "allow-principal-prefix",
            "rules: [{from: [{source: {principals: ['cluster.local/ns/app/*']}}]}]".into(),
        ),
        _ => (
            "deny-port",
            format!("action: DENY, rules: [{{to: [{{operation: {{ports: ['{port}']}}}}]}}]"),
        ),
    };
    tags.push(format!("authz:{tag}"));
    if body.is_empty() {
        return;
    }
    let spec = if body == "{}" {
        "{selector: {matchLabels: {istio: egressgateway}}}".to_owned()
    } else {
        format!("{{selector: {{matchLabels: {{istio: egressgateway}}}}, {body}}}")
    };
    let _ = write!(
        yaml,
        "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: egress, namespace: {GATEWAY_NAMESPACE}}}\nspec: {spec}\n"
    );
}

fn aim(rng: &mut Rng, externals: &[External], tags: &[String], calls: usize) -> Vec<Call> {
    let passthrough = tags.iter().any(|t| t == "style:passthrough");
    (0..calls)
        .map(|id| {
            let external = rng.pick(externals);
            let dst = external
                .address
                .parse()
                .unwrap_or(IpAddr::from([198, 51, 100, 40]));
            let port = if rng.chance(90) {
                external.port
            } else {
                *rng.pick(&EXTERNAL_PORTS)
            };
            // A passthrough gateway routes by the client's own SNI.
            let tls = rng.chance(if passthrough { 85 } else { 20 });
            let sni = if rng.chance(90) {
                external.host.clone()
            } else {
                "unknown.example.org".to_owned()
            };
            Call {
                id,
                dst,
                port,
                tls,
                sni: tls.then_some(sni),
                classes: tags.to_vec(),
            }
        })
        .collect()
}

/// One judged connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Row {
    pub(crate) config: String,
    pub(crate) source: String,
    pub(crate) call: String,
    pub(crate) classes: Vec<String>,
    /// What `simulate` said: the fate, the sidecar's cluster and verdict, the gateway's
    /// cluster, verdict and authorization.
    pub(crate) simulate: Hops,
    /// What the Envoys did.
    pub(crate) envoy: Hops,
    pub(crate) agree: bool,
    /// Which parts disagree.
    pub(crate) differences: Vec<String>,
}

/// A connection's path through both proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hops {
    pub(crate) fate: String,
    pub(crate) sidecar_cluster: String,
    pub(crate) routed: bool,
    pub(crate) gateway_cluster: String,
    pub(crate) authz: String,
}

/// Judges one configuration directory: every session's connections.
pub(crate) fn compare(dir: &Path, meshctl: &Path) -> anyhow::Result<Vec<Row>> {
    let calls: Vec<Call> = read_json(&dir.join("calls.json"))?;
    let gateway_log = read_log(&dir.join("gateway-access.log"));
    let config = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for source in SOURCES {
        let session = dir.join(source);
        let outcomes: Vec<Outcome> = read_json(&session.join("outcomes.json"))
            .with_context(|| format!("{}: no outcomes", session.display()))?;
        let sidecar_log = read_log(&session.join("access.log"));
        // NAT may give a connection another source port (a clash with a lingering conntrack
        // entry): its line is then one no outcome's port claims, to the call's destination.
        let claimed: Vec<u16> = outcomes.iter().map(|o| o.local_port).collect();
        for (call, outcome) in calls.iter().zip(&outcomes) {
            let simulate = simulate(dir, meshctl, source, call)?;
            let destination = std::net::SocketAddr::new(call.dst, call.port).to_string();
            let fallback = sidecar_log.iter().find(|l| {
                l[f::DESTINATION].as_str() == Some(destination.as_str())
                    && l[f::CLIENT]
                        .as_str()
                        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                        .is_some_and(|a| !claimed.contains(&a.port()))
            });
            let envoy = observed(outcome, &sidecar_log, fallback, &gateway_log);
            let differences = differences(&simulate, &envoy);
            rows.push(Row {
                config: config.clone(),
                source: source.to_owned(),
                call: crate::aim::describe(call),
                classes: call.classes.clone(),
                agree: differences.is_empty(),
                simulate,
                envoy,
                differences,
            });
        }
    }
    let mut out = std::fs::File::create(dir.join("rows.jsonl"))?;
    for row in &rows {
        writeln!(out, "{}", serde_json::to_string(row)?)?;
    }
    Ok(rows)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// `meshctl simulate` for one connection from `source`.
fn simulate(dir: &Path, meshctl: &Path, source: &str, call: &Call) -> anyhow::Result<Hops> {
    let mut command = Command::new(meshctl);
    command
        .arg("simulate")
        .arg(std::net::SocketAddr::new(call.dst, call.port).to_string())
        .arg("-f")
        .arg(dir.join("config.yaml"))
        .arg("--mesh-config")
        .arg(dir.join("mesh.yaml"))
        .args(["--source-namespace", source, "-o", "json"]);
    match (&call.sni, call.tls) {
        (Some(sni), _) => {
            command.args(["--sni", sni]);
        }
        (None, true) => {
            command.arg("--tls");
        }
        (None, false) => {}
    }
    let output = command.output().context("running meshctl simulate")?;
    let report: Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "simulate output: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let connection = &report["connections"][0];
    let hops = connection["hops"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let gateway = hops.get(1);
    Ok(Hops {
        fate: text(&connection["verdict"]),
        sidecar_cluster: hops
            .first()
            .map(|h| text(&h["cluster"]))
            .unwrap_or_default(),
        routed: gateway.is_some(),
        gateway_cluster: gateway.map(|h| text(&h["cluster"])).unwrap_or_default(),
        authz: gateway
            .map(|h| text(&h["authz"]["verdict"]))
            .unwrap_or_default(),
    })
}

/// What the two Envoys did with one connection, from the client's outcome and both access logs.
fn observed(
    outcome: &Outcome,
    sidecar_log: &[Value],
    fallback: Option<&Value>,
    gateway_log: &[Value],
) -> Hops {
    let port_of = |v: &Value, field: &str| {
        v[field]
            .as_str()
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            .map(|a| a.port())
    };
    let sidecar = sidecar_log
        .iter()
        .find(|l| port_of(l, f::CLIENT) == Some(outcome.local_port))
        .or(fallback);
    let text = |v: Option<&Value>, field: &str| {
        v.and_then(|l| l[field].as_str())
            .filter(|s| *s != "-")
            .unwrap_or("")
            .to_owned()
    };
    let mut sidecar_cluster = text(sidecar, f::UPSTREAM_CLUSTER);
    if sidecar_cluster.is_empty() {
        // A route to a cluster the sidecar lacks logs `NC` and no cluster.
        sidecar_cluster = text(sidecar, f::FILTER_CHAIN);
    }
    let routed = sidecar_cluster.ends_with(GATEWAY_HOST);
    let upstream_local = text(sidecar, f::UPSTREAM_LOCAL);
    let gateway = routed
        .then(|| {
            gateway_log.iter().find(|l| {
                !upstream_local.is_empty() && l[f::CLIENT].as_str() == Some(upstream_local.as_str())
            })
        })
        .flatten();
    let termination = text(gateway, f::TERMINATION);
    let authz = if !routed || gateway.is_none() {
        String::new()
    } else if termination.contains("rbac") {
        "DENY".into()
    } else {
        "ALLOW".into()
    };
    Hops {
        fate: if outcome.result == "data" {
            "ALLOW"
        } else {
            "DENY"
        }
        .into(),
        sidecar_cluster,
        routed,
        gateway_cluster: text(gateway, f::UPSTREAM_CLUSTER),
        authz,
    }
}

/// Where `simulate` and the Envoys part ways.
fn differences(simulate: &Hops, envoy: &Hops) -> Vec<String> {
    let mut out = Vec::new();
    if simulate.fate != envoy.fate {
        out.push(format!(
            "fate: simulate {} envoy {}",
            simulate.fate, envoy.fate
        ));
    }
    if simulate.sidecar_cluster != envoy.sidecar_cluster {
        out.push(format!(
            "sidecar cluster: simulate {} envoy {}",
            simulate.sidecar_cluster, envoy.sidecar_cluster
        ));
    }
    if simulate.routed != envoy.routed {
        out.push(format!(
            "routed: simulate {} envoy {}",
            simulate.routed, envoy.routed
        ));
    }
    // The gateway's cluster and authorization are compared when the gateway logged the
    // connection with them: a connection it refused, or closed before routing, logs neither.
    if !envoy.gateway_cluster.is_empty() && simulate.gateway_cluster != envoy.gateway_cluster {
        out.push(format!(
            "gateway cluster: simulate {} envoy {}",
            simulate.gateway_cluster, envoy.gateway_cluster
        ));
    }
    if envoy.authz == "DENY" && simulate.authz != "DENY" {
        out.push(format!("authz: simulate {} envoy DENY", simulate.authz));
    }
    if simulate.authz == "DENY" && envoy.fate == "ALLOW" {
        out.push("authz: simulate DENY, yet the connection got through".into());
    }
    out
}

/// The per-class table of a run; returns the number of disagreements.
pub(crate) fn report(
    dir: &Path,
    seed: &str,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<usize> {
    let mut rows: Vec<Row> = Vec::new();
    let mut configs = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path().join("rows.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        configs += 1;
        for line in text.lines() {
            rows.push(serde_json::from_str(line)?);
        }
    }
    if rows.is_empty() {
        bail!("no judged connections under {}", dir.display());
    }
    let mut classes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let fates = |want: &str| rows.iter().filter(|r| r.simulate.fate == want).count();
    for row in &rows {
        let mut names = row.classes.clone();
        names.push(format!("source:{}", row.source));
        names.push(format!("fate:{}", row.simulate.fate));
        if row.simulate.routed {
            names.push("routed".into());
        }
        if !row.simulate.authz.is_empty() {
            names.push(format!("gateway authz:{}", row.simulate.authz));
        }
        for name in names {
            let counts = classes.entry(name).or_default();
            counts.0 += 1;
            counts.1 += usize::from(row.agree);
        }
    }
    let agree = rows.iter().filter(|r| r.agree).count();
    writeln!(
        out,
        "## Two hops: sidecar → egress gateway → external (seed {seed})\n"
    )?;
    writeln!(
        out,
        "{configs} configurations, {} connections ({} ALLOW, {} DENY; {} through the gateway): {agree} agree\n",
        rows.len(),
        fates("ALLOW"),
        fates("DENY"),
        rows.iter().filter(|r| r.simulate.routed).count()
    )?;
    writeln!(out, "| class | connections | agree |\n|---|---:|---:|")?;
    for (name, (total, ok)) in &classes {
        writeln!(out, "| {name} | {total} | {ok} |")?;
    }
    let bad: Vec<&Row> = rows.iter().filter(|r| !r.agree).collect();
    for row in bad.iter().take(20) {
        writeln!(
            out,
            "\nDISAGREE {} {} from {}: {}",
            row.config,
            row.call,
            row.source,
            row.differences.join("; ")
        )?;
    }
    Ok(bad.len())
}
