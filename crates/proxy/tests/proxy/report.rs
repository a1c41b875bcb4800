//! Report mode and the canonical records, over real loopback connections: a destination the
//! policy denies is dialled in report mode and recorded `would_deny`, and refused in enforce
//! mode; the loop guard stays closed in both; a reload that would revoke a connection in report
//! mode keeps it and says so; every connection leaves a `decision` and a `close` record that
//! parse as JSON with the fields docs/proxy-records.md lists.

use std::sync::atomic::Ordering;
use std::time::Duration;

use meshctl_proxy::{Options, PolicyMode};
use serde_json::Value;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

use super::enforce::client_hello;
use super::support::{Running, echo, entry, records, round_trip, tls_entry};

fn report() -> Options {
    Options {
        policy_mode: PolicyMode::Report,
        ..Options::default()
    }
}

/// The records of one event, in the order written.
fn events<'a>(all: &'a [Value], event: &str) -> Vec<&'a Value> {
    all.iter().filter(|r| r["event"] == event).collect()
}

/// Waits until `n` close records are in the log (the close record follows the client's close).
async fn closes(proxy: &Running, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        let all = records(&proxy.log);
        if events(&all, "close").len() >= n {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} close records:\n{}", proxy.log.text());
}

/// Reads until EOF or error; true when the connection ended within 5 s.
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

/// The fields both events carry (docs/proxy-records.md).
const SHARED: &[&str] = &[
    "schema",
    "event",
    "time",
    "connection_id",
    "start_time",
    "client",
    "destination",
    "forward_host",
    "sni",
    "verdict",
    "decision",
    "policy_mode",
    "service_entry",
    "listener",
    "chain",
    "upstream_cluster",
    "generation",
    "reason",
];

/// The fields only the close event carries: the access log's JSON line as it always was.
const CLOSE_ONLY: &[&str] = &[
    "duration_ms",
    "upstream",
    "bytes_sent",
    "bytes_received",
    "response_flags",
    "close_reason",
];

fn assert_shape(record: &Value) {
    let object = record.as_object().expect("an object");
    let close = record["event"] == "close";
    for field in SHARED.iter().chain(if close { CLOSE_ONLY } else { &[] }) {
        assert!(object.contains_key(*field), "no `{field}` in {record}");
    }
    if !close {
        for field in CLOSE_ONLY {
            assert!(!object.contains_key(*field), "`{field}` in {record}");
        }
    }
    assert_eq!(record["schema"], "meshctl.proxy.v1");
}

