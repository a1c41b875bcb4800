//! The state every listener and worker of one proxy process shares: the per-connection limits,
//! the connection semaphore, the metrics, the resolver, the access log and the pipe pool.
//! [`crate::app`] builds it once; `listener` and `conn` only read it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::access_log::AccessLog;
use crate::metrics::Metrics;
use crate::splice;
use crate::upstream::Resolver;

/// Per-connection limits and switches.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--connect-timeout`: the whole upstream dial, DNS included.
    pub connect_timeout: Duration,
    /// `--idle-timeout`: no byte either way for this long closes the connection.
    pub idle_timeout: Duration,
    /// `--drain-timeout`: how long established connections may finish after shutdown.
    pub drain_timeout: Duration,
    /// `--sni-timeout`: how long to wait for a `ClientHello` on SNI ports.
    pub sni_timeout: Duration,
    /// `--keep-established`: do not revoke established connections on reload.
    pub keep_established: bool,
    /// `--max-pipes`: pipes open at once for zero-copy forwarding (0: always copy).
    pub max_pipes: usize,
    /// `--policy-mode`: enforce denials, or only report them (`report`).
    pub policy_mode: crate::report::PolicyMode,
}

impl Default for Options {
    /// The CLI defaults.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(3600),
            drain_timeout: Duration::from_secs(10),
            sni_timeout: Duration::from_secs(1),
            keep_established: false,
            max_pipes: splice::DEFAULT_MAX_PIPES,
            policy_mode: crate::report::PolicyMode::Enforce,
        }
    }
}

/// What every listener of one proxy process shares.
#[derive(Debug)]
pub struct Shared {
    /// Limits and switches.
    pub(crate) options: Options,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// DNS for forward targets and DNS clusters.
    pub(crate) resolver: Resolver,
    /// The access log, if enabled.
    pub(crate) access_log: Option<AccessLog>,
    /// `--max-connections`, shared by all listeners.
    pub(crate) limit: Arc<Semaphore>,
    /// Pipes for zero-copy forwarding, leased while bytes flow.
    pub pipes: splice::PipePool,
    /// Open connections of the clusters whose DestinationRule limits them.
    pub(crate) pools: crate::pool::Pools,
}

impl Shared {
    /// A proxy with these options and at most `max_connections` open connections.
    #[must_use]
    pub fn new(
        options: Options,
        max_connections: usize,
        resolver: Resolver,
        access_log: Option<AccessLog>,
    ) -> Self {
        Self {
            pipes: splice::PipePool::new(options.max_pipes),
            options,
            metrics: Arc::new(Metrics::default()),
            resolver,
            access_log,
            limit: Arc::new(Semaphore::new(max_connections.max(1))),
            pools: crate::pool::Pools::default(),
        }
    }
}
