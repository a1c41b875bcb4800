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
//! In report mode (`report`) a denial for want of a match is dialled to its destination as if
//! `PassthroughCluster` had taken it, and a reload that would revoke an established connection
//! records that instead of resetting it. Every decision and close is written as a canonical
//! record (`record`) when an access log is kept.
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

use crate::mode::Mode;
use crate::orig_dst;
use crate::pipe::{self, Counters, End, Side};
use crate::policy::Policy;
use crate::pool::FLAG_UPSTREAM_OVERFLOW;
use crate::record::{self, AccessRecord, Decided, Outcome};
use crate::report::{self, PolicyMode};
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

/// The route of `decision` under `policy`, in the proxy's policy mode.
fn route_of(
    decision: &Decision<'_>,
    dst: SocketAddr,
    sni: Option<&str>,
    policy: &Policy,
    proxy: &Shared,
) -> Route {
    Route::of(
        decision,
        dst,
        sni,
        (policy.generation, proxy.options.policy_mode),
    )
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
    id: u64,
    started: (SystemTime, Instant),
    client: SocketAddr,
    listener: Arc<Listener>,
    destination: Option<SocketAddr>,
    sni: Option<String>,
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
        id: record::next_connection_id(),
        started: (SystemTime::now(), Instant::now()),
        client,
        listener: listener.clone(),
        destination: None,
        sni: None,
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
                let policy = policy_rx.borrow().clone();
                let route = Arc::new(route_of(&decision, listener.local, None, &policy, &proxy));
                route.count_decision(&proxy.metrics);
                trace.route = Some(route.clone());
                write_decided(&proxy, &trace, &route);
                return deny(&proxy, &route, client_stream, trace);
            }
        };
    trace.destination = Some(target.dst);
    trace.sni.clone_from(&target.sni);
    route.count_decision(&proxy.metrics);
    trace.route = Some(route.clone());
    write_decided(&proxy, &trace, &route);
    if let Some(reason) = route.would_deny {
        proxy.metrics.would_deny.count(reason, target.dst.port());
        tracing::info!(target: "meshctl::conn", "→ {}: would deny; report mode lets it through", target.dst);
    }
    let Some(plan) = route.plan_for(trace.id) else {
        return deny(&proxy, &route, client_stream, trace);
    };
    let limits = route.limits.as_deref();
    // The circuit breaker: over the cluster's limit, the connection is closed before dialling.
    let Ok(_slot) = take_slot(&proxy, &route, &mut trace) else {
        return finish(&proxy, trace);
    };
    let connect_timeout = limits
        .and_then(|l| l.connect_timeout)
        .unwrap_or(proxy.options.connect_timeout);
    let (upstream_stream, upstream_addr) =
        match Box::pin(upstream::dial(plan, &proxy.resolver, connect_timeout)).await {
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
    if let Some(keepalive) = limits.and_then(|l| l.keepalive.as_ref()) {
        crate::pool::set_keepalive(&upstream_stream, keepalive);
    }
    trace.upstream = Some(upstream_addr);
    trace.flags = FLAG_NONE;
    route.counters(&proxy.metrics).opened.inc();
    tracing::debug!(target: "meshctl::conn", "→ {}: connected to {upstream_addr}", target.dst);
    let streams = (client_stream, upstream_stream);
    let (sent, received) = relay(streams, &target, policy_rx, &proxy, &mut trace).await;
    let bytes = route.bytes(&proxy.metrics);
    bytes.sent.inc_by(sent);
    bytes.received.inc_by(received);
    route.counters(&proxy.metrics).closed.inc();
    finish(&proxy, trace);
}

/// A slot of the route's cluster pool when its DestinationRule limits it (`Ok(None)` when it
/// does not); `Err` when the pool is full, after counting and recording the overflow.
fn take_slot(
    proxy: &Shared,
    route: &Route,
    trace: &mut Trace,
) -> Result<Option<crate::pool::Slot>, ()> {
    let Some(max) = route.limits.as_ref().and_then(|l| l.max_connections) else {
        return Ok(None);
    };
    if let Some(slot) = proxy.pools.acquire(&route.cluster, max) {
        return Ok(Some(slot));
    }
    proxy.metrics.overflow.count(&route.cluster);
    tracing::warn!(
        target: "meshctl::conn",
        "cluster {} is at its maxConnections ({max}): closed",
        route.cluster
    );
    let labels = route.labels(FLAG_UPSTREAM_OVERFLOW);
    let (opened, closed) = proxy.metrics.traffic.opened_closed(&labels);
    opened.inc();
    closed.inc();
    trace.flags = FLAG_UPSTREAM_OVERFLOW;
    trace.close_reason = Cow::Owned(format!(
        "upstream overflow: {} allows {max} connections",
        route.cluster
    ));
    Err(())
}

