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

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::Instant;

use super::access_log::AccessRecord;
use super::metrics::{
    DecisionLabels, FLAG_NO_HEALTHY_UPSTREAM, FLAG_NO_ROUTE, FLAG_NONE, FLAG_UPSTREAM_FAILURE,
    TcpLabels,
};
use super::orig_dst;
use super::pipe::{self, Counters, End, Side};
use super::sni::{self, ClientHello};
use super::upstream::{self, DialError, DialPlan};
use super::{Mode, Policy, Proxy};
use meshctl_core::engine::{
    self, BLACKHOLE_CHAIN, Connection, Decision, DenyReason, Upstream, VIRTUAL_OUTBOUND, Verdict,
};

/// The owned facts of a decision that outlive the registry snapshot it was made on.
#[derive(Debug)]
struct Outcome {
    verdict: Verdict,
    /// `namespace/name` of the ServiceEntry.
    entry: Option<String>,
    /// `destination_service` label value.
    service: String,
    /// `destination_service_namespace` label value.
    namespace: String,
    /// Istio's cluster name, `-` for bypass.
    cluster: String,
    /// Where to dial (allowed verdicts only).
    plan: Option<DialPlan>,
    /// Response flags for a denial.
    deny_flags: &'static str,
}

impl Outcome {
    fn of(decision: &Decision<'_>, dst: SocketAddr, sni: Option<&str>) -> Outcome {
        let unknown = || "unknown".to_owned();
        let cluster = match decision.cluster() {
            "" => "-".to_owned(),
            c => c.to_owned(),
        };
        let (entry, service, namespace, plan) = match decision {
            Decision::Allow {
                entry,
                chain,
                upstream,
                ..
            } => (
                Some(entry.to_string()),
                chain.host.to_string(),
                entry.namespace.to_string(),
                Some(DialPlan::of(upstream, sni)),
            ),
            Decision::Passthrough { .. } => (
                None,
                cluster.clone(),
                unknown(),
                Some(DialPlan::Addrs(vec![dst])),
            ),
            Decision::Bypass { .. } => {
                (None, unknown(), unknown(), Some(DialPlan::Addrs(vec![dst])))
            }
            Decision::Deny { .. } => (None, cluster.clone(), unknown(), None),
        };
        let deny_flags = match decision {
            Decision::Deny {
                reason: DenyReason::Undecidable { .. },
                ..
            } => FLAG_NO_ROUTE,
            _ => FLAG_NO_HEALTHY_UPSTREAM,
        };
        Outcome {
            verdict: decision.verdict(),
            entry,
            service,
            namespace,
            cluster,
            plan,
            deny_flags,
        }
    }
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

/// Still allowed under a new policy: anything but a denial or a cluster with nothing to dial.
fn still_allowed(decision: &Decision<'_>) -> bool {
    !matches!(
        decision,
        Decision::Deny { .. }
            | Decision::Allow {
                upstream: Upstream::NoUpstream,
                ..
            }
    )
}

/// Keeps `meshctl_proxy_active_connections` right even when the task is aborted by drain.
struct Active(Arc<super::Metrics>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.active.dec();
    }
}

