//! Judging: for each connection, Envoy's access log line against `meshctl simulate -f` (the
//! YAML) and `meshctl simulate --config-dump` (the listeners Envoy itself reported), on the
//! listener, the filter chain, the cluster and the verdict (`BlackHoleCluster` = DENY,
//! `PassthroughCluster` = PASSTHROUGH, any other cluster = ALLOW). Then the per-class table.

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
    pub(crate) agree: bool,
    pub(crate) dump_agrees: bool,
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
    let mut rows = Vec::new();
    let mut out = String::new();
    for (call, outcome) in calls.iter().zip(&outcomes) {
        let entry = find(&entries, &mut used, call, outcome);
        let envoy = entry.map(|e| {
            let cluster = text(e, f::UPSTREAM_CLUSTER);
            Path3 {
                listener: text(e, f::LISTENER),
                chain: text(e, f::FILTER_CHAIN),
                verdict: verdict_of(&cluster).into(),
                cluster,
            }
        });
        let flags = entry.map_or_else(String::new, |e| text(e, f::RESPONSE_FLAGS));
        let mut args = vec![
            "-f".to_owned(),
            dir.join("config.yaml").display().to_string(),
            "--mesh-config".into(),
            dir.join("mesh.yaml").display().to_string(),
            "--source-namespace".into(),
            NAMESPACE.into(),
        ];
        let simulate = simulate(meshctl, call, &args)?;
        args = vec![
            "--config-dump".into(),
            dir.join("dump.json").display().to_string(),
        ];
        let config_dump = simulate_or_default(meshctl, call, &args);
        let row = Row {
            config: name.clone(),
            call: describe(call),
            classes: call.classes.clone(),
            agree: envoy.as_ref() == Some(&simulate),
            dump_agrees: config_dump == simulate,
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

fn verdict_of(cluster: &str) -> &'static str {
    match cluster {
        "BlackHoleCluster" => "DENY",
        "PassthroughCluster" => "PASSTHROUGH",
        "" => "NONE",
        _ => "ALLOW",
    }
}

fn simulate(meshctl: &Path, call: &Call, source: &[String]) -> anyhow::Result<Path3> {
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
    Ok(Path3 {
        listener: text(c, "listener"),
        chain: text(c, "filter_chain"),
        cluster: text(c, "cluster"),
        verdict: text(c, "verdict"),
    })
}

fn simulate_or_default(meshctl: &Path, call: &Call, source: &[String]) -> Path3 {
    simulate(meshctl, call, source).unwrap_or_else(|e| Path3 {
        verdict: format!("error: {e}"),
        ..Path3::default()
    })
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
    let mut classes: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for row in &rows {
        for class in row.classes.iter().chain(std::iter::once(&format!(
            "verdict:{}",
            row.simulate.verdict
        ))) {
            let e = classes.entry(class.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(row.agree);
            e.2 += usize::from(row.dump_agrees);
        }
    }
    let agree = rows.iter().filter(|r| r.agree).count();
    let dump = rows.iter().filter(|r| r.dump_agrees).count();
    writeln!(
        out,
        "seed {seed}: {configs} configurations, {} connections",
        rows.len()
    )?;
    writeln!(
        out,
        "Envoy agrees with simulate -f: {agree}/{}; simulate --config-dump agrees with simulate -f: {dump}/{}",
        rows.len(),
        rows.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| class | connections | Envoy = simulate | config-dump = simulate |"
    )?;
    writeln!(out, "| --- | ---: | ---: | ---: |")?;
    for (class, (n, a, d)) in &classes {
        writeln!(out, "| {class} | {n} | {a} | {d} |")?;
    }
    let bad: Vec<&Row> = rows.iter().filter(|r| !r.agree || !r.dump_agrees).collect();
    for row in bad.iter().take(40) {
        writeln!(
            out,
            "DISAGREE {} {}: envoy {:?} flags {:?}; simulate {:?}; config-dump {:?}",
            row.config, row.call, row.envoy, row.flags, row.simulate, row.config_dump
        )?;
    }
    Ok(bad.len())
}
