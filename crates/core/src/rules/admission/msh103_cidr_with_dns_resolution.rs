//! MSH103 cidr-with-dns-resolution: CIDR addresses with resolution DNS or DNS_ROUND_ROBIN. The
//! CRD's CEL rule rejects these before the webhook sees them (an address containing `/`, even a
//! `/32`, counts), so the finding arrives as a schema problem this rule owns.

use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};

/// Reports the CRD's rejections of CIDR addresses under DNS resolution.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::CidrWithDnsResolution),
        out,
    );
}
