//! `meshctl proxy`: a small TCP egress proxy that enforces, connection by connection, exactly what
//! `meshctl simulate` explains (one engine serves both). It never matches anything itself: every
//! accepted connection is decided by `engine::decide` on the [`Policy`] currently in the watch
//! channel.
//!
//! Data flow: [`serve`] accepts (bounded by `--max-connections`, acquired *before* accept so a
//! full proxy stops accepting instead of failing) and spawns one task per connection into a
//! `JoinSet`; `conn` finds the destination (`orig_dst` in transparent mode, the forward
//! target's addresses otherwise), peeks SNI where the listener needs it (`sni`), decides,
//! dials (`upstream`) and copies (`pipe`), re-deciding on every reload to revoke what the new
//! configuration no longer allows. `reload` turns file changes (`watcher`), a periodic rescan
//! and SIGHUP into new policies (`policy`), refusing what must not replace the one in force,
//! and logs `diff`'s lines; `status` tracks whether memory matches the disk; `admin` serves
//! metrics, health, readiness and the config dump through `http`, the hardened server; `iptables` prints the capture rules for
//! transparent mode (IPv4 and IPv6); `limits` raises the open-files limit at start; `drift` resolves the source hosts of
//! pinned entries and reports DNS drift without changing any decision.
//!
//! Shutdown: when the `shutdown` future resolves the listener is closed, established
//! connections get `--drain-timeout` to finish, and the rest are aborted and counted.

mod access_log;
pub mod admin;
mod conn;
pub mod diff;
pub mod drift;
pub mod http;
pub mod iptables;
pub mod limits;
pub mod log_line;
pub mod metrics;
pub mod orig_dst;
mod pipe;
pub mod policy;
pub mod reload;
mod route;
pub mod sni;
pub mod splice;
mod stability;
pub mod status;
mod trigger;
pub mod upstream;
mod wait;
pub mod watcher;
pub mod workers;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument as _;

pub use access_log::{AccessLog, AccessRecord, LogFormat, open_file as open_access_log};
pub use metrics::Metrics;
pub use policy::Policy;
pub use upstream::Resolver;

/// Pending connections the kernel queues per listener: a small backlog stalls bursts of
/// connects for a second (SYN retransmit), so this is well above the benchmark's concurrency.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Pause after a failed `accept` (EMFILE, ENFILE, ENOBUFS …) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How connections reach the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Redirected by iptables; the destination comes from `SO_ORIGINAL_DST`.
    Transparent,
    /// Addressed to this listener; every connection goes to the fixed target.
    Forward(ForwardTarget),
}

/// A `--forward` target: a host name or IP, resolved per connection (cached per TTL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    /// Host name or IP literal.
    pub host: String,
    /// Port to dial.
    pub port: u16,
}

/// Per-connection limits and switches.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--connect-timeout`: the whole upstream dial, DNS included.
    pub connect_timeout: Duration,
    /// `--idle-timeout`: no byte either way for this long closes the connection.
    pub idle_timeout: Duration,
    /// `--drain-timeout`: how long established connections may finish after shutdown.
    pub drain_timeout: Duration,
    /// `--sni-timeout`: how long to wait for a `ClientHello` on SNI ports.
    pub sni_timeout: Duration,
    /// `--keep-established`: do not revoke established connections on reload.
    pub keep_established: bool,
    /// `--max-pipes`: pipes open at once for zero-copy forwarding (0: always copy).
    pub max_pipes: usize,
}

impl Default for Options {
    /// The CLI defaults.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(3600),
            drain_timeout: Duration::from_secs(10),
            sni_timeout: Duration::from_secs(1),
            keep_established: false,
            max_pipes: splice::DEFAULT_MAX_PIPES,
        }
    }
}

/// What every listener of one proxy process shares.
#[derive(Debug)]
pub struct Proxy {
    /// Limits and switches.
    pub options: Options,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// DNS for forward targets and DNS clusters.
    pub resolver: Resolver,
    /// The access log, if enabled.
    pub access_log: Option<AccessLog>,
    /// `--max-connections`, shared by all listeners.
    pub limit: Arc<Semaphore>,
    /// Pipes for zero-copy forwarding, leased while bytes flow.
    pub pipes: splice::PipePool,
}

