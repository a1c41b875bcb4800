//! # MSH308 managed-address-drift
//!
//! ## What it does
//! Reported by `meshctl sync --check` (not by `check`) for an entry whose addresses meshctl manages:
//! one written by `meshctl gen serviceentry` from DNS (annotation `meshctl.dev/resolve`), or a
//! STATIC/NONE entry adopted with `--all-static`. It fires when the source host now resolves to an
//! address `addresses` does not admit, when a pinned address has left DNS and is not yet recorded as
//! departed, when a departed address's grace period is over, or when the name answers with no
//! address at all. The message lists the added and removed addresses, the TTL and the CNAME chain.
//!
//! ## Why it matters
//! Under `REGISTRY_ONLY` a pinned address is the only thing that lets plain TCP out. When the
//! provider moves the database (a failover, maintenance, a re-pointed CNAME), the new IP is
//! black-holed and the application is down until someone edits the YAML. A stale address that
//! stays pinned keeps a door open to an IP that may now belong to someone else.
//!
//! Severity: error, because `meshctl sync --check` exists to fail CI until the managed entry matches DNS.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: db-example-com-3306
//!   annotations:
//!     meshctl.dev/resolve: db.example.com   # now resolves to 203.0.113.8
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - number: 3306
//!     name: tcp
//!     protocol: TCP
//!   resolution: NONE
//! ```
//!
//! ## Use instead
//! Let meshctl keep the file true: `meshctl sync --write` once, or `meshctl sync --watch --write`
//! as a sidecar or CronJob. The departed address is kept for `--grace` (recorded in
//! `meshctl.dev/departed`) so pooled connections drain, then removed:
//! ```yaml
//!   annotations:
//!     meshctl.dev/departed: "203.0.113.7=2026-01-01T00:00:00Z"
//!     meshctl.dev/resolve: db.example.com
//!   ...
//!   addresses:
//!   - 203.0.113.7/32
//!   - 203.0.113.8/32
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use crate::ip::comma_list;
use crate::rules::diagnostic::Diagnostic;
use crate::rules::row::{CheckFn, Row};
use crate::rules::rule::Rule;
use crate::rules::severity::Severity;
use crate::sync::{Managed, Plan, Status};

/// MSH308 managed-address-drift: an entry `meshctl sync` manages pins addresses that differ from
/// what its host resolves to now, or the answer was refused. `sync --check` reports it, one
/// finding per entry, at the entry's `addresses`; `--write` and `--watch` print the same sentence
/// as their change line, so the wording lives here once.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Reported("meshctl sync --check"),
    summary: "A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).",
};

/// The finding for one managed entry, or `None` when it is in sync: MSH308 for drift or a
/// refused answer, MSH305 for a name that could not be verified.
#[must_use]
pub fn finding(entry: &Managed, plan: &Plan, grace: Duration) -> Option<Diagnostic> {
    let (rule, help) = match &plan.status {
        Status::InSync => return None,
        Status::Unverified(_) => (
            Rule::UnresolvableHost,
            "nothing was changed (fail static); check the resolver and run again",
        ),
        Status::Refused(_) => (
            Rule::ManagedAddressDrift,
            "nothing was changed (fail static): check the name's DNS; allow the answer with the flag named, if it is meant",
        ),
        _ => (
            Rule::ManagedAddressDrift,
            "run `meshctl sync --write` (or keep `meshctl sync --watch` running) to update the file",
        ),
    };
    Some(Diagnostic {
        rule,
        severity: rule.default_severity(),
        message: describe(entry, plan, grace),
        origin: entry.origin.clone(),
        resource: Some(entry.resource.clone()),
        help: Some(help.to_owned()),
        fix: None,
        mesh: None,
    })
}

