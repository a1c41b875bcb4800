//! Name syntax as Istio's webhook checks it: hosts (DNS names with an optional leading `*.`;
//! istio/istio `pkg/config/validation/agent/validation.go`, `ValidateWildcardDomain`), DNS-1123
//! labels (port names, exportTo namespaces) and Sidecar `namespace/host` imports
//! (`pkg/config/validation/validation.go`, `ValidateSidecar`).

/// Checks a ServiceEntry host. `Err` carries the offending label, as Istio's message does.
/// Rules: at most 255 characters; a `*` only as a whole leading label; every other label 1–63
/// letters, digits or inner `-`; the last label not all digits (so IP addresses are rejected).
pub(super) fn check_domain(host: &str) -> Result<(), String> {
    if host.is_empty() || host.len() > 255 {
        return Err(host.to_owned());
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        // A partial wildcard in the first label (`*foo`) is only warned about (MSH109); a `*` in
        // any later label is rejected.
        if i > 0 && label.contains('*') {
            return Err((*label).to_owned());
        }
        let inner = label.replace('*', "a");
        let valid = !label.is_empty()
            && label.len() <= 63
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !inner.starts_with('-')
            && !inner.ends_with('-')
            && !(i + 1 == labels.len()
                && labels.len() > 1
                && label.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            return Err((*label).to_owned());
        }
    }
    Ok(())
}

/// A `*` anywhere but as the whole first label: `*foo.example.com`, `a.*.example.com`.
pub(super) fn is_partial_wildcard(host: &str) -> bool {
    host.strip_prefix("*.").unwrap_or(host).contains('*')
}

/// A DNS-1123 label: 1–63 lower-case letters, digits and inner `-`.
pub(super) fn is_dns_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// Istio's message for a bad Sidecar egress host (`namespace/dnsName`), or `None` when valid.
pub(super) fn sidecar_host_error(entry: &str) -> Option<String> {
    let Some((namespace, name)) = entry.split_once('/') else {
        return Some("host must be of form namespace/dnsName".into());
    };
    let namespace_ok =
        matches!(namespace, "." | "*" | "~") || is_dns_label(namespace.trim_start_matches('~'));
    if !namespace_ok {
        return Some(format!(
            "invalid namespace value \"{namespace}\" in sidecar"
        ));
    }
    if name == "*" {
        return None;
    }
    if is_partial_wildcard(name) {
        return Some(format!("partial wildcard \"{name}\" not allowed"));
    }
    if !name.trim_start_matches("*.").contains('.') {
        return Some("short names (non FQDN) are not allowed".into());
    }
    check_domain(name)
        .err()
        .map(|label| format!("domain name \"{name}\" invalid (label \"{label}\" invalid)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for ok in [
            "db.example.com",
            "*.example.com",
            "db",
            "DB.Example.com",
            "a-b.example.com",
            "*foo.example.com",
        ] {
            assert_eq!(check_domain(ok), Ok(()), "{ok}");
        }
        for (bad, label) in [
            ("203.0.113.7", "7"),
            ("-db.example.com", "-db"),
            ("db..example.com", ""),
            ("db_1.example.com", "db_1"),
            ("a.*.example.com", "*"),
        ] {
            assert_eq!(check_domain(bad), Err(label.to_owned()), "{bad}");
        }
        assert!(is_partial_wildcard("*foo.example.com"));
        assert!(!is_partial_wildcard("*.example.com"));
    }

    #[test]
    fn sidecar_hosts() {
        for ok in [
            "./*",
            "*/*",
            "istio-system/*",
            "default/db.example.com",
            "*/*.example.com",
            "~/*",
        ] {
            assert_eq!(sidecar_host_error(ok), None, "{ok}");
        }
        assert_eq!(
            sidecar_host_error("db.example.com").as_deref(),
            Some("host must be of form namespace/dnsName")
        );
        assert_eq!(
            sidecar_host_error("ns/db").as_deref(),
            Some("short names (non FQDN) are not allowed")
        );
        assert_eq!(
            sidecar_host_error("Bad_NS/db.example.com").as_deref(),
            Some("invalid namespace value \"Bad_NS\" in sidecar")
        );
        assert_eq!(
            sidecar_host_error("ns/*db.example.com").as_deref(),
            Some("partial wildcard \"*db.example.com\" not allowed")
        );
    }
}
