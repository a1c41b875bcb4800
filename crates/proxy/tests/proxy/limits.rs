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

/// An entry for 127.0.0.1 on `port` with two STATIC endpoints (subset labels `v: one` and
/// `v: two` on ports `one` and `two`), its DestinationRule with `tls` (a YAML flow mapping or
/// empty) and a VirtualService splitting it 50/50 between the subsets.
fn split(port: u16, one: u16, two: u16, tls: &str) -> String {
    let policy = if tls.is_empty() {
        String::new()
    } else {
        format!(", trafficPolicy: {{tls: {tls}}}")
    };
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db, namespace: default}}\nspec: {{hosts: [db.example.com], addresses: ['127.0.0.1/32'], ports: [{{number: {port}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: STATIC, endpoints: [{{address: 127.0.0.1, ports: {{tcp: {one}}}, labels: {{v: one}}}}, {{address: 127.0.0.1, ports: {{tcp: {two}}}, labels: {{v: two}}}}]}}\n\
         ---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db, namespace: default}}\nspec: {{host: db.example.com{policy}, subsets: [{{name: one, labels: {{v: one}}}}, {{name: two, labels: {{v: two}}}}]}}\n\
         ---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: db, namespace: default}}\nspec: {{hosts: [db.example.com], tcp: [{{route: [{{destination: {{host: db.example.com, subset: one}}, weight: 50}}, {{destination: {{host: db.example.com, subset: two}}, weight: 50}}]}}]}}\n"
    )
}

#[tokio::test]
async fn a_weighted_route_spreads_connections_over_its_subsets() {
    let (one, one_accepts) = echo().await;
    let (two, two_accepts) = echo().await;
    let proxy = Running::start(
        &split(one.port(), one.port(), two.port(), ""),
        one,
        Options::default(),
        100,
    )
    .await;
    for n in 0..40u8 {
        let mut stream = TcpStream::connect(proxy.addr).await.expect("connect");
        assert_eq!(
            round_trip(&mut stream, &[n])
                .await
                .expect("every connection works"),
            [n]
        );
    }
    let (a, b) = (
        one_accepts.load(std::sync::atomic::Ordering::SeqCst),
        two_accepts.load(std::sync::atomic::Ordering::SeqCst),
    );
    assert_eq!(a + b, 40);
    assert!(a >= 8 && b >= 8, "both subsets take a share: {a} / {b}");
    proxy.stop().await;
}

#[tokio::test]
async fn tls_origination_the_proxy_cannot_do_is_refused() {
    let (one, accepts) = echo().await;
    let proxy = Running::start(
        &split(one.port(), one.port(), one.port(), "{mode: SIMPLE}"),
        one,
        Options::default(),
        100,
    )
    .await;
    let mut stream = TcpStream::connect(proxy.addr).await.expect("accepted");
    assert!(closed_within(&mut stream, Duration::from_secs(2)).await);
    assert_eq!(
        accepts.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing is forwarded in plaintext"
    );
    assert!(
        proxy
            .log
            .text()
            .contains("close_reason=\"refused: cluster outbound|"),
        "{}",
        proxy.log.text()
    );
    proxy.stop().await;
}
