//! `meshctl export envoy`: the workload's compiled registry as an Envoy bootstrap, or (with
//! `--diff`) the difference between that and a live sidecar's config dump. The listeners and
//! clusters come from `meshctl_core::envoy`, which reads them off the engine's registry.

use anyhow::Context as _;

use crate::cli::{DocFormat, ExportEnvoyArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::view::View;
use meshctl_core::envoy::{self, ExportOptions};

pub(super) fn run(
    args: &ExportEnvoyArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    // The same pipeline as simulate and the proxy: what Istio would reject is left out and named.
    let view = View::export(args);
    let workspace = super::mesh_choice::workspace(&view)?;
    render::simulate::rejected_note(workspace.rejected(), io.err)?;
    if workspace.is_empty() && workspace.rejected().is_empty() {
        render::simulate::empty_note(&view.sources.paths, io.err)?;
    }
    let registry = workspace.compile(&workspace.in_mesh(view.workload()));
    let export = envoy::export(
        &registry,
        &ExportOptions {
            access_log: args.access_log.clone(),
        },
    );
    if let Some(file) = &args.diff {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading `{}`", file.display()))?;
        let dump = envoy::dump::parse(&text, &file.display().to_string())?;
        let ours = envoy::dump::parse_value(&export.bootstrap, "export")?;
        let differences = envoy::diff::diff(&ours, &dump);
        for line in &differences {
            writeln!(io.out, "{line}")?;
        }
        if differences.is_empty() {
            if !global.quiet {
                writeln!(
                    io.err,
                    "no differences: {} listeners and {} clusters match `{}`",
                    ours.listeners.len(),
                    ours.clusters.len(),
                    file.display()
                )?;
            }
            return Ok(ExitStatus::Success);
        }
        return Ok(ExitStatus::Failure);
    }
    if !global.quiet {
        for note in registry.notes().iter().chain(&export.notes) {
            writeln!(io.err, "note: {note}")?;
        }
    }
    match args.output {
        DocFormat::Yaml => render::write_yaml(&export.bootstrap, io.out)?,
        DocFormat::Json => render::write_json(&export.bootstrap, io.out)?,
    }
    Ok(ExitStatus::Success)
}
