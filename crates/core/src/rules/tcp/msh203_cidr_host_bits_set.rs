//! # MSH203 cidr-host-bits-set
//!
//! ## What it does
//! Warns on a CIDR block whose address has bits set after the prefix, such as `203.0.113.7/24`, and
//! names the block it really denotes (`203.0.113.0/24`).
//!
//! ## Why it matters
//! Envoy matches the first N bits and ignores the rest, so `203.0.113.7/24` admits all 256 addresses of
//! `203.0.113.0/24`: usually one intended server plus 255 others. Istio also compares blocks after
//! masking, so two entries with `203.0.113.7/24` and `203.0.113.9/24` on one port land on the same
//! filter chain and one of them is silently dropped (MSH401).
//!
//! Severity: warning, like MSH204's for blocks up to /24: the masked block is what Istio enforces either way, and whether it is too wide depends on what else lives in it (MSH204 turns wider blocks into their own finding). `check --fix` writes the block Istio already uses, so the file says what is enforced.
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
//!   - 203.0.113.7/24
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32           # one server; write 203.0.113.0/24 if the range is meant
//! ```

use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::fix::Edit;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH203 cidr-host-bits-set: a CIDR block with host bits set (`203.0.113.7/24`). Istio masks
/// them away, so the entry covers the whole block, not the host the author probably meant.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A CIDR block with host bits set, which means a different, wider block.",
};

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
