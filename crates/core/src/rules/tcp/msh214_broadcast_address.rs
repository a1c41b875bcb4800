//! # MSH214 broadcast-address
//!
//! ## What it does
//! Warns on an address in `spec.addresses`, or an endpoint in `spec.endpoints[].address`, of
//! `255.255.255.255` (the limited broadcast, also written `::ffff:255.255.255.255`).
//!
//! ## Why it matters
//! No TCP connection goes to the broadcast address (the kernel refuses to connect there), so the item
//! matches no connection to the service and an endpoint there reaches nothing. It usually comes from a
//! DNS answer that meant "no such host", and the service's real address is missing from the entry.
//!
//! Severity: warning, because nothing is opened that could be reached. An entry that lists it on
//! purpose says so with the annotation `meshctl.dev/allowed-address-classes: broadcast`.
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
//!   - 255.255.255.255/32
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
//!   - 203.0.113.7/32
//! ```

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH214 broadcast-address: a pinned address or an endpoint of `255.255.255.255`, the
/// limited broadcast. No TCP connection goes to it (the kernel refuses to connect there), so
/// the item matches or reaches nothing; it usually comes from a DNS answer meant as "no such
/// host". A warning, because nothing is opened that could be reached.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A pinned address or endpoint of 255.255.255.255: TCP cannot reach it.",
};

/// Reports broadcast addresses and endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::Broadcast;
    in_class(cx, class, &[Field::Address, Field::Endpoint], |found| {
        out.at(
            found.se,
            &found.path,
            format!(
                "{}: TCP cannot connect to the broadcast address, so it matches or reaches nothing",
                found.what
            ),
        )
        .help(format!(
            "pin the service's own addresses (`meshctl gen serviceentry HOST`); {}",
            on_purpose(class)
        ));
    });
}
