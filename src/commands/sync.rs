//! `meshctl sync`: keep the addresses meshctl manages equal to what DNS answers.
//!
//! One pass (`--check`, `--write`, `-o yaml`) is: read the files ([`files`]), look every
//! source host up with bounded concurrency, plan each entry (`meshctl_core::sync::plan`), then
//! report ([`report`]), write atomically, or print the documents. `--watch` ([`watch`]) runs
//! passes for the hosts that are due, serving [`metrics`] until SIGTERM.

mod files;
mod metrics;
mod report;
mod rewrite;
mod watch;

use std::time::SystemTime;

use crate::cli::{GlobalArgs, SyncArgs, SyncFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render::{self, Summary};
use crate::settings::inputs;
use crate::settings::sync::SyncSettings;
use meshctl_core::escape::Escaped;
use meshctl_core::sync;

use files::Planned;
use report::Tally;

/// What one pass does with its plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Report findings; exit 1 on drift.
    Check,
    /// Write the files (or print the documents with `-o yaml`).
    Write,
}

pub(super) fn run(
    args: &SyncArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let SyncSettings {
        paths,
        options,
        plan: settings,
        resolver,
    } = SyncSettings::resolve(args)?;
    let runtime = super::runtime::runtime()?;
    if args.watch {
        let plan = watch::WatchPlan {
            paths,
            options,
            settings,
            resolver,
            args,
        };
        runtime.block_on(watch::run(&plan, io))?;
        return Ok(ExitStatus::Success);
    }
    let mode = if args.write || (args.output == SyncFormat::Yaml && !args.check) {
        Mode::Write
    } else {
        Mode::Check
    };

    // `--check` only reports, so it reads on past an invalid file, as `check` does.
    let keep_going = mode == Mode::Check && args.output != SyncFormat::Yaml;
    let tree = files::load(&paths, &options, args.all_static, keep_going)?;
    if tree.files.is_empty() && !global.quiet {
        writeln!(
            io.err,
            "no managed ServiceEntries in {} file(s): `gen serviceentry` marks the ones it resolves with `{}`; --all-static adopts pinned STATIC/NONE entries",
            tree.files_read,
            sync::RESOLVE_ANNOTATION
        )?;
    }
    let answers = runtime.block_on(sync::resolve::resolve_all(
        tree.hosts(),
        &resolver,
        usize::from(args.concurrency),
    ));
    let now = SystemTime::now();
    let planned = files::plan_all(&tree, &answers, now, settings);
    let tally = Tally::of(&planned);

    if args.output == SyncFormat::Yaml {
        print_documents(&planned, io)?;
    } else if mode == Mode::Check {
        let mut findings = report::diagnostics(&planned, args.grace);
        findings.extend(tree.invalid.iter().cloned());
        meshctl_core::rules::sort_diagnostics(&mut findings);
        let summary = Summary {
            files: tree.files_read,
            resources: tree.resources,
            skipped: 0,
            meshes: group_by_mesh(&paths, &options, &mut findings),
            ..Summary::default()
        };
        let format = args.output.findings().unwrap_or(render::OutputFormat::Text);
        render::diagnostics(&findings, format, &summary, io.out)?;
    } else {
        let replan = rewrite::Replan {
            answers: &answers,
            now,
            settings,
            options: &options,
            all_static: args.all_static,
        };
        write_files(&planned, &replan, args, io)?;
    }
    if !tree.invalid.is_empty() {
        // Every file that could be read was checked; the invalid ones make the run an error.
        return Ok(ExitStatus::Error);
    }
    Ok(exit_status(mode, tally))
}

/// `file:line:col: ServiceEntry ns/name: what the plan does`, escaped: a file name or host can
/// never forge a line of the report.
fn plan_line(entry: &sync::Managed, plan: &sync::Plan, args: &SyncArgs) -> String {
    Escaped(&format!(
        "{}: {}: {}",
        entry.origin,
        entry.resource,
        report::describe(entry, plan, args.grace)
    ))
    .to_string()
}

