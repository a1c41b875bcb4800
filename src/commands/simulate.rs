//! `meshctl simulate`: what would this workload's sidecar do with a connection to DEST — which
//! listener, chain and cluster, which ServiceEntry, or why not. The inputs come from the
//! workspace (what Istio would admit), every answer from [`engine::explain`], every line of
//! output from `render::simulate`. With `--config-dump` the listeners come from a live sidecar
//! instead (translated into the engine's model by `meshctl_core::envoy`); deciding is the same.

use anyhow::{Context as _, bail};

use crate::cli::{GlobalArgs, SimulateArgs, SimulateFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::render::simulate::{Query, Report};
use crate::settings::simulate::SimulateSettings;
use meshctl_core::engine::{self, Registry, Verdict};
use meshctl_core::envoy;
use meshctl_core::workspace::RejectedResource;

pub(super) fn run(
    args: &SimulateArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let settings = SimulateSettings::resolve(args);
    let view = &settings.view;
    let (tls, sni) = (settings.tls, settings.sni.as_deref());
    let workspace;
    let gateways;
    let mut onward = None;
    let (registry, rejected): (Registry, &[RejectedResource]) = if let Some(file) =
        &args.config_dump
    {
        (registry_from_dump(file, io)?, &[])
    } else {
        if args.paths.is_empty() {
            bail!(
                "no configuration loaded: pass -f PATH with the ServiceEntries and Sidecars to decide against, or --config-dump FILE"
            );
        }
        workspace = super::mesh_choice::workspace(view)?;
        render::simulate::rejected_note(workspace.rejected(), io.err)?;
        if workspace.is_empty() && workspace.rejected().is_empty() {
            render::simulate::empty_note(&args.paths, io.err)?;
        }
        if let Some(file) = &args.expect {
            return super::expect::run(file, args.output, &settings, &workspace, io);
        }
        if !args.gateway.is_empty() {
            return super::simulate_gateway::run(args, global, &settings, &workspace, io);
        }
        gateways = workspace.gateways();
        onward = Some(super::destination::Onward {
            gateways: &gateways,
            principal: engine::principal_of(view.source_namespace(), &settings.service_account),
        });
        let workload = workspace.in_mesh(view.workload());
        (workspace.compile(&workload), workspace.rejected())
    };
    let Some(destination) = &args.destination else {
        bail!("give a destination (IP:PORT, HOST:PORT or a DSN) or --expect FILE");
    };
    let (target, addresses) = super::destination::resolve(destination, &settings.resolver)?;
    let connections =
        super::destination::explain_all(&registry, onward.as_ref(), &target, &addresses, tls, sni);
    let report = Report {
        query: Query {
            destination: target.display.clone(),
            tls,
            sni: sni.map(str::to_owned),
            source_namespace: view.source_namespace().to_owned(),
            labels: view.labels().iter().cloned().collect(),
        },
        outbound_policy: registry.policy_in_force(),
        verdict: Report::worst(&connections),
        rejected,
        connections,
    };
    match args.output {
        SimulateFormat::Json => render::write_json(&report, io.out)?,
        SimulateFormat::Text => render::simulate::text(&report, global.verbose > 0, io.out)?,
    }
    Ok(
        if report
            .connections
            .iter()
            .any(|c| c.verdict == Verdict::Deny)
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
