//! Upstreams on loopback for tests that put something between a client and a server: a plain
//! echo server ([`echo`]), one that also proves what it received ([`serve_echo_digest`]), one
//! that resets after the first byte ([`serve_resetter`]) and one that never accepts
//! ([`BlackHole`]).
//!
//! The digest is std's `DefaultHasher` (fixed keys): it only has to catch bytes lost,
//! duplicated or reordered on the way, not an adversary, and client and upstream run in the
//! same process, so no hash crate is pulled in for it.

use std::hash::{DefaultHasher, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// Bytes [`serve_echo_digest`] appends after the echo.
pub const DIGEST_LEN: usize = 8;

/// What an echo-digest upstream answers to `payload`: the payload, then its digest.
#[must_use]
pub fn expected_reply(payload: &[u8]) -> Vec<u8> {
    let mut digest = Digest::default();
    digest.update(payload);
    let mut reply = payload.to_vec();
    reply.extend_from_slice(&digest.finish());
    reply
}

/// A running digest over a byte stream, as the upstream keeps it.
#[derive(Default)]
struct Digest(DefaultHasher);

impl Digest {
    fn update(&mut self, data: &[u8]) {
        // `Hasher::write` is streaming: chunk boundaries do not change the result.
        self.0.write(data);
    }

    fn finish(&self) -> [u8; DIGEST_LEN] {
        self.0.finish().to_be_bytes()
    }
}

/// Binds `addr` with a backlog of `backlog` (loopback tests open thousands of connections at
/// once, more than tokio's default of 1024 lets queue).
///
/// # Errors
///
/// When the address cannot be bound.
pub fn listen(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// An echo server on `127.0.0.1:0`: every byte comes back, EOF is answered with EOF. Returns
/// its address and how many connections it has accepted.
///
/// # Panics
///
/// When no loopback port can be bound.
pub async fn echo() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let addr = listener.local_addr().expect("echo address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    (addr, accepted)
}

/// Serves every connection on `listener`: echoes each byte, and on the client's half-close
/// sends the digest of everything received and half-closes too, so loss in either direction
/// shows at the client ([`expected_reply`]).
pub async fn serve_echo_digest(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(echo_digest(stream));
    }
}

async fn echo_digest(mut stream: TcpStream) {
    let mut digest = Digest::default();
    let mut buf = vec![0; 65536];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                digest.update(&buf[..n]);
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
    let _ = stream.write_all(&digest.finish()).await;
    let _ = stream.shutdown().await;
}

/// Serves every connection on `listener` with a reset once the first byte arrives.
pub async fn serve_resetter(listener: TcpListener) {
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut one = [0; 1];
            let _ = stream.read(&mut one).await;
            // Linger zero turns the close into an RST.
            let _ = stream.set_zero_linger();
        });
    }
}

/// A listener that never accepts, its backlog filled, so further SYNs go unanswered (the
/// upstream a connect timeout exists for). Dropping it frees the address.
pub struct BlackHole {
    listener: std::net::TcpListener,
    _fillers: Vec<TcpStream>,
}

impl BlackHole {
    /// Listens on `addr` with the smallest backlog and fills it.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn start(addr: SocketAddr) -> std::io::Result<BlackHole> {
        let listener = listen(addr, 0)?.into_std()?;
        // Port 0 binds somewhere: the fillers go to where it bound.
        let addr = listener.local_addr()?;
        let mut fillers = Vec::new();
        for _ in 0..8 {
            let socket = TcpSocket::new_v4()?;
            // Once the backlog is full the connect never completes: do not wait for it.
            if let Ok(Ok(stream)) =
                tokio::time::timeout(std::time::Duration::from_millis(50), socket.connect(addr))
                    .await
            {
                fillers.push(stream);
            }
        }
        Ok(BlackHole {
            listener,
            _fillers: fillers,
        })
    }

    /// The address it listens on (a port-0 bind gets its port here).
    ///
    /// # Panics
    ///
    /// Never for a bound listener.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `payload` in two writes, half-closes, and reads everything back.
    async fn exchange(addr: SocketAddr, payload: &[u8]) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let (first, second) = payload.split_at(payload.len() / 2);
        stream.write_all(first).await.expect("write");
        stream.write_all(second).await.expect("write");
        stream.shutdown().await.expect("half-close");
        let mut back = Vec::new();
        stream.read_to_end(&mut back).await.expect("read");
        back
    }

    #[tokio::test]
    async fn the_digest_upstream_answers_the_expected_reply_and_the_echo_the_bytes() {
        let listener = listen("127.0.0.1:0".parse().expect("addr"), 16).expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve_echo_digest(listener));
        let payload: Vec<u8> = (0..=255).cycle().take(100_000).collect();
        assert_eq!(exchange(addr, &payload).await, expected_reply(&payload));
        assert_ne!(expected_reply(b"ab"), expected_reply(b"ba"));

        let (addr, accepted) = echo().await;
        assert_eq!(exchange(addr, b"hello").await, b"hello");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}
