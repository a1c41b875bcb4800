//! The admin server under a bad neighbour: clients on the same address as the probes, asking
//! for the same path, trickling their headers a byte a second and reconnecting as soon as they
//! are closed. Real sockets and real time on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use meshctl_proxy::{Metrics, http, policy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::support::{entry, scratch, source};

const TRICKLERS: usize = 64;
const PROBES: usize = 15;
const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// One client that sends `GET {path}` a byte a second and reconnects the moment it is closed.
async fn trickle(addr: SocketAddr, path: &'static str, stop: watch::Receiver<bool>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: admin\r\nUser-Agent: slow\r\n\r\n");
    while !*stop.borrow() {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let mut buf = [0u8; 512];
        for byte in request.bytes() {
            if *stop.borrow() || stream.write_all(&[byte]).await.is_err() {
                break;
            }
            let closed = tokio::select! {
                read = stream.read(&mut buf) => matches!(read, Ok(0) | Err(_)),
                () = tokio::time::sleep(Duration::from_secs(1)) => false,
            };
            if closed {
                break;
            }
        }
    }
}

/// One probe as a kubelet sends it: the whole request at once, a 200 within `PROBE_TIMEOUT`.
async fn probe(addr: SocketAddr, path: &str) -> bool {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        Some(answer.starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, exchange).await,
        Ok(Some(true))
    )
}

/// Starts [`TRICKLERS`] tricklers on `path`, lets them take the server's slots, then sends
/// [`PROBES`] probes [`PROBE_EVERY`] apart and returns how many were answered.
async fn probes_answered_under_slowloris(addr: SocketAddr, path: &'static str) -> usize {
    let (stop, stopped) = watch::channel(false);
    let tricklers: Vec<_> = (0..TRICKLERS)
        .map(|_| tokio::spawn(trickle(addr, path, stopped.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut probes = Vec::new();
    for _ in 0..PROBES {
        probes.push(tokio::spawn(probe(addr, path)));
        tokio::time::sleep(PROBE_EVERY).await;
    }
    let mut answered = 0;
    for p in probes {
        answered += usize::from(p.await.unwrap_or(false));
    }
    let _ = stop.send(true);
    for t in tricklers {
        t.abort();
    }
    answered
}

/// An admin server with a loaded configuration (so `/ready` is 200).
fn admin() -> SocketAddr {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    std::fs::write(&file, entry("db", "203.0.113.7/32", 3306)).expect("write");
    let loaded = policy::build(&source(&file), 1).expect("valid").policy;
    let (tx, rx) = watch::channel(Arc::new(loaded));
    std::mem::forget(tx); // the policy stays for the test's life
    let server =
        meshctl_proxy::http::Server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = server.local_addr().expect("addr");
    tokio::spawn(meshctl_proxy::admin::serve(
        server,
        rx,
        Arc::new(Metrics::default()),
        std::future::pending(),
    ));
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_are_answered_while_64_clients_trickle_their_headers() {
    let addr = admin();
    let answered = probes_answered_under_slowloris(addr, "/ready").await;
    assert!(
        answered >= PROBES - 1,
        "{answered} of {PROBES} probes answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_closes_the_oldest_unfinished_request_for_a_complete_one() {
    let addr = admin();
    let mut slow = Vec::new();
    for _ in 0..(http::MAX_CONNECTIONS + 20) {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("half");
        slow.push(s);
    }
    tokio::time::sleep(http::GRACE * 2).await;
    assert!(probe(addr, "/healthz").await, "answered at once");
    let mut buf = [0u8; 256];
    let oldest = tokio::time::timeout(Duration::from_millis(500), slow[0].read(&mut buf)).await;
    assert!(
        matches!(oldest, Ok(Ok(0) | Err(_))),
        "the oldest unfinished request was closed: {oldest:?}"
    );
    // And whatever is left unfinished is closed by the header timeout.
    let last = slow.last_mut().expect("some");
    let closed = tokio::time::timeout(http::HEADER_TIMEOUT * 2, last.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(_) | Err(_))), "{closed:?}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let addr = admin();
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let began = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(http::HEADER_TIMEOUT * 2, silent.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(_) | Err(_))),
        "still open: {closed:?}"
    );
    assert!(
        began.elapsed() >= http::HEADER_TIMEOUT / 2,
        "{:?}",
        began.elapsed()
    );
}
