//! A decision made once and reused: for one listener and one policy generation, the engine's
//! answer for a destination does not change, so the connection path keeps, per destination,
//! what it needs from that answer — verdict, log text, dial plan, owned metric labels and the
//! metric handles themselves. The thousandth connection to a database costs a map lookup and
//! atomic increments instead of a decision, a dozen small allocations and five label hashes.
//!
//! This is a cache of `engine::decide`'s output, not a second matcher: a miss (or a new
//! generation, which empties the cache) asks the engine. Connections whose decision depends on
//! more than the destination (TLS, where the SNI decides) are not cached. Revocation on reload
//! still re-decides every open connection with the engine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use prometheus_client::metrics::counter::Counter;

use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::report::{self, PolicyMode};
use crate::traffic::{
    DecisionLabels, FLAG_NO_HEALTHY_UPSTREAM, FLAG_NO_ROUTE, FLAG_NONE, TcpLabels,
};
use crate::upstream::DialPlan;
use meshctl_core::engine::{Chain, Decision, DenyReason, Upstream, Verdict};

/// Destinations remembered per listener; past it the cache starts over (a scan of many
/// addresses must not grow memory without bound).
const MAX_ROUTES: usize = 4096;

/// Everything a connection needs from one decision, owned.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) verdict: Verdict,
    /// Anything but a denial or a cluster with nothing to dial.
    pub(crate) allowed: bool,
    /// `namespace/name` of the ServiceEntry.
    pub(crate) entry: Option<Arc<str>>,
    /// Istio's cluster name, `-` for bypass.
    pub(crate) cluster: Arc<str>,
    /// Where to dial (allowed verdicts only): a weighted route's heaviest destination.
    pub(crate) plan: Option<DialPlan>,
    /// A weighted route's destinations with their weights, one picked per connection as
    /// Envoy's `weighted_clusters` picks (`None`: a cluster the sidecar lacks, or one the proxy
    /// cannot serve: that share of connections is closed); empty for a single destination.
    pub(crate) weighted: Vec<(u32, Option<DialPlan>)>,
    /// Why the proxy refuses what the sidecar would allow (a transport it does not perform).
    pub(crate) refused: Option<Box<str>>,
    /// Response flags for a denial.
    pub(crate) deny_flags: &'static str,
    /// The decision as the connection log prints it.
    pub(crate) said: Box<str>,
    /// Istio's listener and filter chain names (empty for bypass).
    pub(crate) listener: Arc<str>,
    pub(crate) chain: Arc<str>,
    /// The configuration generation that decided.
    pub(crate) generation: u64,
    /// Report mode lets this denial through: the `reason` label it is counted under. The
    /// route then has a plan (the destination itself) but is not `allowed`.
    pub(crate) would_deny: Option<&'static str>,
    /// The destination cluster's `connectionPool.tcp` limits.
    pub(crate) limits: Option<Arc<meshctl_core::engine::ConnectionLimits>>,
    /// `destination_service` label value.
    service: String,
    /// `destination_service_namespace` label value.
    namespace: String,
    decided: OnceLock<Counter>,
    open_close: OnceLock<(Counter, Counter)>,
    bytes: OnceLock<(Counter, Counter)>,
}

/// The TCP metric handles of a route's connections, labelled with its flags (`-` when it
/// dials, its deny flags otherwise).
pub(crate) struct RouteCounters<'r> {
    pub(crate) opened: &'r Counter,
    pub(crate) closed: &'r Counter,
}

/// The byte counters of an established connection.
pub(crate) struct ByteCounters<'r> {
    pub(crate) sent: &'r Counter,
    pub(crate) received: &'r Counter,
}

