//! The proxy assembles itself: [`Proxy::new`] takes one [`Settings`] value, [`Proxy::bind`]
//! binds every listener and the admin server, loads the first configuration and starts the
//! control plane (reloader, drift monitor), and [`Bound::serve`] runs the data plane until the
//! caller's shutdown future resolves, then drains. The binary only parses flags and chooses
//! the stop (signals); tests run this same assembly in-process on port 0
//! (linkerd2-proxy's `linkerd2-proxy/src/main.rs` over `linkerd/app`).

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::access_log::AccessLog;
use crate::http::Server;
use crate::listener::{Drained, serve};
use crate::metrics::Metrics;
use crate::mode::Mode;
use crate::policy::{Policy, Source};
use crate::reload::{self, Trigger};
use crate::settings::Settings;
use crate::shared::Shared;
use crate::socket::{self, Claim};
use crate::upstream::Resolver;
use crate::workers::{DataPlane, ListenerGroup};
use crate::{admin, drift, limits, takeover};

/// A proxy not yet started: its settings, and where its access log goes.
pub struct Proxy {
    settings: Settings,
    access_sink: Option<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy that will do what `settings` say.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            access_sink: None,
        }
    }

    /// Writes the access log (in the settings' format, text when they name none) to `sink`
    /// instead of the settings' path: tests read it back from memory.
    #[must_use]
    pub fn access_log_to(mut self, sink: Box<dyn Write + Send>) -> Self {
        self.access_sink = Some(sink);
        self
    }

    /// Binds, loads the first configuration, then serves until `shutdown` resolves.
    ///
    /// # Errors
    /// As [`Proxy::bind`] and [`Bound::serve`].
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<Drained> {
        self.bind().await?.serve(shutdown).await
    }

    /// Binds every listener (and the IPv6 twin of a transparent one), starts the admin server
    /// (answering `/ready` with 503 while the first load runs), loads the first configuration
    /// and starts the reloader and the drift monitor. Under `--takeover` the listeners and the
    /// admin socket are bound without listening; [`Bound::serve`] listens once a configuration
    /// is loaded.
    ///
    /// # Errors
    /// The access log cannot be opened, a listener cannot be bound, or the first configuration
    /// is refused.
    pub async fn bind(self) -> anyhow::Result<Bound> {
        let Proxy {
            settings,
            access_sink,
        } = self;
        let access_log = AccessLog::open(settings.access_log.as_ref(), access_sink)?;
        let resolver = Resolver::new(settings.resolver.clone());
        let max = usize::try_from(settings.max_connections).unwrap_or(usize::MAX);
        let shared = Arc::new(Shared::new(
            settings.options.clone(),
            max,
            resolver,
            access_log,
        ));
        let claim = if settings.takeover {
            takeover::migrate_hint();
            Claim::Join
        } else {
            Claim::Exclusive
        };
        let groups = bind_listeners(&settings, claim)?;
        let source = settings.source.clone();
        let (policy_tx, policy_rx) = watch::channel(Policy::empty(&source.workload));
        let (stop_tx, stop_rx) = watch::channel(false);
        let admin = match settings.admin {
            Some(addr) => Some(bind_admin(addr, claim)?),
            None => None,
        };
        let admin_addr = admin.as_ref().map(|(local, _)| *local);
        // Without --takeover the admin server answers `/ready` with 503 while the first load
        // runs; a proxy taking over joins the admin port only once it can answer 200.
        let mut admin = admin.map(|(_, socket)| socket);
        if claim == Claim::Exclusive
            && let Some(socket) = admin.take()
        {
            start_admin(socket, &policy_rx, &shared.metrics, &stop_rx)?;
        }
        reload::first_load(&source, &policy_tx, &shared.metrics.reload_recorder())
            .await
            .map_err(|reason| anyhow::anyhow!(reason))
            .context("loading the configuration")?;
        raise_open_files(settings.max_connections);
        if let Some(interval) = settings.dns_drift_interval {
            tracing::info!(
                "dns drift monitor: resolving the source hosts of pinned entries every {}",
                humantime::format_duration(interval)
            );
            tokio::spawn(drift::run(
                source.clone(),
                policy_rx.clone(),
                settings.resolver.clone(),
                interval,
                shared.metrics.drift_recorder(),
                stopped(&stop_rx),
            ));
        }
        let triggers = reload::start(
            source.clone(),
            policy_tx.clone(),
            shared.metrics.reload_recorder(),
        );
        Ok(Bound {
            joining: (claim == Claim::Join).then_some(Joining { admin }),
            groups,
            workers: settings.workers,
            admin: admin_addr,
            handle: Handle {
                source,
                policy: policy_tx,
                shared,
                triggers,
            },
            policy: policy_rx,
            stop: (stop_tx, stop_rx),
        })
    }
}

