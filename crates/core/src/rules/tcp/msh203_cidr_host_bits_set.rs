//! MSH203 cidr-host-bits-set: a CIDR block with host bits set (`203.0.113.7/24`). Istio masks
//! them away, so the entry covers the whole block, not the host the author probably meant.

use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::fix::Edit;

/// Reports every CIDR block whose address is not its network address.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, address) in se.resource.spec.addresses.iter().enumerate() {
            // A bare IP is MSH202's; an unparsable block is MSH102's.
            let Some(net) = crate::ip::parse_cidr(address) else {
                continue;
            };
            if net.addr() == net.network() {
                continue;
            }
            let field = format!("spec.addresses[{i}]");
            let at = se.locate(&field).pos;
            // Istio masks the host bits away, so the masked block is exactly what runs today:
            // the fix keeps behaviour and makes it visible. (`/32` would change it.)
            out.at(
                se,
                &field,
                format!(
                    "`{address}` means `{}`: the host bits are ignored",
                    net.trunc()
                ),
            )
            .help(format!(
                "write `{}`, or `{}/{}` for the single host",
                net.trunc(),
                net.addr(),
                net.max_prefix_len()
            ))
            .fix(Edit::Replace {
                line: at.line,
                column: at.column,
                expect: address.clone(),
                with: net.trunc().to_string(),
            });
        }
    }
}
