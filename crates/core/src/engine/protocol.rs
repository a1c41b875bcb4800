//! Port protocols as the sidecar's listener builder classifies them (istio/istio
//! pilot/pkg/networking/networking.go `ModelProtocolToListenerProtocol`, over
//! pkg/config/protocol/instance.go).
//!
//! A `ServiceEntry` port's protocol decides three things the engine needs: whether the port gets a
//! listener at all (UDP does not), where that listener binds (HTTP-class ports always bind the
//! wildcard address) and whether its filter chains match on SNI (TLS-class ports on wildcard or
//! CIDR listeners). This file owns only that classification; building listeners is in `build`.

use std::fmt;

/// A `ServiceEntry` port protocol, parsed case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `TCP`.
    Tcp,
    /// `TLS` (pass-through, matched by SNI on wildcard listeners).
    Tls,
    /// `HTTPS` (pass-through like TLS at the sidecar).
    Https,
    /// `MONGO`.
    Mongo,
    /// `MYSQL`.
    Mysql,
    /// `REDIS`.
    Redis,
    /// `HTTP`, `HTTP2`, `GRPC`, `GRPC-WEB` or `HTTP_PROXY`: routed by Host header.
    Http,
    /// `UDP`: never captured by the sidecar, so no listener.
    Udp,
    /// Empty or unknown: the sidecar sniffs the first client bytes.
    Auto,
}

/// How a listener treats the bytes of a connection, including what merging services turns it
/// into (istio/istio pilot/pkg/networking/core/listener.go `buildSidecarOutboundListener`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenerProtocol {
    /// Filter chains chosen by destination IP and SNI only.
    Tcp,
    /// An HTTP connection manager routing by Host header.
    Http,
    /// HTTP inspector in front: HTTP bytes go to the HTTP chain, anything else to the TCP chains.
    Auto,
}

impl Protocol {
    /// Parses a `spec.ports[].protocol` value; empty and unknown values mean `Auto`, as in
    /// Istio, where an unknown value is rejected at admission and otherwise sniffed.
    #[must_use]
    pub fn parse(value: Option<&str>) -> Protocol {
        let Some(value) = value else {
            return Protocol::Auto;
        };
        let value = value.trim();
        let is = |name: &str| value.eq_ignore_ascii_case(name);
        if is("TCP") {
            Protocol::Tcp
        } else if is("TLS") {
            Protocol::Tls
        } else if is("HTTPS") {
            Protocol::Https
        } else if is("MONGO") {
            Protocol::Mongo
        } else if is("MYSQL") {
            Protocol::Mysql
        } else if is("REDIS") {
            Protocol::Redis
        } else if ["HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY"]
            .iter()
            .any(|name| is(name))
        {
            Protocol::Http
        } else if is("UDP") {
            Protocol::Udp
        } else {
            Protocol::Auto
        }
    }

    /// The listener behaviour this protocol asks for; `None` for UDP (no listener).
    #[must_use]
    pub fn listener(self) -> Option<ListenerProtocol> {
        match self {
            Protocol::Tcp
            | Protocol::Tls
            | Protocol::Https
            | Protocol::Mongo
            | Protocol::Mysql
            | Protocol::Redis => Some(ListenerProtocol::Tcp),
            Protocol::Http => Some(ListenerProtocol::Http),
            Protocol::Auto => Some(ListenerProtocol::Auto),
            Protocol::Udp => None,
        }
    }

    /// True for the TLS sub-class (TLS, HTTPS), whose chains carry SNI server names.
    #[must_use]
    pub fn is_tls(self) -> bool {
        matches!(self, Protocol::Tls | Protocol::Https)
    }

    /// True when adding `incoming` to a listener created for `existing` is refused outright:
    /// one side is MONGO or MYSQL and the protocols differ (istio/istio
    /// pilot/pkg/networking/core/listener.go `isConflictWithWellKnownPort`).
    #[must_use]
    pub fn conflicts_on_well_known_port(existing: Protocol, incoming: Protocol) -> bool {
        let special = |p| matches!(p, Protocol::Mongo | Protocol::Mysql);
        existing != incoming && (special(existing) || special(incoming))
    }

    /// The spelling used in messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Https => "HTTPS",
            Protocol::Mongo => "MONGO",
            Protocol::Mysql => "MYSQL",
            Protocol::Redis => "REDIS",
            Protocol::Http => "HTTP",
            Protocol::Udp => "UDP",
            Protocol::Auto => "auto (unset)",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ListenerProtocol {
    /// The listener protocol after a service of class `incoming` joins one of class `self`.
    /// Mixing HTTP and TCP yields a sniffed (`Auto`) listener; like joins like.
    #[must_use]
    pub fn merge(self, incoming: ListenerProtocol) -> ListenerProtocol {
        if self == incoming {
            self
        } else {
            ListenerProtocol::Auto
        }
    }

    /// Lower-case name for traces and views.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerProtocol::Tcp => "tcp",
            ListenerProtocol::Http => "http",
            ListenerProtocol::Auto => "auto (sniffed)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_classifies() {
        let cases = [
            (Some("tcp"), Protocol::Tcp, Some(ListenerProtocol::Tcp)),
            (Some("HTTPS"), Protocol::Https, Some(ListenerProtocol::Tcp)),
            (
                Some("grpc-web"),
                Protocol::Http,
                Some(ListenerProtocol::Http),
            ),
            (Some("Udp"), Protocol::Udp, None),
            (None, Protocol::Auto, Some(ListenerProtocol::Auto)),
            (Some(""), Protocol::Auto, Some(ListenerProtocol::Auto)),
            (Some("SMTP"), Protocol::Auto, Some(ListenerProtocol::Auto)),
        ];
        for (raw, want, class) in cases {
            assert_eq!(Protocol::parse(raw), want, "{raw:?}");
            assert_eq!(want.listener(), class, "{raw:?}");
        }
    }

    #[test]
    fn well_known_conflicts_need_mongo_or_mysql_and_a_difference() {
        use Protocol::{Mongo, Mysql, Tcp, Tls};
        assert!(Protocol::conflicts_on_well_known_port(Mongo, Mysql));
        assert!(Protocol::conflicts_on_well_known_port(Tcp, Mysql));
        assert!(!Protocol::conflicts_on_well_known_port(Mysql, Mysql));
        assert!(!Protocol::conflicts_on_well_known_port(Tcp, Tls));
    }
}
