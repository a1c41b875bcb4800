//! MSH213 multicast-address: a pinned address or an endpoint in `224.0.0.0/4` or
//! `ff00::/8`. TCP has no multicast: no connection can reach a group address, so the item
//! either matches nothing or is a typo for a unicast address. A warning, because nothing is
//! opened that could be reached.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};

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
