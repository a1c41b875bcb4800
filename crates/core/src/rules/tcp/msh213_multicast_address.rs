//! # MSH213 multicast-address
//!
//! ## What it does
//! Warns on an address in `spec.addresses`, or an endpoint in `spec.endpoints[].address`, that lies in
//! multicast space: `224.0.0.0/4` or `ff00::/8` (also IPv4-mapped, and as a CIDR block that lies
//! wholly inside).
//!
//! ## Why it matters
//! A multicast address names a group, not a host, and TCP cannot connect to a group: no connection
//! to the service can match such an item, and an endpoint there reaches nothing. The item is a typo
//! or a bad DNS answer, and the service's real address is missing from the entry.
//!
//! Severity: warning, because nothing is opened that could be reached. An entry that lists a group on
//! purpose says so with the annotation `meshctl.dev/allowed-address-classes: multicast`.
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
//!   - 239.0.113.7/32           # a group address, not the database
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

/// MSH213 multicast-address: a pinned address or an endpoint in `224.0.0.0/4` or
/// `ff00::/8`. TCP has no multicast: no connection can reach a group address, so the item
/// either matches nothing or is a typo for a unicast address. A warning, because nothing is
/// opened that could be reached.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A pinned address or endpoint in multicast space (224.0.0.0/4, ff00::/8): TCP cannot reach it.",
};

/// Reports multicast addresses and endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::Multicast;
    in_class(cx, class, &[Field::Address, Field::Endpoint], |found| {
        out.at(
            found.se,
            &found.path,
            format!(
                "{}: TCP cannot connect to a group address, so it matches or reaches nothing",
                found.what
            ),
        )
        .help(format!(
            "pin the service's unicast addresses (`meshctl gen serviceentry HOST`); {}",
            on_purpose(class)
        ));
    });
}
