//! # MSH102 invalid-address
//!
//! ## What it does
//! Flags an `addresses` element that is neither an IP address nor a CIDR block with a single `/` and a
//! valid prefix length: host names, `203.0.113.7/33`, dash ranges such as `192.0.2.10-192.0.2.20`, and
//! leading zeros (`203.000.113.007/32`, `203.0.113.7/032`), which the webhook's Go `netip` parser
//! refuses although some other parsers read them (historically as octal).
//!
//! ## Why it matters
//! Istio's webhook rejects the entry (`… is not a valid IP` or `… is not a valid CIDR block`), so the
//! apply fails. `addresses` is the only field the sidecar compares with a TCP connection's destination
//! IP: a plain IP becomes its own `<ip>_<port>` listener, a CIDR becomes a prefix match on
//! `0.0.0.0_<port>`. A host name cannot be compared with an IP; names go in `hosts`.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - db.example.com
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32
//! ```
//! Generate it with `meshctl gen serviceentry db.example.com`.

use crate::load::Inputs;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH102 invalid-address: an `addresses` entry that is neither an IP address nor a CIDR block
/// with exactly one `/`, read as the webhook's Go `netip` reads them (leading zeros refused; see
/// [`crate::ip`]).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "An `addresses` entry that is neither an IP address nor a CIDR block.",
};

/// Reports every address Istio's webhook cannot parse, with its message.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        for (i, address) in se.resource.spec.addresses.iter().enumerate() {
            let message = if address.contains('/') {
                (address.matches('/').count() != 1 || crate::ip::parse_cidr(address).is_none())
                    .then(|| format!("{address} is not a valid CIDR block"))
            } else {
                crate::ip::parse_ip(address)
                    .is_none()
                    .then(|| format!("{address} is not a valid IP"))
            };
            if let Some(message) = message {
                out.at(se, &format!("spec.addresses[{i}]"), message)
                    .help("write an IP address (`203.0.113.7`) or a CIDR block (`203.0.113.0/24`)");
            }
        }
    }
}
