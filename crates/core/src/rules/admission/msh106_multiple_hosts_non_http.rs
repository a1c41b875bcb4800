//! # MSH106 multiple-hosts-non-http
//!
//! ## What it does
//! Flags an entry with more than one host, a resolution other than NONE, and at least one port whose
//! protocol is neither HTTP-like (HTTP, HTTP2, GRPC, GRPC-Web) nor TLS-like (TLS, HTTPS): TCP, MONGO,
//! MYSQL, REDIS, or no protocol at all.
//!
//! ## Why it matters
//! Istio's webhook rejects it with `multiple hosts provided with non-HTTP, non-TLS ports`. With DNS or
//! STATIC resolution every host becomes its own upstream cluster, but a plain TCP connection carries no
//! Host header and no SNI, so the sidecar would have no way to choose between them. The usual
//! trigger is one entry listing several database replicas or MongoDB shards.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-replicas
//! spec:
//!   hosts:
//!   - db-a.example.com
//!   - db-b.example.com
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                        # one entry per host, each pinned to its own address
//!   hosts:
//!   - db-a.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   resolution: NONE
//! ```
//! Write a second entry for `db-b.example.com`; `meshctl gen serviceentry` produces each one.

use crate::engine::Protocol;
use crate::load::Inputs;
use crate::model::Resolution;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH106 multiple-hosts-non-http: several hosts, a resolution other than NONE, and a port that
/// is neither HTTP nor TLS (an unset protocol counts). The webhook rejects it because such a port
/// cannot tell the hosts apart; with NONE the hosts do not route, so it is accepted.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.",
};

/// Reports entries the webhook rejects for listing several hosts on a plain port.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        let spec = &se.resource.spec;
        if spec.resolution() == Resolution::None || spec.hosts.len() <= 1 {
            continue;
        }
        let plain = spec.ports.iter().any(|p| {
            let protocol = Protocol::parse(p.protocol.as_deref());
            !protocol.is_tls() && protocol != Protocol::Http
        });
        if plain {
            out.at(
                se,
                "spec.hosts",
                "multiple hosts provided with non-HTTP, non-TLS ports",
            )
            .help("write one ServiceEntry per host");
        }
    }
}
