//! `meshctl proxy` and `meshctl proxy iptables`: flags → a validated plan → the proxy core
//! (`meshctl_proxy`). This module owns the process edges the core leaves to its caller:
//! logging setup, binding, signals (SIGHUP reloads, SIGTERM/SIGINT drain), the file watcher,
//! and the exit status.
//!
//! Exit status: 0 after a shutdown, whether every connection drained or the drain deadline cut
//! some (the count is logged; a supervisor stopping the proxy asked for exactly that); 2 when
//! the first configuration is invalid or a listener cannot be bound.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::{AdminAddr, GlobalArgs, IptablesArgs, ProxyArgs, ProxyCommand};
use crate::settings::defaults::TRANSPARENT_LISTEN;
use crate::settings::{inputs, resolver};
use crate::{ExitStatus, Io};
use meshctl_core::dns::ResolverSettings;
use meshctl_proxy::workers::{DataPlane, ListenerGroup};
use meshctl_proxy::{
    self, AccessLog, Drained, ForwardTarget, Mode, Options, Policy, Proxy, Resolver, iptables,
    policy, reload,
};

pub(super) fn run(
    args: &ProxyArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    if let Some(ProxyCommand::Iptables(ipt)) = &args.command {
        return run_iptables(ipt, io);
    }
    if args.paths.is_empty() {
        bail!(
            "give the configuration to enforce with -f PATH (ServiceEntries, Sidecars, mesh config)"
        );
    }
    init_logging(global);
    let listeners = listeners(args);
    let source = policy::Source {
        sources: inputs::deciding(args.paths.clone(), &args.ns, &args.mesh_settings),
        workload: args
            .workload
            .workload(&args.workload.source_namespace, &args.workload.labels),
        strict: args.strict,
        mesh: args.scope.mesh.clone(),
        kustomize: !args.scope.no_kustomize,
    };
    let options = Options {
        connect_timeout: args.connect_timeout,
        idle_timeout: args.idle_timeout,
        drain_timeout: args.drain_timeout,
        sni_timeout: args.sni_timeout,
        keep_established: args.keep_established,
        max_pipes: args.max_pipes,
    };
    let resolver = Resolver::new(resolver::nameservers(&args.nameserver));
    let access_log = open_access_log(args)?;
    let max = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let max_connections = args.max_connections;
    let core = Arc::new(Proxy::new(options, max, resolver, access_log));
    let workers = args.worker_threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        usize::from,
    );
    // The control plane (reloads, admin, drift, signals) has this thread to itself; the data
    // plane runs on `workers` threads of its own (`meshctl_proxy::workers`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let drift = args
        .dns_drift_interval
        .map(|interval| (interval, resolver::nameservers(&args.nameserver)));
    runtime.block_on(serve_all(
        source,
        (listeners, workers),
        args.admin,
        core,
        drift,
        max_connections,
    ))?;
    Ok(ExitStatus::Success)
}

/// The listeners and their modes: `--forward` ones, plus the transparent one unless only
/// forwards were asked for.
fn listeners(args: &ProxyArgs) -> Vec<(SocketAddr, Mode)> {
    let mut out: Vec<(SocketAddr, Mode)> = args
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
        Some(addr) => out.push((addr, Mode::Transparent)),
        None if args.forwards.is_empty() => out.push((TRANSPARENT_LISTEN, Mode::Transparent)),
        None => {}
    }
    out
}

/// Where ip6tables' REDIRECT delivers the IPv6 twin of a transparent IPv4 listener: `[::1]`
/// for loopback, `[::]` for the unspecified address; none for a specific address.
fn ipv6_twin(addr: SocketAddr) -> Option<SocketAddr> {
    use std::net::{IpAddr, Ipv6Addr};
    match addr.ip() {
        IpAddr::V4(v4) if v4.is_loopback() => Some(SocketAddr::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            addr.port(),
        )),
        IpAddr::V4(v4) if v4.is_unspecified() => Some(SocketAddr::new(
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            addr.port(),
        )),
        _ => None,
    }
}

