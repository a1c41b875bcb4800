//! Turning an allowed decision into a connected upstream socket, the way Istio's cluster would (its
//! type per resolution: istio/istio pilot/pkg/networking/core/cluster.go `convertResolution`):
//! `NONE` dials the original destination (with `targetPort`), `DNS` resolves the entry's endpoints
//! and tries each address, `DNS_ROUND_ROBIN` (Envoy's `LOGICAL_DNS`) dials the first address only,
//! `STATIC` tries its endpoints, `DYNAMIC_DNS` resolves the SNI. A cluster without endpoints has
//! nothing to dial (`UH`).
//!
//! Names go through [`Resolver`], a TTL-respecting cache over `dns::lookup` (the same resolver
//! as `meshctl resolve`), also used for `--forward` targets. The whole dial — lookups
//! included — runs under `--connect-timeout`.

mod connect;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use meshctl_core::dns::{self, DnsError, ResolverSettings};
use meshctl_core::engine::{Endpoint, Upstream};

/// How long an answer without a TTL (hosts file) is reused.
const NO_TTL_CACHE: Duration = Duration::from_secs(5);

/// Lower-cased name → (expiry, addresses).
type Cache = HashMap<String, (Instant, Arc<[IpAddr]>)>;

/// A DNS cache whose entries live as long as their TTL says.
#[derive(Debug)]
pub struct Resolver {
    settings: ResolverSettings,
    cache: Mutex<Cache>,
}

impl Resolver {
    /// A resolver asking as `settings` says.
    #[must_use]
    pub fn new(settings: ResolverSettings) -> Self {
        Self {
            settings,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The addresses of `name` (an IP literal answers itself), from the cache while fresh.
    pub async fn resolve(&self, name: &str) -> Result<Arc<[IpAddr]>, DnsError> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(Arc::from([ip]));
        }
        let key = name.to_ascii_lowercase();
        if let Ok(cache) = self.cache.lock()
            && let Some((expires, addrs)) = cache.get(&key)
            && *expires > Instant::now()
        {
            return Ok(addrs.clone());
        }
        let lookup = dns::lookup(name, &self.settings).await?;
        let addrs: Arc<[IpAddr]> = lookup.addresses.iter().map(|a| a.ip).collect();
        let ttl = lookup
            .min_ttl
            .map_or(NO_TTL_CACHE, |s| Duration::from_secs(u64::from(s)));
        if !ttl.is_zero()
            && let Ok(mut cache) = self.cache.lock()
        {
            cache.insert(key, (Instant::now() + ttl, addrs.clone()));
        }
        Ok(addrs)
    }
}

/// Where to dial, owned so the registry it came from can be released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DialPlan {
    /// These addresses, in order.
    Addrs(Vec<SocketAddr>),
    /// Resolve these names (or IPs); with `first_only`, dial only the first address found.
    Names {
        /// Names and ports.
        endpoints: Vec<(Arc<str>, u16)>,
        /// `DNS_ROUND_ROBIN`.
        first_only: bool,
    },
    /// The cluster has no endpoint to dial.
    Nothing(&'static str),
}

impl DialPlan {
    /// The plan for an allowed decision; `sni` feeds `DYNAMIC_DNS` clusters.
    #[must_use]
    pub(crate) fn of(upstream: &Upstream<'_>, sni: Option<&str>) -> DialPlan {
        let names = |endpoints: &[Endpoint], first_only| DialPlan::Names {
            endpoints: endpoints
                .iter()
                .map(|e| (e.address.clone(), e.port))
                .collect(),
            first_only,
        };
        match upstream {
            Upstream::OriginalDst(addr) => DialPlan::Addrs(vec![*addr]),
            Upstream::Resolve {
                endpoints,
                round_robin,
            } => names(endpoints, *round_robin),
            Upstream::ServiceEndpoints([]) => DialPlan::Nothing(
                "a Kubernetes Service whose endpoints the configuration does not hold",
            ),
            Upstream::Static(endpoints) | Upstream::ServiceEndpoints(endpoints) => DialPlan::Addrs(
                endpoints
                    .iter()
                    .filter_map(|e| {
                        let ip = e.address.parse::<IpAddr>().ok()?;
                        Some(SocketAddr::new(ip, e.port))
                    })
                    .collect(),
            ),
            Upstream::NoUpstream => DialPlan::Nothing("the cluster has no endpoints"),
            Upstream::FromSni { port } => match sni {
                Some(name) => DialPlan::Names {
                    endpoints: vec![(Arc::from(name), *port)],
                    first_only: false,
                },
                None => DialPlan::Nothing("DYNAMIC_DNS cluster and the client sent no SNI"),
            },
        }
    }
}

