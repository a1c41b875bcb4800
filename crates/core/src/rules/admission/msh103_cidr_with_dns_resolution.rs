//! # MSH103 cidr-with-dns-resolution
//!
//! ## What it does
//! Flags an entry with `resolution: DNS` or `DNS_ROUND_ROBIN` whose `addresses` contain a CIDR block.
//! Any value containing `/` counts, `/32` and `/128` included.
//!
//! ## Why it matters
//! Both the CRD's validation rule and Istio's webhook reject it with `CIDR addresses are allowed only
//! for NONE/STATIC resolution types`, so the apply fails. With DNS resolution Envoy connects to
//! whatever the host resolves to, not to the IP the application dialled; a block there would mean "send
//! every address in this range to one resolved server". The blog's TCP entry uses `resolution: NONE`,
//! where the sidecar forwards each connection to the address that was dialled.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
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
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32
//!   resolution: NONE
//! ```
//! If Envoy must resolve the name, drop the prefix (`203.0.113.7`) instead, and read MSH307.

use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH103 cidr-with-dns-resolution: CIDR addresses with resolution DNS or DNS_ROUND_ROBIN. The
/// CRD's CEL rule rejects these before the webhook sees them (an address containing `/`, even a
/// `/32`, counts), so the finding arrives as a schema problem this rule owns.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.",
};

/// Reports the CRD's rejections of CIDR addresses under DNS resolution.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::CidrWithDnsResolution),
        out,
    );
}