fn open_access_log(args: &ProxyArgs) -> anyhow::Result<Option<AccessLog>> {
    let Some(path) = &args.access_log else {
        return Ok(None);
    };
    let sink: Box<dyn std::io::Write + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stderr())
    } else {
        Box::new(
            meshctl_proxy::open_access_log(path)
                .with_context(|| format!("opening the access log `{}`", path.display()))?,
        )
    };
    Ok(Some(AccessLog::new(args.log_format.into(), sink)))
}

/// Logs go to stderr, one escaped line per event: per-connection lines (target
/// `meshctl::conn`) at info, silenced by -q; -v adds debug detail, -vv everything.
fn init_logging(global: &GlobalArgs) {
    let level = match global.verbose {
        0 => LevelFilter::INFO,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let mut filter = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("meshctl", level);
    if global.quiet {
        filter = filter
            .with_target("meshctl", LevelFilter::WARN)
            .with_target("meshctl::conn", LevelFilter::OFF);
    }
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(|| meshctl_proxy::log_line::EscapedLines(std::io::stderr()))
        .with_ansi(false)
        .with_target(false);
    // A second initialisation (tests running the command twice) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init();
}

async fn serve_all(
    source: policy::Source,
    (listeners, workers): (Vec<(SocketAddr, Mode)>, usize),
    admin: AdminAddr,
    core: Arc<Proxy>,
    drift: Option<(std::time::Duration, ResolverSettings)>,
    max_connections: u32,
) -> anyhow::Result<()> {
    let mut groups = Vec::new();
    for (addr, mode) in listeners {
        let group = ListenerGroup::bind(addr, mode.clone(), workers)
            .with_context(|| format!("binding the proxy listener {addr}"))?;
        let twin = ipv6_twin(group.local).filter(|_| mode == Mode::Transparent);
        groups.push(group);
        if let Some(twin) = twin {
            match ListenerGroup::bind(twin, mode, workers) {
                Ok(group) => groups.push(group),
                // No IPv6 in this network namespace: nothing can be redirected there either.
                Err(e) => tracing::info!("not listening on {twin} for IPv6 redirects: {e}"),
            }
        }
    }
    let (policy_tx, policy_rx) = watch::channel(Policy::empty(&source.workload));
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_for = stop_rx.clone();
    let stopped = move || {
        let mut rx = stop_for.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    if let AdminAddr::At(addr) = admin {
        let listener = meshctl_proxy::bind(addr)
            .with_context(|| format!("binding the admin server {addr}"))?;
        tracing::info!("admin server on http://{addr} (/metrics /healthz /ready /config_dump)");
        tokio::spawn(meshctl_proxy::admin::serve(
            listener,
            policy_rx.clone(),
            core.metrics.clone(),
            stopped(),
        ));
    }
    reload::first_load(&source, &policy_tx, &core.metrics)
        .await
        .map_err(|reason| anyhow::anyhow!(reason))
        .context("loading the configuration")?;
    raise_open_files(max_connections);
    if let Some((interval, settings)) = drift {
        tracing::info!(
            "dns drift monitor: resolving the source hosts of pinned entries every {}",
            humantime::format_duration(interval)
        );
        tokio::spawn(meshctl_proxy::drift::run(
            source.clone(),
            policy_rx.clone(),
            settings,
            interval,
            core.metrics.clone(),
            stopped(),
        ));
    }
    start_reloader(source, policy_tx, core.metrics.clone())?;

    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
        }
        let _ = stop_tx.send(true);
    });

    for group in &groups {
        match &group.mode {
            Mode::Transparent => tracing::info!("transparent proxy on {}", group.local),
            Mode::Forward(t) => {
                tracing::info!("forwarding {} → {}:{}", group.local, t.host, t.port);
            }
        }
    }
    tracing::info!("data plane: {workers} worker thread(s)");
    let plane = DataPlane::start(groups, &policy_rx, &core, &stop_rx)
        .context("starting the proxy worker threads")?;
    let Drained { open, cut } = plane.join().await?;
    if cut == 0 {
        tracing::info!("shutdown complete: {open} connection(s) drained");
    } else {
        tracing::warn!(
            "shutdown complete: {} connection(s) drained, {cut} closed at the drain deadline",
            open - cut
        );
    }
    Ok(())
}

