//! The one small HTTP server for the proxy's admin endpoints and `sync --watch`'s `/metrics`,
//! hardened against clients that hold connections without finishing a request (slowloris).
//!
//! A fixed pool of slots that every accepted connection holds until it ends lets slow clients
//! decide who is served: 64 clients trickling their headers a byte a second kept all the slots,
//! and probes with complete requests waited in the kernel backlog behind them until they timed
//! out. So the cap is enforced by eviction, not by waiting: at most [`MAX_CONNECTIONS`] are
//! served at once, and a new connection that finds them all taken closes the oldest one that
//! has not yet sent its request line and headers. A request that arrives complete is therefore
//! answered at once, whoever else is connected and from whichever address: hyper calls the
//! service as soon as the headers are in, and a connection that got that far is no longer a
//! candidate for eviction.
//!
//! Two bounds keep eviction from becoming the attack:
//! - a connection is never evicted in its first [`GRACE`], so a client that sends its request
//!   in the packet after the handshake (every probe, every scraper) is always read, even while
//!   evicted clients reconnect as fast as they can; that also bounds the churn to
//!   [`MAX_CONNECTIONS`] connections per [`GRACE`];
//! - a connection whose request was read but whose answer has not drained after
//!   [`HEADER_TIMEOUT`] (a client that does not read) is evictable too, so slow readers cannot
//!   take the slots instead.
//!
//! Besides: [`HEADER_TIMEOUT`] to send the request line and headers at all (hyper's
//! `header_read_timeout`), at most [`MAX_HEADER_BYTES`] of them (hyper's `max_buf_size`), one
//! request per connection (no keep-alive, so no idle connections), and [`CONNECTION_TIMEOUT`]
//! for the whole exchange. At most one accepted connection waits in hand for a slot; the rest
//! wait in the kernel backlog.
//!
//! Callers bind through [`Server::bind`] and only route: a handler is a pure function of the
//! request, and [`respond`] builds its answers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

/// Most connections served at once.
pub const MAX_CONNECTIONS: usize = 32;
/// Time a client has to send its request line and headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// Time one connection may take in all (request, response, slow reader).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// Most bytes of request line and headers read from one client.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Age below which a connection is never evicted: time to read a request sent at once.
pub const GRACE: Duration = Duration::from_millis(100);

/// Pause after a failed `accept` (EMFILE …) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What answers one request: a pure function of the request (the servers here only read).
pub type Handler = dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync;

/// `Content-Type` of plain-text answers.
pub const TEXT: &str = "text/plain; charset=utf-8";
/// `Content-Type` of a Prometheus scrape.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// An answer with this status, content type and body.
#[must_use]
pub fn respond(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// The server, bound and not yet serving: binding first lets the caller report a taken
/// address before anything runs.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// The address cannot be bound.
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(Self {
            listener: crate::socket::bind(addr)?,
        })
    }

    /// Serves on a socket the caller bound and set listening (the proxy's admin server, whose
    /// socket joins a `SO_REUSEPORT` group under `--takeover`).
    ///
    /// # Errors
    /// The socket cannot be registered with the runtime.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(Self {
            listener: TcpListener::from_std(listener)?,
        })
    }

    /// The address it listens on.
    ///
    /// # Errors
    /// The socket cannot say (it always can once bound).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `handler` (HTTP/1.1) until `shutdown` resolves.
    pub async fn serve(
        self,
        handler: impl Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync + 'static,
        shutdown: impl Future<Output = ()>,
    ) {
        serve(self.listener, Arc::new(handler), shutdown).await;
    }
}

/// One served connection, as the slot table sees it.
struct Slot {
    opened: Instant,
    /// When its request line and headers were read (`None`: still waiting for them).
    complete: Option<Instant>,
    /// Dropping it closes the connection.
    evict: oneshot::Sender<()>,
}

/// The connections being served, by age (ids only grow).
#[derive(Default)]
struct Slots {
    open: Mutex<BTreeMap<u64, Slot>>,
    next: std::sync::atomic::AtomicU64,
    freed: Notify,
}

/// What [`Slots::claim`] found.
enum Room {
    /// A slot is free now (possibly after an eviction).
    Free,
    /// Full; something becomes evictable at this instant if nothing frees first.
    At(Instant),
}

impl Slots {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Slot>> {
        // Plain data: a panic while holding the lock cannot leave it inconsistent.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes room if it can: free, or the oldest incomplete connection past its grace, or the
    /// oldest complete one whose answer has not drained; otherwise when to look again.
    fn claim(&self, now: Instant) -> Room {
        let mut open = self.lock();
        if open.len() < MAX_CONNECTIONS {
            return Room::Free;
        }
        let incomplete = open
            .iter()
            .find(|(_, s)| s.complete.is_none())
            .map(|(id, s)| (*id, s.opened + GRACE));
        let slow_reader = open
            .iter()
            .filter_map(|(id, s)| s.complete.map(|at| (*id, at + HEADER_TIMEOUT)))
            .min_by_key(|(_, at)| *at);
        let candidates = [incomplete, slow_reader];
        if let Some((id, _)) = candidates.iter().flatten().find(|(_, at)| *at <= now) {
            if let Some(slot) = open.remove(id) {
                // The connection's task closes it (or has just finished on its own).
                let _ = slot.evict.send(());
            }
            return Room::Free;
        }
        let next = candidates.iter().flatten().map(|(_, at)| *at).min();
        // Every slot complete and younger than HEADER_TIMEOUT cannot happen without one of the
        // two candidates; the fallback only guards the arithmetic.
        Room::At(next.unwrap_or(now + GRACE))
    }

    /// Waits until a connection may be admitted.
    async fn make_room(&self) {
        loop {
            let freed = self.freed.notified();
            match self.claim(Instant::now()) {
                Room::Free => return,
                Room::At(at) => {
                    tokio::select! {
                        () = freed => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
            }
        }
    }

    fn admit(&self) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (evict, evicted) = oneshot::channel();
        self.lock().insert(
            id,
            Slot {
                opened: Instant::now(),
                complete: None,
                evict,
            },
        );
        (id, evicted)
    }

    fn completed(&self, id: u64) {
        if let Some(slot) = self.lock().get_mut(&id) {
            slot.complete.get_or_insert_with(Instant::now);
        }
    }

    fn release(&self, id: u64) {
        self.lock().remove(&id);
        self.freed.notify_one();
    }
}

/// Serves `handler` on `listener` (HTTP/1.1) until `shutdown` resolves.
async fn serve(listener: TcpListener, handler: Arc<Handler>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let slots = Arc::new(Slots::default());
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
            }
            continue;
        };
        tokio::select! {
            () = &mut shutdown => return,
            () = slots.make_room() => {}
        }
        let (id, evicted) = slots.admit();
        let slots = slots.clone();
        let handler = handler.clone();
        tokio::spawn(async move {
            let seen = slots.clone();
            let service = service_fn(move |req: Request<Incoming>| {
                seen.completed(id);
                let response = handler(&req);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEADER_BYTES)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection) => {}
                _ = evicted => {}
            }
            slots.release(id);
        });
    }
}
