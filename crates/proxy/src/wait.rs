//! Waiting for a socket without growing every connection's task for it.

use std::io;

use tokio::net::TcpStream;

/// Waits until `to` accepts bytes again. Boxed: tokio's readiness future is ~150 bytes, and
/// inline it would size every connection's task for a wait that only a full socket buffer
/// needs; the allocation is paid only then.
pub(crate) async fn writable(to: &TcpStream) -> io::Result<()> {
    Box::pin(to.writable()).await
}
