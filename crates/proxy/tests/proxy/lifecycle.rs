//! Limits and time: connect timeout, idle timeout (paused clock), max-connections
//! back-pressure, drain on shutdown.

use std::time::Duration;

use meshctl_proxy::{Drained, Options};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::support::{Running, echo, entry, round_trip};

#[tokio::test]
async fn an_unanswered_connect_times_out_with_uf() {
    // A listener whose accept queue is full drops SYNs: the connect hangs, as to a dead host.
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .expect("addr")
                .into(),
        )
        .expect("bind");
    socket.listen(0).expect("listen");
    let upstream = socket
        .local_addr()
        .expect("addr")
        .as_socket()
        .expect("inet");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) =
            tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(upstream)).await
        {
            fillers.push(s);
        }
    }
    let options = Options {
        connect_timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let proxy = Running::allowing("slow", upstream, options).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    let mut buf = [0u8; 8];
    let read = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let log = proxy.log.text();
    assert!(log.contains("response_flags=UF"), "{log}");
    assert!(log.contains("timed out"), "{log}");
    assert!(
        proxy
            .core
            .metrics
            .encode()
            .contains("meshctl_proxy_upstream_connect_errors_total 1")
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let (upstream, _) = echo().await;
    let options = Options {
        idle_timeout: Duration::from_secs(3600),
        ..Options::default()
    };
    let proxy = Running::allowing("echo", upstream, options).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"hi").await.expect("echo"), b"hi");
    let before = tokio::time::Instant::now();
    let mut buf = [0u8; 8];
    let n = client.read(&mut buf).await.expect("clean close");
    assert_eq!(n, 0);
    let waited = before.elapsed();
    assert!(waited >= Duration::from_secs(3599), "{waited:?}");
    assert!(waited <= Duration::from_secs(3601), "{waited:?}");
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(
        proxy.log.text().contains("close_reason=\"idle timeout\""),
        "{}",
        proxy.log.text()
    );
}

#[tokio::test]
async fn max_connections_applies_back_pressure() {
    let (upstream, _) = echo().await;
    let proxy = Running::start(
        &entry("echo", "127.0.0.1/32", upstream.port()),
        upstream,
        Options::default(),
        1,
    )
    .await;
    let mut first = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut first, b"1").await.expect("echo"), b"1");
    // The kernel completes the handshake (backlog) but the proxy does not accept it yet.
    let mut second = TcpStream::connect(proxy.addr).await.expect("queued");
    second.write_all(b"2").await.expect("write");
    let mut buf = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), second.read(&mut buf))
            .await
            .is_err(),
        "the second connection waits while the first is open"
    );
    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(5), second.read(&mut buf))
        .await
        .expect("served")
        .expect("read");
    assert_eq!((n, buf[0]), (1, b'2'));
}

#[tokio::test]
async fn shutdown_drains_established_connections() {
    let (upstream, _) = echo().await;
    let options = Options {
        drain_timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let proxy = Running::allowing("echo", upstream, options).await;
    let addr = proxy.addr;
    let mut client = TcpStream::connect(addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"x").await.expect("echo"), b"x");
    proxy.signal_stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
    assert_eq!(
        round_trip(&mut client, b"y").await.expect("still served"),
        b"y"
    );
    client.shutdown().await.expect("close");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.expect("EOF");
    let drained = tokio::time::timeout(Duration::from_secs(5), proxy.join())
        .await
        .expect("drained");
    assert_eq!(drained, Drained { open: 1, cut: 0 });
}

#[tokio::test]
async fn the_drain_deadline_cuts_what_is_left_and_counts_it() {
    let (upstream, _) = echo().await;
    let options = Options {
        drain_timeout: Duration::from_millis(200),
        ..Options::default()
    };
    let proxy = Running::allowing("echo", upstream, options).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"x").await.expect("echo"), b"x");
    let drained = tokio::time::timeout(Duration::from_secs(5), proxy.stop())
        .await
        .expect("stopped");
    assert_eq!(drained, Drained { open: 1, cut: 1 });
    let mut buf = [0u8; 1];
    assert!(matches!(client.read(&mut buf).await, Ok(0) | Err(_)));
}
