//! What operators see: Istio-named metrics with the right labels, the admin endpoints, and
//! the file watcher noticing every way a configuration gets replaced.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use meshctl_core::engine::Workload;
use meshctl_proxy::{Metrics, Options, Policy, policy, reload};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::support::{Running, echo, entry, round_trip, scratch, source};

#[tokio::test]
async fn metrics_use_istio_names_and_labels() {
    let (upstream, _) = echo().await;
    let proxy = Running::allowing("echo", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"12345").await.expect("echo"),
        b"12345"
    );
    client.shutdown().await.expect("close");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.expect("EOF");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let text = proxy.core.metrics.encode();
    let labels = r#"{reporter="source",destination_service="echo.example.com",destination_service_namespace="default",response_flags="-"}"#;
    for want in [
        format!("istio_tcp_connections_opened_total{labels} 1"),
        format!("istio_tcp_connections_closed_total{labels} 1"),
        format!("istio_tcp_sent_bytes_total{labels} 5"),
        format!("istio_tcp_received_bytes_total{labels} 5"),
        r#"meshctl_proxy_decisions_total{verdict="ALLOW",service_entry="default/echo"} 1"#
            .to_owned(),
        "meshctl_proxy_active_connections 0".to_owned(),
    ] {
        assert!(text.contains(&want), "missing {want} in\n{text}");
    }
    let log = proxy.log.text();
    assert!(
        log.contains("verdict=ALLOW service_entry=default/echo upstream_cluster=outbound|"),
        "{log}"
    );
    assert!(log.contains(&format!("upstream={upstream}")), "{log}");
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("admin connect");
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("request");
    let mut text = String::new();
    s.read_to_string(&mut text).await.expect("response");
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn admin_endpoints() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    std::fs::write(&file, entry("db", "203.0.113.7/32", 3306)).expect("write");
    let (tx, rx) = watch::channel(Policy::empty(&Workload::default()));
    let metrics = Arc::new(Metrics::default());
    let server =
        meshctl_proxy::http::Server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = server.local_addr().expect("addr");
    tokio::spawn(meshctl_proxy::admin::serve(
        server,
        rx,
        metrics.clone(),
        std::future::pending(),
    ));
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert_eq!(get(addr, "/ready").await.0, 503, "nothing loaded yet");
    assert!(reload::reload(&source(&file), &tx, &metrics.reload_recorder()).await);
    assert_eq!(get(addr, "/ready").await.0, 200);
    let (status, dump) = get(addr, "/config_dump").await;
    assert_eq!(status, 200);
    let dump: serde_json::Value = serde_json::from_str(&dump).expect("json");
    assert_eq!(dump["generation"], 1);
    assert_eq!(dump["outbound_policy"]["mode"], "REGISTRY_ONLY");
    assert_eq!(dump["listeners"][0]["name"], "203.0.113.7_3306");
    assert_eq!(
        dump["listeners"][0]["chains"][0]["cluster"],
        "outbound|3306||db.example.com"
    );
    assert_eq!(
        dump["listeners"][0]["chains"][0]["service_entry"],
        "default/db"
    );
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains(r#"meshctl_config_reloads_total{result="success"} 1"#),
        "{text}"
    );
    assert_eq!(get(addr, "/nope").await.0, 404);
}

