//! `meshctl export envoy`: the workload's compiled registry as an Envoy bootstrap, or (with
//! `--diff`) the difference between that and a live sidecar's config dump; with `--proxy
//! gateway`, a gateway workload's bootstrap. The listeners and clusters come from
//! `meshctl_core::envoy`, which reads them off the engine's registry or gateway proxy.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::{DocFormat, ExportEnvoyArgs, ExportProxy, GlobalArgs};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::view::View;
use meshctl_core::envoy::{self, CertFiles, ExportOptions};

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
    let options = ExportOptions {
        access_log: args.access_log.clone(),
        certs: args.certs.as_deref().map(cert_files).transpose()?,
    };
    if args.proxy == ExportProxy::Gateway {
        anyhow::ensure!(
            args.diff.is_none(),
            "`--diff` compares a sidecar's listeners; it does not take `--proxy gateway`"
        );
        return gateway(args, global, &view, &workspace, &options, io);
    }
    let registry = workspace.compile(&workspace.in_mesh(view.workload()));
    let export = envoy::export(&registry, &options);
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

/// The three files of `--certs DIR`; each must exist, since Envoy reads them at start.
fn cert_files(dir: &Path) -> anyhow::Result<CertFiles> {
    let files = CertFiles::in_dir(dir);
    for file in [&files.root, &files.chain, &files.key] {
        anyhow::ensure!(
            Path::new(file).is_file(),
            "`--certs {}`: `{file}` is not a file (the directory holds root-cert.pem, cert-chain.pem and key.pem)",
            dir.display()
        );
    }
    Ok(files)
}

/// `--proxy gateway`: the gateway workload that `--gateway-labels` names.
fn gateway(
    args: &ExportEnvoyArgs,
    global: &GlobalArgs,
    view: &View,
    workspace: &meshctl_core::workspace::Workspace,
    options: &ExportOptions,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let namespace = view.source_namespace();
    let labels = args.gateway_labels.iter().cloned().collect();
    let gateways = workspace.gateways();
    let proxy = gateways.proxy(namespace, &labels);
    // The workload's name in the node id: its `app` label, as a Deployment's pods carry it.
    let name = args
        .gateway_labels
        .iter()
        .find(|(k, _)| k == "app")
        .or_else(|| args.gateway_labels.first())
        .map_or("gateway", |(_, v)| v.as_str());
    let export = envoy::export_gateway(&proxy, name, options);
    if !global.quiet {
        if proxy.gateways.is_empty() {
            writeln!(
                io.err,
                "note: no Gateway selects a workload labelled {} in {namespace} (a Gateway's selector must be among the labels)",
                args.gateway_labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )?;
        }
        for note in proxy.skipped.iter().chain(&export.notes) {
            writeln!(io.err, "note: {note}")?;
        }
    }
    match args.output {
        DocFormat::Yaml => render::write_yaml(&export.bootstrap, io.out)?,
        DocFormat::Json => render::write_json(&export.bootstrap, io.out)?,
    }
    Ok(ExitStatus::Success)
}
