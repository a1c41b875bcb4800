//! Where a redirected connection was going (transparent mode, as Envoy's `use_original_dst` in
//! envoyproxy/envoy api/envoy/config/listener/v3/listener.proto reads it): the kernel keeps the
//! pre-REDIRECT destination in conntrack and hands it back through `SO_ORIGINAL_DST` (IPv4) or
//! `IP6T_SO_ORIGINAL_DST` (IPv6). socket2 wraps both getsockopts safely, so there is no `unsafe`
//! here; reading them needs no privilege.
//!
//! This module also owns the loop guard for connections that were *not* redirected: a client that
//! dials the listener directly gets either an error (no conntrack entry) or the listener's own
//! address back, and neither may be forwarded — that would connect the proxy to itself. Envoy
//! black-holes the same case on `virtualOutbound` (istio/istio
//! pilot/pkg/networking/core/listener_builder.go `blackholeFilterChain`). The engine's own loop
//! guard (ports 15001/15006) still runs afterwards on the address returned here.

use std::io;
use std::net::SocketAddr;

use socket2::SockRef;
use tokio::net::TcpStream;

use meshctl_core::engine::DenyReason;

/// Why a transparent-mode connection has no usable original destination.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotRedirected {
    /// The getsockopt failed: no NAT entry, so iptables did not redirect this connection.
    #[error("no original destination (not redirected by iptables): {0}")]
    Unavailable(String),
    /// The original destination is the proxy's own listener: a direct connection.
    #[error("original destination {0} is the proxy's own listener (not redirected)")]
    Listener(SocketAddr),
}

impl NotRedirected {
    /// The engine's denial for it: a direct connection to the listener is the `virtualOutbound`
    /// loop guard; a missing original destination cannot be decided (fail closed).
    #[must_use]
    pub(crate) fn deny_reason(&self) -> DenyReason<'static> {
        match self {
            NotRedirected::Listener(dst) => DenyReason::LoopGuard { port: dst.port() },
            NotRedirected::Unavailable(_) => DenyReason::Undecidable {
                what: "no original destination: the connection was not redirected by iptables",
            },
        }
    }
}

/// Reads the original destination of an accepted connection, IPv4 or IPv6 after its family.
pub(crate) fn original_dst(
    stream: &TcpStream,
    local: SocketAddr,
) -> Result<SocketAddr, NotRedirected> {
    let sock = SockRef::from(stream);
    let raw = if local.is_ipv4() {
        sock.original_dst_v4()
    } else {
        sock.original_dst_v6()
    };
    classify(
        raw.and_then(|addr| {
            addr.as_socket()
                .ok_or_else(|| io::Error::other("not an IP socket address"))
        }),
        local,
    )
}

/// The pure half of [`original_dst`]: turns the getsockopt result into a destination or the
/// reason it is unusable.
pub(crate) fn classify(
    raw: io::Result<SocketAddr>,
    local: SocketAddr,
) -> Result<SocketAddr, NotRedirected> {
    let dst = raw.map_err(|e| NotRedirected::Unavailable(e.to_string()))?;
    let dst = SocketAddr::new(dst.ip().to_canonical(), dst.port());
    let own = SocketAddr::new(local.ip().to_canonical(), local.port());
    // A listener on the unspecified address is reached at any local IP on its port.
    let same_ip = dst.ip() == own.ip() || own.ip().is_unspecified();
    if same_ip && dst.port() == own.port() {
        return Err(NotRedirected::Listener(dst));
    }
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn classify_cases() {
        struct Case {
            name: &'static str,
            raw: io::Result<SocketAddr>,
            local: &'static str,
            want: Result<SocketAddr, NotRedirected>,
        }
        let cases = [
            Case {
                name: "redirected",
                raw: Ok(addr("203.0.113.7:3306")),
                local: "127.0.0.1:15001",
                want: Ok(addr("203.0.113.7:3306")),
            },
            Case {
                name: "mapped IPv4 becomes IPv4",
                raw: Ok(addr("[::ffff:203.0.113.7]:3306")),
                local: "[::1]:15001",
                want: Ok(addr("203.0.113.7:3306")),
            },
            Case {
                name: "IPv6 destination",
                raw: Ok(addr("[2001:db8::7]:5432")),
                local: "[::1]:15001",
                want: Ok(addr("[2001:db8::7]:5432")),
            },
            Case {
                name: "direct connection to the listener",
                raw: Ok(addr("127.0.0.1:15001")),
                local: "127.0.0.1:15001",
                want: Err(NotRedirected::Listener(addr("127.0.0.1:15001"))),
            },
            Case {
                name: "direct connection to a wildcard listener",
                raw: Ok(addr("192.0.2.10:15001")),
                local: "0.0.0.0:15001",
                want: Err(NotRedirected::Listener(addr("192.0.2.10:15001"))),
            },
            Case {
                name: "same IP, other port is a real destination",
                raw: Ok(addr("127.0.0.1:5432")),
                local: "127.0.0.1:15001",
                want: Ok(addr("127.0.0.1:5432")),
            },
            Case {
                name: "no conntrack entry",
                raw: Err(io::Error::from(io::ErrorKind::NotFound)),
                local: "127.0.0.1:15001",
                want: Err(NotRedirected::Unavailable("entity not found".into())),
            },
        ];
        for c in cases {
            assert_eq!(classify(c.raw, addr(c.local)), c.want, "{}", c.name);
        }
    }

    #[test]
    fn unusable_destinations_are_denied_with_the_engine_names() {
        use meshctl_core::engine::{BLACKHOLE_CHAIN, Decision, VIRTUAL_OUTBOUND};
        let deny = |e: NotRedirected| {
            Decision::Deny {
                listener: VIRTUAL_OUTBOUND,
                chain: BLACKHOLE_CHAIN,
                reason: e.deny_reason(),
            }
            .to_string()
        };
        assert_eq!(
            deny(NotRedirected::Listener(addr("127.0.0.1:15001"))),
            "DENY (loop guard: port 15001 is the sidecar's own capture port): listener virtualOutbound → chain virtualOutbound-blackhole → cluster BlackHoleCluster"
        );
        assert_eq!(
            deny(NotRedirected::Unavailable("entity not found".into())),
            "DENY (undecidable: no original destination: the connection was not redirected by iptables)"
        );
    }

    #[tokio::test]
    async fn a_direct_connection_is_not_redirected() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let local = listener.local_addr().expect("addr");
        let _client = TcpStream::connect(local).await.expect("connect");
        let (stream, _) = listener.accept().await.expect("accept");
        // Without iptables the getsockopt fails (no NAT entry) or, with conntrack loaded,
        // returns the listener itself: both are refused.
        assert!(original_dst(&stream, local).is_err());
    }
}
