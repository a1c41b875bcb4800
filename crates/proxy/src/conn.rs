//! One proxied connection, start to end: destination → (SNI) → decision → dial → copy, with
//! the policy re-checked on every reload (like linkerd's per-connection authorization
//! re-check), then metrics and the access log line.
//!
//! Decisions always come from the engine. Transparent-mode connections are decided with
//! `engine::decide` (they came through iptables, so the capture rules of istio/istio
//! tools/istio-iptables/pkg/capture/run.go apply); forward-mode connections with
//! `engine::decide_forwarded`, which skips the capture step — nothing redirected them, so "loopback
//! is never captured" does not apply and a forward to a database on 127.0.0.1 is decided by
//! listeners, chains and the outbound policy like any other.
//!
//! A transparent-mode `BYPASS` (the capture annotations say iptables would not have redirected
//! this) is dialled to its original destination: that is where the connection would have gone
//! without a sidecar.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::Instant;

use crate::access_log::AccessRecord;
use crate::mode::Mode;
use crate::orig_dst;
use crate::pipe::{self, Counters, End, Side};
use crate::policy::Policy;
use crate::route::{Route, RouteCache, still_allowed};
use crate::shared::Shared;
use crate::sni::{self, ClientHello};
use crate::traffic::{FLAG_NO_HEALTHY_UPSTREAM, FLAG_NO_ROUTE, FLAG_NONE, FLAG_UPSTREAM_FAILURE};
use crate::upstream::{self, DialError};
use meshctl_core::engine::{
    self, BLACKHOLE_CHAIN, Connection, Decision, DenyReason, VIRTUAL_OUTBOUND,
};

/// One listening address as its connections see it: where it listens, how connections reach
/// it, and the decisions already made for its destinations.
#[derive(Debug)]
pub(crate) struct Listener {
    pub(crate) local: SocketAddr,
    pub(crate) mode: Mode,
    pub(crate) routes: RouteCache,
    /// Accepted sockets already have TCP_NODELAY from the listening socket.
    pub(crate) nodelay_inherited: bool,
}

/// The connection as the engine sees it, owned so it can be re-decided after a reload.
#[derive(Debug, Clone)]
struct Destination {
    dst: SocketAddr,
    tls: bool,
    sni: Option<String>,
}

impl Destination {
    fn connection(&self) -> Connection<'_> {
        Connection {
            dst: self.dst.ip(),
            port: self.dst.port(),
            tls: self.tls,
            sni: self.sni.as_deref(),
        }
    }
}

fn decide<'r>(policy: &'r Policy, mode: &Mode, target: &Destination) -> Decision<'r> {
    match mode {
        Mode::Transparent => engine::decide(&policy.registry, &target.connection()),
        Mode::Forward(_) => engine::decide_forwarded(&policy.registry, &target.connection()),
    }
}

/// Keeps `meshctl_proxy_active_connections` right even when the task is aborted by drain.
struct Active(Arc<crate::metrics::Metrics>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.traffic.connection_closed();
    }
}

/// What happened to one connection, gathered without allocating; turned into an
/// [`AccessRecord`] at the end only when an access log is configured.
struct Trace {
    started: (SystemTime, Instant),
    client: SocketAddr,
    destination: Option<SocketAddr>,
    route: Option<Arc<Route>>,
    upstream: Option<SocketAddr>,
    bytes: (u64, u64),
    flags: &'static str,
    close_reason: Cow<'static, str>,
}

