//! # MSH104 invalid-port
//!
//! ## What it does
//! Flags a port Istio's webhook rejects: `number` or `targetPort` outside 1-65535, two ports sharing a
//! number or a name, a name that is not a DNS-1123 label, or a `protocol` other than HTTP, HTTPS, GRPC,
//! GRPC-Web, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS or UDP (case does not matter).
//!
//! ## Why it matters
//! The apply fails with Istio's message, for example `unsupported protocol: FTP` or `invalid port name:
//! MySQL_Port`. The protocol decides which kind of listener the sidecar builds (HTTP routing, SNI
//! matching, or an opaque byte stream), so Istio refuses values it cannot map. A protocol Istio does
//! not model, such as FTP, travels as an opaque stream with `TCP`.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: ftp-external
//! spec:
//!   hosts:
//!   - ftp.example.com
//!   addresses:
//!   - 198.51.100.21/32
//!   ports:
//!   - name: ftp
//!     number: 21
//!     protocol: FTP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   ports:
//!   - name: ftp
//!     number: 21
//!     protocol: TCP
//! ```
//! FTP also opens data connections on other ports; declare those too, or they stay unmatched.

use crate::engine::Protocol;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};

use super::host;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH104 invalid-port: a port out of range or duplicated (the CRD rejects those), a port name
/// that is not a DNS-1123 label, or a protocol Istio does not know.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A port out of range, duplicated, badly named or with an unknown protocol.",
};

/// Reports the CRD's port rejections and the webhook's port name and protocol checks.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::InvalidPort),
        out,
    );
    for se in &inputs.service_entries {
        for (i, port) in se.resource.spec.ports.iter().enumerate() {
            if !host::is_dns_label(&port.name) {
                out.at(
                    se,
                    &format!("spec.ports[{i}].name"),
                    format!("invalid port name: {}", port.name),
                )
                .help("port names are DNS labels: lower-case letters, digits and `-`, e.g. `tcp` or `tcp-mysql`");
            }
            if let Some(protocol) = port.protocol.as_deref().filter(|p| !p.is_empty())
                && Protocol::parse(Some(protocol)) == Protocol::Auto
            {
                out.at(
                    se,
                    &format!("spec.ports[{i}].protocol"),
                    format!("unsupported protocol: {protocol}"),
                )
                .help("use one of HTTP, HTTPS, GRPC, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP");
            }
        }
    }
}
