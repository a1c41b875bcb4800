//! The webhook's name, label, address and `exportTo` checks that VirtualService and
//! DestinationRule share, with Istio's messages: istio/istio
//! `pkg/config/validation/agent/validation.go` (`ValidateWildcardDomain`, `ValidateFQDN`,
//! `ValidateIPSubnet`, `ValidatePort`), `pkg/config/labels/instance.go` (`IsDNS1123Label`,
//! `Instance.Validate`), `pkg/config/host/name.go` (`Matches`, `SubsetOf`) and
//! `pkg/config/validation/validation.go` (`validateExportTo`, `validateSubsetName`,
//! `validateGatewayNames`). Unlike Kubernetes, Istio's DNS-1123 label takes upper-case letters.

use std::collections::BTreeMap;

use crate::escape::Escaped;
use crate::ip;

/// Go's `%q` of `text`, as Istio's messages quote values.
pub(super) fn quoted(text: &str) -> String {
    format!("\"{}\"", Escaped(text))
}

/// `IsDNS1123Label`: 1–63 letters (either case), digits and inner `-`.
pub(super) fn is_label(text: &str) -> bool {
    text.len() <= 63 && is_label_format(text)
}

fn is_label_format(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// `IsWildcardDNS1123Label`: a label, `*`, or a label with a leading `*` or `*-`.
fn is_wildcard_label(text: &str) -> bool {
    if text.len() > 63 {
        return false;
    }
    let rest = text
        .strip_prefix("*-")
        .or_else(|| text.strip_prefix('*'))
        .unwrap_or(text);
    text == "*" || is_label_format(rest)
}

fn preconditions(name: &str) -> Option<String> {
    if name.len() > 255 {
        Some(format!("domain name {} too long (max 255)", quoted(name)))
    } else if name.is_empty() {
        Some("empty domain name not allowed".into())
    } else {
        None
    }
}

/// `ValidateDNS1123Labels`: every label valid (a trailing dot allowed), the last not numeric.
fn labels_error(domain: &str) -> Option<String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let top = parts.last().copied().unwrap_or_default();
    if !top.is_empty() && top.parse::<i64>().is_ok() {
        return Some(format!(
            "domain name {} invalid (top level domain {} cannot be all-numeric)",
            quoted(domain),
            quoted(top)
        ));
    }
    for (i, label) in parts.iter().enumerate() {
        if i + 1 == parts.len() && label.is_empty() {
            return None;
        }
        if !is_label(label) {
            return Some(format!(
                "domain name {} invalid (label {} invalid)",
                quoted(domain),
                quoted(label)
            ));
        }
    }
    None
}

/// `ValidateWildcardDomain`: a host with an optional wildcard first label.
pub(super) fn wildcard_domain_error(domain: &str) -> Option<String> {
    if let Some(message) = preconditions(domain) {
        return Some(message);
    }
    let (first, rest) = match domain.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (domain, None),
    };
    if !is_wildcard_label(first) {
        return Some(format!(
            "domain name {} invalid (label {} invalid)",
            quoted(domain),
            quoted(first)
        ));
    }
    rest.and_then(labels_error)
}

/// `ValidateFQDN`: a host without wildcards.
pub(super) fn fqdn_error(name: &str) -> Option<String> {
    preconditions(name).or_else(|| labels_error(name))
}

/// `ValidatePort`.
pub(super) fn port_error(port: i128) -> Option<String> {
    (!(1..=65535).contains(&port))
        .then(|| format!("port number {port} must be in the range 1..65535"))
}

/// `ValidateIPSubnet`: a CIDR block or a bare address, as Go's `netip` reads them.
pub(super) fn subnet_error(subnet: &str) -> Option<String> {
    if subnet.matches('/').count() == 1 {
        ip::parse_cidr(subnet)
            .is_none()
            .then(|| format!("{subnet} is not a valid CIDR block"))
    } else {
        ip::parse_ip(subnet)
            .is_none()
            .then(|| format!("{subnet} is not a valid IP"))
    }
}

/// `validateSubsetName`.
pub(super) fn subset_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("subset name cannot be empty".into())
    } else if !is_label(name) {
        Some(format!("subset name is invalid: {name}"))
    } else {
        None
    }
}

/// `labels.Instance.Validate`: keys are `[prefix/]name`, values qualified names or empty.
pub(super) fn label_errors(labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut errors = Vec::new();
    for (key, value) in labels {
        if let Some(problem) = key_problem(key) {
            errors.push(format!("invalid tag key: {}{problem}", quoted(key)));
        }
        if !value.is_empty() && !is_qualified_name(value) {
            errors.push(format!("invalid tag value: {}", quoted(value)));
        }
    }
    errors
}

/// `None` for a valid key, else the suffix Istio adds to `invalid tag key: "…"`.
fn key_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| p.split('.').all(is_label_format));
    if !prefix_ok || !is_qualified_name(name) {
        return Some("");
    }
    if prefix.is_some_and(|p| p.len() > 253) {
        return Some(" (DNS prefix is too long)");
    }
    (name.len() > 63).then_some(" (name is too long)")
}

/// `(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn is_qualified_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// `host.Name.Matches`: the two hosts (either may be wildcarded) share a name.
pub(super) fn hosts_match(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(a_tail), Some(b_tail)) => a_tail.ends_with(b_tail) || b_tail.ends_with(a_tail),
        (Some(a_tail), None) => b.ends_with(a_tail),
        (None, Some(b_tail)) => a.ends_with(b_tail),
        (None, None) => a == b,
    }
}