/// Handles one accepted connection; never fails (every outcome is logged and counted).
pub(super) async fn handle(
    client_stream: TcpStream,
    client: SocketAddr,
    listener: Arc<Listener>,
    policy_rx: watch::Receiver<Arc<Policy>>,
    proxy: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
) {
    proxy.metrics.traffic.connection_opened();
    let _active = Active(proxy.metrics.clone());
    if !listener.nodelay_inherited {
        let _ = client_stream.set_nodelay(true);
    }
    let mut trace = Trace {
        started: (SystemTime::now(), Instant::now()),
        client,
        destination: None,
        route: None,
        upstream: None,
        bytes: (0, 0),
        flags: FLAG_NO_ROUTE,
        close_reason: Cow::Borrowed("denied"),
    };
    let (target, route) =
        // Boxed: the setup futures (SNI peek, DNS) are large, and unboxed they would size the
        // task for its whole life; idle connections then cost memory for work long finished.
        match Box::pin(find_target(&client_stream, &listener, &policy_rx, &proxy)).await {
            Ok(found) => found,
            Err(reason) => {
                let decision = Decision::Deny {
                    listener: VIRTUAL_OUTBOUND,
                    chain: BLACKHOLE_CHAIN,
                    reason,
                };
                tracing::info!(target: "meshctl::conn", "→ ?: {decision}");
                let route = Arc::new(Route::of(&decision, listener.local, None));
                route.count_decision(&proxy.metrics);
                trace.route = Some(route.clone());
                return deny(&proxy, &route, client_stream, trace);
            }
        };
    trace.destination = Some(target.dst);
    route.count_decision(&proxy.metrics);
    trace.route = Some(route.clone());
    let Some(plan) = &route.plan else {
        return deny(&proxy, &route, client_stream, trace);
    };
    let (upstream_stream, upstream_addr) = match Box::pin(upstream::dial(
        plan,
        &proxy.resolver,
        proxy.options.connect_timeout,
    ))
    .await
    {
        Ok(connected) => connected,
        Err(e) => {
            let flags = match e {
                DialError::NoUpstream(_) => FLAG_NO_HEALTHY_UPSTREAM,
                DialError::Failed { .. } | DialError::Timeout(_) => {
                    proxy.metrics.traffic.connect_error();
                    FLAG_UPSTREAM_FAILURE
                }
            };
            tracing::warn!(target: "meshctl::conn", "→ {}: {e}", target.dst);
            let labels = route.labels(flags);
            let (opened, closed) = proxy.metrics.traffic.opened_closed(&labels);
            opened.inc();
            closed.inc();
            trace.flags = flags;
            trace.close_reason = Cow::Owned(e.to_string());
            return finish(&proxy, trace);
        }
    };
    trace.upstream = Some(upstream_addr);
    trace.flags = FLAG_NONE;
    route.counters(&proxy.metrics).opened.inc();
    tracing::debug!(target: "meshctl::conn", "→ {}: connected to {upstream_addr}", target.dst);
    let streams = (client_stream, upstream_stream);
    let (sent, received) = relay(
        streams,
        &target,
        &listener.mode,
        policy_rx,
        &proxy,
        &mut trace,
    )
    .await;
    let bytes = route.bytes(&proxy.metrics);
    bytes.sent.inc_by(sent);
    bytes.received.inc_by(received);
    route.counters(&proxy.metrics).closed.inc();
    finish(&proxy, trace);
}

/// Copies until the connection ends or a reload revokes it; returns the bytes sent and
/// received and fills in the trace's close reason.
async fn relay(
    (client_stream, upstream_stream): (TcpStream, TcpStream),
    target: &Destination,
    mode: &Mode,
    mut policy_rx: watch::Receiver<Arc<Policy>>,
    proxy: &Shared,
    trace: &mut Trace,
) -> (u64, u64) {
    let counters = Counters::new();
    let revoked = async {
        loop {
            if policy_rx.changed().await.is_err() {
                // The reloader is gone: the policy can no longer change.
                std::future::pending::<()>().await;
            }
            let policy = policy_rx.borrow_and_update().clone();
            let decision = decide(&policy, mode, target);
            if !still_allowed(&decision) {
                tracing::info!(
                    target: "meshctl::conn",
                    "→ {}: revoked by config generation {}: {decision}",
                    target.dst, policy.generation
                );
                return;
            }
        }
    };
    let end = tokio::select! {
        end = pipe::pipe(&client_stream, &upstream_stream, proxy.options.idle_timeout, &counters, &proxy.pipes) => Some(end),
        () = revoked, if !proxy.options.keep_established => None,
    };
    trace.close_reason = match end {
        Some(End::Closed) => Cow::Borrowed("closed"),
        Some(End::IdleTimeout) => Cow::Borrowed("idle timeout"),
        Some(End::Failed(side, e)) => {
            pipe::reset_on_close(&client_stream);
            pipe::reset_on_close(&upstream_stream);
            Cow::Owned(match side {
                Side::Client => format!("client error: {e}"),
                Side::Upstream => format!("upstream error: {e}"),
            })
        }
        None => {
            proxy.metrics.reloads.revoked();
            pipe::reset_on_close(&client_stream);
            pipe::reset_on_close(&upstream_stream);
            Cow::Borrowed("revoked")
        }
    };
    drop(client_stream);
    drop(upstream_stream);
    tracing::debug!(target: "meshctl::conn", "→ {}: {}", target.dst, trace.close_reason);
    trace.bytes = (
        counters.sent.load(Ordering::Relaxed),
        counters.received.load(Ordering::Relaxed),
    );
    trace.bytes
}

/// The addresses a connection may be going to: one (transparent mode, an IP literal forward
/// target) or a resolved name's, without a copy.
enum Candidates {
    One(IpAddr),
    Resolved(Arc<[IpAddr]>),
}

impl Candidates {
    fn as_slice(&self) -> &[IpAddr] {
        match self {
            Candidates::One(ip) => std::slice::from_ref(ip),
            Candidates::Resolved(ips) => ips,
        }
    }
}

