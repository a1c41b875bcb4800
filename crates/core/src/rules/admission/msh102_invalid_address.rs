//! MSH102 invalid-address: an `addresses` entry that is neither an IP address nor a CIDR block
//! with exactly one `/`, read as the webhook's Go `netip` reads them (leading zeros refused; see
//! [`crate::ip`]).

use crate::load::Inputs;
use crate::rules::findings::Findings;

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