/// Why no upstream connection was made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DialError {
    /// Nothing to dial: no endpoints, or the names resolved to nothing (`UH`).
    #[error("no upstream: {0}")]
    NoUpstream(String),
    /// Every address refused or failed (`UF`).
    #[error("upstream connect to {addr} failed: {source}")]
    Failed {
        /// The last address tried.
        addr: SocketAddr,
        /// Its error.
        source: io::Error,
    },
    /// `--connect-timeout` passed (`UF`).
    #[error("upstream connect timed out after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
}

/// Dials the plan under `timeout`, returning the socket and the address it reached.
pub(crate) async fn dial(
    plan: &DialPlan,
    resolver: &Resolver,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), DialError> {
    tokio::time::timeout(timeout, dial_inner(plan, resolver))
        .await
        .unwrap_or(Err(DialError::Timeout(timeout)))
}

async fn dial_inner(
    plan: &DialPlan,
    resolver: &Resolver,
) -> Result<(TcpStream, SocketAddr), DialError> {
    let addrs = match plan {
        DialPlan::Nothing(why) => return Err(DialError::NoUpstream((*why).to_owned())),
        DialPlan::Addrs(addrs) => return connect_first(addrs).await,
        DialPlan::Names {
            endpoints,
            first_only,
        } => {
            let mut addrs = Vec::new();
            let mut last_error = None;
            for (name, port) in endpoints {
                match resolver.resolve(name).await {
                    Ok(ips) => addrs.extend(ips.iter().map(|ip| SocketAddr::new(*ip, *port))),
                    Err(e) => last_error = Some(e),
                }
            }
            if *first_only {
                addrs.truncate(1);
            }
            if addrs.is_empty() {
                let why = last_error.map_or_else(|| "no addresses".to_owned(), |e| e.to_string());
                return Err(DialError::NoUpstream(why));
            }
            addrs
        }
    };
    connect_first(&addrs).await
}

/// Connects to the first address that accepts, trying them in order.
pub(crate) async fn connect_first(
    addrs: &[SocketAddr],
) -> Result<(TcpStream, SocketAddr), DialError> {
    let mut failure = None;
    for addr in addrs {
        match connect::connect(*addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok((stream, *addr));
            }
            Err(source) => {
                failure = Some(DialError::Failed {
                    addr: *addr,
                    source,
                });
            }
        }
    }
    Err(failure.unwrap_or_else(|| DialError::NoUpstream("no addresses".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_reads_as_a_duration() {
        let e = DialError::Timeout(Duration::from_millis(1500));
        assert_eq!(e.to_string(), "upstream connect timed out after 1s 500ms");
    }

    #[test]
    fn plans() {
        let ep = |a: &str, p| Endpoint {
            address: Arc::from(a),
            port: p,
        };
        let addr: SocketAddr = "203.0.113.7:3306".parse().expect("addr");
        assert_eq!(
            DialPlan::of(&Upstream::OriginalDst(addr), None),
            DialPlan::Addrs(vec![addr])
        );
        let statics = [ep("203.0.113.7", 3306), ep("db.example.com", 1)];
        assert_eq!(
            DialPlan::of(&Upstream::Static(&statics), None),
            DialPlan::Addrs(vec![addr])
        );
        let names = [ep("db.example.com", 3307)];
        assert_eq!(
            DialPlan::of(
                &Upstream::Resolve {
                    endpoints: &names,
                    round_robin: true
                },
                None
            ),
            DialPlan::Names {
                endpoints: vec![(Arc::from("db.example.com"), 3307)],
                first_only: true
            }
        );
        assert!(matches!(
            DialPlan::of(&Upstream::FromSni { port: 443 }, None),
            DialPlan::Nothing(_)
        ));
        assert!(matches!(
            DialPlan::of(&Upstream::NoUpstream, None),
            DialPlan::Nothing(_)
        ));
    }

    #[tokio::test]
    async fn ip_literals_resolve_without_dns() {
        let resolver = Resolver::new(ResolverSettings::default());
        let ips = resolver.resolve("192.0.2.1").await.expect("literal");
        assert_eq!(&*ips, &["192.0.2.1".parse::<IpAddr>().expect("ip")]);
    }
}