/// Names each finding's mesh, as `check` finds meshes (sync edits the files as written, so
/// kustomizations are read raw), and returns the meshes when there are several. Grouping is
/// presentation only: sync plans every managed entry in its own file whatever mesh it is in, so
/// when the meshes cannot be told apart (a directory with disagreeing mesh configs) the
/// findings stay ungrouped.
fn group_by_mesh(
    paths: &[std::path::PathBuf],
    options: &meshctl_core::load::LoadOptions,
    findings: &mut [meshctl_core::rules::Diagnostic],
) -> Vec<render::MeshFindings> {
    let sources = inputs::in_namespace(paths.to_vec(), options.default_namespace.clone());
    let scope = inputs::unconfigured_scope(false);
    let Ok(meshes) = meshctl_core::meshes::load(&sources, &options.walk, &scope) else {
        return Vec::new();
    };
    if meshes.len() < 2 {
        return Vec::new();
    }
    for finding in findings.iter_mut() {
        let path = &*finding.origin.path;
        finding.mesh = meshes
            .iter()
            .find(|m| m.scope.files.iter().any(|f| f == path))
            .map(|m| std::sync::Arc::from(m.scope.name.as_str()));
    }
    meshes
        .iter()
        .map(|m| render::MeshFindings {
            name: m.scope.name.clone(),
            policy: m.workspace.mesh().outbound_policy.as_str(),
            policy_source: m.workspace.mesh().policy_source.clone(),
            count: findings
                .iter()
                .filter(|d| d.mesh.as_deref() == Some(m.scope.name.as_str()))
                .count(),
        })
        .collect()
}

/// 2 when a name could not be verified (the answer is unknown, whatever else was found);
/// else 1 for drift under `--check`, or for drift held back when writing; else 0.
fn exit_status(mode: Mode, tally: Tally) -> ExitStatus {
    if tally.unverified > 0 {
        ExitStatus::Error
    } else if tally.held > 0 || (mode == Mode::Check && tally.drift > 0) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// `-o yaml`: every managed entry as it should be, as a stream for `kubectl apply -f -`.
fn print_documents(planned: &[Planned<'_>], io: &mut Io<'_>) -> anyhow::Result<()> {
    let mut first = true;
    for doc in planned.iter().flat_map(Planned::documents) {
        if !first {
            writeln!(io.out, "---")?;
        }
        first = false;
        render::write_yaml(&doc, io.out)?;
    }
    Ok(())
}

/// `--write`: each file with a change written atomically, one line per changed entry (escaped:
/// a file name or host cannot add a line of its own).
fn write_files(
    planned: &[Planned<'_>],
    replan: &rewrite::Replan<'_>,
    args: &SyncArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let (mut entries, mut written) = (0, 0);
    let mut writer = sync::write::Writer::new(args.force);
    for file in planned {
        let mut report = |done: &Planned<'_>| -> anyhow::Result<()> {
            for (entry, plan) in &done.plans {
                if plan.status == sync::Status::Drift {
                    entries += 1;
                    writeln!(io.out, "{}", plan_line(entry, plan, args))?;
                }
            }
            Ok(())
        };
        if rewrite::write_file(&mut writer, file, replan, &mut report)? {
            written += 1;
        }
    }
    writer.finish();
    for (entry, plan) in planned.iter().flat_map(|p| &p.plans) {
        if !matches!(plan.status, sync::Status::InSync | sync::Status::Drift) {
            writeln!(io.err, "{}", plan_line(entry, plan, args))?;
        }
    }
    let tally = Tally::of(planned);
    writeln!(
        io.out,
        "Updated {entries} {} in {written} {}; {} in sync{}{}.",
        if entries == 1 { "entry" } else { "entries" },
        if written == 1 { "file" } else { "files" },
        tally.in_sync,
        if tally.held > 0 {
            format!(", {} held back", tally.held)
        } else {
            String::new()
        },
        if tally.unverified > 0 {
            format!(", {} not verified", tally.unverified)
        } else {
            String::new()
        },
    )?;
    Ok(())
}
