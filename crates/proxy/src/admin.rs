//! The admin server (`--admin`, loopback by default, like Envoy's 15000): `/metrics`
//! (Prometheus text), `/healthz` (the process is up), `/ready` and `/config_dump`.
//!
//! `/ready` is 503 until the first configuration is loaded, then 200, as Istio's readiness
//! does not flip when a later push is rejected; its body, its `x-meshctl-config` header
//! (`in-sync` or `stale`) and the `meshctl_config_in_sync` gauge say whether the generation in
//! memory is what the files on disk hold. `/ready?strict` answers 503 while stale, for probes
//! that should fail on a refused reload.
//!
//! `/config_dump` is JSON with a fixed shape (docs/commands/proxy.md, "config_dump"): generation, load time,
//! sources, whether it is in sync with the disk and the last reload's outcome, outbound policy
//! and its source, the workload namespace, the Sidecar in effect as an object, and the compiled
//! listeners with their chains, from the Registry's read-only views.
//!
//! Served by [`http`](crate::http), the hardened server `sync --watch` uses too: a client that
//! connects and never finishes its request cannot keep a probe from being answered.
//!
//! HTTP is hyper's (HTTP/1.1 only); this module only routes. Everything it shows is read
//! from the same `watch` channel and metrics the proxy uses, so it can never disagree with them.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use tokio::sync::watch;

use crate::http::{OPENMETRICS, Server, TEXT, respond};
use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::status::{LastReload, StatusView};

/// Serves the admin endpoints until `shutdown` resolves.
pub async fn serve(
    server: Server,
    policy: watch::Receiver<Arc<Policy>>,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    // Every answer names the process that gave it: while a proxy started with `--takeover`
    // shares the admin port with the one it replaces, the kernel picks either per connection,
    // and `x-meshctl-pid` tells a script waiting for the new one's `/ready` which one answered.
    let pid = hyper::header::HeaderValue::from(std::process::id());
    let handler = move |req: &Request<Incoming>| {
        let mut response = route(req, &policy.borrow().clone(), &metrics);
        response.headers_mut().insert("x-meshctl-pid", pid.clone());
        response
    };
    server.serve(handler, shutdown).await;
}

/// Answers one request.
fn route(req: &Request<Incoming>, policy: &Policy, metrics: &Metrics) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return respond(StatusCode::METHOD_NOT_ALLOWED, TEXT, "GET only\n");
    }
    match req.uri().path() {
        "/metrics" => respond(StatusCode::OK, OPENMETRICS, metrics.encode()),
        "/healthz" => respond(StatusCode::OK, TEXT, "ok\n"),
        "/ready" => {
            let strict = req
                .uri()
                .query()
                .is_some_and(|q| q.split('&').any(|p| p == "strict" || p == "strict=1"));
            ready(policy, &metrics.config.view(), strict)
        }
        "/config_dump" => {
            let dump = ConfigDump::of(policy, &metrics.config.view());
            let body = serde_json::to_string_pretty(&dump).unwrap_or_default();
            respond(StatusCode::OK, "application/json", body + "\n")
        }
        _ => respond(
            StatusCode::NOT_FOUND,
            TEXT,
            "not found; try /metrics, /healthz, /ready, /config_dump\n",
        ),
    }
}

/// `/ready`: loaded or not, and whether what is loaded is what the disk holds.
fn ready(policy: &Policy, status: &StatusView, strict: bool) -> Response<Full<Bytes>> {
    if !policy.is_loaded() {
        let why = match &status.last {
            LastReload::Refused(reason) => {
                format!("not ready: no configuration loaded: {reason}\n")
            }
            _ => "not ready: no configuration loaded yet\n".to_owned(),
        };
        return respond(StatusCode::SERVICE_UNAVAILABLE, TEXT, why);
    }
    let (state, body) = if status.in_sync {
        (
            "in-sync",
            format!(
                "ready: config generation {} (in sync with the files on disk)\n",
                policy.generation
            ),
        )
    } else {
        let why = match &status.last {
            LastReload::Refused(reason) => reason.clone(),
            _ => "the files changed and have not been reloaded yet".to_owned(),
        };
        (
            "stale",
            format!(
                "ready: config generation {} (stale: the files on disk differ: {why})\n",
                policy.generation
            ),
        )
    };
    let code = if strict && !status.in_sync {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let mut response = respond(code, TEXT, body);
    response.headers_mut().insert(
        "x-meshctl-config",
        hyper::header::HeaderValue::from_static(state),
    );
    response
}

/// The `/config_dump` document (shape documented in docs/commands/proxy.md; fields are only ever added).
#[derive(Debug, Serialize)]
pub struct ConfigDump {
    /// Config generation (0: nothing loaded).
    pub generation: u64,
    /// When it was loaded (RFC 3339).
    pub loaded_at: String,
    /// Files it was read from.
    pub sources: Vec<String>,
    /// Whether it is what the files on disk hold now.
    pub in_sync: bool,
    /// The last reload's outcome.
    pub last_reload: DumpReload,
    /// The outbound policy and where it came from.
    pub outbound_policy: DumpPolicy,
    /// The workload's namespace.
    pub namespace: String,
    /// The Sidecar in effect, if any.
    pub sidecar: Option<DumpSidecar>,
    /// Compiled listeners.
    pub listeners: Vec<DumpListener>,
}

/// `last_reload` in the dump.
#[derive(Debug, Serialize)]
pub struct DumpReload {
    /// `none`, `loaded`, `unchanged` or `refused`.
    pub result: &'static str,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// `outbound_policy` in the dump.
#[derive(Debug, Serialize)]
pub struct DumpPolicy {
    /// `REGISTRY_ONLY`, `ALLOW_ANY`, …
    pub mode: &'static str,
    /// Where it came from.
    pub source: String,
}

/// `sidecar` in the dump.
#[derive(Debug, Serialize)]
pub struct DumpSidecar {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `file:line:column` of the resource.
    pub origin: String,
    /// Why it applies: `workloadSelector`, `namespace default` or `root namespace default`.
    pub selected_by: &'static str,
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
    /// The dump of a policy and its reload status.
    #[must_use]
    pub fn of(policy: &Policy, status: &StatusView) -> Self {
        use meshctl_core::engine::SidecarChoice;
        let registry = &policy.registry;
        let (result, reason) = match &status.last {
            LastReload::None => ("none", None),
            LastReload::Loaded => ("loaded", None),
            LastReload::Unchanged => ("unchanged", None),
            LastReload::Refused(reason) => ("refused", Some(reason.clone())),
        };
        ConfigDump {
            generation: policy.generation,
            loaded_at: humantime::format_rfc3339_seconds(policy.loaded_at).to_string(),
            sources: policy.sources.clone(),
            in_sync: status.in_sync,
            last_reload: DumpReload { result, reason },
            outbound_policy: DumpPolicy {
                mode: registry.outbound_policy().as_str(),
                source: registry.policy_source().to_owned(),
            },
            namespace: registry.namespace().to_owned(),
            sidecar: registry.sidecar().map(|s| DumpSidecar {
                namespace: s.namespace.clone(),
                name: s.name.clone(),
                origin: s.origin.to_string(),
                selected_by: match s.choice {
                    SidecarChoice::Selector => "workloadSelector",
                    SidecarChoice::NamespaceDefault => "namespace default",
                    SidecarChoice::RootDefault => "root namespace default",
                },
            }),
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
