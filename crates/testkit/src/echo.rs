//! Upstreams on loopback for tests that put something between a client and a server: an
//! echo server that also proves what it received ([`serve_echo_digest`]), one that resets
//! after the first byte ([`serve_resetter`]) and one that never accepts ([`BlackHole`]).
//!
//! The digest is std's `DefaultHasher` (fixed keys): it only has to catch bytes lost,
//! duplicated or reordered on the way, not an adversary, and client and upstream run in the
//! same process, so no hash crate is pulled in for it.

use std::hash::{DefaultHasher, Hasher};
use std::net::SocketAddr;

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
    _listener: std::net::TcpListener,
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
            _listener: listener,
            _fillers: fillers,
        })
    }
}
