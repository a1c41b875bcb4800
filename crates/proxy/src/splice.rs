//! Zero-copy forwarding: `splice(2)` moves bytes socket → pipe → socket inside the kernel, so a
//! bulk transfer never copies through user space (HAProxy's `option splice-auto` does the same).
//!
//! Pipes are a scarce resource (two descriptors each, up to 64 KiB of kernel memory while
//! holding data), so they come from a bounded [`PipePool`] and are leased only while a direction
//! has bytes to move: a lease is taken when the source is readable and returned as soon as the
//! pipe is empty again; a direction whose sink is full takes a second one meanwhile
//! (`crate::pipe`'s `splice_ready`) while the pool is less than half leased. An idle connection
//! holds no pipe. A lease dropped while its pipe still
//! holds bytes (the copy was cancelled by revocation or drain) closes that pipe instead of
//! returning it, so a pipe in the pool is always empty.
//!
//! Everything here is safe code: the syscalls go through rustix, and readiness through tokio's
//! `try_io`, which clears the socket's readiness when the closure reports `WouldBlock`.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::pipe::{PipeFlags, SpliceFlags};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Pipes open at once by default: 128 descriptors and, were every pipe full at once, 64 MiB of
/// kernel memory (the kernel's default `fs.pipe-user-pages-soft` for one user). A lease lasts
/// one burst of a direction, not a connection, so far more bulk connections than this share
/// them; past the bound, directions fall back to the buffered copy.
pub const DEFAULT_MAX_PIPES: usize = 64;

/// Bytes asked for per pipe (`fs.pipe-max-size`'s default): one splice moves at most a pipe's
/// capacity, so a larger pipe means fewer system calls and wake-ups per byte (on loopback, in three alternating iperf3 runs each,
/// 1 MiB pipes moved ~9 % more than 256 KiB ones, which moved ~28 % more than copying through a
/// buffer). The kernel may refuse (an unprivileged user past
/// `fs.pipe-user-pages-soft`); the pipe then keeps the size it has.
const PIPE_SIZE: usize = 1024 * 1024;

/// The kernel's default pipe capacity (16 pages of 4 KiB).
const DEFAULT_PIPE_SIZE: usize = 64 * 1024;

/// Empty pipes ready for reuse, and how many exist in all (pooled + leased).
#[derive(Debug)]
pub struct PipePool {
    idle: Mutex<Vec<Pipe>>,
    open: AtomicUsize,
    max: usize,
}

/// The two ends of one pipe.
#[derive(Debug)]
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    /// Bytes it holds when full.
    capacity: usize,
}

impl PipePool {
    /// A pool that opens at most `max` pipes (0 disables splicing).
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            open: AtomicUsize::new(0),
            max,
        }
    }

    /// Pipes that exist now, leased or pooled (a gauge for tests and metrics).
    #[must_use]
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Pipes leased right now: open but not in the pool.
    #[must_use]
    pub fn leased(&self) -> usize {
        let idle = self.idle.lock().map_or(0, |idle| idle.len());
        self.open().saturating_sub(idle)
    }

    /// An empty pipe, reused or newly opened; `None` when the bound is reached or the system
    /// refuses a new pipe (out of descriptors): the caller copies through a buffer instead.
    pub(crate) fn lease(&self) -> Option<Lease<'_>> {
        if let Some(pipe) = self.idle.lock().ok()?.pop() {
            return Some(Lease::new(self, pipe));
        }
        if self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_err()
        {
            return None;
        }
        match rustix::pipe::pipe_with(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC) {
            Ok((read, write)) => {
                let capacity = rustix::pipe::fcntl_setpipe_size(&write, PIPE_SIZE)
                    .or_else(|_| rustix::pipe::fcntl_getpipe_size(&write))
                    .unwrap_or(DEFAULT_PIPE_SIZE);
                Some(Lease::new(
                    self,
                    Pipe {
                        read,
                        write,
                        capacity,
                    },
                ))
            }
            Err(e) => {
                self.open.fetch_sub(1, Ordering::AcqRel);
                tracing::debug!("no pipe for splice ({e}); copying through a buffer");
                None
            }
        }
    }

    /// A second pipe for a direction that already holds one (its sink is full), only while
    /// fewer than half the pool's pipes are leased: a second pipe saves system calls, a first
    /// one saves a copy through user space, so seconds never take the half of the pool that
    /// first leases can count on.
    pub(crate) fn lease_second(&self) -> Option<Lease<'_>> {
        if self.leased() * 2 >= self.max {
            return None;
        }
        self.lease()
    }
}

