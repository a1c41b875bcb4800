//! Judging: for each connection, Envoy's access log line against `meshctl simulate -f` (the
//! YAML) and `meshctl simulate --config-dump` (the listeners Envoy itself reported), on the
//! listener, the filter chain, the cluster and the verdict (`BlackHoleCluster` = DENY,
//! `PassthroughCluster` = PASSTHROUGH, any other cluster = ALLOW). Then the per-class table.
//!
//! Routes need three readings of the access log:
//! - a weighted route: Envoy picks one destination per connection, so it agrees when its
//!   cluster is one of `simulate`'s destinations with a weight above 0, with that
//!   destination's fate (ALLOW when the sidecar has the cluster, DENY when it does not);
//! - a route to a cluster the sidecar lacks: `tcp_proxy` finds no cluster, logs the response
//!   flag `NC` (no cluster found) and no `UPSTREAM_CLUSTER`, and closes the connection; that is
//!   DENY, and the cluster it looked for is the one the chain's `tcp_proxy` names in Envoy's own
//!   `/config_dump`;
//! - TLS origination, Istio mTLS and CONNECT tunnels toward the plaintext catch-all fail their
//!   handshake (flag `UF` and the like), yet the access log names the cluster the connection was
//!   sent to: the fate is judged on that cluster, not on the bytes that came back.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aim::{Call, describe};
use crate::client::Outcome;
use crate::generate::NAMESPACE;
use meshctl_core::envoy::log_fields as f;

/// Where one connection went, in Istio's names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Path3 {
    pub(crate) listener: String,
    pub(crate) chain: String,
    pub(crate) cluster: String,
    pub(crate) verdict: String,
}

/// One judged connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Row {
    pub(crate) config: String,
    pub(crate) call: String,
    pub(crate) classes: Vec<String>,
    pub(crate) envoy: Option<Path3>,
    pub(crate) flags: String,
    pub(crate) simulate: Path3,
    pub(crate) config_dump: Path3,
    /// The route's destinations `simulate` reported (empty without a route).
    #[serde(default)]
    pub(crate) destinations: Vec<Destination>,
    pub(crate) agree: bool,
    pub(crate) dump_agrees: bool,
    /// `simulate --config-dump` disagreed on a chain whose route it cannot read back (weighted
    /// clusters, tunnels): reported apart from the engine's disagreements.
    #[serde(default)]
    pub(crate) dump_limited: bool,
}

/// One destination of a route, as `simulate -o json` reports it in `hops[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Destination {
    pub(crate) cluster: String,
    pub(crate) weight: u32,
    pub(crate) exists: bool,
}

/// Judges every call of one configuration directory and writes `rows.jsonl` there.
pub(crate) fn compare(dir: &Path, meshctl: &Path) -> anyhow::Result<Vec<Row>> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let calls: Vec<Call> = serde_json::from_str(&read("calls.json")?)?;
    let outcomes: Vec<Outcome> = serde_json::from_str(&read("outcomes.json")?)?;
    let entries = access_log(&read("access.log").unwrap_or_default())?;
    let mut used = vec![false; entries.len()];
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dump: Value = read("dump.json")
        .ok()
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or_default();
    let mut rows = Vec::new();
    let mut out = String::new();
    for (call, outcome) in calls.iter().zip(&outcomes) {
        let entry = find(&entries, &mut used, call, outcome);
        let flags = entry.map_or_else(String::new, |e| text(e, f::RESPONSE_FLAGS));
        let envoy = entry.map(|e| {
            let mut cluster = text(e, f::UPSTREAM_CLUSTER);
            let listener = text(e, f::LISTENER);
            let chain = text(e, f::FILTER_CHAIN);
            let no_cluster = flags.split(',').any(|flag| flag == "NC");
            if no_cluster && cluster.is_empty() {
                cluster = tcp_proxy_clusters(&dump, &listener, &chain).join(" or ");
            }
            Path3 {
                verdict: if no_cluster {
                    "DENY"
                } else {
                    verdict_of(&cluster)
                }
                .into(),
                listener,
                chain,
                cluster,
            }
        });
        let mut args = vec![
            "-f".to_owned(),
            dir.join("config.yaml").display().to_string(),
            "--mesh-config".into(),
            dir.join("mesh.yaml").display().to_string(),
            "--source-namespace".into(),
            NAMESPACE.into(),
        ];
        let (simulate, destinations) = simulate(meshctl, call, &args)?;
        args = vec![
            "--config-dump".into(),
            dir.join("dump.json").display().to_string(),
        ];
        let config_dump = simulate_or_default(meshctl, call, &args);
        let dump_agrees = config_dump == simulate;
        let dump_limited = !dump_agrees
            && envoy.as_ref().is_some_and(|e| {
                let proxy = tcp_proxy(&dump, &e.listener, &e.chain);
                proxy.get("weighted_clusters").is_some() || proxy.get("tunneling_config").is_some()
            });
        let row = Row {
            config: name.clone(),
            call: describe(call),
            classes: call.classes.clone(),
            agree: envoy
                .as_ref()
                .is_some_and(|e| agrees(e, &simulate, &destinations)),
            dump_agrees,
            dump_limited,
            destinations,
            envoy,
            flags,
            simulate,
            config_dump,
        };
        out.push_str(&serde_json::to_string(&row)?);
        out.push('\n');
        rows.push(row);
    }
    std::fs::write(dir.join("rows.jsonl"), out)?;
    Ok(rows)
}

