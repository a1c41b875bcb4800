//! MSH211 loopback-address: a pinned address or an endpoint in `127.0.0.0/8` or `::1`. The
//! sidecar never captures loopback traffic, so an `addresses` item there matches nothing a
//! client sends to the service, and an endpoint there forwards the service's connections to
//! the pod itself — whatever listens on that port of the pod (the sidecar's own admin port,
//! a debug server) answers as the database.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};

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
