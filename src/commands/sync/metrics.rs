//! `sync --watch`'s Prometheus metrics and their routes, `/metrics` and `/healthz`, served by
//! the hardened server the proxy's admin endpoints use (`meshctl_proxy::http`), so a client
//! that connects and never finishes its request cannot starve a scrape or a probe here either.
//! This module only routes: binding, limits and timeouts are the server's.
//!
//! - `meshctl_sync_resolutions_total{host}`: lookups made;
//! - `meshctl_sync_resolution_failures_total{host}`: lookups that could not verify the name;
//! - `meshctl_sync_drifts_total{service_entry}`: passes that found the entry out of sync;
//! - `meshctl_sync_last_success_timestamp_seconds{service_entry}`: when the entry was last
//!   verified against an answer (alert when it is old: the name is not being checked);
//! - `meshctl_sync_writes_total{result}`: file writes, `success` or `error`;
//! - `meshctl_sync_refused_answers_total{service_entry,reason}`: answers not pinned, by why:
//!   `address-class` (loopback, metadata, `0.0.0.0`, ...), `too-many` (more than an entry
//!   holds), `class-change` (private ↔ public, the rebinding guard).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use meshctl_proxy::http::{OPENMETRICS, Server, TEXT, respond};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct HostLabel {
    pub(super) host: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct EntryLabel {
    pub(super) service_entry: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RefusalLabel {
    pub(super) service_entry: String,
    pub(super) reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ResultLabel {
    pub(super) result: &'static str,
}

/// The families, registered once at construction; cloning shares them (prometheus-client
/// metrics are `Arc`s inside).
#[derive(Debug, Clone)]
pub(super) struct SyncMetrics {
    registry: Arc<Registry>,
    pub(super) resolutions: Family<HostLabel, Counter>,
    pub(super) failures: Family<HostLabel, Counter>,
    pub(super) drifts: Family<EntryLabel, Counter>,
    pub(super) last_success: Family<EntryLabel, Gauge>,
    pub(super) writes: Family<ResultLabel, Counter>,
    pub(super) refusals: Family<RefusalLabel, Counter>,
}

impl Default for SyncMetrics {
    fn default() -> Self {
        let (resolutions, failures, drifts, last_success, writes, refusals) = (
            Family::<HostLabel, Counter>::default(),
            Family::<HostLabel, Counter>::default(),
            Family::<EntryLabel, Counter>::default(),
            Family::<EntryLabel, Gauge>::default(),
            Family::<ResultLabel, Counter>::default(),
            Family::<RefusalLabel, Counter>::default(),
        );
        let mut registry = Registry::default();
        registry.register(
            "meshctl_sync_resolutions",
            "DNS lookups of source hosts",
            resolutions.clone(),
        );
        registry.register(
            "meshctl_sync_resolution_failures",
            "Lookups that could not verify the name (timeout, SERVFAIL); nothing is changed then",
            failures.clone(),
        );
        registry.register(
            "meshctl_sync_drifts",
            "Passes that found the entry's addresses out of sync with DNS",
            drifts.clone(),
        );
        registry.register(
            "meshctl_sync_last_success_timestamp_seconds",
            "Unix time the entry was last verified against a DNS answer",
            last_success.clone(),
        );
        registry.register(
            "meshctl_sync_writes",
            "Entry files written, per result",
            writes.clone(),
        );
        registry.register(
            "meshctl_sync_refused_answers",
            "Answers not pinned (refused address class, too many addresses, private/public change); nothing is changed then",
            refusals.clone(),
        );
        Self {
            registry: Arc::new(registry),
            resolutions,
            failures,
            drifts,
            last_success,
            writes,
            refusals,
        }
    }
}

impl SyncMetrics {
    pub(super) fn host(host: &str) -> HostLabel {
        HostLabel {
            host: host.to_owned(),
        }
    }

    pub(super) fn entry(key: &str) -> EntryLabel {
        EntryLabel {
            service_entry: key.to_owned(),
        }
    }

    /// The Prometheus text exposition.
    pub(super) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Binds `addr` and serves `/metrics` and `/healthz` there until `shutdown` resolves; returns
/// the address bound.
///
/// # Errors
/// The address cannot be bound.
pub(super) fn start(
    addr: SocketAddr,
    metrics: Arc<SyncMetrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<SocketAddr> {
    let server =
        Server::bind(addr).with_context(|| format!("binding the metrics server {addr}"))?;
    let local = server.local_addr()?;
    let handler = move |req: &Request<Incoming>| route(req.uri().path(), &metrics);
    tokio::spawn(server.serve(handler, shutdown));
    Ok(local)
}

fn route(path: &str, metrics: &SyncMetrics) -> Response<Full<Bytes>> {
    match path {
        "/metrics" => respond(StatusCode::OK, OPENMETRICS, metrics.encode()),
        "/healthz" => respond(StatusCode::OK, TEXT, "ok\n"),
        _ => respond(
            StatusCode::NOT_FOUND,
            TEXT,
            "not found; try /metrics or /healthz\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    #[allow(clippy::unused_async)] // async: it spawns, so it must run inside the test's runtime
    async fn server() -> SocketAddr {
        let addr = "127.0.0.1:0".parse().expect("addr");
        let metrics = Arc::new(SyncMetrics::default());
        start(addr, metrics, std::future::pending()).expect("bind")
    }

    /// A client sending `GET /metrics` a byte a second, reconnecting as soon as it is closed.
    async fn trickle(addr: SocketAddr) {
        let request = b"GET /metrics HTTP/1.1\r\nHost: sync\r\nUser-Agent: slow\r\n\r\n";
        loop {
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let mut buf = [0u8; 512];
            for byte in request {
                if stream.write_all(&[*byte]).await.is_err() {
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

    /// A scrape: the whole request at once, a 200 within a second.
    async fn scrape(addr: SocketAddr) -> bool {
        let exchange = async {
            let mut stream = TcpStream::connect(addr).await.ok()?;
            stream
                .write_all(b"GET /metrics HTTP/1.1\r\nHost: sync\r\nConnection: close\r\n\r\n")
                .await
                .ok()?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.ok()?;
            Some(answer.starts_with(b"HTTP/1.1 200"))
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(1), exchange).await,
            Ok(Some(true))
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scrapes_are_answered_while_64_clients_trickle_their_headers() {
        let addr = server().await;
        let tricklers: Vec<_> = (0..64).map(|_| tokio::spawn(trickle(addr))).collect();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut scrapes = Vec::new();
        for _ in 0..15 {
            scrapes.push(tokio::spawn(scrape(addr)));
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut answered = 0;
        for s in scrapes {
            answered += usize::from(s.await.unwrap_or(false));
        }
        for t in tricklers {
            t.abort();
        }
        assert!(answered >= 14, "{answered} of 15 scrapes answered");
    }

    #[tokio::test]
    async fn an_unfinished_request_is_closed_after_the_header_timeout() {
        let addr = server().await;
        let mut slow = TcpStream::connect(addr).await.expect("connect");
        slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("half");
        let mut buf = [0u8; 256];
        let wait = meshctl_proxy::http::HEADER_TIMEOUT + Duration::from_secs(1);
        let closed = tokio::time::timeout(wait, slow.read(&mut buf)).await;
        assert!(
            matches!(closed, Ok(Ok(_) | Err(_))),
            "still open: {closed:?}"
        );
    }

    #[test]
    fn families_have_their_names() {
        let m = SyncMetrics::default();
        m.resolutions
            .get_or_create(&SyncMetrics::host("db.example.com"))
            .inc();
        m.last_success
            .get_or_create(&SyncMetrics::entry("default/db"))
            .set(1_700_000_000);
        let text = m.encode();
        for want in [
            r#"meshctl_sync_resolutions_total{host="db.example.com"} 1"#,
            r#"meshctl_sync_last_success_timestamp_seconds{service_entry="default/db"} 1700000000"#,
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
        assert_eq!(route("/healthz", &m).status(), StatusCode::OK);
        assert_eq!(route("/nope", &m).status(), StatusCode::NOT_FOUND);
    }
}
