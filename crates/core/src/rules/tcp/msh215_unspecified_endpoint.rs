//! MSH215 unspecified-endpoint: an endpoint of `0.0.0.0` or `::`. Connecting to the
//! unspecified address reaches the local host, so the sidecar forwards the service's
//! connections to the pod itself; and `0.0.0.0` is what DNS filters (Pi-hole's NULL mode)
//! answer for a name they block, so the endpoint is usually a blocked lookup written down.
//! The same address in `spec.addresses` is MSH201's: there it matches every destination.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};

/// Reports unspecified endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::Unspecified;
    in_class(cx, class, &[Field::Endpoint], |found| {
        out.at(
            found.se,
            &found.path,
            format!(
                "{}: connecting to it reaches the pod itself, and DNS filters answer it for names they block",
                found.what
            ),
        )
        .help(format!(
            "list the service's own addresses as endpoints; {}",
            on_purpose(class)
        ));
    });
}
