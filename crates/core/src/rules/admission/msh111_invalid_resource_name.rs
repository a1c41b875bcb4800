//! # MSH111 invalid-resource-name
//!
//! ## What it does
//! Flags a ServiceEntry or Sidecar whose `metadata.name` is not a DNS-1123 subdomain (lower-case
//! letters, digits, `-` and `.`, starting and ending with a letter or digit, at most 253 characters)
//! or whose `metadata.namespace` is not a DNS-1123 label (the same without `.`, at most 63
//! characters), with the Kubernetes API server's own message.
//!
//! ## Why it matters
//! The API server refuses the resource before Istio sees it, for example with `metadata.name:
//! Invalid value: "MySQL_DB": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric
//! characters, '-' or '.', …`, so `kubectl apply` fails. meshctl rejects it at admission too, so a name
//! that could never exist in a cluster never reaches a simulated decision, an Envoy cluster name, the
//! proxy or its logs. A name carrying a newline or a terminal escape sequence could otherwise forge a
//! log line; the message shows such characters escaped (`\n`, `\u{1b}`).
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: MySQL_External
//!   namespace: Bookinfo
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//! metadata:
//!   name: mysql-external
//!   namespace: bookinfo
//! ```

use crate::escape::Escaped;
use crate::load::{Inputs, Loaded};
use crate::model::Resource;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH111 invalid-resource-name: a `metadata.name` that is not a DNS-1123 subdomain, or a
/// `metadata.namespace` that is not a DNS-1123 label. The API server rejects both before Istio
/// sees the resource (kubernetes/apiextensions-apiserver `pkg/registry/customresource/validator.go`
/// validates a custom resource's metadata with `NameIsDNSSubdomain`; the namespace with
/// `ValidateNamespaceName`), with the messages of kubernetes/apimachinery
/// `pkg/util/validation/validation.go` (`IsDNS1123Subdomain`, `IsDNS1123Label`).
///
/// Rejecting the resource at admission keeps the name out of everything built from admitted
/// resources: Envoy names, the proxy's decisions and logs, exported configuration. The value is
/// quoted escaped, as Go's `%q` does in the API server's own message. A missing name is the
/// schema's (MSH002: `name or generateName is required`), so an empty name is not reported here.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A `metadata.name` or `metadata.namespace` the Kubernetes API server rejects.",
};

/// The longest DNS-1123 subdomain.
const SUBDOMAIN_MAX: usize = 253;
/// The longest DNS-1123 label.
const LABEL_MAX: usize = 63;

const SUBDOMAIN_FORMAT: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_FORMAT: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Reports each invalid name and namespace of every kind meshctl admits.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        report(se, out);
    }
    for sidecar in &inputs.sidecars {
        report(sidecar, out);
    }
}

fn report<T: Resource>(loaded: &Loaded<T>, out: &mut Findings) {
    let meta = loaded.resource.metadata();
    if !meta.name.is_empty() {
        for problem in subdomain_problems(&meta.name) {
            out.at(
                loaded,
                "metadata.name",
                format!(
                    "metadata.name: Invalid value: \"{}\": {problem}",
                    Escaped(&meta.name)
                ),
            )
            .help("use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters");
        }
    }
    let namespace = meta.namespace();
    for problem in label_problems(namespace) {
        out.at(
            loaded,
            "metadata.namespace",
            format!(
                "metadata.namespace: Invalid value: \"{}\": {problem}",
                Escaped(namespace)
            ),
        )
        .help("use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
    }
}

/// `IsDNS1123Subdomain`: the length, then the format, each its own message.
fn subdomain_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > SUBDOMAIN_MAX {
        problems.push(format!("must be no more than {SUBDOMAIN_MAX} characters"));
    }
    if !name.split('.').all(is_label_format) {
        problems.push(SUBDOMAIN_FORMAT.to_owned());
    }
    problems
}

/// `IsDNS1123Label`: the length, then the format.
fn label_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > LABEL_MAX {
        problems.push(format!("must be no more than {LABEL_MAX} characters"));
    }
    if !is_label_format(name) {
        problems.push(LABEL_FORMAT.to_owned());
    }
    problems
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` with no length bound (the length is its own message).
fn is_label_format(label: &str) -> bool {
    !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_kubernetes_does() {
        let long = |last: usize| {
            [
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last),
            ]
            .join(".")
        };
        // (case, input, problems as a name, problems as a namespace)
        let cases: [(&str, String, usize, usize); 14] = [
            ("plain", "mysql-external".into(), 0, 0),
            ("dots", "db.example.com".into(), 0, 1),
            ("digits first", "3306-db".into(), 0, 0),
            ("upper case", "MySQL".into(), 1, 1),
            ("underscore", "my_db".into(), 1, 1),
            ("newline", "a\nFAKE LOG LINE".into(), 1, 1),
            ("escape", "a\x1b[31m".into(), 1, 1),
            ("leading dash", "-db".into(), 1, 1),
            ("trailing dot", "db.".into(), 1, 1),
            ("empty label", "a..b".into(), 1, 1),
            ("64 characters", "a".repeat(64), 0, 1),
            ("253 characters", long(61), 0, 2),
            ("254 characters", long(62), 1, 2),
            ("long and bad", "A".repeat(254), 2, 2),
        ];
        for (case, input, name, namespace) in cases {
            assert_eq!(subdomain_problems(&input).len(), name, "{case}");
            assert_eq!(label_problems(&input).len(), namespace, "{case}");
        }
    }
}
