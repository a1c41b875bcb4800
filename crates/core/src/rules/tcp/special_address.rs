//! The walk MSH211–MSH215 share: the pinned `spec.addresses` and `spec.endpoints[].address`
//! that lie wholly inside one special address class (`crate::address_class`), so each rule
//! only says why its class does not belong in an egress entry. A CIDR block counts when all of
//! it is in the class (`127.0.0.0/8`, `::ffff:127.0.0.1/128`); a wider block that only
//! overlaps one is MSH204's. An entry that lists the class in
//! `meshctl.dev/allowed-address-classes` (`meshctl gen serviceentry --allow-address-class`
//! writes it) pins it on purpose and is not reported.

use std::net::IpAddr;

use crate::address_class::{AddressClass, describe};
use crate::load::Loaded;
use crate::model::ServiceEntry;
use crate::pinning::{ALLOWED_ANNOTATION, AllowedClasses};
use crate::rules::address;
use crate::rules::context::Context;

/// Where an address is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// `spec.addresses[i]`: what the sidecar matches.
    Address,
    /// `spec.endpoints[i].address`: where it forwards.
    Endpoint,
}

/// One address in the class.
pub(crate) struct Found<'a> {
    /// The entry.
    pub(crate) se: &'a Loaded<ServiceEntry>,
    /// `spec.addresses[0]` or `spec.endpoints[0].address`.
    pub(crate) path: String,
    /// Which of the two.
    pub(crate) field: Field,
    /// "`169.254.169.254` is a link-local address (cloud metadata)".
    pub(crate) what: String,
}

/// Calls `each` for every address of a field in `fields` that lies wholly in `class`.
pub(crate) fn in_class<'a>(
    cx: &Context<'a>,
    class: AddressClass,
    fields: &[Field],
    mut each: impl FnMut(Found<'a>),
) {
    for se in &cx.inputs.service_entries {
        let allowed = se
            .resource
            .metadata
            .annotations
            .get(ALLOWED_ANNOTATION)
            .and_then(|v| AllowedClasses::parse_list(v).ok())
            .unwrap_or_default();
        if allowed.contains(class) {
            continue;
        }
        let spec = &se.resource.spec;
        if fields.contains(&Field::Address) {
            for (i, text) in spec.addresses.iter().enumerate() {
                // An unparsable address is MSH102's.
                let Some(net) = address::as_net(text) else {
                    continue;
                };
                if AddressClass::of_net(net) != Some(class) {
                    continue;
                }
                let what = if net.prefix_len() == net.max_prefix_len() {
                    format!("`{text}` is {}", describe(net.addr()))
                } else {
                    format!("`{text}` lies wholly in {class} address space")
                };
                each(Found {
                    se,
                    path: format!("spec.addresses[{i}]"),
                    field: Field::Address,
                    what,
                });
            }
        }
        if fields.contains(&Field::Endpoint) {
            for (i, endpoint) in spec.endpoints.iter().enumerate() {
                // Host names and `unix://` paths have no class until resolved.
                let Some(ip) = endpoint
                    .address
                    .as_deref()
                    .and_then(|a| a.parse::<IpAddr>().ok())
                else {
                    continue;
                };
                if AddressClass::of(ip) != class {
                    continue;
                }
                each(Found {
                    se,
                    path: format!("spec.endpoints[{i}].address"),
                    field: Field::Endpoint,
                    what: format!("endpoint `{ip}` is {}", describe(ip)),
                });
            }
        }
    }
}

/// The help every rule of the family ends with: how to pin the class on purpose.
pub(crate) fn on_purpose(class: AddressClass) -> String {
    format!(
        "if the entry really is for such an address, say so with the annotation `{ALLOWED_ANNOTATION}: {class}`"
    )
}
