//! Copying bytes both ways between the client and the upstream: half-close, reset propagation,
//! idle timeout, byte counts — and no memory while idle.
//!
//! Why not `tokio::io::copy_bidirectional`: it allocates two 8 KiB buffers per connection for
//! the connection's whole life (16 KiB per idle connection, against a 3 KiB target), reports
//! one error without saying which side failed (needed to turn an RST into an RST), and has no
//! activity clock for `--idle-timeout`. This loop uses the readiness API on `&TcpStream`: when
//! a source is readable its direction borrows a buffer (or, once the direction has carried
//! [`SPLICE_AFTER`] bytes, a pipe for `splice(2)`), moves everything ready, and gives it back.
//! An idle connection is two sockets and a small future. A short read ends the burst without
//! the read that tokio would otherwise make to see `EAGAIN` ([`read_ready`]).
//!
//! The event loop is tokio's (one current-thread runtime per worker, `crate::workers`), with
//! one rule of nginx's added ([`read_ready`]): a short read means the socket is drained, so the
//! burst ends without the read that would only return `EAGAIN`. That took the benchmark's
//! connection (connect, 1 KiB each way, close) from 6 `recvfrom` to 4 and from 25.1 system
//! calls to 23.4 (strace, `scripts/bench-proxy.sh`). What it leaves is the `epoll_ctl(DEL)` of
//! each socket before its close (2 per connection): tokio deregisters on drop, and safe code
//! cannot skip that. Skipping it means owning the epoll instance from `accept` to `close`:
//! moving a socket into a `mio::Poll` of our own after the setup phase costs a DEL and an ADD
//! (more than it saves), and such a poll nested in tokio's (its descriptor registered there)
//! pays a second `epoll_wait` for every wake-up, 4 per connection here. Replacing tokio's I/O
//! driver for the whole connection (accept, SNI peek, DNS, dial, timers) is the only design
//! that gains those 2 calls, and it is a second runtime to maintain for about 8 % of the
//! connection's system calls.
//!
//! Half-close: EOF from one side becomes `shutdown(SHUT_WR)` towards the other; the opposite
//! direction keeps flowing until it ends too, and the close that follows carries its FIN. Errors: a read or write error means that side is
//! gone (usually an RST); the caller then resets the other side (`SO_LINGER` 0) so the client
//! sees what the server did. Both paths, buffered and spliced, end and fail the same way.

use std::io::{self, Read as _};
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use socket2::SockRef;
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::splice::{Lease, PipePool};

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
    pipes: &PipePool,
) -> End {
    let up = one_way(client, upstream, &counters.sent, counters, pipes);
    let down = one_way(upstream, client, &counters.received, counters, pipes);
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
                Ok(()) => {
                    up_done = true;
                    if !down_done && let Err(e) = half_close(upstream) {
                        return End::Failed(Side::Upstream, e);
                    }
                }
                Err((side, e)) => return End::Failed(side.or(Side::Client, Side::Upstream), e),
            },
            r = &mut down, if !down_done => match r {
                Ok(()) => {
                    down_done = true;
                    if !up_done && let Err(e) = half_close(client) {
                        return End::Failed(Side::Client, e);
                    }
                }
                Err((side, e)) => return End::Failed(side.or(Side::Upstream, Side::Client), e),
            },
            () = &mut idle_out => return End::IdleTimeout,
        }
        if up_done && down_done {
            return End::Closed;
        }
    }
}

/// Passes an EOF on: `shutdown(SHUT_WR)` towards `to` while the opposite direction still flows.
/// The last direction to end needs none: both sockets are closed right after, and closing a
/// socket whose input was read to EOF sends the same FIN (one system call less).
fn half_close(to: &TcpStream) -> io::Result<()> {
    SockRef::from(to).shutdown(Shutdown::Write)
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

/// A direction moves to splice after this many bytes through the buffer: short exchanges (a
/// query and its answer, a handshake) stay on the buffered path, which costs the same number of
/// syscalls and no pipe; sustained transfers move into the kernel.
const SPLICE_AFTER: u64 = 64 * 1024;

/// Whether a direction is still open after copying what was ready.
enum Flow {
    /// The source is drained for now; wait for it to become readable again.
    Open,
    /// The source sent EOF.
    Eof,
}

/// One direction: read `from` until EOF, writing everything to `to` (the caller passes the EOF
/// on).
/// Bulk data goes through a leased pipe (see [`crate::splice`]); without one — the pool is
/// exhausted, or the sockets do not support splice — through a buffer.
async fn one_way(
    from: &TcpStream,
    to: &TcpStream,
    bytes: &AtomicU64,
    counters: &Counters,
    pipes: &PipePool,
) -> Result<(), (Failed, io::Error)> {
    let mut moved = 0u64;
    let mut can_splice = true;
    loop {
        from.readable().await.map_err(|e| (Failed::Source, e))?;
        let lease = if can_splice && moved >= SPLICE_AFTER {
            pipes.lease()
        } else {
            None
        };
        let flow = match lease {
            Some(lease) => match splice_ready(lease, from, to, bytes, counters, pipes).await {
                Err((Failed::Source, e)) if splice_unsupported(&e) => {
                    tracing::debug!("splice not possible ({e}); copying through a buffer");
                    can_splice = false;
                    continue;
                }
                flow => flow?,
            },
            None => copy_ready(from, to, bytes, counters, &mut moved, can_splice).await?,
        };
        if let Flow::Eof = flow {
            return Ok(());
        }
    }
}

/// Errors that mean "these descriptors cannot be spliced", not "the peer is gone".
fn splice_unsupported(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
    )
}