/// Finds the destination, peeks SNI if needed and decides; `Err` is an undecidable denial.
async fn find_target(
    stream: &TcpStream,
    listener: &Listener,
    policy_rx: &watch::Receiver<Arc<Policy>>,
    proxy: &Shared,
) -> Result<(Destination, Arc<Route>), DenyReason<'static>> {
    let (candidates, port) = match &listener.mode {
        Mode::Transparent => match orig_dst::original_dst(stream, listener.local) {
            Ok(dst) => (Candidates::One(dst.ip()), dst.port()),
            Err(e) => {
                tracing::debug!(target: "meshctl::conn", "{e}");
                return Err(e.deny_reason());
            }
        },
        Mode::Forward(forward) => match forward.host.parse::<IpAddr>() {
            Ok(ip) => (Candidates::One(ip), forward.port),
            Err(_) => (
                Candidates::Resolved(resolve_forward(forward, proxy).await?),
                forward.port,
            ),
        },
    };
    let policy = policy_rx.borrow().clone();
    let (tls, sni) = if policy.registry.listener_has_sni(port) {
        match sni::peek(stream, proxy.options.sni_timeout).await {
            ClientHello::Tls(name) => (true, name),
            ClientHello::TooLarge => {
                return Err(DenyReason::Undecidable {
                    what: "no complete TLS ClientHello within 16384 bytes (Envoy's tls_inspector closes the connection)",
                });
            }
            ClientHello::NotTls | ClientHello::Incomplete => (false, None),
        }
    } else {
        (false, None)
    };
    let mut first = None;
    for &ip in candidates.as_slice() {
        let target = Destination {
            dst: SocketAddr::new(ip, port),
            tls,
            sni: sni.clone(),
        };
        let route = if tls {
            // Decided per ClientHello: the SNI is part of the decision, so nothing to reuse.
            let decision = decide(&policy, &listener.mode, &target);
            Arc::new(Route::of(&decision, target.dst, target.sni.as_deref()))
        } else {
            listener.routes.get_or_decide(&policy, target.dst, || {
                let decision = decide(&policy, &listener.mode, &target);
                Route::of(&decision, target.dst, None)
            })
        };
        if route.allowed {
            tracing::info!(target: "meshctl::conn", "→ {}: {}", target.dst, route.said);
            return Ok((target, route));
        }
        if first.is_none() {
            tracing::info!(target: "meshctl::conn", "→ {}: {}", target.dst, route.said);
            first = Some((target, route));
        } else {
            tracing::debug!(target: "meshctl::conn", "→ {}: {}", target.dst, route.said);
        }
    }
    first.ok_or_else(unresolved)
}

/// The addresses of a named forward target, under `--connect-timeout`.
async fn resolve_forward(
    forward: &crate::mode::ForwardTarget,
    proxy: &Shared,
) -> Result<Arc<[IpAddr]>, DenyReason<'static>> {
    let resolved = tokio::time::timeout(
        proxy.options.connect_timeout,
        proxy.resolver.resolve(&forward.host),
    )
    .await;
    match resolved {
        Ok(Ok(ips)) if !ips.is_empty() => Ok(ips),
        Ok(Ok(_)) => Err(unresolved()),
        Ok(Err(e)) => {
            tracing::warn!(target: "meshctl::conn", "forward target `{}`: {e}", forward.host);
            Err(unresolved())
        }
        Err(_) => {
            tracing::warn!(target: "meshctl::conn", "forward target `{}`: DNS timed out", forward.host);
            Err(unresolved())
        }
    }
}

fn unresolved() -> DenyReason<'static> {
    DenyReason::Undecidable {
        what: "the forward target has no addresses",
    }
}

/// Closes a denied connection without dialling anything.
fn deny(proxy: &Shared, route: &Route, stream: TcpStream, mut trace: Trace) {
    let counters = route.counters(&proxy.metrics);
    counters.opened.inc();
    counters.closed.inc();
    drop(stream);
    trace.flags = route.deny_flags;
    finish(proxy, trace);
}

fn finish(proxy: &Shared, trace: Trace) {
    let Some(access_log) = &proxy.access_log else {
        return;
    };
    let route = trace.route.as_deref();
    let record = AccessRecord {
        start_time: AccessRecord::timestamp(trace.started.0),
        duration_ms: trace.started.1.elapsed().as_millis(),
        client: trace.client,
        destination: trace.destination,
        verdict: route.map_or("DENY", |r| r.verdict.as_str()),
        service_entry: route.and_then(|r| r.entry.as_deref().map(str::to_owned)),
        upstream_cluster: route.map_or_else(
            || engine::BLACKHOLE_CLUSTER.to_owned(),
            |r| r.cluster.to_string(),
        ),
        upstream: trace.upstream,
        bytes_sent: trace.bytes.0,
        bytes_received: trace.bytes.1,
        response_flags: trace.flags,
        close_reason: trace.close_reason.into_owned(),
    };
    access_log.write(&record);
}