/// A proxy whose listeners are bound and whose first configuration is loaded.
#[derive(Debug)]
pub struct Bound {
    groups: Vec<ListenerGroup>,
    workers: usize,
    admin: Option<SocketAddr>,
    handle: Handle,
    policy: watch::Receiver<Arc<Policy>>,
    stop: (watch::Sender<bool>, watch::Receiver<bool>),
    /// Under `--takeover`: bound, not listening until a configuration is loaded.
    joining: Option<Joining>,
}

/// What a proxy taking over still has to start once its configuration is loaded: its listener
/// groups (bound, not listening) and its admin socket.
#[derive(Debug)]
struct Joining {
    admin: Option<socket2::Socket>,
}

impl Joining {
    /// Waits for a loaded configuration (or `shutdown`), then listens: from here on the kernel
    /// shares the ports between this process and the one it takes over from. False when
    /// `shutdown` came first.
    async fn join(
        self,
        groups: &[ListenerGroup],
        handle: &Handle,
        policy: &watch::Receiver<Arc<Policy>>,
        stop: &watch::Receiver<bool>,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<bool> {
        tokio::select! {
            () = takeover::until_loaded(policy) => {}
            () = shutdown => return Ok(false),
        }
        for group in groups {
            group
                .listen()
                .with_context(|| format!("listening on {}", group.local))?;
        }
        if let Some(socket) = self.admin {
            start_admin(socket, policy, &handle.shared.metrics, stop)?;
        }
        tracing::info!(
            "takeover: listening beside any proxy already on these ports; SIGTERM the old one to hand over"
        );
        Ok(true)
    }
}

impl Bound {
    /// The addresses the proxy listens on, in the order of the settings (ports resolved when
    /// `:0` was asked for; IPv6 twins follow their listener).
    #[must_use]
    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        self.groups.iter().map(|g| g.local).collect()
    }

    /// Where the admin server listens, if it runs.
    #[must_use]
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// What a running proxy lets its owner see and ask for.
    #[must_use]
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Serves until `shutdown` resolves, then stops accepting, drains and stops the control
    /// plane. Under `--takeover` it first waits for a loaded configuration and only then
    /// listens, beside the proxy it takes over from. With `workers` at 0 the listeners run on
    /// the caller's runtime (tests under a paused clock); otherwise on that many worker threads.
    ///
    /// # Errors
    /// The worker threads cannot be started, or one of them fails.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<Drained> {
        let Bound {
            groups,
            workers,
            handle,
            policy,
            stop: (stop_tx, stop_rx),
            joining,
            ..
        } = self;
        tokio::pin!(shutdown);
        if let Some(joining) = joining
            && !joining
                .join(&groups, &handle, &policy, &stop_rx, &mut shutdown)
                .await?
        {
            let _ = stop_tx.send(true);
            tracing::info!("shutdown before taking over: nothing was served");
            return Ok(Drained::default());
        }
        for group in &groups {
            match &group.mode {
                Mode::Transparent => tracing::info!("transparent proxy on {}", group.local),
                Mode::Forward(t) => {
                    tracing::info!("forwarding {} → {}:{}", group.local, t.host, t.port);
                }
            }
        }
        let plane = async {
            if workers == 0 {
                return serve_here(groups, &policy, &handle.shared, &stop_rx).await;
            }
            tracing::info!("data plane: {workers} worker thread(s)");
            let plane = DataPlane::start(groups, &policy, &handle.shared, &stop_rx)
                .context("starting the proxy worker threads")?;
            Ok(plane.join().await?)
        };
        tokio::pin!(plane);
        let served = tokio::select! {
            served = &mut plane => served,
            () = &mut shutdown => {
                let _ = stop_tx.send(true);
                plane.await
            }
        };
        let Drained { open, cut } = served?;
        if cut == 0 {
            tracing::info!("shutdown complete: {open} connection(s) drained");
        } else {
            tracing::warn!(
                "shutdown complete: {} connection(s) drained, {cut} closed at the drain deadline",
                open - cut
            );
        }
        Ok(Drained { open, cut })
    }
}

/// A running proxy's controls: its metrics, its policy in force and its reloads.
#[derive(Debug, Clone)]
pub struct Handle {
    source: Source,
    policy: watch::Sender<Arc<Policy>>,
    shared: Arc<Shared>,
    triggers: mpsc::UnboundedSender<Trigger>,
}

impl Handle {
    /// The metrics every part of the proxy reports to.
    #[must_use]
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    /// The state the listeners share (limits, pipe pool).
    #[must_use]
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The policy in force, following every reload.
    #[must_use]
    pub fn policy(&self) -> watch::Receiver<Arc<Policy>> {
        self.policy.subscribe()
    }

    /// Asks the reloader for a reload, as SIGHUP does; false once the reloader is gone.
    #[must_use]
    pub fn request_reload(&self) -> bool {
        self.triggers.send(Trigger::Signal).is_ok()
    }

    /// Reloads at once and says whether a new policy is in force.
    pub async fn reload_now(&self) -> bool {
        reload::reload(
            &self.source,
            &self.policy,
            &self.shared.metrics.reload_recorder(),
        )
        .await
    }
}

