//! The admin server (`--admin`, loopback by default, like Envoy's 15000): `/metrics`
//! (Prometheus text), `/healthz` (the process is up), `/ready` (503 until the first
//! configuration is loaded) and `/config_dump` (JSON: sources, generation, outbound policy and
//! its source, compiled listeners with their chains, from the Registry's read-only views).
//!
//! HTTP is hyper's (HTTP/1.1 only); this module only routes. Everything it shows is read
//! from the same `watch` channel and metrics the proxy uses, so it can never disagree with them.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::metrics::Metrics;
use super::policy::Policy;

/// Serves the admin endpoints until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    policy: watch::Receiver<Arc<Policy>>,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let policy = policy.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let response = route(&req, &policy.borrow().clone(), &metrics);
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// Answers one request.
fn route(req: &Request<Incoming>, policy: &Policy, metrics: &Metrics) -> Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return respond(StatusCode::METHOD_NOT_ALLOWED, TEXT, "GET only\n");
    }
    match req.uri().path() {
        "/metrics" => respond(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.encode(),
        ),
        "/healthz" => respond(StatusCode::OK, TEXT, "ok\n"),
        "/ready" if policy.is_loaded() => respond(
            StatusCode::OK,
            TEXT,
            format!("ready: config generation {}\n", policy.generation),
        ),
        "/ready" => respond(
            StatusCode::SERVICE_UNAVAILABLE,
            TEXT,
            "not ready: no configuration loaded yet\n",
        ),
        "/config_dump" => {
            let body = serde_json::to_string_pretty(&ConfigDump::of(policy)).unwrap_or_default();
            respond(StatusCode::OK, "application/json", body + "\n")
        }
        _ => respond(
            StatusCode::NOT_FOUND,
            TEXT,
            "not found; try /metrics, /healthz, /ready, /config_dump\n",
        ),
    }
}

/// The `/config_dump` document.
#[derive(Debug, Serialize)]
pub struct ConfigDump {
    /// Config generation (0: nothing loaded).
    pub generation: u64,
    /// When it was loaded (RFC 3339).
    pub loaded_at: String,
    /// Files it was read from.
    pub sources: Vec<String>,
    /// The outbound policy and where it came from.
    pub outbound_policy: DumpPolicy,
    /// The workload's namespace.
    pub namespace: String,
    /// The Sidecar in effect, if any.
    pub sidecar: Option<String>,
    /// Compiled listeners.
    pub listeners: Vec<DumpListener>,
}

/// `outbound_policy` in the dump.
#[derive(Debug, Serialize)]
pub struct DumpPolicy {
    /// `REGISTRY_ONLY`, `ALLOW_ANY`, …
    pub mode: &'static str,
    /// Where it came from.
    pub source: String,
}

/// One compiled listener.
#[derive(Debug, Serialize)]
pub struct DumpListener {
    /// `0.0.0.0_3306`, `203.0.113.7_3306`.
    pub name: String,
    /// Port.
    pub port: u16,
    /// Whether a proxy peeks SNI on it.
    pub inspects_sni: bool,
    /// Its chains in build order.
    pub chains: Vec<DumpChain>,
}

/// One filter chain.
#[derive(Debug, Serialize)]
pub struct DumpChain {
    /// Chain name.
    pub name: String,
    /// What it matches (CIDR, SNI, everything).
    #[serde(rename = "match")]
    pub matches: String,
    /// Cluster name.
    pub cluster: String,
    /// `namespace/name` of the ServiceEntry.
    pub service_entry: String,
    /// The host.
    pub host: String,
}

impl ConfigDump {
    /// The dump of a policy.
    #[must_use]
    pub fn of(policy: &Policy) -> Self {
        let registry = &policy.registry;
        ConfigDump {
            generation: policy.generation,
            loaded_at: humantime::format_rfc3339_seconds(policy.loaded_at).to_string(),
            sources: policy.sources.clone(),
            outbound_policy: DumpPolicy {
                mode: registry.outbound_policy().as_str(),
                source: registry.policy_source().to_owned(),
            },
            namespace: registry.namespace().to_owned(),
            sidecar: registry.sidecar().map(|s| format!("{s:?}")),
            listeners: registry
                .listeners()
                .iter()
                .map(|l| DumpListener {
                    name: l.name.to_string(),
                    port: l.port,
                    inspects_sni: l.has_sni(),
                    chains: registry
                        .chains_of(l)
                        .map(|c| DumpChain {
                            name: c.name.to_string(),
                            matches: c.match_description(),
                            cluster: c.cluster.to_string(),
                            service_entry: registry.entry(c.entry).to_string(),
                            host: c.host.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