/// A pipe borrowed from the pool; back to the pool on drop if empty, closed otherwise.
#[derive(Debug)]
pub(crate) struct Lease<'p> {
    pool: &'p PipePool,
    pipe: Option<Pipe>,
    /// Bytes spliced in and not yet out.
    held: usize,
}

impl<'p> Lease<'p> {
    fn new(pool: &'p PipePool, pipe: Pipe) -> Self {
        Self {
            pool,
            pipe: Some(pipe),
            held: 0,
        }
    }

    fn pipe(&self) -> io::Result<&Pipe> {
        // Only `drop` takes the pipe, so it is always here while the lease is usable.
        self.pipe
            .as_ref()
            .ok_or_else(|| io::Error::other("pipe lease already released"))
    }

    /// Moves what `from` has ready into the (empty) pipe: `Ok(0)` is EOF, `WouldBlock` means
    /// `from` has nothing now. With the pipe empty and `len` at most its capacity, the pipe
    /// cannot be full, so `EAGAIN` can only come from the socket.
    pub(crate) fn fill(&mut self, from: &TcpStream) -> io::Result<usize> {
        debug_assert_eq!(self.held, 0, "fill is only called on an empty pipe");
        let pipe = self.pipe()?;
        let n = from.try_io(Interest::READABLE, || {
            rustix::pipe::splice(
                from,
                None,
                &pipe.write,
                None,
                pipe.capacity,
                SpliceFlags::MOVE | SpliceFlags::NONBLOCK,
            )
            .map_err(io::Error::from)
        })?;
        self.held = n;
        Ok(n)
    }

    /// Whether the pipe holds no bytes (only an empty pipe is filled, and only an empty pipe
    /// goes back to the pool).
    pub(crate) fn is_empty(&self) -> bool {
        self.held == 0
    }

    /// Writes what the pipe holds to `to` until it is empty or `to` would block; returns the
    /// bytes moved.
    pub(crate) fn drain_ready(&mut self, to: &TcpStream) -> io::Result<usize> {
        let mut moved = 0;
        while self.held > 0 {
            let pipe = self.pipe()?;
            let held = self.held;
            let out = to.try_io(Interest::WRITABLE, || {
                rustix::pipe::splice(
                    &pipe.read,
                    None,
                    to,
                    None,
                    held,
                    SpliceFlags::MOVE | SpliceFlags::NONBLOCK,
                )
                .map_err(io::Error::from)
            });
            match out {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.held -= n;
                    moved += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(moved)
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(pipe) = self.pipe.take() else {
            return;
        };
        if self.held == 0
            && let Ok(mut idle) = self.pool.idle.lock()
        {
            idle.push(pipe);
            return;
        }
        // Bytes still inside (cancelled mid-transfer) or a poisoned pool: close it.
        drop(pipe);
        self.pool.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_bounded_and_reused() {
        let pool = PipePool::new(2);
        let a = pool.lease().expect("first pipe");
        let b = pool.lease().expect("second pipe");
        assert!(pool.lease().is_none(), "the bound is two pipes");
        assert_eq!((pool.open(), pool.leased()), (2, 2));
        drop(a);
        assert_eq!(
            (pool.open(), pool.leased()),
            (2, 1),
            "an empty pipe goes back"
        );
        let again = pool.lease().expect("the pooled pipe is reused");
        assert_eq!(pool.open(), 2, "reuse opens nothing new");
        drop((again, b));
        assert_eq!((pool.open(), pool.leased()), (2, 0));
    }

    #[test]
    fn a_pipe_still_holding_bytes_is_closed_not_pooled() {
        let pool = PipePool::new(4);
        let mut lease = pool.lease().expect("a pipe");
        lease.held = 10; // as if cancelled between fill and drain
        drop(lease);
        assert_eq!((pool.open(), pool.leased()), (0, 0));
    }

    #[test]
    fn second_pipes_leave_half_the_pool_to_first_ones() {
        let pool = PipePool::new(4);
        let first = pool.lease().expect("a first pipe");
        let second = pool
            .lease_second()
            .expect("1 of 4 leased: room for a second");
        assert!(
            pool.lease_second().is_none(),
            "2 of 4 leased: the rest is for first pipes"
        );
        let others = (pool.lease(), pool.lease());
        assert!(others.0.is_some() && others.1.is_some());
        drop((first, second, others));
        assert_eq!(pool.leased(), 0);
    }

    #[test]
    fn zero_disables_splicing() {
        assert!(PipePool::new(0).lease().is_none());
    }
}
