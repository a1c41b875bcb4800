//! `meshctl check`: load → rules → render, with `--fail-on` deciding the exit code. Input
//! problems are findings (MSH001/MSH002), not crashes; only unreadable paths end the run early.

use anyhow::{Context as _, bail};

use crate::cli::{CheckArgs, CheckFormat, FailOn, GlobalArgs};
use crate::render::{self, Summary};
use crate::settings::config::{self, Settings};
use crate::settings::lint::LintSettings;
use crate::settings::{inputs, resolver};
use crate::{ExitStatus, Io};
use meshctl_core::load::SkipReason;
use meshctl_core::meshes::{self, Mesh, ScopeOptions};
use meshctl_core::rules::{self, Diagnostic, DnsFacts, Rule, RuleSelection, Severity, Suppression};
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
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = config::discover(args.config.as_deref(), args.isolated, &cwd)?.unwrap_or_default();
    let per_file = PerFileIgnores::new(&config, &cwd)?;
    let suppressions = args
        .suppress
        .iter()
        .map(|text| Suppression::parse(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    // The whole-run selection is checked first, so a bad code fails before any work.
    let selection = mesh_selection(args, &config, None)?;
    let paths = inputs::paths_or_cwd(args.paths.iter().chain(&args.filenames));
    let walk = load::WalkOptions {
        exclude: config
            .exclude
            .iter()
            .chain(&args.exclude)
            .cloned()
            .collect(),
        no_ignore: args.no_ignore,
        include_hidden: false,
    };
    let sources = inputs::checked(paths, &args.ns, args.mesh_config.as_ref(), &config);
    let lint = LintSettings::resolve(args, &config);
    let scope_options = ScopeOptions {
        configured: config.mesh_specs(&walk)?,
        kustomize: !args.no_kustomize,
    };
    let meshes = meshes::load(&sources, &walk, &scope_options)?;
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
        let selection = if several || config.mesh_table(&mesh.scope.name).is_some() {
            mesh_selection(args, &config, config.mesh_table(&mesh.scope.name))?
        } else {
            selection.clone()
        };
        let workspace = &mesh.workspace;
        let inputs = workspace.inputs();
        // Resolve only when a selected rule reads the answers (`--dns --select MSH2` needs none).
        let wants_dns = args.dns
            && Rule::ALL
                .iter()
                .any(|rule| rule.needs_dns() && selection.enabled(*rule));
        let facts = if wants_dns {
            Some(resolve_hosts(
                inputs,
                &resolver::with_config(&args.dns_options, &config),
            )?)
        } else {
            None
        };
        let cx = lint.context(workspace, facts.as_ref());
        let mut found = rules::check(&cx, &selection);
        found.retain(|d| !per_file.suppresses(d) && !suppressions.iter().any(|s| s.covers(d)));
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
    let shown = visible(&diagnostics, args);
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
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let status = exit_status(&diagnostics, fail_on, args.exit_zero);
    // The process exits next and the OS takes the memory back at once; freeing every parsed
    // document one by one took a tenth of a large check's time.
    std::mem::forget(meshes);
    Ok(status)
}

/// The rule selection for one mesh: flags beat the file; a `[[mesh]]` table's `select`
/// replaces the file's, its `ignore` adds to it. `--select` replaces every list, `--ignore`
/// adds to it.
fn mesh_selection(
    args: &CheckArgs,
    config: &Settings,
    table: Option<&config::MeshTable>,
) -> anyhow::Result<RuleSelection> {
    let select = if args.select.is_empty() {
        table
            .and_then(|t| t.select.clone())
            .or_else(|| config.select.clone())
            .unwrap_or_default()
    } else {
        args.select.clone()
    };
    let ignore: Vec<String> = config
        .ignore
        .iter()
        .chain(table.map(|t| t.ignore.as_slice()).unwrap_or_default())
        .chain(&args.ignore)
        .cloned()
        .collect();
    RuleSelection::new(&select, &ignore).map_err(|e| with_config(e, config))
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
fn visible(diagnostics: &[Diagnostic], args: &CheckArgs) -> Vec<Diagnostic> {
    let threshold = args.output_threshold.map_or(Severity::Info, Severity::from);
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

/// A selection error, naming the configuration file when its `select`/`ignore` may be the
/// culprit.
fn with_config(error: String, config: &Settings) -> anyhow::Error {
    if config.select.is_none() && config.ignore.is_empty() {
        anyhow::Error::msg(error)
    } else {
        anyhow::anyhow!("{error} (flags or `{}`)", config.path.display())
    }
}

/// `per-file-ignores`: findings in files matching a glob, for the rules listed with it, are
/// dropped. Globs use gitignore syntax, relative to the configuration file's directory (as
/// ruff's do), whatever directory `check` runs in.
struct PerFileIgnores {
    cwd: std::path::PathBuf,
    entries: Vec<(ignore::overrides::Override, RuleSelection)>,
}

impl PerFileIgnores {
    fn new(config: &Settings, cwd: &std::path::Path) -> anyhow::Result<PerFileIgnores> {
        let root = cwd.join(config.path.parent().unwrap_or(std::path::Path::new("")));
        let mut entries = Vec::new();
        for (glob, codes) in &config.per_file_ignores {
            let place = || format!("`{}`: `per-file-ignores` `{glob}`", config.path.display());
            let mut builder = ignore::overrides::OverrideBuilder::new(&root);
            builder
                .add(glob)
                .map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            let matcher = builder
                .build()
                .map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            let rules =
                RuleSelection::new(codes, &[]).map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            entries.push((matcher, rules));
        }
        Ok(PerFileIgnores {
            cwd: cwd.to_path_buf(),
            entries,
        })
    }

    fn suppresses(&self, diagnostic: &Diagnostic) -> bool {
        // Override strips its (absolute) root, so findings' paths are made absolute and
        // lexically normal too (`./x`, `sub/../x` and `x` name one file).
        let mut path = std::path::PathBuf::new();
        for part in self.cwd.join(&*diagnostic.origin.path).components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    path.pop();
                }
                other => path.push(other),
            }
        }
        self.entries.iter().any(|(matcher, rules)| {
            rules.enabled(diagnostic.rule) && matcher.matched(&path, false).is_whitelist()
        })
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
