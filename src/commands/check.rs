//! `meshctl check`: load → rules → render, with `--fail-on` deciding the exit code. Input
//! problems are findings (MSH001/MSH002), not crashes; only unreadable paths end the run early.

use anyhow::bail;

use crate::cli::{CheckArgs, CheckFormat, FailOn, GlobalArgs};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render::{self, Summary};
use crate::settings::check::CheckSettings;
use meshctl_core::load::SkipReason;
use meshctl_core::meshes::{self, Mesh};
use meshctl_core::rules::{self, Diagnostic, DnsFacts, Rule, Severity};
use meshctl_core::{dns, load};

/// Samples per host for the DNS rules: enough to see a rotating answer.
const DNS_SAMPLES: usize = 3;

pub(super) fn run(
    args: &CheckArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    check(args, global, io, args.fix || args.diff)
}

// One linear pass: config, workspace, DNS facts, rules, suppressions, render, exit status.
#[allow(clippy::too_many_lines)]
fn check(
    args: &CheckArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
    fixing: bool,
) -> anyhow::Result<ExitStatus> {
    if args.list_rules {
        match args.output {
            CheckFormat::Json => render::rules::json(io.out)?,
            _ => render::rules::table(io.out)?,
        }
        return Ok(ExitStatus::Success);
    }
    if let Some(code) = &args.explain {
        let Some(rule) = Rule::find(code).or_else(|| rules::from_istio_code(code)) else {
            bail!("`{code}` is not a rule code or name (see `meshctl check --list-rules`)");
        };
        writeln!(io.out, "{}", rule.info().explanation.trim_end())?;
        return Ok(ExitStatus::Success);
    }
    let settings = CheckSettings::resolve(args)?;
    let meshes = meshes::load(&settings.sources, &settings.walk, &settings.scope)?;
    if args.list_meshes {
        render::meshes::write(&meshes, args.output == CheckFormat::Json, io.out)?;
        return Ok(ExitStatus::Success);
    }
    let several = meshes.len() > 1;
    let mut diagnostics = Vec::new();
    let mut summary = Summary {
        quiet: global.quiet,
        ..Summary::default()
    };
    let mut per_mesh = Vec::new();
    for mesh in &meshes {
        // Beside real meshes, a default scope of charts, workflows and data files is no mesh:
        // its skipped files are still noted below, but "nothing checked" would be noise.
        if several && mesh.is_leftover() {
            continue;
        }
        let selection = settings.selection_for(args, &mesh.scope.name, several)?;
        let workspace = &mesh.workspace;
        let inputs = workspace.inputs();
        // Resolve only when a selected rule reads the answers (`--dns --select MSH2` needs none).
        let wants_dns = args.dns
            && Rule::ALL
                .iter()
                .any(|rule| rule.needs_dns() && selection.enabled(*rule));
        let facts = if wants_dns {
            Some(resolve_hosts(inputs, &settings.resolver)?)
        } else {
            None
        };
        let cx = settings.lint.context(workspace, facts.as_ref());
        let mut found = rules::check(&cx, &selection);
        found.retain(|d| !settings.suppresses(d));
        let name: std::sync::Arc<str> = std::sync::Arc::from(mesh.scope.name.as_str());
        let rendered = mesh.scope.kind == meshes::RootKind::Kustomization;
        for d in &mut found {
            d.mesh = Some(name.clone());
            // A rendered resource is not the text in its source file (patches changed it):
            // `--fix` must not edit a file by what another file says.
            if rendered {
                d.fix = None;
            }
            if let Some(stdin_name) = &args.stdin_filename
                && &*d.origin.path == "-"
            {
                d.origin.path = std::sync::Arc::from(stdin_name.as_str());
            }
        }
        summary.files += inputs.files.len();
        summary.resources += inputs.service_entries.len()
            + inputs.sidecars.len()
            + inputs.mesh_configs.len()
            + rejected_by_schema(inputs);
        summary.skipped += inputs.others.len();
        summary.not_resources += inputs.skipped.len();
        per_mesh.push(render::MeshFindings {
            name: mesh.scope.name.clone(),
            policy: workspace.mesh().outbound_policy.as_str(),
            policy_source: workspace.mesh().policy_source.clone(),
            count: found.len(),
        });
        diagnostics.extend(found);
    }
    summary.meshes = per_mesh;

    if fixing {
        let changed = super::check_fix::apply(&diagnostics, args.diff, io)?;
        if args.diff {
            return Ok(if changed > 0 {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            });
        }
        // The files changed: check them again, so what is printed is what is left.
        return check(args, global, io, false);
    }
    for mesh in &meshes {
        notes(mesh, several, global, args.output, io)?;
    }
    let shown = visible(&diagnostics, settings.output_threshold);
    // Stdout is line-buffered: thousands of findings were as many write calls.
    let mut out = std::io::BufWriter::new(&mut *io.out);
    // As ruff does, `--statistics` replaces the findings: one table, on stdout, for scripts.
    if args.statistics {
        render::rules::statistics(&shown, &mut out)?;
    } else {
        render::diagnostics(&shown, args.output.into(), &summary, &mut out)?;
    }
    std::io::Write::flush(&mut out)?;
    drop(out);
    let status = exit_status(&diagnostics, settings.fail_on, args.exit_zero);
    // The process exits next and the OS takes the memory back at once; freeing every parsed
    // document one by one took a tenth of a large check's time.
    std::mem::forget(meshes);
    Ok(status)
}