impl Proxy {
    /// A proxy with these options and at most `max_connections` open connections.
    #[must_use]
    pub fn new(
        options: Options,
        max_connections: usize,
        resolver: Resolver,
        access_log: Option<AccessLog>,
    ) -> Self {
        Self {
            pipes: splice::PipePool::new(options.max_pipes),
            options,
            metrics: Arc::new(Metrics::default()),
            resolver,
            access_log,
            limit: Arc::new(Semaphore::new(max_connections.max(1))),
        }
    }
}

/// How a listener's shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drained {
    /// Connections open when shutdown began.
    pub open: usize,
    /// Of those, how many had to be aborted at the drain deadline.
    pub cut: usize,
}

/// Binds a listening socket with [`LISTEN_BACKLOG`] and `SO_REUSEADDR`. IPv6 sockets are
/// `IPV6_V6ONLY`, so `[::]:PORT` can sit next to `0.0.0.0:PORT` (the transparent listener's
/// IPv6 twin, where ip6tables redirects). One socket, for one runtime; the proxy command binds
/// a [`workers::ListenerGroup`] instead.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::from_std(listening_socket(addr, false)?)
}

/// A non-blocking TCP socket bound to `addr` (see [`bind`]), not yet listening.
fn unlistened_socket(addr: SocketAddr, reuse_port: bool) -> io::Result<socket2::Socket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    // Accepted sockets inherit TCP_NODELAY from the listener (Linux copies the listener's
    // options into each child), which saves a setsockopt per connection.
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    Ok(socket)
}

/// A non-blocking listening socket on `addr`, outside any runtime.
fn listening_socket(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = unlistened_socket(addr, reuse_port)?;
    socket.listen(i32::try_from(LISTEN_BACKLOG).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// Accepts and proxies connections until `shutdown` resolves, then drains.
///
/// Accepts come in batches: the loop calls `accept` until the backlog is empty (`EAGAIN`)
/// before the new connections' tasks first run, so a burst costs one wake-up, not one each.
///
/// The caller binds (tests use `127.0.0.1:0`) and chooses when to stop; `policy` carries the
/// configuration, replaced on reload.
pub async fn serve(
    listener: TcpListener,
    mode: Mode,
    policy: watch::Receiver<Arc<Policy>>,
    proxy: Arc<Proxy>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Drained> {
    let local = listener.local_addr()?;
    let this = Arc::new(conn::Listener {
        local,
        mode,
        routes: route::RouteCache::default(),
        // A listener bound elsewhere may not pass TCP_NODELAY on; then each connection sets it.
        nodelay_inherited: socket2::SockRef::from(&listener)
            .tcp_nodelay()
            .unwrap_or(false),
    });
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = proxy.limit.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // closed: nobody may connect any more
            },
        };
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, client)) => {
                let span = tracing::info_span!("conn", %client);
                let task = conn::handle(
                    stream,
                    client,
                    this.clone(),
                    policy.clone(),
                    proxy.clone(),
                    permit,
                );
                // Without a subscriber for it (`-q`) the span would still cost every idle
                // connection the wrapper's bytes.
                if span.is_disabled() {
                    tasks.spawn(task);
                } else {
                    tasks.spawn(task.instrument(span));
                }
            }
            Err(e) => {
                tracing::warn!(
                    "accept on {local} failed: {e}; retrying in {}",
                    humantime::format_duration(ACCEPT_BACKOFF)
                );
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
    drop(listener);
    Ok(drain(tasks, proxy.options.drain_timeout, local).await)
}

async fn drain(mut tasks: JoinSet<()>, timeout: Duration, local: SocketAddr) -> Drained {
    while tasks.try_join_next().is_some() {}
    let open = tasks.len();
    if open > 0 {
        tracing::info!(
            "{local}: stopped accepting; draining {open} connection(s) for up to {}",
            humantime::format_duration(timeout)
        );
    }
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { break },
            () = &mut deadline => break,
        }
    }
    let cut = tasks.len();
    if cut > 0 {
        tracing::warn!("{local}: drain timeout: closing {cut} connection(s) still open");
        tasks.shutdown().await;
    }
    Drained { open, cut }
}