/// `host.Name.SubsetOf`: every name `host` covers is covered by `of`.
pub(super) fn host_subset_of(host: &str, of: &str) -> bool {
    match (host.strip_prefix('*'), of.strip_prefix('*')) {
        (Some(tail), Some(of_tail)) => host.len() >= of.len() && tail.ends_with(of_tail),
        (Some(_), None) => false,
        (None, Some(of_tail)) => host.ends_with(of_tail),
        (None, None) => host == of,
    }
}

/// `validateGatewayNames`: `namespace/name`, or a legacy FQDN (which ends the check, as in
/// Istio).
pub(super) fn gateway_name_errors<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut errors = Vec::new();
    for name in names {
        let Some((namespace, gateway)) = name.split_once('/') else {
            errors.extend(fqdn_error(name));
            return errors;
        };
        if namespace.is_empty() || gateway.is_empty() {
            errors.push("config namespace and gateway name cannot be empty".into());
        }
        if !is_label(namespace) {
            errors.push(format!(
                "invalid value for namespace: {}",
                quoted(namespace)
            ));
        }
        if !is_label(gateway) {
            errors.push(format!(
                "invalid value for gateway name: {}",
                quoted(gateway)
            ));
        }
    }
    errors
}

/// `validateExportTo` for a VirtualService or DestinationRule (`~` is a ServiceEntry's only);
/// `with_selector` adds a DestinationRule's workload-selector rules.
pub(super) fn export_to_errors(
    namespace: &str,
    list: &[String],
    with_selector: bool,
) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for entry in list {
        let key = if entry == "." {
            namespace
        } else {
            entry.as_str()
        };
        if seen.contains(&key) {
            errors.push(if key == entry {
                format!("duplicate entries in exportTo for entry {entry}")
            } else {
                format!("duplicate entries in exportTo: . and current namespace {namespace}")
            });
        } else if key == "~" {
            errors.push("exportTo ~ (none) is not allowed for Istio configuration objects".into());
        } else if !matches!(key, "." | "*") && !is_label(key) {
            errors.push("only .,*, or a valid DNS 1123 label is allowed as exportTo entry".into());
        } else {
            seen.push(key);
        }
    }
    if with_selector && !seen.is_empty() {
        if !seen.contains(&namespace) {
            errors.push(
                "destination rule with workload selector cannot have exportTo beyond current namespace"
                    .into(),
            );
        } else if seen.len() > 1 {
            errors.push(
                "destination rule with workload selector cannot have multiple entries in exportTo"
                    .into(),
            );
        }
    }
    if seen.contains(&"*") && list.len() > 1 {
        errors.push(
            "cannot have both public (*) and non-public exportTo values for a resource".into(),
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_as_istio_reads_them() {
        for ok in [
            "db.example.com",
            "*.example.com",
            "*",
            "DB.Example.com",
            "db",
            "*db.example.com",
            "db.example.com.",
        ] {
            assert_eq!(wildcard_domain_error(ok), None, "{ok}");
        }
        for bad in [
            "",
            "a.*.example.com",
            "db_1.example.com",
            "203.0.113.7",
            "-db.example.com",
        ] {
            assert!(wildcard_domain_error(bad).is_some(), "{bad}");
        }
        assert_eq!(
            wildcard_domain_error("db_1.example.com").as_deref(),
            Some("domain name \"db_1.example.com\" invalid (label \"db_1\" invalid)")
        );
        assert!(fqdn_error("*.example.com").is_some());
        assert_eq!(fqdn_error("proxy.example.com"), None);
    }

    #[test]
    fn host_relations() {
        assert!(host_subset_of("db.example.com", "*.example.com"));
        assert!(host_subset_of("*.db.example.com", "*.example.com"));
        assert!(!host_subset_of("*.example.com", "db.example.com"));
        assert!(!host_subset_of("db.example.org", "*.example.com"));
        assert!(hosts_match("*.example.com", "*.com"));
        assert!(hosts_match("db.example.com", "*.example.com"));
        assert!(!hosts_match("db.example.com", "api.example.com"));
    }

    #[test]
    fn labels_and_export_to() {
        let labels = BTreeMap::from([
            ("app".to_owned(), "db".to_owned()),
            ("example.com/tier".to_owned(), String::new()),
            ("bad key".to_owned(), "v".to_owned()),
            ("k".to_owned(), "-v".to_owned()),
        ]);
        assert_eq!(
            label_errors(&labels),
            ["invalid tag key: \"bad key\"", "invalid tag value: \"-v\""]
        );
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(export_to_errors("apps", &list(&[".", "db", "*"]), false).len() == 1);
        assert_eq!(
            export_to_errors("apps", &list(&["apps", "."]), false),
            ["duplicate entries in exportTo: . and current namespace apps"]
        );
        assert_eq!(export_to_errors("apps", &list(&["~"]), false).len(), 1);
        assert_eq!(
            export_to_errors("apps", &list(&["."]), true),
            Vec::<String>::new()
        );
        assert_eq!(export_to_errors("apps", &list(&["db"]), true).len(), 1);
        assert_eq!(
            export_to_errors("apps", &list(&["Db"]), false),
            Vec::<String>::new()
        );
    }
}
