//! A DestinationRule's `connectionPool.tcp` over real loopback connections: past
//! `maxConnections` a connection is closed at once and counted as overflow while the others
//! keep working, a freed slot is reused, `connectTimeout` cuts a dial short and `idleTimeout`
//! closes a quiet connection.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use meshctl_proxy::Options;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

use super::support::{Running, echo, entry, round_trip};

/// The entry allowing `upstream` and a DestinationRule for its host with `tcp` as its
/// `connectionPool.tcp` (a YAML flow mapping).
fn limited(upstream: SocketAddr, tcp: &str) -> String {
    entry("db", "127.0.0.1/32", upstream.port())
        + &format!(
            "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db, namespace: default}}\nspec: {{host: db.example.com, trafficPolicy: {{connectionPool: {{tcp: {tcp}}}}}}}\n"
        )
}

/// True when the proxy closes `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

fn metric(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with(name))
        .map(str::to_owned)
}

#[tokio::test]
async fn max_connections_closes_the_overflow_and_reuses_freed_slots() {
    let (upstream, _accepts) = echo().await;
    let proxy = Running::start(
        &limited(upstream, "{maxConnections: 2}"),
        upstream,
        Options::default(),
        100,
    )
    .await;
    let mut first = TcpStream::connect(proxy.addr).await.expect("connect");
    let mut second = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut first, b"one").await.expect("first works"),
        b"one"
    );
    assert_eq!(
        round_trip(&mut second, b"two").await.expect("second works"),
        b"two"
    );
    let mut third = TcpStream::connect(proxy.addr).await.expect("accepted");
    assert!(
        closed_within(&mut third, Duration::from_secs(2)).await,
        "the third connection is closed at once"
    );
    assert_eq!(
        round_trip(&mut first, b"still")
            .await
            .expect("the others keep working"),
        b"still"
    );
    let metrics = proxy.core.metrics.encode();
    let overflow = metric(&metrics, "meshctl_proxy_upstream_overflow_total")
        .unwrap_or_else(|| panic!("no overflow counter:\n{metrics}"));
    let cluster = format!(r#"cluster="outbound|{}||db.example.com""#, upstream.port());
    assert!(overflow.contains(&cluster), "{overflow}");
    assert!(overflow.ends_with(" 1"), "{overflow}");
    drop(first);
    // The slot comes back when the proxy sees the close; retry briefly.
    let mut reused = false;
    for _ in 0..50 {
        let mut again = TcpStream::connect(proxy.addr).await.expect("connect");
        if round_trip(&mut again, b"again").await.ok().as_deref() == Some(b"again".as_slice()) {
            reused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reused, "a freed slot admits a new connection");
    drop(second);
    proxy.stop().await;
}

#[tokio::test]
async fn connect_timeout_and_idle_timeout_come_from_the_rule() {
    let hole = meshctl_testkit::echo::BlackHole::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("black hole");
    let target = hole.addr();
    let proxy = Running::start(
        &limited(target, "{connectTimeout: 0.3s}"),
        target,
        Options {
            connect_timeout: Duration::from_secs(30),
            ..Options::default()
        },
        100,
    )
    .await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(proxy.addr).await.expect("accepted");
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the rule's 0.3 s, not the flag's 30 s: {:?}",
        started.elapsed()
    );
    proxy.stop().await;

    let (upstream, _accepts) = echo().await;
    let proxy = Running::start(
        &limited(upstream, "{idleTimeout: 300ms}"),
        upstream,
        Options::default(),
        100,
    )
    .await;
    let mut quiet = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut quiet, b"hi").await.expect("works"), b"hi");
    assert!(
        closed_within(&mut quiet, Duration::from_secs(5)).await,
        "an idle connection is closed after the rule's idleTimeout"
    );
    proxy.stop().await;
}