/// Handles one accepted connection; never fails (every outcome is logged and counted).
pub(super) async fn handle(
    client_stream: TcpStream,
    client: SocketAddr,
    local: SocketAddr,
    mode: Arc<Mode>,
    policy_rx: watch::Receiver<Arc<Policy>>,
    proxy: Arc<Proxy>,
    _permit: OwnedSemaphorePermit,
) {
    let started = (SystemTime::now(), Instant::now());
    proxy.metrics.active.inc();
    let _active = Active(proxy.metrics.clone());
    let _ = client_stream.set_nodelay(true);
    let mut log = AccessRecord {
        start_time: AccessRecord::timestamp(started.0),
        duration_ms: 0,
        client,
        destination: None,
        verdict: "DENY",
        service_entry: None,
        upstream_cluster: engine::BLACKHOLE_CLUSTER.to_owned(),
        upstream: None,
        bytes_sent: 0,
        bytes_received: 0,
        response_flags: FLAG_NO_ROUTE,
        close_reason: String::new(),
    };
    let (target, outcome) =
        // Boxed: the setup futures (SNI peek, DNS) are large, and unboxed they would size the
        // task for its whole life; idle connections then cost memory for work long finished.
        match Box::pin(find_target(&client_stream, local, &mode, &policy_rx, &proxy)).await {
            Ok(found) => found,
            Err(reason) => {
                let decision = Decision::Deny {
                    listener: VIRTUAL_OUTBOUND,
                    chain: BLACKHOLE_CHAIN,
                    reason,
                };
                tracing::info!(target: "meshctl::conn", "→ ?: {decision}");
                let outcome = Outcome::of(&decision, local, None);
                count_decision(&proxy, &outcome);
                return deny(&proxy, &outcome, client_stream, log, started.1, "denied");
            }
        };
    log.destination = Some(target.dst);
    count_decision(&proxy, &outcome);
    log.verdict = outcome.verdict.as_str();
    log.service_entry.clone_from(&outcome.entry);
    log.upstream_cluster.clone_from(&outcome.cluster);
    let Some(plan) = &outcome.plan else {
        return deny(&proxy, &outcome, client_stream, log, started.1, "denied");
    };
    let labels = |flags| TcpLabels::new(&outcome.service, &outcome.namespace, flags);
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
                    proxy.metrics.connect_errors.inc();
                    FLAG_UPSTREAM_FAILURE
                }
            };
            tracing::warn!(target: "meshctl::conn", "→ {}: {e}", target.dst);
            let m = &proxy.metrics;
            m.opened.get_or_create(&labels(flags)).inc();
            m.closed.get_or_create(&labels(flags)).inc();
            log.response_flags = flags;
            log.close_reason = e.to_string();
            return finish(&proxy, log, started.1);
        }
    };
    log.upstream = Some(upstream_addr);
    log.response_flags = FLAG_NONE;
    proxy.metrics.opened.get_or_create(&labels(FLAG_NONE)).inc();
    tracing::debug!(target: "meshctl::conn", "→ {}: connected to {upstream_addr}", target.dst);
    let streams = (client_stream, upstream_stream);
    let (sent, received) = relay(streams, &target, &mode, policy_rx, &proxy, &mut log).await;
    let m = &proxy.metrics;
    let l = labels(FLAG_NONE);
    m.sent_bytes.get_or_create(&l).inc_by(sent);
    m.received_bytes.get_or_create(&l).inc_by(received);
    m.closed.get_or_create(&l).inc();
    finish(&proxy, log, started.1);
}

/// Copies until the connection ends or a reload revokes it; returns the bytes sent and
/// received and fills in the log's close reason.
async fn relay(
    (client_stream, upstream_stream): (TcpStream, TcpStream),
    target: &Destination,
    mode: &Mode,
    mut policy_rx: watch::Receiver<Arc<Policy>>,
    proxy: &Proxy,
    log: &mut AccessRecord,
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
    log.close_reason = match end {
        Some(End::Closed) => "closed".into(),
        Some(End::IdleTimeout) => "idle timeout".into(),
        Some(End::Failed(side, e)) => {
            pipe::reset_on_close(&client_stream);
            pipe::reset_on_close(&upstream_stream);
            match side {
                Side::Client => format!("client error: {e}"),
                Side::Upstream => format!("upstream error: {e}"),
            }
        }
        None => {
            proxy.metrics.revoked.inc();
            pipe::reset_on_close(&client_stream);
            pipe::reset_on_close(&upstream_stream);
            "revoked".into()
        }
    };
    drop(client_stream);
    drop(upstream_stream);
    tracing::debug!(target: "meshctl::conn", "→ {}: {}", target.dst, log.close_reason);
    log.bytes_sent = counters.sent.load(Ordering::Relaxed);
    log.bytes_received = counters.received.load(Ordering::Relaxed);
    (log.bytes_sent, log.bytes_received)
}

