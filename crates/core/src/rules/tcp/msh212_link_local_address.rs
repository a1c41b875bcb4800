//! # MSH212 link-local-address
//!
//! ## What it does
//! Flags an address in `spec.addresses`, or an endpoint in `spec.endpoints[].address`, that lies in
//! link-local space: `169.254.0.0/16` or `fe80::/10` (also written IPv4-mapped, such as
//! `::ffff:169.254.169.254`, and as a CIDR block that lies wholly inside).
//!
//! ## Why it matters
//! Link-local addresses belong to the node's own link. In every major cloud that link holds the
//! instance metadata service at `169.254.169.254`, which hands out the node's credentials. An entry
//! that pins it opens the mesh's egress to the metadata service on the entry's ports, so a workload
//! tricked into fetching a URL (server-side request forgery) can read those credentials through a
//! policy that was meant to allow one database. Such entries are usually generated from a DNS answer
//! that was wrong or hostile; `meshctl gen serviceentry` and `meshctl sync` refuse these answers.
//!
//! Severity: error. An entry that pins link-local space on purpose says so with the annotation
//! `meshctl.dev/allowed-address-classes: link-local`, and is not reported.
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
//!   - 169.254.169.254/32       # the cloud metadata service
//!   ports:
//!   - name: tcp
//!     number: 80
//!     protocol: TCP
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32           # the database's own address
//! ```
//! Check what the name resolves to (`meshctl resolve db.example.com`) and pin that.

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH212 link-local-address: a pinned address or an endpoint in `169.254.0.0/16` or
/// `fe80::/10`. Link-local space is the node's own link; in every cloud it holds the instance
/// metadata service at `169.254.169.254`, which hands out the node's credentials. An entry
/// that pins it opens the mesh's egress to that service on the entry's ports, which is how a
/// server-side request forgery turns into stolen cloud credentials.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "A pinned address or endpoint in link-local space (169.254.0.0/16, fe80::/10), the cloud metadata service's.",
};

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