fn stopped(stop: &watch::Receiver<bool>) -> impl Future<Output = ()> + use<> {
    let mut rx = stop.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// The listeners' socket groups, each transparent one followed by its IPv6 twin when the host
/// has IPv6: listening already when the ports are the proxy's alone, bound only when it joins
/// a running proxy's (`--takeover`).
fn bind_listeners(settings: &Settings, claim: Claim) -> anyhow::Result<Vec<ListenerGroup>> {
    let bind = |addr, mode: &Mode| match claim {
        Claim::Exclusive => ListenerGroup::bind(addr, mode.clone(), settings.workers),
        Claim::Join => ListenerGroup::join(addr, mode.clone(), settings.workers),
    };
    let mut groups = Vec::new();
    for (addr, mode) in &settings.listeners {
        let group = bind(*addr, mode)
            .map_err(|e| in_use_hint(e, claim))
            .with_context(|| format!("binding the proxy listener {addr}"))?;
        let twin = ipv6_twin(group.local).filter(|_| *mode == Mode::Transparent);
        groups.push(group);
        if let Some(twin) = twin {
            match bind(twin, mode) {
                Ok(group) => groups.push(group),
                // No IPv6 in this network namespace: nothing can be redirected there either.
                Err(e) => tracing::info!("not listening on {twin} for IPv6 redirects: {e}"),
            }
        }
    }
    Ok(groups)
}

/// Where ip6tables' REDIRECT delivers the IPv6 twin of a transparent IPv4 listener: `[::1]`
/// for loopback, `[::]` for the unspecified address; none for a specific address.
fn ipv6_twin(addr: SocketAddr) -> Option<SocketAddr> {
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

/// Says what "address in use" means for a proxy port: with `--takeover`, that the process on
/// it did not open it for joining (another program, another uid, or a proxy without
/// `SO_REUSEPORT` on its sockets); without, that `--takeover` exists.
fn in_use_hint(e: std::io::Error, claim: Claim) -> anyhow::Error {
    if e.kind() != std::io::ErrorKind::AddrInUse {
        return e.into();
    }
    let hint = match claim {
        Claim::Exclusive => {
            "address in use (to start beside a running meshctl proxy and take its traffic over, pass --takeover)"
        }
        Claim::Join => {
            "address in use by a process this one cannot join (--takeover joins a meshctl proxy running as the same user)"
        }
    };
    anyhow::Error::new(e).context(hint)
}

/// The admin server's socket, bound with `SO_REUSEPORT` as the data listeners are (so a proxy
/// taking over can join its port, and a later one this one's), listening unless `claim` joins.
fn bind_admin(addr: SocketAddr, claim: Claim) -> anyhow::Result<(SocketAddr, socket2::Socket)> {
    let (local, mut sockets) = socket::reuseport_sockets(addr, 1, claim)
        .map_err(|e| in_use_hint(e, claim))
        .with_context(|| format!("binding the admin server {addr}"))?;
    let socket = sockets
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no admin socket was bound"))?;
    Ok((local, socket))
}

fn start_admin(
    socket: socket2::Socket,
    policy: &watch::Receiver<Arc<Policy>>,
    metrics: &Arc<Metrics>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    socket::listen(&socket).context("listening on the admin address")?;
    let server = Server::from_std(socket.into())?;
    let local = server.local_addr()?;
    tracing::info!("admin server on http://{local} (/metrics /healthz /ready /config_dump)");
    tokio::spawn(admin::serve(
        server,
        policy.clone(),
        metrics.clone(),
        stopped(stop),
    ));
    Ok(local)
}

/// Raises the soft open-files limit to the hard one; warns when `--max-connections` still
/// cannot fit (after the first load, so a configuration error is the only line it prints).
fn raise_open_files(max_connections: u32) {
    match limits::raise_nofile() {
        Ok(limit) => {
            if limit.now != limit.before {
                tracing::info!(
                    "open files limit raised from {} to {}",
                    limit.before.map_or("unlimited".into(), |n| n.to_string()),
                    limit.now.map_or("unlimited".into(), |n| n.to_string())
                );
            }
            if let Some(warning) = limits::shortfall(u64::from(max_connections), limit.now) {
                tracing::warn!("{warning}");
            }
        }
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
}

/// Every listener on the caller's runtime, one `serve` each; the drain counts are summed.
async fn serve_here(
    groups: Vec<ListenerGroup>,
    policy: &watch::Receiver<Arc<Policy>>,
    shared: &Arc<Shared>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Drained> {
    let mut servers = tokio::task::JoinSet::new();
    for group in groups {
        let mode = group.mode.clone();
        for socket in group.into_sockets() {
            let listener = TcpListener::from_std(socket)?;
            servers.spawn(serve(
                listener,
                mode.clone(),
                policy.clone(),
                shared.clone(),
                stopped(stop),
            ));
        }
    }
    let mut total = Drained::default();
    while let Some(served) = servers.join_next().await {
        let drained = served??;
        total.open += drained.open;
        total.cut += drained.cut;
    }
    Ok(total)
}
