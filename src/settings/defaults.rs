//! The defaults a flag cannot carry by itself, each written once: read by `cli` (what `--help`
//! shows) and by the settings that compare with or fall back to them. This module imports
//! nothing of the crate, so `cli` may name it without an arrow pointing back.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// `--timeout`'s default, as clap shows and parses it; `check` lets `[dns] timeout` in
/// `meshctl.toml` apply while the flag is left at it.
pub(crate) const DNS_TIMEOUT: &str = "5s";

/// The transparent proxy's port (Istio's outbound capture port), shared by `proxy --listen`'s
/// fallback and `proxy iptables --proxy-port`.
pub(crate) const TRANSPARENT_PORT: u16 = 15001;

/// The transparent listener when neither `--listen` nor `--forward` is given.
pub(crate) const TRANSPARENT_LISTEN: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), TRANSPARENT_PORT);

/// The port `gen serviceentry` uses when nothing names one: MySQL's, as in the blog.
pub(crate) const GEN_PORT: u16 = 3306;
