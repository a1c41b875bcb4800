//! What one proxy process is asked to do, as plain typed values: the binary resolves its flags
//! into one [`Settings`] and hands it to [`crate::Proxy`], which needs nothing else. Defaults
//! that belong to the proxy (the limits in [`Options`]) live with the type they fill.

use std::net::SocketAddr;

use meshctl_core::dns::ResolverSettings;
use std::time::Duration;

use crate::access_log::AccessLogTo;
use crate::mode::Mode;
use crate::policy::Source;
use crate::shared::Options;

/// Everything [`crate::Proxy`] assembles a running proxy from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration to enforce, and the workload it is enforced for.
    pub source: Source,
    /// Listen addresses and how connections reach each one. A transparent listener on IPv4
    /// loopback or the unspecified address also gets its IPv6 twin when the host has IPv6.
    pub listeners: Vec<(SocketAddr, Mode)>,
    /// Where the admin server (`/metrics`, `/healthz`, `/ready`, `/config_dump`) listens, if
    /// anywhere.
    pub admin: Option<SocketAddr>,
    /// Per-connection limits and switches.
    pub options: Options,
    /// Connections open at once, over every listener.
    pub max_connections: u32,
    /// Data-plane worker threads (at least one).
    pub workers: usize,
    /// How forward targets, DNS clusters and the drift monitor resolve names (no nameservers:
    /// the system's).
    pub resolver: ResolverSettings,
    /// How often the drift monitor resolves pinned entries' source hosts (`None`: never).
    pub dns_drift_interval: Option<Duration>,
    /// The access log, if one is kept.
    pub access_log: Option<AccessLogTo>,
    /// `--takeover`: join the ports of a proxy already running as the same user, once a
    /// configuration is loaded, instead of failing with "address in use" (see `takeover`).
    pub takeover: bool,
}
