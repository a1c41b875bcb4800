//! How connections reach a listener: redirected by iptables (transparent) or addressed to it
//! (forward). The listener, the connection handler and the settings all read it from here.

/// How connections reach the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Redirected by iptables; the destination comes from `SO_ORIGINAL_DST`.
    Transparent,
    /// Addressed to this listener; every connection goes to the fixed target.
    Forward(ForwardTarget),
}

/// A `--forward` target: a host name or IP, resolved per connection (cached per TTL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    /// Host name or IP literal.
    pub host: String,
    /// Port to dial.
    pub port: u16,
}
