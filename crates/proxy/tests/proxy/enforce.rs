//! Enforcement: denial before any upstream connect, SNI on TLS ports, reload revoking what the
//! new configuration no longer allows, and a bad reload keeping the old configuration.

use std::sync::atomic::Ordering;
use std::time::Duration;

use meshctl_proxy::Options;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::support::{Running, echo, entry, round_trip, tls_entry};

/// Reads until EOF or error; true when the connection ended (either way) within 5 s.
async fn ends(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_denied_connection_is_closed_without_dialling() {
    let (upstream, accepted) = echo().await;
    // The entry allows another port: this one is unmatched under REGISTRY_ONLY.
    let proxy = Running::start(
        &entry("other", "127.0.0.1/32", 1),
        upstream,
        Options::default(),
        100,
    )
    .await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert!(ends(&mut client).await, "denied connections are closed");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "the upstream saw nothing"
    );
    let log = proxy.log.text();
    assert!(log.contains("verdict=DENY"), "{log}");
    assert!(log.contains("upstream_cluster=BlackHoleCluster"), "{log}");
    assert!(log.contains("response_flags=UH"), "{log}");
    assert!(log.contains("upstream=-"), "{log}");
    let metrics = proxy.core.metrics.encode();
    assert!(
        metrics.contains(r#"istio_tcp_connections_opened_total{reporter="source",destination_service="BlackHoleCluster",destination_service_namespace="unknown",response_flags="UH"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"meshctl_proxy_decisions_total{verdict="DENY",service_entry=""} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn sni_decides_on_tls_ports_and_the_hello_reaches_the_upstream_untouched() {
    let (upstream, accepted) = echo().await;
    let port = upstream.port();
    let proxy = Running::start(
        &tls_entry("api", "api.example.com", port),
        upstream,
        Options::default(),
        100,
    )
    .await;
    let hello = client_hello("api.example.com");
    let mut allowed = TcpStream::connect(proxy.addr).await.expect("connect");
    let back = round_trip(&mut allowed, &hello).await.expect("echoed");
    assert_eq!(back, hello, "peeked, never consumed");
    let mut denied = TcpStream::connect(proxy.addr).await.expect("connect");
    denied
        .write_all(&client_hello("other.example.com"))
        .await
        .expect("write");
    assert!(ends(&mut denied).await);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    allowed.shutdown().await.expect("close");
    assert!(ends(&mut allowed).await);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        proxy.log.text().contains("service_entry=default/api"),
        "{}",
        proxy.log.text()
    );
}

/// A minimal ClientHello record with an SNI extension.
pub(crate) fn client_hello(name: &str) -> Vec<u8> {
    let mut sni = vec![0];
    sni.extend_from_slice(&u16::try_from(name.len()).expect("short").to_be_bytes());
    sni.extend_from_slice(name.as_bytes());
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&u16::try_from(sni.len() + 2).expect("short").to_be_bytes());
    ext.extend_from_slice(&u16::try_from(sni.len()).expect("short").to_be_bytes());
    ext.extend_from_slice(&sni);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[1; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&u16::try_from(ext.len()).expect("short").to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&u16::try_from(body.len()).expect("short").to_be_bytes());
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 3, 1];
    record.extend_from_slice(&u16::try_from(hs.len()).expect("short").to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

#[tokio::test]
async fn a_reload_that_denies_revokes_established_connections() {
    let (upstream, _) = echo().await;
    let allow = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::start(&allow, upstream, Options::default(), 100).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"before").await.expect("allowed"),
        b"before"
    );
    // Still allowed by a different but equivalent entry: never dropped.
    assert!(
        proxy
            .reload(&entry("renamed", "127.0.0.0/8", upstream.port()))
            .await
    );
    assert_eq!(
        round_trip(&mut client, b"still").await.expect("kept"),
        b"still"
    );
    // A new connection is decided on the new generation, not on a remembered decision.
    let mut renamed = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut renamed, b"new").await.expect("allowed"),
        b"new"
    );
    drop(renamed);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        proxy.log.text().contains("service_entry=default/renamed"),
        "{}",
        proxy.log.text()
    );
    assert!(
        proxy
            .reload(&entry("echo", "192.0.2.1/32", upstream.port()))
            .await
    );
    assert!(ends(&mut client).await, "revoked");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let metrics = proxy.core.metrics.encode();
    assert!(
        metrics.contains("meshctl_proxy_revoked_connections_total 1"),
        "{metrics}"
    );
    // The first load counts as a successful reload, as it does in `meshctl proxy`.
    assert!(
        metrics.contains(r#"meshctl_config_reloads_total{result="success"} 3"#),
        "{metrics}"
    );
    assert!(
        proxy.log.text().contains("close_reason=revoked"),
        "{}",
        proxy.log.text()
    );
    // New connections follow the new configuration.
    let mut again = TcpStream::connect(proxy.addr).await.expect("connect");
    assert!(ends(&mut again).await);
}

#[tokio::test]
async fn keep_established_survives_a_denying_reload() {
    let (upstream, _) = echo().await;
    let options = Options {
        keep_established: true,
        ..Options::default()
    };
    let proxy = Running::allowing("echo", upstream, options).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"one").await.expect("allowed"),
        b"one"
    );
    assert!(
        proxy
            .reload(&entry("echo", "192.0.2.1/32", upstream.port()))
            .await
    );
    assert_eq!(round_trip(&mut client, b"two").await.expect("kept"), b"two");
    assert!(
        proxy
            .core
            .metrics
            .encode()
            .contains("meshctl_proxy_revoked_connections_total 0")
    );
}

#[tokio::test]
async fn a_bad_reload_keeps_the_old_configuration() {
    let (upstream, _) = echo().await;
    let allow = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::start(&allow, upstream, Options::default(), 100).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"a").await.expect("allowed"), b"a");
    // MSH101: Istio's webhook rejects a host of ".", so the reload is refused whole.
    let rejected = format!(
        "{allow}{}",
        entry("twin", "127.0.0.1/32", upstream.port()).replace("twin.example.com", "\".\"")
    );
    assert!(!proxy.reload(&rejected).await, "admission errors block");
    assert!(!proxy.reload("kind: [unclosed").await, "parse errors block");
    assert_eq!(proxy.policy.borrow().generation, 1);
    assert_eq!(round_trip(&mut client, b"b").await.expect("kept"), b"b");
    let mut fresh = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut fresh, b"c").await.expect("still allowed"),
        b"c"
    );
    let metrics = proxy.core.metrics.encode();
    assert!(
        metrics.contains(r#"meshctl_config_reloads_total{result="rejected"} 2"#),
        "{metrics}"
    );
}
