//! The thread-per-core data plane: `--worker-threads` OS threads, each running its own
//! single-threaded tokio runtime with its own listening socket per proxy listener. The sockets
//! of one listener share its port through `SO_REUSEPORT`, so the kernel spreads incoming
//! connections across the workers, and a connection lives on the thread that accepted it from
//! `accept(2)` to `close(2)`: no work-stealing, no cross-thread wake-ups (futex, eventfd) on the
//! data path. This is the model of nginx's and Envoy's workers.
//!
//! What the workers share is read-mostly: the engine's current policy generation (an
//! `Arc<Policy>` swapped in a `watch` channel by the reloader, which each connection also
//! watches to revoke what a reload no longer allows), the `--max-connections` semaphore, the
//! metrics (atomics), the pipe pool and the DNS cache. The control plane — reloads, the admin
//! server, the drift monitor, signals — runs on the caller's runtime, away from the data path.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

/// The worker's timer tick (see `run_worker`).
const TICK: std::time::Duration = std::time::Duration::from_millis(500);

use crate::listener::{Drained, serve};
use crate::mode::Mode;
use crate::policy::Policy;
use crate::shared::Shared;
use crate::socket::{Claim, listen, reuseport_sockets};

/// The sockets of one proxy listener, one per worker, bound but not yet serving.
#[derive(Debug)]
pub struct ListenerGroup {
    /// The address they listen on (the port is resolved when `:0` was asked for).
    pub local: SocketAddr,
    /// How connections reach this listener.
    pub mode: Mode,
    sockets: Vec<socket2::Socket>,
}

impl ListenerGroup {
    /// Binds `workers` listening sockets on `addr` sharing its port with `SO_REUSEPORT`.
    ///
    /// `SO_REUSEPORT` would also let a second proxy (same user) join the port silently and take
    /// half of the connections; a probe bind without it first keeps the usual "address in use"
    /// error for a port already taken. Even one worker's socket has `SO_REUSEPORT`, so that a
    /// later proxy started with `--takeover` can join it ([`ListenerGroup::join`]).
    pub fn bind(addr: SocketAddr, mode: Mode, workers: usize) -> io::Result<Self> {
        let group = Self::reserve(addr, mode, workers, Claim::Exclusive)?;
        group.listen()?;
        Ok(group)
    }

    /// Binds `workers` sockets on `addr` that join the `SO_REUSEPORT` group of a proxy already
    /// listening there (or take the port if it is free), without listening yet: the kernel
    /// sends them nothing until [`ListenerGroup::listen`], so a proxy taking over can load its
    /// configuration first while the old one keeps serving.
    pub fn join(addr: SocketAddr, mode: Mode, workers: usize) -> io::Result<Self> {
        Self::reserve(addr, mode, workers, Claim::Join)
    }

    fn reserve(addr: SocketAddr, mode: Mode, workers: usize, claim: Claim) -> io::Result<Self> {
        let (local, sockets) = reuseport_sockets(addr, workers, claim)?;
        Ok(Self {
            local,
            mode,
            sockets,
        })
    }

    /// Starts listening: from here on the kernel spreads the port's connections over these
    /// sockets (and those of any other process in the group). Listening again is harmless.
    pub fn listen(&self) -> io::Result<()> {
        self.sockets.iter().try_for_each(listen)
    }

    /// The bound sockets, for a caller running its own worker loop around [`crate::listener::serve`].
    #[must_use]
    pub fn into_sockets(self) -> Vec<std::net::TcpListener> {
        self.sockets.into_iter().map(Into::into).collect()
    }

    /// How many workers this group was bound for.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.sockets.len()
    }
}

/// The running workers; [`DataPlane::join`] waits for all of them to drain.
#[derive(Debug)]
pub struct DataPlane {
    done: Vec<oneshot::Receiver<io::Result<Drained>>>,
}

impl DataPlane {
    /// Starts one worker thread per socket of the groups (every group must have been bound for
    /// the same number of workers). Each worker serves its socket of every group until
    /// `stop` turns true, then drains as `serve` does.
    pub fn start(
        groups: Vec<ListenerGroup>,
        policy: &watch::Receiver<Arc<Policy>>,
        proxy: &Arc<Shared>,
        stop: &watch::Receiver<bool>,
    ) -> io::Result<Self> {
        let workers = groups.first().map_or(0, ListenerGroup::workers);
        if groups.iter().any(|g| g.workers() != workers) {
            return Err(io::Error::other(
                "every listener must be bound for the same number of workers",
            ));
        }
        let mut shares: Vec<Vec<(std::net::TcpListener, Mode)>> =
            (0..workers).map(|_| Vec::new()).collect();
        for group in groups {
            let mode = group.mode.clone();
            for (share, socket) in shares.iter_mut().zip(group.into_sockets()) {
                share.push((socket, mode.clone()));
            }
        }
        let mut done = Vec::with_capacity(workers);
        for (index, share) in shares.into_iter().enumerate() {
            let (tx, rx) = oneshot::channel();
            let (policy, proxy, stop) = (policy.clone(), proxy.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("meshctl-worker-{index}"))
                .spawn(move || {
                    let _ = tx.send(run_worker(share, policy, proxy, stop));
                })?;
            done.push(rx);
        }
        Ok(Self { done })
    }

    /// Waits until every worker has stopped; the drain counts are summed over workers.
    pub async fn join(self) -> io::Result<Drained> {
        let mut total = Drained::default();
        for worker in self.done {
            let drained = worker
                .await
                .map_err(|_| io::Error::other("a proxy worker thread panicked"))??;
            total.open += drained.open;
            total.cut += drained.cut;
        }
        Ok(total)
    }
}

/// One worker: a single-threaded runtime serving its sockets until `stop`.
fn run_worker(
    share: Vec<(std::net::TcpListener, Mode)>,
    policy: watch::Receiver<Arc<Policy>>,
    proxy: Arc<Shared>,
    stop: watch::Receiver<bool>,
) -> io::Result<Drained> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // A timer that never lets the wheel's next expiry drift more than TICK away. Arming a
        // timer earlier than the next expiry the driver parked with makes tokio wake its own
        // thread (an eventfd write and an extra epoll_wait); each connection arms one (the
        // connect timeout, 5 s by default) on top of its idle timer (1 h), which is far later than
        // the wheel's next expiry only while this tick runs. Two wake-ups a second per worker
        // buy one system call less per connection.
        tokio::spawn(async {
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
            }
        });
        let mut servers = tokio::task::JoinSet::new();
        for (socket, mode) in share {
            let listener = tokio::net::TcpListener::from_std(socket)?;
            let mut stop = stop.clone();
            servers.spawn(serve(
                listener,
                mode,
                policy.clone(),
                proxy.clone(),
                async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                },
            ));
        }
        let mut total = Drained::default();
        while let Some(served) = servers.join_next().await {
            let drained = served.map_err(io::Error::other)??;
            total.open += drained.open;
            total.cut += drained.cut;
        }
        Ok(total)
    })
}
