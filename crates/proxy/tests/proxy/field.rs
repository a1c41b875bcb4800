//! The proxy where users run it, each case a field report that failed before its fix: reloads
//! after the watched directory is replaced or moved, ConfigMap volumes, continuous writes,
//! configurations without Istio resources, SNI edge cases (the admin server's limits are in
//! `slowloris.rs`).

use std::sync::Arc;
use std::time::Duration;

use meshctl_core::engine::{self, Connection, Workload};
use meshctl_proxy::{Metrics, Options, Policy, reload};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::support::{
    Running, echo, entry, reloader, round_trip, scratch, source, tls_entry, within,
};

/// Whether `203.0.113.7:3306` is allowed by the policy in force.
fn allows(policy: &Policy) -> bool {
    let conn = Connection::tcp("203.0.113.7".parse().expect("ip"), 3306);
    engine::decide(&policy.registry, &conn).verdict() == engine::Verdict::Allow
}

const DENY_ALL_MESH: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_seen_after_the_watched_directory_is_replaced_or_moved() {
    let root = scratch();
    let dir = root.join("conf");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("entry.yaml"), entry("db", "203.0.113.7/32", 3306)).expect("write");
    let (rx, _metrics) = reloader(&dir).await;
    assert!(allows(&rx.borrow()));

    // rm -rf D; mkdir D; cp entry.yaml D/
    std::fs::remove_dir_all(&dir).expect("rm");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("entry.yaml"), entry("db2", "203.0.113.7/32", 3306)).expect("cp");
    let before = rx.borrow().generation;
    assert!(
        within(&rx, 5, |p| p.generation > before).await.is_some(),
        "replaced directory loaded"
    );
    // Then an edit that removes the entry must take effect.
    std::fs::write(dir.join("entry.yaml"), entry("db", "198.51.100.1/32", 3306)).expect("edit");
    let took = within(&rx, 5, |p| !allows(p)).await;
    assert!(
        took.is_some_and(|t| t <= Duration::from_secs(3)),
        "edit after replacement: {took:?}"
    );

    // mv D D.x; mv D.x D, then an edit.
    std::fs::rename(&dir, root.join("conf.x")).expect("mv");
    std::fs::rename(root.join("conf.x"), &dir).expect("mv back");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::fs::write(dir.join("entry.yaml"), entry("db", "203.0.113.7/32", 3306)).expect("edit");
    let took = within(&rx, 5, allows).await;
    assert!(
        took.is_some_and(|t| t <= Duration::from_secs(3)),
        "edit after a move: {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuous_writes_reload_within_two_seconds() {
    let dir = scratch();
    std::fs::write(dir.join("entry.yaml"), entry("db", "203.0.113.7/32", 3306)).expect("write");
    let (rx, _metrics) = reloader(&dir).await;
    let deny = entry("db", "198.51.100.1/32", 3306);
    let path = dir.join("entry.yaml");
    let writer = tokio::spawn(async move {
        for _ in 0..60 {
            std::fs::write(&path, &deny).expect("write");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let took = within(&rx, 6, |p| !allows(p)).await;
    writer.abort();
    assert!(
        took.is_some_and(|t| t <= Duration::from_secs(2)),
        "took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configmap_volume_loads_once_and_follows_the_data_swap() {
    let dir = scratch();
    let swap = |stamp: &str, yaml: &str| {
        std::fs::create_dir(dir.join(stamp)).expect("mkdir");
        std::fs::write(dir.join(stamp).join("entry.yaml"), yaml).expect("write");
        let _ = std::fs::remove_file(dir.join("..data_tmp"));
        std::os::unix::fs::symlink(stamp, dir.join("..data_tmp")).expect("link");
        std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).expect("swap");
    };
    swap("..2024_01_01.1", &entry("db", "203.0.113.7/32", 3306));
    std::os::unix::fs::symlink("..data/entry.yaml", dir.join("entry.yaml")).expect("key");
    let (rx, _metrics) = reloader(&dir).await;
    assert!(allows(&rx.borrow()), "loaded once: no MSH405 duplicate");
    assert_eq!(rx.borrow().sources.len(), 1);
    swap("..2024_01_02.2", &entry("db", "198.51.100.1/32", 3306));
    let took = within(&rx, 5, |p| !allows(p)).await;
    assert!(
        took.is_some_and(|t| t <= Duration::from_secs(2)),
        "took {took:?}"
    );
}

#[tokio::test]
async fn a_reload_without_istio_resources_is_refused() {
    let (upstream, _) = echo().await;
    let allow = entry("echo", "127.0.0.1/32", upstream.port());
    let proxy = Running::start(&allow, upstream, Options::default(), 100).await;
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n";
    for empty in ["", "---\n", "null\n", "foo: bar\n", deployment] {
        assert!(!proxy.reload(empty).await, "{empty:?} must be refused");
        assert_eq!(proxy.policy.borrow().generation, 1, "{empty:?}");
        assert!(!proxy.core.metrics.config.view().in_sync, "{empty:?}");
    }
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    assert_eq!(
        round_trip(&mut client, b"ok").await.expect("still allowed"),
        b"ok"
    );
    let metrics = proxy.core.metrics.encode();
    assert!(
        metrics.contains(r#"meshctl_config_reloads_total{result="empty"} 5"#),
        "{metrics}"
    );
    assert!(metrics.contains("meshctl_config_in_sync 0"), "{metrics}");
    // Denying everything on purpose: a mesh config with REGISTRY_ONLY and no entries.
    assert!(
        proxy.reload(DENY_ALL_MESH).await,
        "explicit deny-all is accepted"
    );
    assert!(proxy.core.metrics.config.view().in_sync);
    let mut denied = TcpStream::connect(proxy.addr).await.expect("connect");
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), denied.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "denied: {read:?}");
}

/// A ClientHello for `name`, its handshake message cut into records of `size` bytes.
fn hello_records(name: &str, size: usize, padding: usize) -> Vec<u8> {
    let mut exts = Vec::new();
    let mut entry = vec![0];
    entry.extend_from_slice(&u16::try_from(name.len()).expect("short").to_be_bytes());
    entry.extend_from_slice(name.as_bytes());
    let mut sni = u16::try_from(entry.len())
        .expect("short")
        .to_be_bytes()
        .to_vec();
    sni.extend_from_slice(&entry);
    for (kind, data) in [(0u16, sni), (0x15, vec![0; padding])] {
        exts.extend_from_slice(&kind.to_be_bytes());
        exts.extend_from_slice(&u16::try_from(data.len()).expect("short").to_be_bytes());
        exts.extend_from_slice(&data);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[1; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&u16::try_from(exts.len()).expect("short").to_be_bytes());
    body.extend_from_slice(&exts);
    let mut message = vec![1];
    message.extend_from_slice(&u32::try_from(body.len()).expect("short").to_be_bytes()[1..]);
    message.extend_from_slice(&body);
    let mut out = Vec::new();
    for chunk in message.chunks(size) {
        out.extend_from_slice(&[0x16, 3, 1]);
        out.extend_from_slice(&u16::try_from(chunk.len()).expect("short").to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Whether the proxy forwards a connection opening with `hello` (the echo returns it).
async fn forwarded(proxy: &Running, hello: &[u8]) -> bool {
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(hello).await.expect("send");
    let mut back = vec![0; hello.len()];
    matches!(
        tokio::time::timeout(Duration::from_secs(5), client.read_exact(&mut back)).await,
        Ok(Ok(_))
    ) && back == hello
}

#[tokio::test]
async fn sni_follows_envoy_split_hellos_case_and_trailing_dots() {
    let (upstream, _) = echo().await;
    let yaml = tls_entry("api", "api.example.com", upstream.port());
    let options = Options {
        sni_timeout: Duration::from_secs(2),
        ..Options::default()
    };
    let proxy = Running::start(&yaml, upstream, options, 100).await;
    assert!(
        forwarded(&proxy, &hello_records("api.example.com", 30, 0)).await,
        "split over records"
    );
    assert!(
        forwarded(&proxy, &hello_records("API.Example.COM", 16_384, 0)).await,
        "case-insensitive"
    );
    assert!(
        !forwarded(&proxy, &hello_records("api.example.com.", 16_384, 0)).await,
        "trailing dot"
    );
    assert!(
        !forwarded(&proxy, &hello_records("api.example.com", 1_000, 16_300)).await,
        "larger than the inspector's 16 KiB: closed"
    );
}

/// A reloader without a watcher on `dir` holding `before`; returns how long `after` took to
/// satisfy `want` once written.
async fn rescanned(before: &str, after: &str, want: impl Fn(&Policy) -> bool) -> Option<Duration> {
    let dir = scratch();
    std::fs::write(dir.join("entry.yaml"), before).expect("write");
    let source = source(&dir);
    let (tx, rx) = watch::channel(Policy::empty(&Workload::default()));
    let metrics = Arc::new(Metrics::default());
    reload::first_load(&source, &tx, &metrics.reload_recorder())
        .await
        .expect("valid");
    // No watcher at all: only the periodic rescan can notice.
    let (triggers, triggers_rx) = tokio::sync::mpsc::unbounded_channel();
    std::mem::forget(triggers);
    tokio::spawn(reload::run(
        source,
        tx,
        metrics.reload_recorder(),
        triggers_rx,
        None,
    ));
    std::fs::write(dir.join("entry.yaml"), after).expect("edit");
    let took = within(&rx, 8, want).await;
    let text = metrics.encode();
    assert!(text.contains("meshctl_config_generation 2"), "{text}");
    assert!(text.contains("meshctl_config_in_sync 1"), "{text}");
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rescan_reloads_what_no_watcher_reported() {
    let db = entry("db", "203.0.113.7/32", 3306);
    let pg = entry("pg", "198.51.100.1/32", 3306);
    // Adding: within a rescan.
    let took = rescanned(&pg, &format!("{pg}{db}"), allows).await;
    assert!(
        took.is_some_and(|t| t <= reload::RESCAN + Duration::from_secs(1)),
        "took {took:?}"
    );
    // Taking away: the rescan first sees the new content, which must then stay for
    // `reload::STABLE`.
    let took = rescanned(&db, &entry("db", "198.51.100.1/32", 3306), |p| !allows(p)).await;
    assert!(
        took.is_some_and(|t| t <= reload::RESCAN + reload::STABLE + Duration::from_secs(1)),
        "took {took:?}"
    );
}

/// One raw HTTP/1.1 GET: (status line and headers, body).
async fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect admin");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).await.expect("read");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn ready_reports_whether_memory_matches_the_disk() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    std::fs::write(&file, "foo: bar\n").expect("write");
    let source = source(&file);
    let (tx, rx) = watch::channel(Policy::empty(&Workload::default()));
    let metrics = Arc::new(Metrics::default());
    let server =
        meshctl_proxy::http::Server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = server.local_addr().expect("addr");
    tokio::spawn(meshctl_proxy::admin::serve(
        server,
        rx.clone(),
        metrics.clone(),
        std::future::pending(),
    ));
    // Nothing Istio-shaped at start: generation 0 (deny everything), not ready, and why.
    reload::first_load(&source, &tx, &metrics.reload_recorder())
        .await
        .expect("not an error");
    assert_eq!(rx.borrow().generation, 0);
    let (head, body) = get(addr, "/ready").await;
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(body.contains("no Istio resources"), "{body}");

    std::fs::write(&file, entry("db", "203.0.113.7/32", 3306)).expect("write");
    assert!(reload::reload(&source, &tx, &metrics.reload_recorder()).await);
    let (head, body) = get(addr, "/ready").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-meshctl-config: in-sync"),
        "{head}"
    );
    assert!(body.contains("generation 1 (in sync"), "{body}");

    std::fs::write(&file, "---\n").expect("write");
    assert!(!reload::reload(&source, &tx, &metrics.reload_recorder()).await);
    let (head, body) = get(addr, "/ready").await;
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "still serving generation 1: {head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("x-meshctl-config: stale"),
        "{head}"
    );
    assert!(body.contains("stale"), "{body}");
    assert!(
        get(addr, "/ready?strict")
            .await
            .0
            .starts_with("HTTP/1.1 503")
    );
    let (_, dump) = get(addr, "/config_dump").await;
    let dump: serde_json::Value = serde_json::from_str(&dump).expect("json");
    assert_eq!(dump["in_sync"], false);
    assert_eq!(dump["last_reload"]["result"], "refused");
    assert_eq!(dump["generation"], 1);
}

#[tokio::test]
async fn config_dump_shows_the_sidecar_as_an_object() {
    let dir = scratch();
    let file = dir.join("egress.yaml");
    let sidecar = "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: default}\nspec: {egress: [{hosts: ['./*']}]}\n";
    std::fs::write(
        &file,
        format!("{}{sidecar}", entry("db", "203.0.113.7/32", 3306)),
    )
    .expect("write");
    let policy = meshctl_proxy::policy::build(&source(&file), 1)
        .expect("valid")
        .policy;
    let dump = meshctl_proxy::admin::ConfigDump::of(
        &policy,
        &meshctl_proxy::Metrics::default().config.view(),
    );
    let json = serde_json::to_value(&dump).expect("json");
    assert_eq!(json["sidecar"]["name"], "default");
    assert_eq!(json["sidecar"]["namespace"], "default");
    assert_eq!(json["sidecar"]["selected_by"], "namespace default");
    assert!(
        json["sidecar"]["origin"]
            .as_str()
            .is_some_and(|o| o.ends_with("egress.yaml:7:1")),
        "{json}"
    );
}
