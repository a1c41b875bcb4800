//! `meshctl simulate`: what would this workload's sidecar do with a connection to DEST — which
//! listener, chain and cluster, which ServiceEntry, or why not. The inputs come from the
//! workspace (what Istio would admit), every answer from [`engine::explain`], every line of
//! output from `render::simulate`.

use anyhow::bail;

use crate::cli::{GlobalArgs, SimulateArgs, SimulateFormat};
use crate::render::simulate::{Query, Report};
use crate::{ExitStatus, Io, render};
use meshctl_core::engine::Verdict;
use meshctl_core::workspace::{Sources, Workspace};

pub(super) fn run(
    args: &SimulateArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    if args.paths.is_empty() {
        bail!(
            "no configuration loaded: pass -f PATH with the ServiceEntries and Sidecars to decide against"
        );
    }
    let workspace = Workspace::load(&sources(args))?;
    render::simulate::rejected_note(workspace.rejected(), io.err)?;
    if let Some(file) = &args.expect {
        return super::expect::run(file, args, &workspace, io);
    }
    let Some(destination) = &args.destination else {
        bail!("give a destination (IP:PORT, HOST:PORT or a DSN) or --expect FILE");
    };
    let sni = args.sni.as_deref();
    let tls = args.tls || sni.is_some();
    let calling = &args.workload;
    let workload = workspace.in_mesh(calling.workload(&calling.source_namespace, &calling.labels));
    let registry = workspace.compile(&workload);
    let (target, addresses) = super::destination::resolve(destination, &args.dns)?;
    let connections = super::destination::explain_all(&registry, &target, &addresses, tls, sni);
    let report = Report {
        query: Query {
            destination: target.display.clone(),
            tls,
            sni: sni.map(str::to_owned),
            source_namespace: calling.source_namespace.clone(),
            labels: calling.labels.iter().cloned().collect(),
        },
        outbound_policy: registry.policy_in_force(),
        verdict: connections
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Deny),
        rejected: workspace.rejected(),
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

/// The workspace sources `simulate` names.
fn sources(args: &SimulateArgs) -> Sources {
    Sources {
        paths: args.paths.clone(),
        mesh_config: args.mesh_config.clone(),
        outbound_policy: args.outbound_policy.map(Into::into),
        namespace: args.ns.namespace.clone(),
    }
}
