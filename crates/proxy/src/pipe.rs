//! Copying bytes both ways between the client and the upstream: half-close, reset propagation,
//! idle timeout, byte counts — and no memory while idle.
//!
//! Why not `tokio::io::copy_bidirectional`: it allocates two 8 KiB buffers per connection for
//! the connection's whole life (16 KiB per idle connection, against a 3 KiB target), reports
//! one error without saying which side failed (needed to turn an RST into an RST), and has no
//! activity clock for `--idle-timeout`. This loop uses the readiness API on `&TcpStream`: a
//! direction allocates its buffer only when its source is readable, reads until the socket is
//! drained (`WouldBlock`), then frees it. An idle connection is two sockets and a small future.
//! `try_read_buf` fills the buffer's spare capacity, so the allocation is never zeroed.
//!
//! Half-close: EOF from one side becomes `shutdown(SHUT_WR)` towards the other; the opposite
//! direction keeps flowing until it ends too. Errors: a read or write error means that side is
//! gone (usually an RST); the caller then resets the other side (`SO_LINGER` 0) so the client
//! sees what the server did. splice(2) is not used: tokio has no safe splice, and a hand-rolled
//! one needs raw-fd readiness plumbing and pipes per connection (more memory while idle); the
//! benchmark (`scripts/bench-proxy.sh`) shows whether the copy path needs it.

use std::io;
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use socket2::SockRef;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Bytes read per readiness event at most before writing them on.
const BUF: usize = 64 * 1024;

/// Which end of the proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// The application that connected to the proxy.
    Client,
    /// The server the proxy dialled.
    Upstream,
}

/// How the copy ended.
#[derive(Debug)]
pub(super) enum End {
    /// Both directions reached EOF: a clean close.
    Closed,
    /// One side failed (reset, broken pipe); the other should be reset too.
    Failed(Side, io::Error),
    /// No byte moved either way for the idle timeout.
    IdleTimeout,
}

/// Byte counts and the activity clock, shared with the connection so they survive the copy
/// being cancelled (revocation, drain).
#[derive(Debug)]
pub(super) struct Counters {
    /// Client → upstream.
    pub(super) sent: AtomicU64,
    /// Upstream → client.
    pub(super) received: AtomicU64,
    start: Instant,
    /// Milliseconds after `start` of the last byte moved.
    last: AtomicU64,
}

impl Counters {
    /// Counters starting now.
    #[must_use]
    pub(super) fn new() -> Self {
        Self {
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            start: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed)) + idle
    }
}

impl Default for Counters {
    fn default() -> Self {
        Self::new()
    }
}

/// Copies until both directions end, one side fails, or the connection idles out.
pub(super) async fn pipe(
    client: &TcpStream,
    upstream: &TcpStream,
    idle: Duration,
    counters: &Counters,
) -> End {
    let up = one_way(client, upstream, &counters.sent, counters);
    let down = one_way(upstream, client, &counters.received, counters);
    let idle_out = async {
        loop {
            let deadline = counters.idle_deadline(idle);
            tokio::time::sleep_until(deadline).await;
            if counters.idle_deadline(idle) <= Instant::now() {
                return;
            }
        }
    };
    tokio::pin!(up, down, idle_out);
    let (mut up_done, mut down_done) = (false, false);
    loop {
        tokio::select! {
            r = &mut up, if !up_done => match r {
                Ok(()) => up_done = true,
                Err((side, e)) => return End::Failed(side.or(Side::Client, Side::Upstream), e),
            },
            r = &mut down, if !down_done => match r {
                Ok(()) => down_done = true,
                Err((side, e)) => return End::Failed(side.or(Side::Upstream, Side::Client), e),
            },
            () = &mut idle_out => return End::IdleTimeout,
        }
        if up_done && down_done {
            return End::Closed;
        }
    }
}

/// Which stream of a direction failed.
#[derive(Debug, Clone, Copy)]
enum Failed {
    Source,
    Sink,
}

impl Failed {
    fn or(self, source: Side, sink: Side) -> Side {
        match self {
            Failed::Source => source,
            Failed::Sink => sink,
        }
    }
}

/// One direction: read `from` until EOF, writing everything to `to`, then half-close `to`.
async fn one_way(
    from: &TcpStream,
    to: &TcpStream,
    bytes: &AtomicU64,
    counters: &Counters,
) -> Result<(), (Failed, io::Error)> {
    loop {
        from.readable().await.map_err(|e| (Failed::Source, e))?;
        let mut buf = Vec::with_capacity(BUF);
        loop {
            buf.clear();
            match from.try_read_buf(&mut buf) {
                Ok(0) => {
                    return SockRef::from(to)
                        .shutdown(Shutdown::Write)
                        .map_err(|e| (Failed::Sink, e));
                }
                Ok(n) => {
                    counters.touch();
                    write_all(to, &buf[..n])
                        .await
                        .map_err(|e| (Failed::Sink, e))?;
                    bytes.fetch_add(n as u64, Ordering::Relaxed);
                    counters.touch();
                }
                // Drained: free the buffer until the next readiness.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err((Failed::Source, e)),
            }
        }
    }
}

async fn write_all(to: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match to.try_write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => to.writable().await?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Makes the next close of `stream` send an RST instead of a FIN (`SO_LINGER` 0).
pub(super) fn reset_on_close(stream: &TcpStream) {
    // Best effort: a socket that is already gone cannot be reset and needs nothing more.
    // A zero linger never blocks on drop (unlike a positive one, which tokio warns about).
    let _ = stream.set_zero_linger();
}