/// What `check` says on stderr about what it read: with `-v` the mesh, its settings and every
/// skipped file and why (a JSON object per line with `-o json`), and unless `-q` how to check a
/// chart whose templates were skipped.
fn notes(
    mesh: &Mesh,
    several: bool,
    global: &GlobalArgs,
    format: CheckFormat,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let inputs = mesh.workspace.inputs();
    if global.verbose > 0 {
        let settings = mesh.workspace.mesh();
        writeln!(
            io.err,
            "mesh {} ({}): outbound policy {} from {}",
            mesh.scope.name,
            mesh.scope.kind.as_str(),
            settings.outbound_policy.as_str(),
            settings.policy_source
        )?;
        if format == CheckFormat::Json {
            render::rules::skipped_json(&inputs.skipped, io.err)?;
        } else {
            render::rules::skipped(&inputs.skipped, io.err)?;
        }
    }
    let _ = several;
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
    Ok(())
}

/// The findings printed: `--output-threshold` hides lower severities from the output only, as
/// istioctl's does; the exit code still counts them.
fn visible(diagnostics: &[Diagnostic], threshold: Severity) -> Vec<Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity >= threshold)
        .cloned()
        .collect()
}

/// Resources that failed their schema are not in the loaded lists, but they were checked: the
/// summary counts them (once each, however many fields are wrong).
fn rejected_by_schema(inputs: &load::Inputs) -> usize {
    let mut seen: Vec<(&str, &str)> = inputs
        .problems
        .iter()
        .filter(|p| p.kind == load::ProblemKind::Schema)
        .filter_map(|p| Some((&*p.origin.path, p.resource.as_deref()?)))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
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

fn resolve_hosts(
    inputs: &load::Inputs,
    settings: &dns::ResolverSettings,
) -> anyhow::Result<DnsFacts> {
    let mut hosts: Vec<&str> = inputs
        .service_entries
        .iter()
        .flat_map(|se| se.resource.spec.hosts.iter().map(String::as_str))
        .filter(|h| !h.contains('*'))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    let runtime = super::runtime::runtime()?;
    let mut facts = DnsFacts::default();
    for host in hosts {
        let result = runtime.block_on(async {
            let mut samples = Vec::new();
            for _ in 0..DNS_SAMPLES {
                samples.push(dns::lookup(host, settings).await?);
            }
            Ok(samples)
        });
        facts.hosts.insert(host.to_owned(), result);
    }
    Ok(facts)
}
