//! How a lookup reaches DNS: the nameservers, the transport and the time allowed. The commands
//! resolve their flags into one [`ResolverSettings`]; [`crate::dns::lookup`] reads it.

use std::net::SocketAddr;
use std::time::Duration;

/// How a lookup reaches DNS: which nameservers, which transport, how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// Nameservers to query directly (like `dig @server`). Empty means "use the
    /// system configuration": `/etc/hosts` first, then `/etc/resolv.conf`.
    pub nameservers: Vec<SocketAddr>,
    /// Query over TCP instead of UDP.
    pub tcp: bool,
    /// Time allowed for one query (one attempt per server, no retries).
    pub timeout: Duration,
}

impl Default for ResolverSettings {
    /// No explicit nameservers (system configuration), UDP, 5 second timeout.
    fn default() -> Self {
        Self {
            nameservers: Vec::new(),
            tcp: false,
            timeout: Duration::from_secs(5),
        }
    }
}
