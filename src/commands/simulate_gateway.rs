//! `meshctl simulate DEST --gateway K=V`: a connection arriving at a gateway workload, decided
//! as that hop alone (listener, chain, TLS handshake, AuthorizationPolicy, cluster). DEST is
//! the address and port the connection arrives at; `--sni`/`--tls` say what the client sends,
//! `--principal` that it presents a mesh certificate.

use crate::cli::{GlobalArgs, SimulateArgs, SimulateFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::render::simulate::{Query, Report};
use crate::settings::simulate::SimulateSettings;
use meshctl_core::engine::gateway::ClientHello;
use meshctl_core::engine::{self, Verdict};
use meshctl_core::workspace::Workspace;

pub(super) fn run(
    args: &SimulateArgs,
    global: &GlobalArgs,
    settings: &SimulateSettings,
    workspace: &Workspace,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let Some(destination) = &args.destination else {
        anyhow::bail!("give the address the connection arrives at (IP:PORT) with --gateway");
    };
    let view = &settings.view;
    let namespace = view.source_namespace();
    let labels = args.gateway.iter().cloned().collect();
    let gateways = workspace.gateways();
    let proxy = gateways.proxy(namespace, &labels);
    for line in &proxy.skipped {
        writeln!(io.err, "note: {line}")?;
    }
    let written = args
        .gateway
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    if proxy.gateways.is_empty() {
        writeln!(
            io.err,
            "note: no Gateway selects a workload labelled {written} (a Gateway's selector must be among the labels)"
        )?;
    }
    let name = format!("{namespace}/{written}");
    let (target, addresses) = super::destination::resolve(destination, &settings.resolver)?;
    let port = target.port_or_scheme_default().unwrap_or_default();
    let hello = if settings.tls {
        ClientHello::Tls {
            sni: settings.sni.as_deref(),
            mesh_principal: args.principal.as_deref(),
        }
    } else {
        ClientHello::Plaintext
    };
    let connections: Vec<_> = addresses
        .iter()
        .map(|&address| engine::explain_gateway(&proxy, &name, address, port, hello))
        .collect();
    let registry = workspace.compile(&workspace.in_mesh(view.workload()));
    let report = Report {
        query: Query {
            destination: target.display.clone(),
            tls: settings.tls,
            sni: settings.sni.clone(),
            source_namespace: namespace.to_owned(),
            labels,
        },
        outbound_policy: registry.policy_in_force(),
        verdict: Report::worst(&connections),
        rejected: workspace.rejected(),
        connections,
    };
    match args.output {
        SimulateFormat::Json => render::write_json(&report, io.out)?,
        SimulateFormat::Text => render::simulate::text(&report, global.verbose > 0, io.out)?,
    }
    Ok(if report.verdict == Verdict::Deny {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
