//! Listening sockets as the proxy wants them: a deep backlog, `SO_REUSEADDR`, IPv6 sockets
//! `IPV6_V6ONLY`, `TCP_NODELAY` set once on the listener, and `SO_REUSEPORT` for the workers.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Pending connections the kernel queues per listener: a small backlog stalls bursts of
/// connects for a second (SYN retransmit), so this is well above the benchmark's concurrency.
pub(crate) const LISTEN_BACKLOG: u32 = 4096;

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
    socket.listen(i32::try_from(LISTEN_BACKLOG).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}
