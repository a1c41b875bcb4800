//! # MSH211 loopback-address
//!
//! ## What it does
//! Flags an address in `spec.addresses`, or an endpoint in `spec.endpoints[].address`, that lies in
//! loopback space: `127.0.0.0/8` or `::1` (also written IPv4-mapped, `::ffff:127.0.0.1`, and as a CIDR
//! block that lies wholly inside, such as `127.0.0.0/8`).
//!
//! ## Why it matters
//! Loopback traffic never leaves the pod, and the sidecar does not capture it: an `addresses` item
//! there matches no connection a client makes to the service, so the entry does not do what it says.
//! An endpoint there is worse: the sidecar forwards the service's connections to the pod itself, and
//! whatever listens on that port of the pod answers as the database. The usual cause is a name that
//! resolved to `127.0.0.1` where the entry was generated (`localhost`, a `/etc/hosts` line, a DNS
//! filter). `meshctl gen serviceentry` and `meshctl sync` refuse such answers for the same reason.
//!
//! Severity: error. An entry that pins loopback on purpose says so with the annotation
//! `meshctl.dev/allowed-address-classes: loopback`, and is not reported.
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
//!   - 127.0.0.1/32             # what `localhost` resolved to
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32           # the database's own address
//! ```
//! Generate the list from the service's real name with `meshctl gen serviceentry db.example.com`.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH211 loopback-address: a pinned address or an endpoint in `127.0.0.0/8` or `::1`. The
/// sidecar never captures loopback traffic, so an `addresses` item there matches nothing a
/// client sends to the service, and an endpoint there forwards the service's connections to
/// the pod itself — whatever listens on that port of the pod (the sidecar's own admin port,
/// a debug server) answers as the database.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A pinned address or endpoint in loopback space (127.0.0.0/8, ::1): it matches nothing, or forwards to the pod itself.",
};

/// Reports loopback addresses and endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::Loopback;
    in_class(cx, class, &[Field::Address, Field::Endpoint], |found| {
        let why = match found.field {
            Field::Address => {
                "the sidecar does not capture loopback traffic, so this matches no connection to the service"
            }
            Field::Endpoint => "the sidecar forwards the service's connections to the pod itself",
        };
        out.at(found.se, &found.path, format!("{}: {why}", found.what))
            .help(format!(
                "pin the service's own addresses (`meshctl gen serviceentry HOST`); {}",
                on_purpose(class)
            ));
    });
}