/// One access log line: the client's port, the original destination, and the whole record.
pub(crate) type LogEntry = (Option<u16>, Option<SocketAddr>, Value);

/// Envoy's JSON access log, one record per line.
pub(crate) fn access_log(log: &str) -> anyhow::Result<Vec<LogEntry>> {
    let mut entries = Vec::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let entry: Value = serde_json::from_str(line).context("access log line")?;
        let port = text(&entry, f::CLIENT)
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok());
        let dst = text(&entry, f::DESTINATION).parse().ok();
        entries.push((port, dst, entry));
    }
    Ok(entries)
}

/// The access log line of a call: by the client's port and destination; else (iptables NAT
/// may remap the source port when it redirects) the first unused line for that destination,
/// since calls are made one after another.
pub(crate) fn find<'e>(
    entries: &'e [LogEntry],
    used: &mut [bool],
    call: &Call,
    outcome: &Outcome,
) -> Option<&'e Value> {
    let dst = SocketAddr::new(call.dst, call.port);
    let by_port = entries
        .iter()
        .position(|(port, to, _)| *port == Some(outcome.local_port) && *to == Some(dst));
    let at = by_port.or_else(|| {
        entries
            .iter()
            .enumerate()
            .position(|(i, (_, to, _))| !used[i] && *to == Some(dst))
    })?;
    used[at] = true;
    Some(&entries[at].2)
}

pub(crate) fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) if s != "-" => s.clone(),
        _ => String::new(),
    }
}

/// True when Envoy's path is `simulate`'s, or, on a route, the path of one of its destinations
/// that carries weight (Envoy picks one per connection).
fn agrees(envoy: &Path3, simulate: &Path3, destinations: &[Destination]) -> bool {
    if envoy == simulate {
        return true;
    }
    if envoy.listener != simulate.listener || envoy.chain != simulate.chain {
        return false;
    }
    destinations.iter().filter(|d| d.weight > 0).any(|d| {
        let verdict = if d.exists { "ALLOW" } else { "DENY" };
        let named = envoy.cluster == d.cluster
            || (!d.exists && envoy.cluster.split(" or ").any(|c| c == d.cluster));
        named && envoy.verdict == verdict
    })
}

/// The `tcp_proxy` config of filter chain `chain` of listener `listener` in a `/config_dump`
/// (`Null` when there is none).
fn tcp_proxy<'d>(dump: &'d Value, listener: &str, chain: &str) -> &'d Value {
    static NULL: Value = Value::Null;
    let configs = dump["configs"].as_array().into_iter().flatten();
    let listeners = configs.flat_map(|c| {
        ["static_listeners", "dynamic_listeners"]
            .into_iter()
            .flat_map(move |k| c[k].as_array().into_iter().flatten())
    });
    for entry in listeners {
        let l = if entry["listener"].is_object() {
            &entry["listener"]
        } else {
            &entry["active_state"]["listener"]
        };
        if l["name"] != listener {
            continue;
        }
        let chains = l["filter_chains"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(std::iter::once(&l["default_filter_chain"]));
        for c in chains.filter(|c| c["name"] == chain) {
            for filter in c["filters"].as_array().into_iter().flatten() {
                if filter["name"] == "envoy.filters.network.tcp_proxy" {
                    return &filter["typed_config"];
                }
            }
        }
    }
    &NULL
}

