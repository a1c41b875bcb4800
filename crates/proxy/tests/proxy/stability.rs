//! Reloads judged by content: a writer that rewrites the configuration in place and pauses
//! half-way revokes nothing, a change that takes something away waits until the files have
//! held it for `reload::STABLE`, and one that only adds keeps the debounce. Real files, the
//! real watcher and real time.

use std::io::Write as _;
use std::time::Duration;

use meshctl_core::engine::{self, Connection};
use meshctl_proxy::{Options, Policy, reload};
use tokio::net::TcpStream;

use super::support::{Running, echo, entry, reloader, round_trip, scratch, within};

/// Whether `address:3306` is allowed by the policy in force.
fn allows(policy: &Policy, address: &str) -> bool {
    let conn = Connection::tcp(address.parse().expect("ip"), 3306);
    engine::decide(&policy.registry, &conn).verdict() == engine::Verdict::Allow
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_pausing_mid_file_revokes_no_connection() {
    let (upstream, _) = echo().await;
    // The entry the connections use comes last, so the part written before the pause is a
    // valid configuration without it.
    let others: String = (1..=8)
        .map(|i| entry(&format!("other{i}"), &format!("198.51.100.{i}/32"), 5432))
        .collect();
    let last = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::start(
        &format!("{others}{last}"),
        upstream,
        Options::default(),
        100,
    )
    .await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
        assert_eq!(round_trip(&mut client, b"hi").await.expect("echo"), b"hi");
        clients.push(client);
    }
    // Rewrite the same bytes in place: truncate, the first part, a 600 ms pause, the rest.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&proxy.file)
        .expect("open");
    file.write_all(others.as_bytes()).expect("first part");
    tokio::time::sleep(Duration::from_millis(600)).await;
    file.write_all(last.as_bytes()).expect("the rest");
    drop(file);
    tokio::time::sleep(reload::STABLE + Duration::from_millis(1500)).await;

    let mut alive = 0;
    for client in &mut clients {
        alive += usize::from(round_trip(client, b"ok").await.is_ok_and(|b| b == b"ok"));
    }
    let metrics = proxy.core.metrics.encode();
    assert_eq!(alive, 20, "connections still served\n{metrics}");
    assert!(
        metrics.contains("meshctl_proxy_revoked_connections_total 0"),
        "{metrics}"
    );
    assert_eq!(
        proxy.policy.borrow().generation,
        1,
        "the same content is no new generation"
    );
    assert!(proxy.core.metrics.config.view().in_sync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_takes_away_waits_until_the_files_are_stable() {
    let dir = scratch();
    let path = dir.join("entry.yaml");
    let db = entry("db", "203.0.113.7/32", 3306);
    let pg = entry("pg", "198.51.100.1/32", 3306);
    std::fs::write(&path, format!("{db}{pg}")).expect("write");
    let (rx, _metrics) = reloader(&dir).await;
    assert!(allows(&rx.borrow(), "203.0.113.7"));
    std::fs::write(&path, &pg).expect("remove db");
    let took = within(&rx, 5, |p| !allows(p, "203.0.113.7")).await;
    assert!(
        took.is_some_and(
            |t| t + Duration::from_millis(100) >= reload::STABLE && t <= Duration::from_secs(2)
        ),
        "applied after {took:?}, not before the content held for {:?}",
        reload::STABLE
    );
    assert!(allows(&rx.borrow(), "198.51.100.1"));
    assert_eq!(rx.borrow().generation, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_only_adds_keeps_the_debounce() {
    let dir = scratch();
    let path = dir.join("entry.yaml");
    let db = entry("db", "203.0.113.7/32", 3306);
    let pg = entry("pg", "198.51.100.1/32", 3306);
    std::fs::write(&path, &pg).expect("write");
    let (rx, _metrics) = reloader(&dir).await;
    assert!(!allows(&rx.borrow(), "203.0.113.7"));
    std::fs::write(&path, format!("{pg}{db}")).expect("add db");
    let took = within(&rx, 5, |p| allows(p, "203.0.113.7")).await;
    assert!(
        took.is_some_and(|t| t >= reload::DEBOUNCE && t < reload::STABLE),
        "applied after {took:?}: the debounce ({:?}), not the stability wait",
        reload::DEBOUNCE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_rewrites_are_no_reload() {
    let dir = scratch();
    let path = dir.join("entry.yaml");
    let db = entry("db", "203.0.113.7/32", 3306);
    std::fs::write(&path, &db).expect("write");
    let (rx, metrics) = reloader(&dir).await;
    for _ in 0..5 {
        std::fs::write(&path, &db).expect("rewrite");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.borrow().generation, 1);
    let text = metrics.encode();
    assert!(
        text.contains(r#"meshctl_config_reloads_total{result="success"} 1"#),
        "only the first load\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_never_hold_still_cannot_postpone_a_narrowing_change() {
    let dir = scratch();
    let path = dir.join("entry.yaml");
    let db = entry("db", "203.0.113.7/32", 3306);
    std::fs::write(
        &path,
        format!("{db}{}", entry("a-v0", "198.51.100.1/32", 3306)),
    )
    .expect("write");
    let (rx, _metrics) = reloader(&dir).await;
    assert!(allows(&rx.borrow(), "203.0.113.7"));
    // Every write is another change (the entry's name carries a version), and each one takes
    // `db` away: the content is never the same for `reload::STABLE`.
    let writer = tokio::spawn(async move {
        for version in 1..100 {
            let text = entry(&format!("a-v{version}"), "198.51.100.1/32", 3306);
            std::fs::write(&path, text).expect("write");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let took = within(&rx, 6, |p| !allows(p, "203.0.113.7")).await;
    writer.abort();
    assert!(
        took.is_some_and(|t| t <= Duration::from_secs(2)),
        "took {took:?}"
    );
}
