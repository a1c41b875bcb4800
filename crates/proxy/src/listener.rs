//! One listener's accept loop and drain: bounded by `--max-connections` (a permit is acquired
//! *before* accept, so a full proxy stops accepting instead of failing), one task per
//! connection in a `JoinSet`, and on shutdown the accept queue taken before the socket closes,
//! then `--drain-timeout` for what is still open.
//! What happens to a connection is `conn`'s business.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::conn;
use crate::mode::Mode;
use crate::policy::Policy;
use crate::route::RouteCache;
use crate::shared::Shared;
use crate::socket;

/// Pause after a failed `accept` (EMFILE, ENFILE, ENOBUFS …) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How a listener's shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drained {
    /// Connections open when shutdown began.
    pub open: usize,
    /// Of those, how many had to be aborted at the drain deadline.
    pub cut: usize,
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
    proxy: Arc<Shared>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Drained> {
    let local = listener.local_addr()?;
    let this = Arc::new(conn::Listener {
        local,
        mode,
        routes: RouteCache::default(),
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
                spawn_conn(&mut tasks, stream, client, &this, &policy, &proxy, permit);
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
    let taken = take_queued(listener, &this, &policy, &proxy, &mut tasks);
    if taken > 0 {
        tracing::info!("{local}: took {taken} queued connection(s) before closing");
    }
    Ok(drain(tasks, proxy.options.drain_timeout, local).await)
}

/// Serves the connections still in the listener's accept queue, then closes it (see
/// [`socket::take_queue`]): they are established already, and closing the socket with them
/// queued would reset them. Under `--takeover` this is what keeps a hand-over from resetting
/// connections the kernel had given the old proxy. They are admitted past `--max-connections`
/// when it is full (at most one backlog's worth): waiting for a permit would keep the socket
/// open, and the kernel queueing more on it, for as long as the wait.
fn take_queued(
    listener: TcpListener,
    this: &Arc<conn::Listener>,
    policy: &watch::Receiver<Arc<Policy>>,
    proxy: &Arc<Shared>,
    tasks: &mut JoinSet<()>,
) -> usize {
    let max = usize::try_from(socket::LISTEN_BACKLOG).unwrap_or(usize::MAX);
    let (queued, failed) = socket::take_queue(listener, max);
    if let Some(e) = failed {
        tracing::warn!(
            "{}: taking the accept queue before closing: {e}",
            this.local
        );
    }
    let taken = queued.len();
    let overflow = Arc::new(Semaphore::new(taken));
    for (stream, client) in queued {
        let Ok(stream) = TcpStream::from_std(stream) else {
            continue;
        };
        let permit = proxy
            .limit
            .clone()
            .try_acquire_owned()
            .or_else(|_| overflow.clone().try_acquire_owned());
        let Ok(permit) = permit else { continue };
        spawn_conn(tasks, stream, client, this, policy, proxy, permit);
    }
    taken
}

/// Serves one accepted connection on this thread, in the `conn{client}` span its log lines
/// carry.
fn spawn_conn(
    tasks: &mut JoinSet<()>,
    stream: TcpStream,
    client: std::net::SocketAddr,
    this: &Arc<conn::Listener>,
    policy: &watch::Receiver<Arc<Policy>>,
    proxy: &Arc<Shared>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    let span = tracing::info_span!("conn", %client);
    let task = conn::handle(
        stream,
        client,
        this.clone(),
        policy.clone(),
        proxy.clone(),
        permit,
    );
    // Without a subscriber for it (`-q`) the span would still cost every idle connection the
    // wrapper's bytes.
    if span.is_disabled() {
        tasks.spawn(task);
    } else {
        tasks.spawn(task.instrument(span));
    }
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