/// Raises the soft open-files limit to the hard one; warns when `--max-connections` still
/// cannot fit (after the first load, so a configuration error is the only line it prints).
fn raise_open_files(max_connections: u32) {
    match meshctl_proxy::limits::raise_nofile() {
        Ok(limit) => {
            if limit.now != limit.before {
                tracing::info!(
                    "open files limit raised from {} to {}",
                    limit.before.map_or("unlimited".into(), |n| n.to_string()),
                    limit.now.map_or("unlimited".into(), |n| n.to_string())
                );
            }
            if let Some(warning) =
                meshctl_proxy::limits::shortfall(u64::from(max_connections), limit.now)
            {
                tracing::warn!("{warning}");
            }
        }
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
}

/// Starts the reloader (file watcher, rescan, reload loop) and the SIGHUP handler feeding it.
fn start_reloader(
    source: policy::Source,
    policy_tx: watch::Sender<Arc<Policy>>,
    metrics: Arc<meshctl_proxy::Metrics>,
) -> anyhow::Result<()> {
    let trigger_tx = reload::start(source, policy_tx, metrics);
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            if trigger_tx.send(reload::Trigger::Signal).is_err() {
                break;
            }
        }
    });
    Ok(())
}

fn run_iptables(args: &IptablesArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    use iptables::Family;
    if args.cleanup {
        iptables::apply(&iptables::cleanup_script(), Family::V4)?;
        let mut removed = "the IPv4";
        if iptables::installed(Family::V6) {
            iptables::apply(&iptables::cleanup_script(), Family::V6)?;
            removed = "the IPv4 and IPv6";
        }
        writeln!(
            io.err,
            "removed {removed} {} chain and its OUTPUT jump",
            iptables::CHAIN
        )?;
        return Ok(ExitStatus::Success);
    }
    check_capture_flags(args)?;
    let capture = iptables::CaptureChain {
        proxy_port: args.proxy_port,
        proxy_uid: args.proxy_uid,
        include_ports: args.include_ports.clone(),
        exclude_ports: args.exclude_ports.clone(),
        exclude_cidrs: args.exclude_cidrs.clone(),
    };
    capture.validate()?;
    if !args.apply {
        let family = if args.ip6tables {
            Family::V6
        } else {
            Family::V4
        };
        io.out
            .write_all(iptables::script(&capture, family).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let mut families = vec![Family::V4];
    if !args.ipv4_only && iptables::ipv6_available() {
        families.push(Family::V6);
    }
    for &family in &families {
        // Re-applying replaces the previous rules instead of stacking a second jump.
        if iptables::installed(family) {
            let _ = iptables::apply(&iptables::cleanup_script(), family);
        }
        iptables::apply(&iptables::script(&capture, family), family).with_context(|| {
            if family == Family::V6 {
                "IPv6 is enabled here, so it must be captured too (--ipv4-only leaves it alone)"
            } else {
                "installing the IPv4 rules"
            }
        })?;
    }
    writeln!(
        io.err,
        "installed the {} chain ({}): outbound TCP goes to port {} (uid {} exempt)",
        iptables::CHAIN,
        if families.len() == 2 {
            "IPv4 and IPv6"
        } else {
            "IPv4 only"
        },
        capture.proxy_port,
        capture.proxy_uid
    )?;
    // Say exactly what changed, so the operator can audit (and `--cleanup` undoes) it.
    writeln!(io.err, "rules added:")?;
    for &family in &families {
        for rule in iptables::script(&capture, family)
            .lines()
            .filter(|l| l.starts_with("-A "))
        {
            writeln!(
                io.err,
                "  {}: {rule}",
                family.save().trim_end_matches("-save")
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Refuses flag combinations whose script would not do what the user meant: uid 0 exempts
/// every root process from capture, and a port both included and excluded has no meaning.
fn check_capture_flags(args: &IptablesArgs) -> anyhow::Result<()> {
    if args.proxy_uid == 0 {
        bail!(
            "--proxy-uid 0 would exempt every root process from capture: run the proxy as its own user (Istio's is 1337) and pass that uid"
        );
    }
    if let Some(port) = args
        .include_ports
        .iter()
        .find(|p| args.exclude_ports.contains(p))
    {
        bail!(
            "port {port} is in both --include-ports and --exclude-ports: say once whether it is captured"
        );
    }
    Ok(())
}
