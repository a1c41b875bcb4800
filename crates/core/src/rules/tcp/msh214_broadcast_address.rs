//! MSH214 broadcast-address: a pinned address or an endpoint of `255.255.255.255`, the
//! limited broadcast. No TCP connection goes to it (the kernel refuses to connect there), so
//! the item matches or reaches nothing; it usually comes from a DNS answer meant as "no such
//! host". A warning, because nothing is opened that could be reached.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};

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
