//! MSH202 missing-cidr: an address written as a bare IP where a CIDR block is expected. With
//! resolution DNS the CRD rejects CIDR blocks, so there a bare IP is the only spelling and is
//! not reported.

use std::net::IpAddr;

use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::fix::Edit;

/// Reports bare IP addresses of entries that may use CIDR notation.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        if matches!(
            se.resource.spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        ) {
            continue;
        }
        for (i, address) in se.resource.spec.addresses.iter().enumerate() {
            // The unspecified address is no pin at all (MSH201 says so); `/32` would not help.
            if let Ok(ip) = address.parse::<IpAddr>()
                && !ip.is_unspecified()
            {
                let bits = if ip.is_ipv6() { 128 } else { 32 };
                let field = format!("spec.addresses[{i}]");
                let at = se.locate(&field).pos;
                // A bare IP matches exactly like its host route, so the fix changes nothing else.
                out.at(
                    se,
                    &field,
                    format!("`{address}` is a bare IP; the address should be a CIDR block"),
                )
                .help(format!("write `{address}/{bits}`"))
                .fix(Edit::Replace {
                    line: at.line,
                    column: at.column,
                    expect: address.clone(),
                    with: format!("{address}/{bits}"),
                });
            }
        }
    }
}
