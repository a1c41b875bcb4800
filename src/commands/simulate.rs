//! `meshctl simulate`: what would this workload's sidecar do with a connection to DEST — which
//! listener, chain and cluster, which ServiceEntry, or why not. Every answer comes from
//! [`engine::explain`]; this module only gathers inputs and prints.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;

use anyhow::{Context as _, bail};
use colored::Colorize as _;
use serde::Serialize;

use crate::cli::{GlobalArgs, SimulateArgs, SimulateFormat};
use crate::{ExitStatus, Io, render};
use meshctl_core::engine::{self, Connection, Explanation, Registry, Verdict};
use meshctl_core::target::Target;
use meshctl_core::{dns, envoy, workspace as config};

pub(super) fn run(
    args: &SimulateArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let calling = &args.workload;
    let registry = if let Some(file) = &args.config_dump {
        registry_from_dump(file, io)?
    } else {
        let options = config::load_options(global.namespace.as_deref());
        let inputs = config::load_inputs(&args.paths, args.mesh_config.as_deref(), &options)?;
        let mesh = config::mesh_settings(&inputs, args.outbound_policy.map(Into::into))?;
        if let Some(file) = &args.expect {
            return super::expect::run(file, args, &inputs, &mesh, global, io);
        }
        let workload = config::in_mesh(
            calling.workload(&calling.source_namespace, &calling.labels),
            &inputs,
        );
        engine::compile(&engine::Config::from_inputs(&inputs, mesh), &workload)
    };
    let Some(destination) = &args.destination else {
        bail!("give a destination (IP:PORT, HOST:PORT or a DSN) or --expect FILE");
    };
    let sni = args.sni.as_deref();
    let tls = args.tls || sni.is_some();
    let (target, addresses) = destinations(destination, args)?;
    let port = target.port_or_scheme_default().unwrap_or_default();
    let connections: Vec<ConnectionReport> = addresses
        .iter()
        .map(|&ip| {
            let conn = Connection {
                dst: ip,
                port,
                tls,
                sni,
            };
            ConnectionReport::new(ip, port, tls, sni, engine::explain(&registry, &conn))
        })
        .collect();
    let report = Report {
        query: Query {
            destination: target.display.clone(),
            tls,
            sni: sni.map(str::to_owned),
            source_namespace: calling.source_namespace.clone(),
            labels: calling.labels.iter().cloned().collect(),
        },
        outbound_policy: policy_of(&registry),
        verdict: verdict_name(
            connections
                .iter()
                .map(|c| c.verdict_value)
                .max()
                .unwrap_or(Verdict::Deny),
        ),
        connections,
    };
    match args.output {
        SimulateFormat::Json => render::write_json(&report, io.out)?,
        SimulateFormat::Text => write_text(&report, global.verbose > 0, io.out)?,
    }
    Ok(
        if report
            .connections
            .iter()
            .any(|c| c.verdict_value == Verdict::Deny)
        {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        },
    )
}

/// The registry a live sidecar's config dump amounts to (`--config-dump`). The listeners are
/// Envoy's; `decide` is the engine's. Capture annotations are not in a dump, so nothing but
/// loopback is bypassed.
fn registry_from_dump(file: &std::path::Path, io: &mut Io<'_>) -> anyhow::Result<Registry> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
    let dump = envoy::dump::parse(&text, &file.display().to_string())?;
    let registry = envoy::translate::registry(&dump);
    for note in registry.notes() {
        writeln!(io.err, "note: {note}")?;
    }
    Ok(registry)
}

/// DEST → the target and every address to decide (a host name is resolved).
pub(super) fn destinations(
    text: &str,
    args: &SimulateArgs,
) -> anyhow::Result<(Target, Vec<IpAddr>)> {
    let target = Target::parse(text)?;
    if target.port_or_scheme_default().is_none() {
        bail!(
            "`{target}` has no port: write it as `{}:3306`",
            target.display
        );
    }
    if let Some(ip) = target.ip() {
        return Ok((target, vec![ip]));
    }
    let settings = super::resolve::settings(&args.dns);
    let lookup = super::runtime()?
        .block_on(dns::lookup(&target.host, &settings))
        .with_context(|| format!("resolving `{}` to decide its addresses", target.host))?;
    let addresses = lookup.addresses.iter().map(|a| a.ip).collect();
    Ok((target, addresses))
}

