//! # MSH202 missing-cidr
//!
//! ## What it does
//! Warns on an `addresses` element written as a bare IP (`203.0.113.7`, `2001:db8::7`) instead of a
//! CIDR block (`203.0.113.7/32`, `2001:db8::7/128`). Entries with resolution DNS or DNS_ROUND_ROBIN are
//! exempt, because Istio accepts only bare IPs there (MSH103).
//!
//! ## Why it matters
//! Istio stores a full-length prefix as the bare IP, so both forms give the same listener
//! `203.0.113.7_3306`; this rule is about intent. The blog's TCP recipe writes every address as a CIDR
//! block, and in review a bare IP is ambiguous: it may be one server, or a range whose prefix was lost
//! in copying, which quietly cuts the service down to a single address. An explicit prefix states how
//! much each line opens.
//!
//! Severity: warning: a bare IP matches exactly like its `/32` or `/128`, so nothing extra is let through; the finding is about clarity, and `check --fix` writes the prefix.
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
//!   - 203.0.113.7
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32
//! ```
//! `meshctl gen serviceentry db.example.com` writes addresses in this form.

use std::net::IpAddr;

use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::fix::Edit;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH202 missing-cidr: an address written as a bare IP where a CIDR block is expected. With
/// resolution DNS the CRD rejects CIDR blocks, so there a bare IP is the only spelling and is
/// not reported.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "An address written as a bare IP where a CIDR block is expected.",
};

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
