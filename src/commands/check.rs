//! `meshctl check`: load → rules → render, with `--fail-on` deciding the exit code. Input
//! problems are findings (MSH001/MSH002), not crashes; only unreadable paths end the run early.

use anyhow::bail;

use crate::cli::{CheckArgs, CheckFormat, FailOn, GlobalArgs};
use crate::render::{self, Summary};
use crate::{ExitStatus, Io};
use meshctl_core::load::SkipReason;
use meshctl_core::rules::{self, Diagnostic, DnsFacts, Rule, RuleSelection, Severity};
use meshctl_core::workspace::{Sources, Workspace};
use meshctl_core::{dns, load};

/// Samples per host for the DNS rules: enough to see a rotating answer.
const DNS_SAMPLES: usize = 3;

pub(super) fn run(
    args: &CheckArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    if args.list_rules {
        match args.output {
            CheckFormat::Json => render::rules::json(io.out)?,
            _ => render::rules::table(io.out)?,
        }
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
    let mut paths: Vec<_> = args.paths.iter().chain(&args.filenames).cloned().collect();
    if paths.is_empty() {
        paths.push(".".into());
    }
    let walk = load::WalkOptions {
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
    };
    let workspace = Workspace::load_walking(
        &Sources {
            paths,
            mesh_config: args.mesh_config.clone(),
            outbound_policy: None,
            namespace: global.namespace.clone(),
        },
        &walk,
    )?;
    let inputs = workspace.inputs();
    // Resolve only when a selected rule reads the answers (`--dns --select MSH2` needs none).
    let wants_dns = args.dns
        && Rule::ALL
            .iter()
            .any(|rule| rule.needs_dns() && selection.enabled(*rule));
    let facts = if wants_dns {
        Some(resolve_hosts(inputs, args)?)
    } else {
        None
    };
    let mut cx = workspace.lint_context();
    cx.server_first_ports.clone_from(&args.server_first_ports);
    cx.max_ipv4_prefix = args.max_ipv4_prefix;
    cx.max_ipv6_prefix = args.max_ipv6_prefix;
    cx.min_ttl = args.min_ttl;
    cx.dns = facts.as_ref();
    let diagnostics = rules::check(&cx, &selection);

    if global.verbose > 0 {
        render::rules::skipped(&inputs.skipped, io.err)?;
    }
    let templates = inputs
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::Template)
        .count();
    if templates > 0 && !global.quiet {
        writeln!(
            io.err,
            "note: skipped {templates} {} with template syntax; render {} first: `helm template … | meshctl check -`",
            if templates == 1 { "file" } else { "files" },
            if templates == 1 { "it" } else { "them" },
        )?;
    }
    let summary = Summary {
        files: inputs.files.len(),
        resources: inputs.service_entries.len() + inputs.sidecars.len() + inputs.mesh_configs.len(),
        skipped: inputs.others.len(),
        not_resources: inputs.skipped.len(),
        quiet: global.quiet,
    };
    // As ruff does, `--statistics` replaces the findings: one table, on stdout, for scripts.
    if args.statistics {
        render::rules::statistics(&diagnostics, io.out)?;
    } else {
        render::diagnostics(&diagnostics, args.output.into(), &summary, io.out)?;
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
