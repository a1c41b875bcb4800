//! MSH212 link-local-address: a pinned address or an endpoint in `169.254.0.0/16` or
//! `fe80::/10`. Link-local space is the node's own link; in every cloud it holds the instance
//! metadata service at `169.254.169.254`, which hands out the node's credentials. An entry
//! that pins it opens the mesh's egress to that service on the entry's ports, which is how a
//! server-side request forgery turns into stolen cloud credentials.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};

/// Reports link-local addresses and endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::LinkLocal;
    in_class(cx, class, &[Field::Address, Field::Endpoint], |found| {
        let why = match found.field {
            Field::Address => {
                "the entry opens its ports to the node's own link, the cloud metadata service included"
            }
            Field::Endpoint => {
                "the sidecar forwards the service's connections to the node's own link, the cloud metadata service included"
            }
        };
        out.at(found.se, &found.path, format!("{}: {why}", found.what))
            .help(format!(
                "pin the service's own addresses (`meshctl gen serviceentry HOST`); {}",
                on_purpose(class)
            ));
    });
}