/// Copies until the connection ends or a reload revokes it; returns the bytes sent and
/// received and fills in the trace's close reason.
async fn relay(
    (client_stream, upstream_stream): (TcpStream, TcpStream),
    target: &Destination,
    mut policy_rx: watch::Receiver<Arc<Policy>>,
    proxy: &Shared,
    trace: &mut Trace,
) -> (u64, u64) {
    let counters = Counters::new();
    let report = proxy.options.policy_mode == PolicyMode::Report;
    let idle_timeout = trace
        .route
        .as_ref()
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.idle_timeout)
        .unwrap_or(proxy.options.idle_timeout);
    let seen: &Trace = trace;
    let revoked = async {
        // Report mode records the moment a reload would revoke the connection, once per
        // change from allowed to denied, and never resets it.
        let mut denied = seen.route.as_ref().is_some_and(|r| r.would_deny.is_some());
        loop {
            if policy_rx.changed().await.is_err() {
                // The reloader is gone: the policy can no longer change.
                std::future::pending::<()>().await;
            }
            let policy = policy_rx.borrow_and_update().clone();
            let decision = decide(&policy, &seen.listener.mode, target);
            let allowed = still_allowed(&decision);
            if !allowed && !report {
                tracing::info!(
                    target: "meshctl::conn",
                    "→ {}: revoked by config generation {}: {decision}",
                    target.dst, policy.generation
                );
                return;
            }
            if !allowed && !denied {
                tracing::info!(
                    target: "meshctl::conn",
                    "→ {}: config generation {} would revoke it (report mode keeps it): {decision}",
                    target.dst, policy.generation
                );
                proxy
                    .metrics
                    .would_deny
                    .count(report::REVOKED, target.dst.port());
                let route = route_of(&decision, target.dst, target.sni.as_deref(), &policy, proxy);
                if let Some(log) = proxy.access_log.as_ref().filter(|l| l.records_decisions()) {
                    let mut decided = decided(seen, Some(&route), PolicyMode::Report);
                    decided.decision = Outcome::WouldDeny;
                    log.decided(&decided);
                }
            }
            denied = !allowed;
        }
    };
    let end = tokio::select! {
        end = pipe::pipe(&client_stream, &upstream_stream, idle_timeout, &counters, &proxy.pipes) => Some(end),
        // In report mode the watch never ends the connection, so it runs even with
        // --keep-established: it only records.
        () = revoked, if report || !proxy.options.keep_established => None,
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
            Arc::new(route_of(
                &decision,
                target.dst,
                target.sni.as_deref(),
                &policy,
                proxy,
            ))
        } else {
            listener.routes.get_or_decide(&policy, target.dst, || {
                let decision = decide(&policy, &listener.mode, &target);
                route_of(&decision, target.dst, None, &policy, proxy)
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
    if let Some(why) = &route.refused {
        trace.close_reason = Cow::Owned(format!("refused: {why}"));
    }
    finish(proxy, trace);
}

/// Writes the `decision` record of a connection (JSON access logs only).
fn write_decided(proxy: &Shared, trace: &Trace, route: &Route) {
    if let Some(access_log) = proxy.access_log.as_ref().filter(|l| l.records_decisions()) {
        access_log.decided(&decided(trace, Some(route), proxy.options.policy_mode));
    }
}

/// What the records say about a connection's decision.
fn decided(trace: &Trace, route: Option<&Route>, mode: PolicyMode) -> Decided {
    let forward_host = match &trace.listener.mode {
        Mode::Forward(f) if f.host.parse::<IpAddr>().is_err() => Some(f.host.clone()),
        _ => None,
    };
    let decision = match route {
        Some(r) if r.would_deny.is_some() => Outcome::WouldDeny,
        Some(r) if r.allowed => Outcome::Allow,
        _ => Outcome::Deny,
    };
    let text = |f: fn(&Route) -> &str| route.map_or_else(String::new, |r| f(r).to_owned());
    Decided {
        connection_id: trace.id,
        start_time: record::timestamp(trace.started.0),
        client: trace.client,
        destination: trace.destination,
        forward_host,
        sni: trace.sni.clone(),
        verdict: route.map_or("DENY", |r| r.verdict.as_str()),
        decision,
        policy_mode: mode.as_str(),
        service_entry: route.and_then(|r| r.entry.as_deref().map(str::to_owned)),
        listener: text(|r| &r.listener),
        chain: text(|r| &r.chain),
        upstream_cluster: route.map_or_else(
            || engine::BLACKHOLE_CLUSTER.to_owned(),
            |r| r.cluster.to_string(),
        ),
        generation: route.map_or(0, |r| r.generation),
        reason: text(|r| &r.said),
    }
}

fn finish(proxy: &Shared, trace: Trace) {
    let Some(access_log) = &proxy.access_log else {
        return;
    };
    let record = AccessRecord {
        decided: decided(&trace, trace.route.as_deref(), proxy.options.policy_mode),
        duration_ms: trace.started.1.elapsed().as_millis(),
        upstream: trace.upstream,
        bytes_sent: trace.bytes.0,
        bytes_received: trace.bytes.1,
        response_flags: trace.flags,
        close_reason: trace.close_reason.into_owned(),
    };
    access_log.write(&record);
}