impl Route {
    /// The route for `decision` on `dst` (`sni` feeds `DYNAMIC_DNS` clusters), made under
    /// `generation` in `mode`.
    pub(crate) fn of(
        decision: &Decision<'_>,
        dst: SocketAddr,
        sni: Option<&str>,
        (generation, mode): (u64, PolicyMode),
    ) -> Route {
        let unknown = || "unknown".to_owned();
        let cluster: Arc<str> = match decision.cluster() {
            "" => Arc::from("-"),
            c => Arc::from(c),
        };
        let refused = match decision {
            Decision::Allow { chain, .. } => unperformable(chain),
            _ => None,
        };
        let (entry, service, namespace, plan) = match decision {
            Decision::Allow {
                entry,
                chain,
                upstream,
                ..
            } => (
                Some(Arc::from(entry.to_string())),
                chain.host.to_string(),
                entry.namespace.to_string(),
                refused.is_none().then(|| DialPlan::of(upstream, sni)),
            ),
            Decision::Passthrough { .. } => (
                None,
                cluster.to_string(),
                unknown(),
                Some(DialPlan::Addrs(vec![dst])),
            ),
            Decision::Bypass { .. } => {
                (None, unknown(), unknown(), Some(DialPlan::Addrs(vec![dst])))
            }
            Decision::Deny { .. } => (None, cluster.to_string(), unknown(), None),
        };
        let would_deny = report::reportable(decision).filter(|_| mode == PolicyMode::Report);
        // Let through as Istio's PassthroughCluster passes unmatched traffic: to the
        // destination itself, counted under that cluster's name.
        let (service, plan) = match would_deny {
            Some(_) => (
                report::PASSTHROUGH_CLUSTER.to_owned(),
                Some(DialPlan::Addrs(vec![dst])),
            ),
            None => (service, plan),
        };
        let deny_flags = match decision {
            Decision::Deny {
                reason: DenyReason::Undecidable { .. },
                ..
            } => FLAG_NO_ROUTE,
            _ => FLAG_NO_HEALTHY_UPSTREAM,
        };
        let weighted = match decision {
            Decision::Allow { chain, .. } if would_deny.is_none() && refused.is_none() => {
                weighted_plans(chain, dst, sni)
            }
            _ => Vec::new(),
        };
        let said = match &refused {
            Some(why) => format!("{decision}; meshctl proxy refuses it: {why}"),
            None => decision.to_string(),
        };
        let limits = match decision {
            Decision::Allow { chain, .. } if would_deny.is_none() => chain.limits.clone(),
            _ => None,
        };
        Route {
            verdict: decision.verdict(),
            allowed: still_allowed(decision) && refused.is_none(),
            entry,
            cluster,
            plan,
            deny_flags,
            said: said.into_boxed_str(),
            weighted,
            refused: refused.map(String::into_boxed_str),
            listener: Arc::from(decision.listener()),
            chain: Arc::from(decision.chain()),
            generation,
            would_deny,
            limits,
            service,
            namespace,
            decided: OnceLock::new(),
            open_close: OnceLock::new(),
            bytes: OnceLock::new(),
        }
    }

    /// The TCP metric labels of this route's connections with `flags`.
    pub(crate) fn labels(&self, flags: &'static str) -> TcpLabels {
        TcpLabels::new(&self.service, &self.namespace, flags)
    }

    /// Counts one decision in `meshctl_proxy_decisions_total`.
    pub(crate) fn count_decision(&self, metrics: &Metrics) {
        self.decided
            .get_or_init(|| {
                let labels = DecisionLabels {
                    verdict: self.verdict.as_str(),
                    service_entry: self.entry.as_deref().unwrap_or_default().to_owned(),
                };
                metrics.traffic.decisions(&labels)
            })
            .inc();
    }

    /// Opened/closed counters: flags `-` for a route that dials, its deny flags otherwise.
    pub(crate) fn counters(&self, metrics: &Metrics) -> RouteCounters<'_> {
        let (opened, closed) = self
            .open_close
            .get_or_init(|| metrics.traffic.opened_closed(&self.labels(self.flags())));
        RouteCounters { opened, closed }
    }

    /// Byte counters (flags `-`), created by the first connection that got through.
    pub(crate) fn bytes(&self, metrics: &Metrics) -> ByteCounters<'_> {
        let (sent, received) = self
            .bytes
            .get_or_init(|| metrics.traffic.bytes(&self.labels(FLAG_NONE)));
        ByteCounters { sent, received }
    }

    fn flags(&self) -> &'static str {
        if self.plan.is_some() {
            FLAG_NONE
        } else {
            self.deny_flags
        }
    }
}