/// Splices what `from` has ready to `to` through up to two leased pipes, until `from` would
/// block with both pipes empty.
///
/// With one pipe, reading from the source and writing to the sink take turns: while the sink is
/// full the source waits, and while the pipe fills the sink idles. So while `front` waits for
/// the sink, the next burst is spliced into a second pipe, `back`, which takes over once `front`
/// is empty: bytes leave in the order they came. A pipe is only ever filled while empty, so an
/// `EAGAIN` from a fill still means the source, not the pipe; and `back` is leased only when the
/// sink blocks and the pool is less than half leased (otherwise one pipe does), and both go
/// back to the pool when the source runs dry, as before.
///
/// Measured on 2 GiB through one iperf3 stream (strace -c): 10,502 splices and 3,435
/// `epoll_wait` instead of 23,360 and 7,224 with one pipe, since a pipe filled while the other
/// drains holds more per splice. Throughput moved within the noise of a shared 2-core machine
/// (median of four alternating runs, 6.90 against 6.71 Gbit/s).
async fn splice_ready<'p>(
    mut front: Lease<'p>,
    from: &TcpStream,
    to: &TcpStream,
    bytes: &AtomicU64,
    counters: &Counters,
    pipes: &'p PipePool,
) -> Result<Flow, (Failed, io::Error)> {
    let mut back: Option<Lease<'p>> = None;
    let mut eof = false;
    loop {
        if front.is_empty() {
            if eof {
                return Ok(Flow::Eof);
            }
            match fill(&mut front, from, counters)? {
                Some(true) => {}
                Some(false) => return Ok(Flow::Eof),
                None => return Ok(Flow::Open),
            }
        }
        let moved = front.drain_ready(to).map_err(|e| (Failed::Sink, e))?;
        if moved > 0 {
            bytes.fetch_add(moved as u64, Ordering::Relaxed);
            counters.touch();
        }
        if front.is_empty() {
            if let Some(next) = back.as_mut().filter(|b| !b.is_empty()) {
                std::mem::swap(&mut front, next);
            }
            continue;
        }
        // The sink is full: read the next burst into the other pipe meanwhile.
        if !eof {
            if back.is_none() {
                back = pipes.lease_second();
            }
            if let Some(next) = back.as_mut().filter(|b| b.is_empty()) {
                eof = fill(next, from, counters)? == Some(false);
            }
        }
        crate::wait::writable(to)
            .await
            .map_err(|e| (Failed::Sink, e))?;
    }
}

