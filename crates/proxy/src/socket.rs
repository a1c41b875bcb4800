//! Listening sockets as the proxy wants them: a deep backlog, `SO_REUSEADDR`, IPv6 sockets
//! `IPV6_V6ONLY`, `TCP_NODELAY` set once on the listener, and `SO_REUSEPORT` on every socket the
//! proxy command binds, so a later `--takeover` can join the port (see `takeover`). Also the
//! last step of a listener's life: taking what its accept queue holds before closing it.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Pending connections the kernel queues per listener: a small backlog stalls bursts of
/// connects for a second (SYN retransmit), so this is well above the benchmark's concurrency.
pub(crate) const LISTEN_BACKLOG: u32 = 4096;

/// How a proxy takes the ports it listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Claim {
    /// The port must be free: one another process holds is "address in use", even when that
    /// process is a proxy whose sockets would let this one join.
    #[default]
    Exclusive,
    /// `--takeover`: join the `SO_REUSEPORT` group of the proxy already on the port (the kernel
    /// allows it only for the same effective uid), or take the port if it is free.
    Join,
}

/// Binds a listening socket with [`LISTEN_BACKLOG`] and `SO_REUSEADDR`. IPv6 sockets are
/// `IPV6_V6ONLY`, so `[::]:PORT` can sit next to `0.0.0.0:PORT` (the transparent listener's
/// IPv6 twin, where ip6tables redirects). One socket, for one runtime; the proxy command binds
/// a [`crate::workers::ListenerGroup`] instead.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::from_std(listening_socket(addr, false)?)
}

/// A non-blocking TCP socket bound to `addr` (see [`bind`]), not yet listening.
pub(crate) fn unlistened_socket(addr: SocketAddr, reuse_port: bool) -> io::Result<socket2::Socket> {
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
pub(crate) fn listening_socket(
    addr: SocketAddr,
    reuse_port: bool,
) -> io::Result<std::net::TcpListener> {
    let socket = unlistened_socket(addr, reuse_port)?;
    listen(&socket)?;
    Ok(socket.into())
}

/// Starts listening on a bound socket: only from here on does the kernel hand it connections
/// (a socket joins its `SO_REUSEPORT` group's lookup at `listen(2)`, not at `bind(2)`).
pub(crate) fn listen(socket: &socket2::Socket) -> io::Result<()> {
    socket.listen(i32::try_from(LISTEN_BACKLOG).unwrap_or(i32::MAX))
}

/// `count` sockets bound to `addr` with `SO_REUSEPORT`, not yet listening, and the address
/// they share (the port resolved when `:0` was asked for).
///
/// With [`Claim::Exclusive`] a probe bind without `SO_REUSEPORT` goes first: it fails with
/// "address in use" when anything holds the port, where the `SO_REUSEPORT` binds alone would
/// silently join a group another process (same uid) listens in and take part of its traffic.
pub(crate) fn reuseport_sockets(
    addr: SocketAddr,
    count: usize,
    claim: Claim,
) -> io::Result<(SocketAddr, Vec<socket2::Socket>)> {
    let first = match claim {
        Claim::Exclusive => {
            let probe = unlistened_socket(addr, false)?;
            let local = local_inet(&probe)?;
            drop(probe);
            unlistened_socket(local, true)?
        }
        Claim::Join => unlistened_socket(addr, true)?,
    };
    let local = local_inet(&first)?;
    let mut sockets = vec![first];
    for _ in 1..count.max(1) {
        sockets.push(unlistened_socket(local, true)?);
    }
    Ok((local, sockets))
}

fn local_inet(socket: &socket2::Socket) -> io::Result<SocketAddr> {
    socket
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::other("the socket has no IP address"))
}

/// Takes what `listener`'s accept queue holds (at most `max` connections), then closes it.
///
/// Closing a listening socket resets the connections the kernel has already established on it
/// but nobody accepted; in a `SO_REUSEPORT` group the kernel keeps queueing a share of new
/// connections on this socket until the moment it closes. So the queue is emptied with
/// `accept(2)` until `EAGAIN` and the socket is closed right after, leaving only the
/// microseconds between the two (and a handshake still in flight) exposed. Each `accept` is a
/// real system call: tokio's readiness cache may not have seen the latest arrivals yet.
/// `max` bounds the loop when connections keep arriving as fast as they are taken.
pub(crate) fn take_queue(
    listener: TcpListener,
    max: usize,
) -> (Vec<(std::net::TcpStream, SocketAddr)>, Option<io::Error>) {
    let mut taken = Vec::new();
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(e) => return (taken, Some(e)),
    };
    let mut failed = None;
    while taken.len() < max {
        match listener.accept() {
            Ok((stream, client)) => match stream.set_nonblocking(true) {
                Ok(()) => taken.push((stream, client)),
                Err(e) => failed = Some(e),
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    drop(listener);
    (taken, failed)
}