/// The change in one sentence, with the answer's TTL and CNAME chain.
#[must_use]
pub fn describe(entry: &Managed, plan: &Plan, grace: Duration) -> String {
    let host = &entry.host;
    let mut parts: Vec<String> = Vec::new();
    match &plan.status {
        Status::Unverified(reason) => return format!("could not verify {host}: {reason}"),
        Status::Refused(refused) => {
            return format!("could not verify {host}: {refused}; nothing changed (fail static)");
        }
        Status::HeldEmpty(reason) => {
            return format!(
                "{host} answers with no address ({reason}); the pinned addresses are kept (fail static; --allow-empty removes them)"
            );
        }
        Status::HeldLast => parts.push(format!(
            "{host} no longer resolves to any pinned address, but removing them would leave `addresses` empty (every IP on the entry's ports): kept"
        )),
        Status::InSync | Status::Drift => {}
    }
    if !plan.added.is_empty() {
        parts.push(format!(
            "{host} resolves to {} outside `addresses`",
            comma_list(&plan.added)
        ));
    }
    for (ip, until) in &plan.draining {
        // A departure this pass discovered has no recorded time yet: say what will happen
        // rather than print a time that changes on every run.
        parts.push(match entry.departed.since(*ip) {
            Some(since) => format!(
                "{ip} left DNS at {} (kept until {}, grace {})",
                humantime::format_rfc3339_seconds(since),
                humantime::format_rfc3339_seconds(*until),
                humantime::format_duration(grace)
            ),
            None => format!(
                "{ip} no longer resolves (kept for the {} grace period, then removed)",
                humantime::format_duration(grace)
            ),
        });
    }
    if !plan.removed.is_empty() {
        parts.push(format!(
            "{} left DNS more than {} ago: removed",
            comma_list(&plan.removed),
            humantime::format_duration(grace)
        ));
    }
    if !plan.returned.is_empty() {
        parts.push(format!("{} resolve(s) again", comma_list(&plan.returned)));
    }
    if parts.is_empty() {
        parts.push(format!("{host} matches `addresses`"));
    }
    let mut text = parts.join("; ");
    let mut facts = Vec::new();
    if let Some(ttl) = plan.ttl {
        facts.push(format!("TTL {ttl}s"));
    }
    if !plan.cname_chain.is_empty() {
        let mut chain = host.clone();
        for link in &plan.cname_chain {
            let _ = write!(chain, " → {}", link.target);
        }
        facts.push(format!("CNAME {chain}"));
    }
    if !facts.is_empty() {
        let _ = write!(text, " ({})", facts.join(", "));
    }
    text
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::dns::Lookup;
    use crate::sync::{Settings, plan};

    fn entry(departed: &str) -> Managed {
        Managed::example(&["203.0.113.7/32"], departed)
    }

    #[test]
    fn the_message_names_addresses_ttl_and_cname_chain() {
        let lookup = Lookup::builder("db.example.com")
            .cname("db.example.com", "db.eu-west-1.rds.example.net", 60)
            .address("203.0.113.8", 5)
            .build();
        let now = humantime::parse_rfc3339("2026-01-01T00:05:00Z").expect("time");
        let settings = Settings {
            grace: Duration::from_secs(600),
            allow_empty: false,
            ..Settings::default()
        };
        let fresh = plan(&entry(""), &Ok(lookup.clone()), now, settings);
        assert_eq!(
            describe(&entry(""), &fresh, settings.grace),
            "db.example.com resolves to 203.0.113.8 outside `addresses`; 203.0.113.7 no longer resolves (kept for the 10m grace period, then removed) (TTL 5s, CNAME db.example.com → db.eu-west-1.rds.example.net)"
        );
        let recorded = entry("203.0.113.7=2026-01-01T00:00:00Z");
        let p = plan(&recorded, &Ok(lookup), now, settings);
        assert!(
            describe(&recorded, &p, settings.grace).contains(
                "203.0.113.7 left DNS at 2026-01-01T00:00:00Z (kept until 2026-01-01T00:10:00Z, grace 10m)"
            ),
            "{}",
            describe(&recorded, &p, settings.grace)
        );
    }
}