#[tokio::test]
async fn report_mode_dials_a_denied_destination_and_records_would_deny() {
    let (upstream, accepted) = echo().await;
    // The entry allows another port: this one is unmatched under REGISTRY_ONLY.
    let proxy = Running::recording(&entry("other", "127.0.0.1/32", 1), &[upstream], report()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"hello")
            .await
            .expect("let through"),
        b"hello"
    );
    drop(client);
    let all = closes(&proxy, 1).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the upstream was dialled"
    );
    let decision = events(&all, "decision");
    let close = events(&all, "close");
    assert_eq!((decision.len(), close.len()), (1, 1), "{all:?}");
    for record in [decision[0], close[0]] {
        assert_shape(record);
        assert_eq!(record["decision"], "would_deny", "{record}");
        assert_eq!(record["verdict"], "DENY");
        assert_eq!(record["policy_mode"], "report");
        assert_eq!(record["upstream_cluster"], "BlackHoleCluster");
        assert_eq!(record["listener"], "virtualOutbound");
        assert_eq!(record["generation"], 1);
        assert_eq!(record["destination"], upstream.to_string());
        assert!(record["service_entry"].is_null());
        assert!(
            record["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("DENY")),
            "{record}"
        );
    }
    assert_eq!(decision[0]["connection_id"], close[0]["connection_id"]);
    // The reader `gen serviceentry --from-log` uses takes exactly what was written.
    let read = meshctl_core::generate_from_log::read_records(&proxy.log.text()).expect("readable");
    assert_eq!(read.records, 2);
    assert_eq!(read.observed.len(), 1);
    assert_eq!(read.observed[0].destination, upstream);
    assert_eq!(close[0]["bytes_sent"], 5);
    assert_eq!(close[0]["bytes_received"], 5);
    assert_eq!(close[0]["upstream"], upstream.to_string());
    assert_eq!(close[0]["response_flags"], "-");
    let metrics = proxy.core.metrics.encode();
    let want = format!(
        r#"meshctl_proxy_would_deny_total{{reason="no-listener",port="{}"}} 1"#,
        upstream.port()
    );
    assert!(metrics.contains(&want), "{want} missing in\n{metrics}");
    assert!(
        metrics.contains(r#"meshctl_proxy_decisions_total{verdict="DENY",service_entry=""} 1"#),
        "the engine's verdict is still counted: {metrics}"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn enforce_mode_refuses_the_same_destination() {
    let (upstream, accepted) = echo().await;
    let proxy = Running::recording(
        &entry("other", "127.0.0.1/32", 1),
        &[upstream],
        Options::default(),
    )
    .await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert!(ends(&mut client).await, "denied connections are closed");
    let all = closes(&proxy, 1).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "the upstream saw nothing"
    );
    for record in &all {
        assert_shape(record);
        assert_eq!(record["decision"], "deny", "{record}");
        assert_eq!(record["policy_mode"], "enforce");
    }
    let close = events(&all, "close");
    assert_eq!(close[0]["close_reason"], "denied");
    assert_eq!(close[0]["response_flags"], "UH");
    assert!(close[0]["upstream"].is_null());
    assert!(
        !counted_would_deny(&proxy),
        "nothing is reported in enforce mode"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn an_allowed_connection_records_its_entry_listener_chain_and_cluster() {
    let (upstream, _) = echo().await;
    let yaml = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::recording(&yaml, &[upstream], report()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"abc").await.expect("allowed"),
        b"abc"
    );
    drop(client);
    let all = closes(&proxy, 1).await;
    let cluster = format!("outbound|{}||echo.example.com", upstream.port());
    for record in &all {
        assert_shape(record);
        assert_eq!(record["decision"], "allow", "{record}");
        assert_eq!(record["verdict"], "ALLOW");
        assert_eq!(record["service_entry"], "default/echo");
        assert_eq!(record["listener"], format!("127.0.0.1_{}", upstream.port()));
        assert_eq!(record["chain"], cluster);
        assert_eq!(record["upstream_cluster"], cluster);
        assert!(record["sni"].is_null() && record["forward_host"].is_null());
    }
    assert_eq!(events(&all, "close")[0]["bytes_sent"], 3);
    assert!(
        !counted_would_deny(&proxy),
        "allowed connections are not would_deny"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn the_loop_guard_stays_closed_in_report_mode() {
    // Nothing is dialled, so nothing needs to listen on 15001.
    let guard = "127.0.0.1:15001".parse().expect("addr");
    let proxy = Running::recording(&entry("other", "127.0.0.1/32", 1), &[guard], report()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert!(ends(&mut client).await, "a loop is never let through");
    let all = closes(&proxy, 1).await;
    for record in &all {
        assert_eq!(record["decision"], "deny", "{record}");
        assert_eq!(record["policy_mode"], "report");
    }
    assert!(
        !counted_would_deny(&proxy),
        "the loop guard is not reportable"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn a_reload_that_would_revoke_keeps_the_connection_in_report_mode() {
    let (upstream, _) = echo().await;
    let allow = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::recording(&allow, &[upstream], report()).await;
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
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        round_trip(&mut client, b"two").await.expect("kept open"),
        b"two"
    );
    drop(client);
    let all = closes(&proxy, 1).await;
    let decision = events(&all, "decision");
    assert_eq!(decision.len(), 2, "{all:?}");
    assert_eq!(decision[0]["decision"], "allow");
    assert_eq!(decision[1]["decision"], "would_deny");
    assert_eq!(decision[1]["generation"], 2);
    assert_eq!(decision[1]["connection_id"], decision[0]["connection_id"]);
    let close = events(&all, "close");
    assert_eq!(close[0]["close_reason"], "closed");
    assert_eq!(close[0]["bytes_sent"], 6);
    let metrics = proxy.core.metrics.encode();
    let want = format!(
        r#"meshctl_proxy_would_deny_total{{reason="revoked",port="{}"}} 1"#,
        upstream.port()
    );
    assert!(metrics.contains(&want), "{want} missing in\n{metrics}");
    assert!(
        metrics.contains("meshctl_proxy_revoked_connections_total 0"),
        "{metrics}"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn the_text_log_keeps_one_line_per_connection() {
    let (upstream, _) = echo().await;
    let proxy = Running::start(&entry("other", "127.0.0.1/32", 1), upstream, report(), 100).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"x").await.expect("through"), b"x");
    drop(client);
    for _ in 0..250 {
        if !proxy.log.text().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = proxy.log.text();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("verdict=DENY")
            && text.ends_with(" close_reason=closed decision=would_deny\n"),
        "{text}"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn each_forward_listener_records_its_own_destination() {
    let (allowed, _) = echo().await;
    let (denied, denied_accepts) = echo().await;
    let yaml = entry("echo", "127.0.0.1/32", allowed.port());
    let proxy = Running::recording(&yaml, &[allowed, denied], report()).await;
    for addr in &proxy.addrs {
        let mut client = TcpStream::connect(addr).await.expect("connect");
        assert_eq!(
            round_trip(&mut client, b"hi").await.expect("through"),
            b"hi"
        );
    }
    let all = closes(&proxy, 2).await;
    let close = events(&all, "close");
    let outcome = |dst: std::net::SocketAddr| {
        close
            .iter()
            .find(|r| r["destination"] == dst.to_string())
            .map(|r| r["decision"].clone())
    };
    assert_eq!(outcome(allowed), Some(Value::from("allow")));
    assert_eq!(outcome(denied), Some(Value::from("would_deny")));
    assert_eq!(denied_accepts.load(Ordering::SeqCst), 1);
    proxy.stop().await;
}

#[tokio::test]
async fn a_tls_connection_records_its_server_name_and_is_grouped_by_it() {
    let (upstream, accepted) = echo().await;
    let yaml = tls_entry("api", "api.example.com", upstream.port());
    let proxy = Running::recording(&yaml, &[upstream], report()).await;
    let hello = client_hello("other.example.com");
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, &hello).await.expect("let through"),
        hello,
        "the peeked hello reaches the upstream untouched"
    );
    drop(client);
    let all = closes(&proxy, 1).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    for record in &all {
        assert_eq!(record["decision"], "would_deny", "{record}");
        assert_eq!(record["sni"], "other.example.com");
    }
    let metrics = proxy.core.metrics.encode();
    let want = format!(
        r#"meshctl_proxy_would_deny_total{{reason="no-chain",port="{}"}} 1"#,
        upstream.port()
    );
    assert!(metrics.contains(&want), "{want} missing in\n{metrics}");
    let read = meshctl_core::generate_from_log::read_records(&proxy.log.text()).expect("readable");
    let proposals = meshctl_core::generate_from_log::propose(&read.observed);
    assert_eq!(proposals.len(), 1);
    assert_eq!(proposals[0].host_name(), "other.example.com");
    proxy.stop().await;
}

#[tokio::test]
async fn keep_established_does_not_silence_report_mode() {
    let (upstream, _) = echo().await;
    let options = Options {
        keep_established: true,
        ..report()
    };
    let proxy = Running::recording(
        &entry("echo", "127.0.0.1/32", upstream.port()),
        &[upstream],
        options,
    )
    .await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"a").await.expect("allowed"), b"a");
    assert!(
        proxy
            .reload(&entry("echo", "192.0.2.1/32", upstream.port()))
            .await
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(round_trip(&mut client, b"b").await.expect("kept"), b"b");
    let all = records(&proxy.log);
    let decisions: Vec<&Value> = events(&all, "decision");
    assert_eq!(decisions.len(), 2, "{all:?}");
    assert_eq!(decisions[1]["decision"], "would_deny");
    drop(client);
    proxy.stop().await;
}

/// Whether the proxy's metrics count any `would_deny` connection.
fn counted_would_deny(proxy: &Running) -> bool {
    proxy
        .core
        .metrics
        .encode()
        .contains("meshctl_proxy_would_deny_total{")
}
