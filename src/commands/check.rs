//! `meshctl check`: load → rules → render, with `--fail-on` deciding the exit code. Input
//! problems are findings (MSH001/MSH002), not crashes; only unreadable paths end the run early.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::bail;

use crate::cli::{CheckArgs, FailOn, GlobalArgs};
use crate::render::{self, Summary};
use crate::{ExitStatus, Io};
use meshctl_core::rules::{self, Diagnostic, DnsFacts, Rule, RuleSelection, Severity};
use meshctl_core::{dns, load, workspace as config};

/// Samples per host for the DNS rules: enough to see a rotating answer.
const DNS_SAMPLES: usize = 3;

pub(super) fn run(
    args: &CheckArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    if args.list_rules {
        list_rules(io.out)?;
        return Ok(ExitStatus::Success);
    }
    if let Some(code) = &args.explain {
        let Some(rule) = Rule::find(code) else {
            bail!("`{code}` is not a rule code or name (see `meshctl check --list-rules`)");
        };
        writeln!(io.out, "{}", rule.info().explanation.trim_end())?;
        return Ok(ExitStatus::Success);
    }
    let selection = RuleSelection::new(&args.select, &args.ignore).map_err(anyhow::Error::msg)?;
    let options = config::load_options(global.namespace.as_deref());
    let paths = if args.paths.is_empty() {
        vec![".".into()]
    } else {
        args.paths.clone()
    };
    let mut inputs = load::load_paths(&paths, &options)?;
    if let Some(file) = &args.mesh_config {
        inputs
            .mesh_configs
            .extend(config::load_mesh_config(file, &options)?);
    }
    // Resolve only when a selected rule reads the answers (`--dns --select MSH2` needs none).
    let wants_dns = args.dns
        && Rule::ALL
            .iter()
            .any(|rule| rule.needs_dns() && selection.enabled(*rule));
    let facts = if wants_dns {
        Some(resolve_hosts(&inputs, args)?)
    } else {
        None
    };
    let mut cx = rules::Context::new(&inputs);
    cx.server_first_ports.clone_from(&args.server_first_ports);
    cx.max_ipv4_prefix = args.max_ipv4_prefix;
    cx.max_ipv6_prefix = args.max_ipv6_prefix;
    cx.min_ttl = args.min_ttl;
    cx.dns = facts.as_ref();
    let diagnostics = rules::check(&cx, &selection);

    let summary = Summary {
        files: inputs.files.len(),
        resources: inputs.service_entries.len() + inputs.sidecars.len() + inputs.mesh_configs.len(),
        skipped: inputs.others.len(),
    };
    render::diagnostics(&diagnostics, args.output, &summary, io.out)?;
    if args.statistics {
        statistics(&diagnostics, io.err)?;
    }
    Ok(exit_status(&diagnostics, args.fail_on, args.exit_zero))
}

fn exit_status(diagnostics: &[Diagnostic], fail_on: FailOn, exit_zero: bool) -> ExitStatus {
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    };
    let failing = threshold.is_some_and(|t| diagnostics.iter().any(|d| d.severity >= t));
    if failing && !exit_zero {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

fn resolve_hosts(inputs: &load::Inputs, args: &CheckArgs) -> anyhow::Result<DnsFacts> {
    let settings = super::resolve::settings(&args.dns_options);
    let mut hosts: Vec<&str> = inputs
        .service_entries
        .iter()
        .flat_map(|se| se.resource.spec.hosts.iter().map(String::as_str))
        .filter(|h| !h.contains('*'))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    let runtime = super::runtime()?;
    let mut facts = DnsFacts::default();
    for host in hosts {
        let result = runtime.block_on(async {
            let mut samples = Vec::new();
            for _ in 0..DNS_SAMPLES {
                samples.push(dns::lookup(host, &settings).await?);
            }
            Ok(samples)
        });
        facts.hosts.insert(host.to_owned(), result);
    }
    Ok(facts)
}

fn list_rules(out: &mut dyn Write) -> anyhow::Result<()> {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .force_no_tty();
    table.set_header(["CODE", "NAME", "SEVERITY", "SUMMARY"]);
    for rule in Rule::ALL {
        let info = rule.info();
        table.add_row([info.code, info.name, info.severity.as_str(), info.summary]);
    }
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end().strip_prefix(' ').unwrap_or(line))?;
    }
    Ok(())
}

fn statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut counts: BTreeMap<Rule, usize> = BTreeMap::new();
    for d in diagnostics {
        *counts.entry(d.rule).or_default() += 1;
    }
    for (rule, count) in counts {
        writeln!(out, "{count:>5}  {}  {}", rule.code(), rule.name())?;
    }
    Ok(())
}