/// One splice from `from` into the empty pipe of `lease`: `Some(true)` bytes came,
/// `Some(false)` EOF, `None` the source has nothing now.
fn fill(
    lease: &mut Lease<'_>,
    from: &TcpStream,
    counters: &Counters,
) -> Result<Option<bool>, (Failed, io::Error)> {
    loop {
        match lease.fill(from) {
            Ok(0) => return Ok(Some(false)),
            Ok(_) => {
                counters.touch();
                return Ok(Some(true));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((Failed::Source, e)),
        }
    }
}

/// Copies what `from` has ready to `to` through a scratch buffer, until `from` is drained.
async fn copy_ready(
    from: &TcpStream,
    to: &TcpStream,
    bytes: &AtomicU64,
    counters: &Counters,
    moved: &mut u64,
    switch_to_splice: bool,
) -> Result<Flow, (Failed, io::Error)> {
    let mut buf = scratch::take();
    let flow = loop {
        match read_ready(from, &mut buf) {
            Ok(Got::Eof) => break Flow::Eof,
            Ok(Got::Some(n, more)) => {
                counters.touch();
                write_all(to, &buf[..n])
                    .await
                    .map_err(|e| (Failed::Sink, e))?;
                bytes.fetch_add(n as u64, Ordering::Relaxed);
                let before = *moved;
                *moved += n as u64;
                counters.touch();
                if !more {
                    break Flow::Open;
                }
                // Crossing the threshold hands over to splice now: a source that never runs
                // dry (a bulk sender faster than us) would otherwise keep this loop forever.
                if switch_to_splice && before < SPLICE_AFTER && *moved >= SPLICE_AFTER {
                    break Flow::Open;
                }
            }
            // Drained: the buffer goes back for the next readiness, of any connection.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Flow::Open,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((Failed::Source, e)),
        }
    };
    scratch::give(buf);
    Ok(flow)
}

/// What one read of a readable source gave.
enum Got {
    Eof,
    /// Bytes read, and whether the source may hold more.
    Some(usize, bool),
}

/// One `recv` from a readable `from` into `buf`, with nginx's rule for edge-triggered epoll
/// (nginx src/os/unix/ngx_recv.c): a read that returns less than it asked for emptied the
/// socket's receive queue, so the source is not ready any more and is not read again until the
/// next edge — tokio on its own reads once more to see `EAGAIN`, one `recvfrom` per burst. tokio
/// clears a socket's readiness only when the closure given to `try_io` reports `WouldBlock`, so
/// a short read keeps its bytes and reports `WouldBlock` to the readiness layer. A FIN that came
/// with the bytes is not lost with the edge: tokio keeps `READ_CLOSED` through a clear (it is
/// final), so the next wait returns at once and the next read sees EOF.
fn read_ready(from: &TcpStream, buf: &mut [u8]) -> io::Result<Got> {
    let mut short = None;
    let read = from.try_io(Interest::READABLE, || {
        let n = (&*SockRef::from(from)).read(buf)?;
        if n > 0 && n < buf.len() {
            short = Some(n);
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match (read, short) {
        (_, Some(n)) => Ok(Got::Some(n, false)),
        (Ok(0), None) => Ok(Got::Eof),
        (Ok(n), None) => Ok(Got::Some(n, true)),
        (Err(e), None) => Err(e),
    }
}

/// Per-thread spare copy buffers: a buffer is held only while its direction has bytes in
/// flight, and reused by the next readiness on the same worker thread instead of being freed
/// and allocated again (no allocation per read on the hot path).
mod scratch {
    use std::cell::RefCell;

    /// Bytes read per call at most before writing them on.
    const BUF: usize = 16 * 1024;
    /// Spare buffers kept per thread; more in flight at once are freed when done.
    const SPARES: usize = 8;

    thread_local! {
        static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    /// A buffer of `BUF` bytes, zeroed once when first allocated: `recv` into an initialised
    /// slice needs no `unsafe`.
    pub(super) fn take() -> Vec<u8> {
        SPARE
            .with(|spare| spare.borrow_mut().pop())
            .unwrap_or_else(|| vec![0; BUF])
    }

    pub(super) fn give(buf: Vec<u8>) {
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARES {
                spare.push(buf);
            }
        });
    }
}

async fn write_all(to: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match to.try_write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => crate::wait::writable(to).await?,
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

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;

    /// A connected loopback pair: the far end, and ours (not yet registered with tokio).
    fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let far =
            std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (ours, _) = listener.accept().expect("accept");
        ours.set_nonblocking(true).expect("nonblocking");
        (far, ours)
    }

    #[tokio::test]
    async fn data_and_fin_in_one_wake_up_still_reach_eof() {
        // Bytes and FIN are both queued before the socket is registered, so one wake-up
        // reports both: the short read that clears readiness must not lose the FIN with the
        // edge, or the direction would wait for the idle timeout.
        let (mut client, from) = pair();
        client.write_all(b"question").expect("write");
        client.shutdown(Shutdown::Write).expect("FIN");
        let (mut server, to) = pair();
        let from = TcpStream::from_std(from).expect("register");
        let to = TcpStream::from_std(to).expect("register");
        let counters = Counters::new();
        let pipes = PipePool::new(0);
        let copied = tokio::time::timeout(
            Duration::from_secs(5),
            one_way(&from, &to, &counters.sent, &counters, &pipes),
        )
        .await;
        assert!(matches!(copied, Ok(Ok(()))), "EOF reached: {copied:?}");
        drop(to);
        let mut got = Vec::new();
        server.read_to_end(&mut got).expect("read");
        assert_eq!(got, b"question");
        assert_eq!(counters.sent.load(Ordering::Relaxed), 8);
    }

    #[tokio::test]
    async fn a_short_read_ends_the_burst_without_a_read_for_eagain() {
        let (mut client, from) = pair();
        let (mut server, to) = pair();
        let from = TcpStream::from_std(from).expect("register");
        let to = TcpStream::from_std(to).expect("register");
        client.write_all(b"question").expect("write");
        from.readable().await.expect("readable");
        let counters = Counters::new();
        let mut moved = 0;
        let flow = copy_ready(&from, &to, &counters.sent, &counters, &mut moved, false).await;
        assert!(matches!(flow, Ok(Flow::Open)));
        let mut got = [0; 8];
        server.read_exact(&mut got).expect("forwarded");
        assert_eq!(&got, b"question");
        // Readiness is cleared: tokio does not call the closure, so no system call is made.
        let probe = from.try_io(Interest::READABLE, || -> io::Result<()> {
            panic!("the drained source was read again")
        });
        assert_eq!(probe.map_err(|e| e.kind()), Err(io::ErrorKind::WouldBlock));
    }
}
