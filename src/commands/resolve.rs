//! `meshctl resolve`: what a host resolves to right now — every A/AAAA record with its TTL,
//! the CNAME chain, who answered — and, with `--samples`, whether the answer set moves.
//! These are the facts a pinned-address ServiceEntry depends on.

use std::collections::BTreeMap;
use std::net::IpAddr;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{DnsArgs, GlobalArgs, ResolveArgs, ResolveFormat};
use crate::{ExitStatus, Io, render};
use meshctl_core::dns::{self, Address, CnameLink, Lookup, ResolverSettings};
use meshctl_core::target::Target;

/// The stable JSON/YAML document `resolve -o json` prints (documented in the README).
#[derive(Debug, Serialize)]
pub(super) struct ResolveReport {
    /// What was asked.
    pub query: Query,
    /// Who answered (the first sample's server).
    pub nameserver: String,
    /// The name at the end of the CNAME chain.
    pub canonical_name: String,
    /// CNAME hops in order.
    pub cname_chain: Vec<CnameLink>,
    /// Every address seen in any sample, with the smallest TTL seen for it.
    pub addresses: Vec<Address>,
    /// The smallest TTL of all addresses; `null` for /etc/hosts and IP literals.
    pub min_ttl: Option<u32>,
    /// Each sample's address set, in order.
    pub samples: Vec<Vec<IpAddr>>,
    /// True when the samples did not all return the same set.
    pub changed: bool,
}

/// The query part of the report.
#[derive(Debug, Serialize)]
pub(super) struct Query {
    /// The input as given, DSN password removed.
    pub input: String,
    /// The host name that was resolved.
    pub host: String,
    /// The port, when the input had one (reported, not used for DNS).
    pub port: Option<u16>,
}

pub(super) fn run(
    args: &ResolveArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let target = super::target_or_default(args.host.as_deref())?;
    let settings = settings(&args.dns);
    let format = args.output.unwrap_or(if io.out_is_terminal {
        ResolveFormat::Table
    } else {
        ResolveFormat::Json
    });
    let runtime = super::runtime()?;
    let lookups = match runtime.block_on(sample(&target.host, &settings, args)) {
        Ok(lookups) => lookups,
        Err(error) if error.is_negative_answer() => {
            if !global.quiet {
                writeln!(io.err, "meshctl: {error}")?;
            }
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Err(error).context(format!("resolving `{}`", target.host)),
    };
    let report = report(&target, &lookups);
    match format {
        ResolveFormat::Json => render::write_json(&report, io.out)?,
        ResolveFormat::Yaml => render::write_yaml(&report, io.out)?,
        ResolveFormat::Table => write_table(&report, io.out)?,
    }
    Ok(ExitStatus::Success)
}

/// DNS flags → resolver settings (shared with `gen serviceentry`).
pub(super) fn settings(args: &DnsArgs) -> ResolverSettings {
    ResolverSettings {
        nameservers: args.nameserver.clone(),
        tcp: args.tcp,
        timeout: args.timeout,
    }
}

async fn sample(
    host: &str,
    settings: &ResolverSettings,
    args: &ResolveArgs,
) -> Result<Vec<Lookup>, dns::DnsError> {
    let mut lookups = Vec::new();
    for i in 0..args.samples {
        if i > 0 {
            tokio::time::sleep(args.interval).await;
        }
        lookups.push(dns::lookup(host, settings).await?);
    }
    Ok(lookups)
}

fn report(target: &Target, lookups: &[Lookup]) -> ResolveReport {
    let mut union: BTreeMap<(meshctl_core::dns::AddressFamily, IpAddr), u32> = BTreeMap::new();
    for address in lookups.iter().flat_map(|l| &l.addresses) {
        union
            .entry((address.family, address.ip))
            .and_modify(|ttl| *ttl = (*ttl).min(address.ttl))
            .or_insert(address.ttl);
    }
    let samples: Vec<Vec<IpAddr>> = lookups
        .iter()
        .map(|l| l.addresses.iter().map(|a| a.ip).collect())
        .collect();
    let first = &lookups[0];
    ResolveReport {
        query: Query {
            input: target.display.clone(),
            host: target.host.clone(),
            port: target.port,
        },
        nameserver: first.nameserver.clone(),
        canonical_name: first.canonical_name.clone(),
        cname_chain: first.cname_chain.clone(),
        addresses: union
            .into_iter()
            .map(|((family, ip), ttl)| Address { ip, family, ttl })
            .collect(),
        min_ttl: lookups.iter().filter_map(|l| l.min_ttl).min(),
        changed: samples.windows(2).any(|w| w[0] != w[1]),
        samples,
    }
}

fn write_table(report: &ResolveReport, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    use colored::Colorize as _;
    writeln!(
        out,
        "{} via {}",
        report.query.input.bold(),
        report.nameserver
    )?;
    for link in &report.cname_chain {
        writeln!(
            out,
            "CNAME {} -> {} (TTL {}s)",
            link.name, link.target, link.ttl
        )?;
    }
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .force_no_tty();
    table.set_header(["ADDRESS", "FAMILY", "TTL"]);
    for address in &report.addresses {
        let ttl = if report.min_ttl.is_some() {
            format!("{}s", address.ttl)
        } else {
            "-".to_owned()
        };
        table.add_row([address.ip.to_string(), address.family.to_string(), ttl]);
    }
    // comfy-table pads the first column with a leading space under NOTHING; trim it per line.
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end().strip_prefix(' ').unwrap_or(line))?;
    }
    if report.samples.len() > 1 {
        let verdict = if report.changed {
            "answers changed between samples".yellow().to_string()
        } else {
            "answers were identical".to_owned()
        };
        writeln!(out, "{} samples: {verdict}", report.samples.len())?;
        for (i, set) in report.samples.iter().enumerate() {
            let list: Vec<String> = set.iter().map(ToString::to_string).collect();
            writeln!(out, "  #{} {}", i + 1, list.join(", "))?;
        }
    }
    Ok(())
}