/// The assembled proxy serves its admin endpoints on the address it bound, ready once the
/// first configuration is in, and lists each family once, in registration order.
#[tokio::test]
async fn the_assembled_proxy_serves_its_admin_endpoints() {
    let (upstream, _) = echo().await;
    let file = scratch().join("egress.yaml");
    std::fs::write(&file, entry("echo", "127.0.0.1/32", upstream.port())).expect("write");
    let settings = meshctl_proxy::Settings {
        source: source(&file),
        listeners: vec![(
            "127.0.0.1:0".parse().expect("addr"),
            super::support::forward_to(upstream),
        )],
        admin: Some("127.0.0.1:0".parse().expect("addr")),
        options: Options::default(),
        max_connections: 10,
        workers: 1,
        resolver: meshctl_core::dns::ResolverSettings::default(),
        dns_drift_interval: None,
        access_log: None,
        takeover: false,
    };
    let bound = meshctl_proxy::Proxy::new(settings)
        .bind()
        .await
        .expect("valid config");
    let admin = bound.admin_addr().expect("admin bound");
    let listen = bound.listen_addrs()[0];
    let (stop, mut stopped) = watch::channel(false);
    let served = tokio::spawn(bound.serve(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    let mut client = TcpStream::connect(listen).await.expect("connect");
    assert_eq!(round_trip(&mut client, b"hi").await.expect("echo"), b"hi");
    drop(client);
    assert_eq!(get(admin, "/ready").await.0, 200);
    let (status, text) = get(admin, "/metrics").await;
    assert_eq!(status, 200);
    let families: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // Families without samples yet are left out by the encoder; the rest keep this order.
    let order = [
        "istio_tcp_connections_opened",
        "istio_tcp_connections_closed",
        "istio_tcp_sent_bytes",
        "istio_tcp_received_bytes",
        "meshctl_proxy_decisions",
        "meshctl_proxy_active_connections",
        "meshctl_proxy_upstream_connect_errors",
        "meshctl_config_reloads",
        "meshctl_proxy_revoked_connections",
        "meshctl_dns_drift",
        "meshctl_config_generation",
        "meshctl_config_in_sync",
    ];
    let positions: Vec<usize> = families
        .iter()
        .map(|f| order.iter().position(|o| o == f).expect("a known family"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.contains("meshctl_config_generation 1"), "{text}");
    assert!(text.contains("meshctl_config_in_sync 1"), "{text}");
    let _ = stop.send(true);
    served.await.expect("join").expect("serve");
}

/// Waits up to 2 s (the reload promise) for a file trigger, then drains the channel.
async fn noticed(rx: &mut mpsc::UnboundedReceiver<reload::Trigger>) -> bool {
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .is_ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    while rx.try_recv().is_ok() {}
    got
}

#[tokio::test]
async fn the_watcher_notices_every_way_of_replacing_a_file() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    std::fs::write(&file, "a").expect("write");
    std::fs::write(dir.join("unrelated.txt"), "x").expect("write");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _watcher = reload::watch_paths(std::slice::from_ref(&file), tx).expect("watch");
    std::fs::write(&file, "in place").expect("edit");
    assert!(noticed(&mut rx).await, "edit in place");
    let tmp = dir.join(".egress.yaml.tmp");
    std::fs::write(&tmp, "renamed over").expect("write tmp");
    std::fs::rename(&tmp, &file).expect("rename");
    assert!(noticed(&mut rx).await, "rename over (editors, sed -i)");
    std::fs::remove_file(&file).expect("rm");
    std::fs::write(&file, "recreated").expect("recreate");
    assert!(noticed(&mut rx).await, "delete and recreate");
    std::fs::write(dir.join("unrelated.txt"), "y").expect("write");
    assert!(
        !noticed(&mut rx).await,
        "other files in the directory are ignored"
    );
}

#[tokio::test]
async fn the_watcher_follows_a_configmap_symlink_swap() {
    // Kubernetes: egress.yaml -> ..data/egress.yaml, ..data -> ..v1; an update writes ..v2 and
    // renames a new ..data symlink over the old one.
    let dir = scratch();
    let v1 = dir.join("..v1");
    std::fs::create_dir(&v1).expect("mkdir");
    std::fs::write(v1.join("egress.yaml"), "v1").expect("write");
    std::os::unix::fs::symlink("..v1", dir.join("..data")).expect("link");
    std::os::unix::fs::symlink("..data/egress.yaml", dir.join("egress.yaml")).expect("link");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _watcher = reload::watch_paths(&[dir.join("egress.yaml")], tx).expect("watch");
    let v2 = dir.join("..v2");
    std::fs::create_dir(&v2).expect("mkdir");
    std::fs::write(v2.join("egress.yaml"), "v2").expect("write");
    std::os::unix::fs::symlink("..v2", dir.join("..data_tmp")).expect("link");
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).expect("swap");
    assert!(noticed(&mut rx).await, "..data swap");
    assert_eq!(
        std::fs::read_to_string(dir.join("egress.yaml")).expect("read"),
        "v2"
    );
    let _ = Path::new(&dir);
}

#[test]
fn lint_errors_are_reported_and_refuse_only_under_strict() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    let twice = format!(
        "{}{}",
        entry("a", "203.0.113.7/32", 3306),
        entry("b", "203.0.113.7/32", 3306)
    );
    std::fs::write(&file, twice).expect("write");
    let built = policy::build(&source(&file), 1).expect("Istio admits both entries");
    assert!(
        built.lint_errors.iter().any(|e| e.contains("MSH401")),
        "{:?}",
        built.lint_errors
    );
    let strict = policy::Source {
        strict: true,
        ..source(&file)
    };
    let err = policy::build(&strict, 1).expect_err("--strict refuses MSH401");
    assert!(err.to_string().contains("MSH401"), "{err}");
}

#[test]
fn resources_istio_would_reject_refuse_the_configuration() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    let bad = entry("a", "203.0.113.7/32", 3306).replace("a.example.com", "\".\"");
    std::fs::write(
        &file,
        format!("{}{bad}", entry("b", "203.0.113.8/32", 3306)),
    )
    .expect("write");
    let err = policy::build(&source(&file), 1).expect_err("MSH101 is an admission error");
    assert!(err.to_string().contains("MSH101"), "{err}");
}
