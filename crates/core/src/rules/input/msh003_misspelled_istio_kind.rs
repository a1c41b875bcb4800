//! # MSH003 misspelled-istio-kind
//!
//! ## What it does
//! Reports a document whose `kind` or `apiVersion` group is a few letters away from an Istio
//! networking name: `kind: ServiceEntery`, `kind: SideCar`, `apiVersion: networking.istio.com/v1`, or
//! a `ServiceEntry` with no group at all. The finding names the spelling Istio serves.
//!
//! ## Why it matters
//! A misspelled kind is not an Istio resource, so meshctl (like Istio) sets it aside with the other
//! kinds it does not read. Without this rule the run would end in "all checks passed" while the
//! ServiceEntry you meant to add never exists: `kubectl apply` fails with "no matches for kind", or,
//! worse, a templating step drops the document and the egress rule is silently missing.
//!
//! Severity: warning, because the guess can be wrong (a CRD of your own may have a similar name);
//! `--fail-on warning` makes it fail the build, as the CI examples in the README do.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.com/v1
//! kind: ServiceEntery
//! metadata:
//!   name: mysql-external
//! ```
//!
//! ## Use instead
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! ```

use std::collections::HashMap;

use crate::load::OtherDocument;
use crate::model::NETWORKING_GROUP;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH003 misspelled-istio-kind: a document that is almost an Istio resource — `kind:
/// ServiceEntery`, or `apiVersion: networking.istio.com/v1`. The loader sets such documents
/// aside as "other kinds", exactly as `kubectl apply` would send them to a CRD that does not
/// exist; without this rule a typo turns into "0 resources, all checks passed".
///
/// A suggestion is made only when it is close (a few edits) to a name Istio serves, so ordinary
/// Kubernetes kinds (`Deployment`, `apps/v1`) never trip it.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A kind or API group a few letters from an Istio networking one, so Istio never sees it.",
};

/// Kinds served under `networking.istio.io` (istio/api `networking/v1/*.proto`); meshctl reads
/// the first two, the others are real Istio kinds that must not be called misspelled.
const NETWORKING_KINDS: [&str; 9] = [
    "ServiceEntry",
    "Sidecar",
    "VirtualService",
    "DestinationRule",
    "Gateway",
    "WorkloadEntry",
    "WorkloadGroup",
    "EnvoyFilter",
    "ProxyConfig",
];

/// The other Istio API groups (istio/api `*/v1*/`): a document there is not a networking typo.
const OTHER_ISTIO_GROUPS: [&str; 5] = [
    "security.istio.io",
    "telemetry.istio.io",
    "extensions.istio.io",
    "install.istio.io",
    "config.istio.io",
];

/// Edits allowed between what was written and the name suggested.
const MAX_EDITS: usize = 3;

/// Warns about documents whose kind or group is a near miss of an Istio networking name.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // A repository holds thousands of documents of a handful of kinds: diagnose each
    // (`apiVersion`, `kind`) once instead of computing edit distances per document.
    let mut diagnosed: HashMap<(&str, &str), Option<(String, String)>> = HashMap::new();
    for doc in &cx.inputs.others {
        let diagnosis = diagnosed
            .entry((&doc.api_version, &doc.kind))
            .or_insert_with(|| diagnose(doc));
        if let Some((message, help)) = diagnosis {
            out.at_origin(doc.origin.clone(), None, message.clone())
                .help(help.clone());
        }
    }
}

/// Reads only the document's `apiVersion` and `kind`.
fn diagnose(doc: &OtherDocument) -> Option<(String, String)> {
    let (group, version) = doc.api_version.split_once('/').unwrap_or(("", "v1"));
    if OTHER_ISTIO_GROUPS.contains(&group) {
        return None;
    }
    let known_kind = NETWORKING_KINDS.contains(&doc.kind.as_str());
    let kind = if known_kind {
        doc.kind.clone()
    } else {
        nearest(&doc.kind, &NETWORKING_KINDS)?.to_owned()
    };
    if group == NETWORKING_GROUP {
        return (!known_kind).then(|| {
            (
                format!(
                    "`{}` is not a kind served by `{NETWORKING_GROUP}`; did you mean `{kind}`?",
                    doc.kind
                ),
                format!("write `kind: {kind}`; as written, Istio never sees this resource"),
            )
        });
    }
    let looks_istio = group.contains("istio") || nearest(group, &[NETWORKING_GROUP]).is_some();
    if !looks_istio && !known_kind {
        return None;
    }
    if !looks_istio && !group.is_empty() {
        // `kind: Gateway` under gateway.networking.k8s.io is the Gateway API, not a typo.
        return None;
    }
    Some((
        format!(
            "`{}` `{}` is not an Istio resource; did you mean `{NETWORKING_GROUP}/{version}` `{kind}`?",
            doc.api_version, doc.kind
        ),
        format!(
            "write `apiVersion: {NETWORKING_GROUP}/{version}` and `kind: {kind}`; as written, Istio never sees this resource"
        ),
    ))
}

/// The candidate within [`MAX_EDITS`] of `written` (ignoring case), nearest first.
fn nearest<'a>(written: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if written.is_empty() {
        return None;
    }
    let written = written.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edits(&written, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= MAX_EDITS)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance (insert, delete, substitute), one row at a time.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Origin, Pos};

    fn doc(api_version: &str, kind: &str) -> OtherDocument {
        OtherDocument {
            origin: Origin {
                path: "mem.yaml".into(),
                pos: Pos { line: 1, column: 1 },
            },
            api_version: api_version.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn near_misses_get_the_intended_name_and_real_kinds_do_not() {
        struct Case {
            api_version: &'static str,
            kind: &'static str,
            want: Option<&'static str>,
        }
        let cases = [
            Case {
                api_version: "networking.istio.io/v1",
                kind: "ServiceEntery",
                want: Some("`ServiceEntry`"),
            },
            Case {
                api_version: "networking.istio.com/v1",
                kind: "ServiceEntry",
                want: Some("`networking.istio.io/v1` `ServiceEntry`"),
            },
            Case {
                api_version: "networking.istio.io/v1",
                kind: "SideCar",
                want: Some("`Sidecar`"),
            },
            Case {
                api_version: "v1",
                kind: "ServiceEntry",
                want: Some("`networking.istio.io/v1` `ServiceEntry`"),
            },
            Case {
                api_version: "networking.istio.io/v1",
                kind: "VirtualService",
                want: None,
            },
            Case {
                api_version: "apps/v1",
                kind: "Deployment",
                want: None,
            },
            Case {
                api_version: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                want: None,
            },
            Case {
                api_version: "security.istio.io/v1",
                kind: "AuthorizationPolicy",
                want: None,
            },
            Case {
                api_version: "v1",
                kind: "Service",
                want: None,
            },
        ];
        for case in cases {
            let got = diagnose(&doc(case.api_version, case.kind)).map(|(m, _)| m);
            match case.want {
                Some(want) => {
                    let got = got.unwrap_or_default();
                    assert!(
                        got.contains(want),
                        "{} {}: {got}",
                        case.api_version,
                        case.kind
                    );
                }
                None => assert_eq!(got, None, "{} {}", case.api_version, case.kind),
            }
        }
    }
}