/// Still allowed under a policy: anything but a denial or a cluster with nothing to dial.
pub(crate) fn still_allowed(decision: &Decision<'_>) -> bool {
    match decision {
        Decision::Deny { .. }
        | Decision::Allow {
            upstream: Upstream::NoUpstream,
            ..
        } => false,
        Decision::Allow { chain, .. } => unperformable(chain).is_none(),
        _ => true,
    }
}

/// Why the proxy, which forwards a connection's bytes as they are, cannot do what the sidecar
/// would on `chain`: originate TLS (a DestinationRule's `SIMPLE`, `MUTUAL` or `ISTIO_MUTUAL`) or
/// tunnel through a forward proxy. Forwarding plaintext instead would quietly downgrade what the
/// mesh promises, so such a connection is refused and the reason logged (fail closed).
pub(crate) fn unperformable(chain: &Chain) -> Option<String> {
    if chain.transport.originates_tls() {
        return Some(format!(
            "cluster {} needs {}, which meshctl proxy does not originate",
            chain.cluster,
            chain.transport.describe()
        ));
    }
    chain.tunnel.as_ref().map(|tunnel| {
        format!(
            "cluster {} tunnels with {} {}, which meshctl proxy does not do",
            chain.cluster, tunnel.protocol, tunnel.authority
        )
    })
}

/// The dial plans of a weighted route's destinations with a weight; empty when the route has
/// one destination (the chain's plan is then the whole story). A destination the sidecar lacks
/// or the proxy cannot serve (TLS origination) has no plan.
fn weighted_plans(
    chain: &Chain,
    dst: SocketAddr,
    sni: Option<&str>,
) -> Vec<(u32, Option<DialPlan>)> {
    let Some(route) = chain.route.as_ref().filter(|r| r.destinations.len() > 1) else {
        return Vec::new();
    };
    route
        .destinations
        .iter()
        .filter(|d| d.weight > 0)
        .map(|d| {
            let served = d.exists && !d.transport.originates_tls();
            let plan = served.then(|| {
                let upstream = meshctl_core::engine::upstream_of(&d.upstream, dst.ip(), dst.port());
                DialPlan::of(&upstream, sni)
            });
            (d.weight, plan)
        })
        .collect()
}

impl Route {
    /// The plan for connection `id`: a weighted route's destination drawn by weight (a hash of
    /// the connection id, so spread like Envoy's random pick without a random source), else the
    /// route's one plan.
    pub(crate) fn plan_for(&self, id: u64) -> Option<&DialPlan> {
        let total: u64 = self.weighted.iter().map(|(w, _)| u64::from(*w)).sum();
        if total == 0 {
            return self.plan.as_ref();
        }
        let mut point = splitmix64(id) % total;
        for (weight, plan) in &self.weighted {
            let weight = u64::from(*weight);
            if point < weight {
                return plan.as_ref();
            }
            point -= weight;
        }
        self.plan.as_ref()
    }
}

/// A well-mixed 64-bit hash (Steele, Lea and Flood's SplitMix64 finalizer).
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One listener's routes for the policy generation they were decided on.
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    inner: Mutex<Routes>,
}

#[derive(Debug, Default)]
struct Routes {
    policy: Option<Arc<Policy>>,
    by_destination: HashMap<SocketAddr, Arc<Route>>,
}

impl RouteCache {
    /// The route to `dst` under `policy`, deciding with `decide` on a miss.
    pub(crate) fn get_or_decide(
        &self,
        policy: &Arc<Policy>,
        dst: SocketAddr,
        decide: impl FnOnce() -> Route,
    ) -> Arc<Route> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still sound.
        let mut routes = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !routes
            .policy
            .as_ref()
            .is_some_and(|held| Arc::ptr_eq(held, policy))
        {
            routes.by_destination.clear();
            routes.policy = Some(policy.clone());
        }
        if let Some(route) = routes.by_destination.get(&dst) {
            return route.clone();
        }
        let route = Arc::new(decide());
        if routes.by_destination.len() >= MAX_ROUTES {
            routes.by_destination.clear();
        }
        routes.by_destination.insert(dst, route.clone());
        route
    }
}