/// The clusters the `tcp_proxy` of a filter chain names (one, or each weighted one).
fn tcp_proxy_clusters(dump: &Value, listener: &str, chain: &str) -> Vec<String> {
    let proxy = tcp_proxy(dump, listener, chain);
    if let Some(cluster) = proxy["cluster"].as_str() {
        return vec![cluster.to_owned()];
    }
    proxy["weighted_clusters"]["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

fn verdict_of(cluster: &str) -> &'static str {
    match cluster {
        "BlackHoleCluster" => "DENY",
        "PassthroughCluster" => "PASSTHROUGH",
        "" => "NONE",
        _ => "ALLOW",
    }
}

fn simulate(
    meshctl: &Path,
    call: &Call,
    source: &[String],
) -> anyhow::Result<(Path3, Vec<Destination>)> {
    let dest = match call.dst {
        std::net::IpAddr::V6(ip) => format!("[{ip}]:{}", call.port),
        std::net::IpAddr::V4(ip) => format!("{ip}:{}", call.port),
    };
    let mut command = Command::new(meshctl);
    command
        .arg("simulate")
        .arg(&dest)
        .args(source)
        .args(["-o", "json"]);
    if let Some(sni) = &call.sni {
        command.args(["--sni", sni]);
    } else if call.tls {
        command.arg("--tls");
    }
    let output = command.output().context("running meshctl simulate")?;
    if !matches!(output.status.code(), Some(0 | 1)) {
        bail!(
            "meshctl simulate {dest} {}: {}",
            source.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let report: Value = serde_json::from_slice(&output.stdout).context("simulate JSON")?;
    let c = &report["connections"][0];
    let destinations = c["hops"][0]["destinations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| serde_json::from_value(d.clone()).ok())
        .collect();
    Ok((
        Path3 {
            listener: text(c, "listener"),
            chain: text(c, "filter_chain"),
            cluster: text(c, "cluster"),
            verdict: text(c, "verdict"),
        },
        destinations,
    ))
}

fn simulate_or_default(meshctl: &Path, call: &Call, source: &[String]) -> Path3 {
    simulate(meshctl, call, source).map_or_else(
        |e| Path3 {
            verdict: format!("error: {e}"),
            ..Path3::default()
        },
        |(path, _)| path,
    )
}

/// Totals per class across every configuration under `root`; prints the table and the
/// disagreements, and returns how many connections disagreed.
pub(crate) fn report(
    root: &Path,
    seed: &str,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<usize> {
    let mut configs = 0;
    let mut rows = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("rows.jsonl").exists())
        .collect();
    dirs.sort();
    for dir in &dirs {
        configs += 1;
        for line in std::fs::read_to_string(dir.join("rows.jsonl"))?.lines() {
            rows.push(serde_json::from_str::<Row>(line)?);
        }
    }
    // A dump row `simulate --config-dump` cannot read (weighted clusters, tunnels) counts
    // neither as agreement nor as an engine disagreement: it has a column of its own.
    let mut classes: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for row in &rows {
        for class in row.classes.iter().chain(std::iter::once(&format!(
            "verdict:{}",
            row.simulate.verdict
        ))) {
            let e = classes.entry(class.clone()).or_default();
            e[0] += 1;
            e[1] += usize::from(row.agree);
            e[2] += usize::from(row.dump_agrees);
            e[3] += usize::from(row.dump_limited);
        }
    }
    let agree = rows.iter().filter(|r| r.agree).count();
    let dump = rows.iter().filter(|r| r.dump_agrees).count();
    let limited = rows.iter().filter(|r| r.dump_limited).count();
    writeln!(
        out,
        "seed {seed}: {configs} configurations, {} connections",
        rows.len()
    )?;
    writeln!(
        out,
        "Envoy agrees with simulate -f: {agree}/{}; simulate --config-dump agrees with simulate -f: {dump}/{} ({limited} more on routes the dump reader cannot read back)",
        rows.len(),
        rows.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| class | connections | Envoy = simulate | config-dump = simulate | dump unreadable |"
    )?;
    writeln!(out, "| --- | ---: | ---: | ---: | ---: |")?;
    for (class, [n, a, d, l]) in &classes {
        writeln!(out, "| {class} | {n} | {a} | {d} | {l} |")?;
    }
    for row in rows.iter().filter(|r| r.dump_limited).take(10) {
        writeln!(
            out,
            "DUMP-UNREADABLE {} {}: simulate {:?}; config-dump {:?}",
            row.config, row.call, row.simulate, row.config_dump
        )?;
    }
    let bad: Vec<&Row> = rows
        .iter()
        .filter(|r| !r.agree || !(r.dump_agrees || r.dump_limited))
        .collect();
    for row in bad.iter().take(40) {
        writeln!(
            out,
            "DISAGREE {} {}: envoy {:?} flags {:?}; simulate {:?} destinations {:?}; config-dump {:?}",
            row.config,
            row.call,
            row.envoy,
            row.flags,
            row.simulate,
            row.destinations,
            row.config_dump
        )?;
    }
    Ok(bad.len())
}