/// The stable JSON document `simulate -o json` prints (see README).
#[derive(Debug, Serialize)]
pub(super) struct Report {
    query: Query,
    outbound_policy: Policy,
    verdict: &'static str,
    connections: Vec<ConnectionReport>,
}

#[derive(Debug, Serialize)]
struct Query {
    destination: String,
    tls: bool,
    sni: Option<String>,
    source_namespace: String,
    labels: BTreeMap<String, String>,
}

/// The policy in force for the workload and where it came from.
#[derive(Debug, Serialize)]
pub(super) struct Policy {
    pub(super) mode: &'static str,
    pub(super) source: String,
}

pub(super) fn policy_of(registry: &Registry) -> Policy {
    Policy {
        mode: registry.outbound_policy().as_str(),
        source: registry.policy_source().to_owned(),
    }
}

/// One decided connection.
#[derive(Debug, Serialize)]
pub(super) struct ConnectionReport {
    address: IpAddr,
    port: u16,
    protocol: &'static str,
    sni: Option<String>,
    pub(super) verdict: &'static str,
    #[serde(skip)]
    pub(super) verdict_value: Verdict,
    pub(super) service_entry: Option<String>,
    host: Option<String>,
    listener: String,
    filter_chain: String,
    cluster: String,
    upstream: Option<String>,
    pub(super) reason: String,
    trace: Vec<String>,
    pub(super) near_misses: Vec<String>,
}

impl ConnectionReport {
    pub(super) fn new(
        address: IpAddr,
        port: u16,
        tls: bool,
        sni: Option<&str>,
        e: Explanation,
    ) -> Self {
        ConnectionReport {
            address,
            port,
            protocol: if tls { "tls" } else { "tcp" },
            sni: sni.map(str::to_owned),
            verdict: verdict_name(e.verdict),
            verdict_value: e.verdict,
            service_entry: e.entry,
            host: e.host,
            listener: e.listener,
            filter_chain: e.chain,
            cluster: e.cluster,
            upstream: e.upstream,
            reason: e.summary,
            trace: e.trace,
            near_misses: e.near_misses,
        }
    }
}

/// `ALLOW`, `PASSTHROUGH`, `BYPASS`, `DENY`.
pub(crate) fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allow => "ALLOW",
        Verdict::Passthrough => "PASSTHROUGH",
        Verdict::Bypass => "BYPASS",
        Verdict::Deny => "DENY",
    }
}

fn write_text(report: &Report, verbose: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    for (i, c) in report.connections.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let verdict = match c.verdict_value {
            Verdict::Allow => c.verdict.green().bold(),
            Verdict::Passthrough | Verdict::Bypass => c.verdict.yellow().bold(),
            Verdict::Deny => c.verdict.red().bold(),
        };
        let dest = if c.address.is_ipv6() {
            format!("[{}]:{}", c.address, c.port)
        } else {
            format!("{}:{}", c.address, c.port)
        };
        let sni = c
            .sni
            .as_deref()
            .map(|s| format!(", SNI {s}"))
            .unwrap_or_default();
        match &c.service_entry {
            Some(entry) => writeln!(
                out,
                "{verdict} {dest} ({}{sni}) via ServiceEntry {entry}",
                c.protocol
            )?,
            None => writeln!(out, "{verdict} {dest} ({}{sni})", c.protocol)?,
        }
        if c.verdict_value != Verdict::Allow {
            // The reason repeats the path, which has its own line; keep the part before it.
            let why = c.reason.split(": listener ").next().unwrap_or(&c.reason);
            writeln!(out, "  why:      {why}")?;
        }
        if !c.listener.is_empty() {
            writeln!(
                out,
                "  path:     {} -> {} -> {}",
                c.listener, c.filter_chain, c.cluster
            )?;
        }
        if let Some(upstream) = &c.upstream {
            writeln!(out, "  upstream: {upstream}")?;
        }
        for miss in &c.near_misses {
            writeln!(out, "  near miss: {miss}")?;
        }
        writeln!(
            out,
            "  policy:   {} ({})",
            report.outbound_policy.mode, report.outbound_policy.source
        )?;
        if verbose {
            writeln!(out, "  trace:")?;
            for (n, step) in c.trace.iter().enumerate() {
                writeln!(out, "    {}. {step}", n + 1)?;
            }
        }
    }
    Ok(())
}
