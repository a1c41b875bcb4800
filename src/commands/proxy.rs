//! `meshctl proxy`: flags → [`Settings`] → the proxy, which assembles itself
//! (`meshctl_proxy::Proxy`). This module owns only the process edges: the runtime, signals
//! (SIGHUP reloads, SIGTERM/SIGINT drain) and the exit status; `logging` sets up the log lines
//! and `iptables` runs `meshctl proxy iptables`.
//!
//! Exit status: 0 after a shutdown, whether every connection drained or the drain deadline cut
//! some (the count is logged; a supervisor stopping the proxy asked for exactly that); 2 when
//! the first configuration is invalid or a listener cannot be bound.

use std::net::SocketAddr;

use anyhow::{Context as _, bail};
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::{AdminAddr, GlobalArgs, ProxyArgs, ProxyCommand};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::settings::defaults::TRANSPARENT_LISTEN;
use crate::settings::{inputs, resolver};
use meshctl_proxy::{AccessLogTo, ForwardTarget, Mode, Options, Proxy, Settings, policy};

mod iptables;
mod logging;

pub(super) fn run(
    args: &ProxyArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    if let Some(ProxyCommand::Iptables(ipt)) = &args.command {
        return iptables::run(ipt, io);
    }
    if args.paths.is_empty() {
        bail!(
            "give the configuration to enforce with -f PATH (ServiceEntries, Sidecars, mesh config)"
        );
    }
    logging::init(global);
    let settings = settings(args);
    // The control plane (reloads, admin, drift, signals) has this thread to itself; the data
    // plane runs on worker threads of its own (`meshctl_proxy::workers`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let bound = Proxy::new(settings).bind().await?;
        let handle = bound.handle();
        let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
        tokio::spawn(
            async move { while hangup.recv().await.is_some() && handle.request_reload() {} },
        );
        let mut terminate =
            signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        bound
            .serve(async move {
                tokio::select! {
                    _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
                }
            })
            .await
    })?;
    Ok(ExitStatus::Success)
}

/// The proxy's settings from its flags: every listener (`--forward` ones, plus the transparent
/// one unless only forwards were asked for), the policy source, limits and logs.
fn settings(args: &ProxyArgs) -> Settings {
    let mut listeners: Vec<(SocketAddr, Mode)> = args
        .forwards
        .iter()
        .map(|(listen, host, port)| {
            let target = ForwardTarget {
                host: host.clone(),
                port: *port,
            };
            (*listen, Mode::Forward(target))
        })
        .collect();
    match args.listen {
        Some(addr) => listeners.push((addr, Mode::Transparent)),
        None if args.forwards.is_empty() => listeners.push((TRANSPARENT_LISTEN, Mode::Transparent)),
        None => {}
    }
    Settings {
        source: policy::Source {
            sources: inputs::deciding(args.paths.clone(), &args.ns, &args.mesh_settings),
            workload: args
                .workload
                .workload(&args.workload.source_namespace, &args.workload.labels),
            strict: args.strict,
            mesh: args.scope.mesh.clone(),
            kustomize: !args.scope.kustomize.no_kustomize,
        },
        listeners,
        admin: match args.admin {
            AdminAddr::At(addr) => Some(addr),
            AdminAddr::Off => None,
        },
        options: Options {
            connect_timeout: args.connect_timeout,
            idle_timeout: args.idle_timeout,
            drain_timeout: args.drain_timeout,
            sni_timeout: args.sni_timeout,
            keep_established: args.keep_established,
            max_pipes: args.max_pipes,
            policy_mode: args.policy_mode.into(),
        },
        max_connections: args.max_connections,
        workers: args.worker_threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            usize::from,
        ),
        resolver: resolver::nameservers(&args.nameserver),
        dns_drift_interval: args.dns_drift_interval,
        access_log: args.access_log.clone().map(|path| AccessLogTo {
            path,
            format: args.log_format.into(),
        }),
        takeover: args.takeover,
    }
}