/// Finds the destination, peeks SNI if needed and decides; `Err` is an undecidable denial.
async fn find_target(
    stream: &TcpStream,
    local: SocketAddr,
    mode: &Mode,
    policy_rx: &watch::Receiver<Arc<Policy>>,
    proxy: &Proxy,
) -> Result<(Destination, Outcome), DenyReason<'static>> {
    let (candidates, port): (Vec<IpAddr>, u16) = match mode {
        Mode::Transparent => match orig_dst::original_dst(stream, local) {
            Ok(dst) => (vec![dst.ip()], dst.port()),
            Err(e) => {
                tracing::debug!(target: "meshctl::conn", "{e}");
                return Err(e.deny_reason());
            }
        },
        Mode::Forward(forward) => {
            let resolved = tokio::time::timeout(
                proxy.options.connect_timeout,
                proxy.resolver.resolve(&forward.host),
            )
            .await;
            match resolved {
                Ok(Ok(ips)) if !ips.is_empty() => (ips.to_vec(), forward.port),
                Ok(Ok(_)) => return Err(unresolved()),
                Ok(Err(e)) => {
                    tracing::warn!(target: "meshctl::conn", "forward target `{}`: {e}", forward.host);
                    return Err(unresolved());
                }
                Err(_) => {
                    tracing::warn!(target: "meshctl::conn", "forward target `{}`: DNS timed out", forward.host);
                    return Err(unresolved());
                }
            }
        }
    };
    let needs_sni = policy_rx.borrow().registry.listener_has_sni(port);
    let (tls, sni) = if needs_sni {
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
    let policy = policy_rx.borrow().clone();
    let mut first = None;
    for ip in candidates {
        let target = Destination {
            dst: SocketAddr::new(ip, port),
            tls,
            sni: sni.clone(),
        };
        let decision = decide(&policy, mode, &target);
        let line = || format!("→ {}: {decision}", target.dst);
        if still_allowed(&decision) {
            tracing::info!(target: "meshctl::conn", "{}", line());
            let outcome = Outcome::of(&decision, target.dst, target.sni.as_deref());
            return Ok((target, outcome));
        }
        if first.is_none() {
            tracing::info!(target: "meshctl::conn", "{}", line());
            let outcome = Outcome::of(&decision, target.dst, target.sni.as_deref());
            first = Some((target, outcome));
        } else {
            tracing::debug!(target: "meshctl::conn", "{}", line());
        }
    }
    first.ok_or_else(unresolved)
}

fn unresolved() -> DenyReason<'static> {
    DenyReason::Undecidable {
        what: "the forward target has no addresses",
    }
}

fn count_decision(proxy: &Proxy, outcome: &Outcome) {
    proxy
        .metrics
        .decisions
        .get_or_create(&DecisionLabels {
            verdict: outcome.verdict.as_str(),
            service_entry: outcome.entry.clone().unwrap_or_default(),
        })
        .inc();
}

/// Closes a denied connection without dialling anything.
fn deny(
    proxy: &Proxy,
    outcome: &Outcome,
    stream: TcpStream,
    mut log: AccessRecord,
    started: Instant,
    reason: &str,
) {
    let labels = TcpLabels::new(&outcome.service, &outcome.namespace, outcome.deny_flags);
    proxy.metrics.opened.get_or_create(&labels).inc();
    proxy.metrics.closed.get_or_create(&labels).inc();
    drop(stream);
    log.response_flags = outcome.deny_flags;
    reason.clone_into(&mut log.close_reason);
    finish(proxy, log, started);
}

fn finish(proxy: &Proxy, mut log: AccessRecord, started: Instant) {
    if let Some(access_log) = &proxy.access_log {
        log.duration_ms = started.elapsed().as_millis();
        access_log.write(&log);
    }
}
