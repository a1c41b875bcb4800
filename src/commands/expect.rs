//! `meshctl simulate --expect calls.yaml`: policy tests for CI. Each call names a destination,
//! optionally TLS/SNI, the calling namespace and labels, and the verdict (and entry) it expects.
//! Every call is decided by the same engine as a single `simulate`; mismatches exit 1.
//!
//! ```yaml
//! calls:
//! - destination: 203.0.113.7:3306
//!   expect: ALLOW
//!   entry: default/mysql-external
//! - destination: 203.0.113.9:3306
//!   namespace: bookinfo
//!   expect: DENY
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, bail};
use colored::Colorize as _;
use serde::{Deserialize, Serialize};

use super::simulate::{self, ConnectionReport, policy_of, verdict_name};
use crate::cli::{GlobalArgs, SimulateArgs, SimulateFormat};
use crate::{ExitStatus, Io, render};
use meshctl_core::engine::{self, Connection, MeshSettings, Registry};
use meshctl_core::{load, workspace as config};

/// The calls file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallsFile {
    calls: Vec<Call>,
}

/// One expected call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    /// `IP:PORT`, `HOST:PORT` or a DSN.
    destination: String,
    /// TLS server name (implies TLS).
    #[serde(default)]
    sni: Option<String>,
    /// TLS without SNI.
    #[serde(default)]
    tls: bool,
    /// Calling namespace; default `default`.
    #[serde(default)]
    namespace: Option<String>,
    /// Calling workload's labels.
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// `ALLOW`, `PASSTHROUGH`, `BYPASS` or `DENY`.
    expect: ExpectedVerdict,
    /// `namespace/name` of the ServiceEntry expected to allow it.
    #[serde(default)]
    entry: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ExpectedVerdict {
    Allow,
    Passthrough,
    Bypass,
    Deny,
}

impl ExpectedVerdict {
    fn name(self) -> &'static str {
        match self {
            ExpectedVerdict::Allow => "ALLOW",
            ExpectedVerdict::Passthrough => "PASSTHROUGH",
            ExpectedVerdict::Bypass => "BYPASS",
            ExpectedVerdict::Deny => "DENY",
        }
    }
}

/// One checked call, for the table and JSON.
#[derive(Debug, Serialize)]
struct Outcome {
    destination: String,
    namespace: String,
    expected: &'static str,
    expected_entry: Option<String>,
    passed: bool,
    connections: Vec<ConnectionReport>,
}

pub(super) fn run(
    file: &Path,
    args: &SimulateArgs,
    inputs: &load::Inputs,
    mesh: &MeshSettings,
    _global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
    let calls: CallsFile = serde_saphyr::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        let first = meshctl_core::target::redact(e.to_string().lines().next().unwrap_or_default());
        anyhow::anyhow!("{}{at}: {first}", file.display())
    })?;
    if calls.calls.is_empty() {
        bail!("{}: `calls` is empty: nothing to check", file.display());
    }
    let mut registries: BTreeMap<(String, Vec<(String, String)>), Registry> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for call in &calls.calls {
        let namespace = call.namespace.clone().unwrap_or_else(|| "default".into());
        let labels: Vec<(String, String)> = call.labels.clone().into_iter().collect();
        let registry = registries
            .entry((namespace.clone(), labels.clone()))
            .or_insert_with(|| {
                let workload = config::in_mesh(args.workload.workload(&namespace, &labels), inputs);
                engine::compile(
                    &engine::Config::from_inputs(inputs, mesh.clone()),
                    &workload,
                )
            });
        let (target, addresses) =
            simulate::destinations(&call.destination, args).with_context(|| {
                let shown = meshctl_core::target::redact(&call.destination);
                format!("{}: call to `{shown}`", file.display())
            })?;
        let port = target.port_or_scheme_default().unwrap_or_default();
        let sni = call.sni.as_deref();
        let tls = call.tls || sni.is_some();
        let connections: Vec<ConnectionReport> = addresses
            .iter()
            .map(|&ip| {
                ConnectionReport::new(
                    ip,
                    port,
                    tls,
                    sni,
                    engine::explain(
                        registry,
                        &Connection {
                            dst: ip,
                            port,
                            tls,
                            sni,
                        },
                    ),
                )
            })
            .collect();
        let passed = connections.iter().all(|c| {
            verdict_name(c.verdict_value) == call.expect.name()
                && call
                    .entry
                    .as_ref()
                    .is_none_or(|want| c.service_entry.as_ref() == Some(want))
        });
        let _ = policy_of(registry);
        outcomes.push(Outcome {
            destination: target.display.clone(),
            namespace,
            expected: call.expect.name(),
            expected_entry: call.entry.clone(),
            passed,
            connections,
        });
    }
    match args.output {
        SimulateFormat::Json => render::write_json(&outcomes, io.out)?,
        SimulateFormat::Text => write_table(&outcomes, io.out)?,
    }
    Ok(if outcomes.iter().all(|o| o.passed) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn write_table(outcomes: &[Outcome], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .force_no_tty();
    table.set_header(["RESULT", "DESTINATION", "FROM", "EXPECTED", "GOT", "ENTRY"]);
    for o in outcomes {
        let got: Vec<&str> = o
            .connections
            .iter()
            .map(|c| verdict_name(c.verdict_value))
            .collect();
        let entries: Vec<&str> = o
            .connections
            .iter()
            .map(|c| c.service_entry.as_deref().unwrap_or("-"))
            .collect();
        let expected = match &o.expected_entry {
            Some(entry) => format!("{} {entry}", o.expected),
            None => o.expected.to_owned(),
        };
        let result = if o.passed {
            "pass".green().to_string()
        } else {
            "FAIL".red().bold().to_string()
        };
        table.add_row([
            result,
            o.destination.clone(),
            o.namespace.clone(),
            expected,
            got.join(","),
            entries.join(","),
        ]);
    }
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end().strip_prefix(' ').unwrap_or(line))?;
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    writeln!(out, "\n{} passed, {failed} failed", outcomes.len() - failed)?;
    for o in outcomes.iter().filter(|o| !o.passed) {
        for c in &o.connections {
            let got = c.service_entry.as_deref().map_or_else(
                || c.verdict.to_owned(),
                |e| format!("{} via {e}", c.verdict),
            );
            writeln!(
                out,
                "\n{} {} expected {}, got {got}",
                "FAIL".red().bold(),
                o.destination,
                o.expected
            )?;
            writeln!(out, "  why: {}", c.reason)?;
            for miss in &c.near_misses {
                writeln!(out, "  near miss: {miss}")?;
            }
        }
    }
    Ok(())
}
