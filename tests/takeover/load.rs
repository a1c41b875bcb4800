//! The load of the hand-over test: clients making short connections one after another, and
//! long-lived connections streaming through the hand-over, each checking every echo.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::process::STEP;

/// Clients opening one short connection after another.
pub(crate) const SHORT_CLIENTS: usize = 4;
/// Pause between two short connections of one client.
pub(crate) const SHORT_PAUSE: Duration = Duration::from_millis(4);
/// Connections held open across the hand-over, exchanging a chunk every [`LONG_PAUSE`].
pub(crate) const LONG_CONNECTIONS: usize = 3;
pub(crate) const LONG_PAUSE: Duration = Duration::from_millis(20);

/// What the clients saw.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) ok: AtomicUsize,
    pub(crate) refused: AtomicUsize,
    pub(crate) reset: AtomicUsize,
    pub(crate) wrong: AtomicUsize,
    pub(crate) timed_out: AtomicUsize,
}

impl Tally {
    pub(crate) fn failure(&self, e: &std::io::Error) {
        use std::io::ErrorKind::{ConnectionRefused, UnexpectedEof};
        match e.kind() {
            ConnectionRefused => &self.refused,
            // The upstream echoes everything: an early EOF is a connection cut, not an answer.
            UnexpectedEof => &self.wrong,
            _ => &self.reset,
        }
        .fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn summary(&self) -> String {
        format!(
            "ok={} refused={} reset={} wrong={} timed_out={}",
            self.ok.load(Ordering::SeqCst),
            self.refused.load(Ordering::SeqCst),
            self.reset.load(Ordering::SeqCst),
            self.wrong.load(Ordering::SeqCst),
            self.timed_out.load(Ordering::SeqCst)
        )
    }
}

/// One short connection: connect, write, read the echo, half-close, read EOF.
pub(crate) async fn short_connection(addr: SocketAddr, n: usize) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(addr).await?;
    let payload = format!("short connection {n:>12}\n");
    stream.write_all(payload.as_bytes()).await?;
    let mut back = vec![0; payload.len()];
    stream.read_exact(&mut back).await?;
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    Ok(back == payload.as_bytes() && rest.is_empty())
}

/// A client making short connections until `stop`.
pub(crate) async fn short_client(
    addr: SocketAddr,
    id: usize,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let mut n = id * 1_000_000;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        match tokio::time::timeout(STEP, short_connection(addr, n)).await {
            Ok(Ok(true)) => tally.ok.fetch_add(1, Ordering::SeqCst),
            Ok(Ok(false)) => tally.wrong.fetch_add(1, Ordering::SeqCst),
            Ok(Err(e)) => {
                tally.failure(&e);
                0
            }
            Err(_) => tally.timed_out.fetch_add(1, Ordering::SeqCst),
        };
        tokio::time::sleep(SHORT_PAUSE).await;
    }
}

/// A connection exchanging a chunk every [`LONG_PAUSE`] until `stop`, then closing cleanly.
/// Returns how many exchanges succeeded, and how many of those came after `handed_over`.
pub(crate) async fn long_connection(
    mut stream: TcpStream,
    id: usize,
    stop: Arc<AtomicBool>,
    handed_over: Arc<AtomicBool>,
) -> std::io::Result<(usize, usize)> {
    let (mut total, mut after) = (0, 0);
    while !stop.load(Ordering::SeqCst) {
        let chunk = format!("long connection {id} chunk {total:>10}\n").repeat(8);
        stream.write_all(chunk.as_bytes()).await?;
        let mut back = vec![0; chunk.len()];
        tokio::time::timeout(STEP, stream.read_exact(&mut back))
            .await
            .map_err(|_| std::io::Error::other("echo timed out"))??;
        if back != chunk.as_bytes() {
            return Err(std::io::Error::other("wrong echo"));
        }
        total += 1;
        if handed_over.load(Ordering::SeqCst) {
            after += 1;
        }
        tokio::time::sleep(LONG_PAUSE).await;
    }
    stream.shutdown().await?;
    let mut rest = Vec::new();
    tokio::time::timeout(STEP, stream.read_to_end(&mut rest))
        .await
        .map_err(|_| std::io::Error::other("no EOF"))??;
    assert!(rest.is_empty(), "bytes after the last echo");
    Ok((total, after))
}

/// The clients of the hand-over test: short connections one after another, and long-lived
/// ones opened at the start.
pub(crate) struct Load {
    pub(crate) tally: Arc<Tally>,
    pub(crate) stop_short: Arc<AtomicBool>,
    pub(crate) stop_long: Arc<AtomicBool>,
    pub(crate) handed_over: Arc<AtomicBool>,
    pub(crate) short: Vec<tokio::task::JoinHandle<()>>,
    pub(crate) long: Vec<tokio::task::JoinHandle<std::io::Result<(usize, usize)>>>,
}

impl Load {
    pub(crate) async fn start(addr: SocketAddr) -> Self {
        let stop_short = Arc::new(AtomicBool::new(false));
        let stop_long = Arc::new(AtomicBool::new(false));
        let handed_over = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let mut long = Vec::new();
        for id in 0..LONG_CONNECTIONS {
            let stream = TcpStream::connect(addr).await.expect("long-lived connect");
            long.push(tokio::spawn(long_connection(
                stream,
                id,
                stop_long.clone(),
                handed_over.clone(),
            )));
        }
        let short = (0..SHORT_CLIENTS)
            .map(|id| tokio::spawn(short_client(addr, id, stop_short.clone(), tally.clone())))
            .collect();
        Self {
            tally,
            stop_short,
            stop_long,
            handed_over,
            short,
            long,
        }
    }

    /// Stops the short clients, then closes the long-lived connections; returns how many
    /// exchanges each long-lived connection made after the hand-over.
    pub(crate) async fn stop(self) -> Vec<usize> {
        self.stop_short.store(true, Ordering::SeqCst);
        for client in self.short {
            client.await.expect("short client");
        }
        self.stop_long.store(true, Ordering::SeqCst);
        let mut after = Vec::new();
        for connection in self.long {
            let (total, since) = connection
                .await
                .expect("long-lived task")
                .expect("a long-lived connection survives the hand-over");
            assert!(total > 0);
            after.push(since);
        }
        after
    }
}
