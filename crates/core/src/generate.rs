//! Builds the ServiceEntry the blog post asks for: the host, its addresses as host routes
//! (`/32`, `/128`), explicit TCP-class ports, `MESH_EXTERNAL`. Pure: DNS happens before, output
//! after, so the same inputs always give byte-identical documents.

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::address_class::AddressClass;
use crate::pinning::{ALLOWED_ANNOTATION, AllowedClasses};

use crate::model::{
    Location, ObjectMeta, Resolution, ServiceEntry, ServiceEntrySpec, ServicePort, WorkloadEntry,
};

/// Everything `gen serviceentry` decided before building the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPlan {
    /// `apiVersion`, e.g. `networking.istio.io/v1`.
    pub api_version: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, only when the user gave `-n`.
    pub namespace: Option<String>,
    /// The single host.
    pub host: String,
    /// Port numbers, in the order given.
    pub ports: Vec<u16>,
    /// Istio protocol name, e.g. `TCP`.
    pub protocol: String,
    /// `spec.resolution`.
    pub resolution: Resolution,
    /// Provenance annotations (empty unless `--annotate`).
    pub annotations: BTreeMap<String, String>,
}

/// Why a plan cannot become a ServiceEntry Istio would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Istio rejects CIDR blocks unless resolution is NONE or STATIC.
    #[error(
        "`{0}` is a CIDR block; Istio allows CIDR addresses only with resolution NONE or STATIC"
    )]
    CidrWithDns(IpNet),
    /// A wildcard host needs endpoints for DNS resolution.
    #[error(
        "`{0}` is a wildcard host; Istio requires a plain host name for resolution DNS without endpoints"
    )]
    WildcardWithDns(String),
    /// No addresses at all.
    #[error("no addresses: give --address or let meshctl resolve the host")]
    NoAddresses,
}

/// Normalizes a user-given address: a bare IP becomes its host route (`/32`, `/128`). A CIDR
/// with host bits set (`203.0.113.7/24`) is refused with both readings, never silently
/// truncated: it is usually a host meant as `/32`, the mistake MSH203 exists to catch.
///
/// # Errors
/// A message when the text is neither an IP address nor a CIDR block, or has host bits set.
pub fn parse_address(text: &str) -> Result<IpNet, String> {
    if let Some(ip) = crate::ip::parse_ip(text) {
        return Ok(IpNet::from(ip));
    }
    let net = crate::ip::parse_cidr(text)
        .ok_or_else(|| format!("`{text}` is not an IP address or CIDR block"))?;
    if net.trunc() != net {
        return Err(format!(
            "`{text}` has host bits set: write `{}` for the host {} alone, or `{}` for the whole network",
            IpNet::from(net.addr()),
            net.addr(),
            net.trunc()
        ));
    }
    Ok(net)
}

/// Builds the ServiceEntry. Addresses are sorted (IPv4 first) and de-duplicated.
///
/// With resolution DNS/DNS_ROUND_ROBIN the addresses are written as bare IPs, because Istio
/// rejects anything containing `/` there; a bare IP is the same match as its `/32`.
/// With STATIC the addresses are both the match (`addresses`) and the upstream (`endpoints`).
///
/// # Errors
/// [`PlanError`] for combinations Istio's admission would reject.
pub fn service_entry(plan: &EntryPlan, addresses: &[IpNet]) -> Result<ServiceEntry, PlanError> {
    let mut nets: Vec<IpNet> = addresses.to_vec();
    nets.sort_by_key(|n| (n.addr().is_ipv6(), n.addr(), n.prefix_len()));
    nets.dedup();
    if nets.is_empty() {
        return Err(PlanError::NoAddresses);
    }
    let dns_mode = matches!(plan.resolution, Resolution::Dns | Resolution::DnsRoundRobin);
    if dns_mode {
        if let Some(cidr) = nets.iter().find(|n| n.prefix_len() != n.max_prefix_len()) {
            return Err(PlanError::CidrWithDns(*cidr));
        }
        if plan.host.contains('*') {
            return Err(PlanError::WildcardWithDns(plan.host.clone()));
        }
    }
    let written: Vec<String> = nets
        .iter()
        .map(|n| {
            if dns_mode {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect();
    let endpoints = if plan.resolution == Resolution::Static {
        nets.iter()
            .map(|n| WorkloadEntry {
                address: Some(n.addr().to_string()),
                ..WorkloadEntry::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    let lower = plan.protocol.to_ascii_lowercase();
    let ports = plan
        .ports
        .iter()
        .map(|&number| ServicePort {
            number: u32::from(number),
            name: if plan.ports.len() == 1 {
                lower.clone()
            } else {
                format!("{lower}-{number}")
            },
            protocol: Some(plan.protocol.clone()),
            target_port: None,
        })
        .collect();
    Ok(ServiceEntry {
        api_version: plan.api_version.clone(),
        kind: "ServiceEntry".into(),
        metadata: ObjectMeta {
            name: plan.name.clone(),
            namespace: plan.namespace.clone(),
            annotations: plan.annotations.clone(),
            ..ObjectMeta::default()
        },
        spec: ServiceEntrySpec {
            hosts: vec![plan.host.clone()],
            addresses: written,
            ports,
            location: Some(Location::MeshExternal),
            resolution: Some(plan.resolution),
            endpoints,
            ..ServiceEntrySpec::default()
        },
        status: None,
    })
}

/// Records the host the addresses were resolved from, under
/// [`crate::sync::RESOLVE_ANNOTATION`], so `meshctl sync` knows the entry is meshctl's to keep
/// true. Only for addresses that came from DNS: addresses the user typed have no source to
/// follow, and an annotation would let `sync` overwrite them.
pub fn record_source(annotations: &mut BTreeMap<String, String>, host: &str) {
    annotations.insert(
        crate::sync::RESOLVE_ANNOTATION.to_owned(),
        host.trim_end_matches('.').to_ascii_lowercase(),
    );
}

/// Records, under [`crate::pinning::ALLOWED_ANNOTATION`], the refused address classes among
/// `addresses` that `allowed` let through, so the choice stays visible in review and `check`
/// and `sync` honour it; nothing when none was used.
pub fn record_allowed(
    annotations: &mut BTreeMap<String, String>,
    allowed: AllowedClasses,
    addresses: &[IpNet],
) {
    let mut used = AllowedClasses::NONE;
    for class in addresses.iter().filter_map(|n| AddressClass::of_net(*n)) {
        if class.refused_by_default() && allowed.contains(class) {
            used.insert(class);
        }
    }
    if !used.is_empty() {
        annotations.insert(ALLOWED_ANNOTATION.to_owned(), used.to_string());
    }
}

/// A DNS-1123 label from host and port: `db.example.com` + 3306 → `db-example-com-3306`.
#[must_use]
pub fn default_name(host: &str, port: u16) -> String {
    let mut name: String = host
        .trim_start_matches("*.")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let suffix = format!("-{port}");
    name.truncate(63 - suffix.len());
    let mut name = name.trim_matches('-').to_owned();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    if name.is_empty() {
        name.push_str("external");
    }
    name + &suffix
}

/// Checks `--name` is a valid Kubernetes object name (DNS-1123 subdomain).
///
/// # Errors
/// A message saying what a valid name looks like.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid name: use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(resolution: Resolution, ports: Vec<u16>) -> EntryPlan {
        EntryPlan {
            api_version: "networking.istio.io/v1".into(),
            name: "db-example-com-3306".into(),
            namespace: None,
            host: "db.example.com".into(),
            ports,
            protocol: "TCP".into(),
            resolution,
            annotations: BTreeMap::new(),
        }
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|s| parse_address(s).expect("address"))
            .collect()
    }

    #[test]
    fn addresses_become_sorted_unique_host_routes() {
        let se = service_entry(
            &plan(Resolution::None, vec![3306]),
            &nets(&[
                "2001:db8::7",
                "203.0.113.8",
                "203.0.113.7",
                "203.0.113.8/32",
            ]),
        )
        .expect("valid");
        assert_eq!(
            se.spec.addresses,
            ["203.0.113.7/32", "203.0.113.8/32", "2001:db8::7/128"]
        );
        assert_eq!(se.spec.ports[0].name, "tcp");
        assert_eq!(se.spec.ports[0].protocol.as_deref(), Some("TCP"));
        assert_eq!(se.spec.location, Some(Location::MeshExternal));
    }

    #[test]
    fn several_ports_get_unique_names() {
        let se = service_entry(
            &plan(Resolution::None, vec![3306, 33060]),
            &nets(&["203.0.113.7"]),
        )
        .expect("valid");
        let names: Vec<_> = se.spec.ports.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["tcp-3306", "tcp-33060"]);
    }

    #[test]
    fn dns_mode_writes_bare_ips_and_refuses_cidrs() {
        let se = service_entry(&plan(Resolution::Dns, vec![3306]), &nets(&["203.0.113.7"]))
            .expect("valid");
        assert_eq!(se.spec.addresses, ["203.0.113.7"]);
        let err = service_entry(
            &plan(Resolution::Dns, vec![3306]),
            &nets(&["203.0.113.0/24"]),
        )
        .expect_err("cidr");
        assert_eq!(
            err,
            PlanError::CidrWithDns("203.0.113.0/24".parse().expect("net"))
        );
    }

    #[test]
    fn static_mode_lists_endpoints() {
        let se = service_entry(
            &plan(Resolution::Static, vec![3306]),
            &nets(&["203.0.113.7"]),
        )
        .expect("valid");
        assert_eq!(se.spec.endpoints[0].address.as_deref(), Some("203.0.113.7"));
    }

    #[test]
    fn cidr_host_bits_are_refused_with_both_readings_and_junk_rejected() {
        let err = parse_address("203.0.113.7/24").expect_err("host bits");
        assert!(
            err.contains("`203.0.113.7/32`") && err.contains("`203.0.113.0/24`"),
            "{err}"
        );
        assert_eq!(
            parse_address("203.0.113.0/24"),
            Ok("203.0.113.0/24".parse().expect("net"))
        );
        assert!(parse_address("10.0.0.300/32").is_err());
        assert!(parse_address("db.example.com").is_err());
    }

    #[test]
    fn the_source_host_is_recorded_for_sync() {
        let mut p = plan(Resolution::None, vec![3306]);
        record_source(&mut p.annotations, "DB.example.com.");
        let se = service_entry(&p, &nets(&["203.0.113.7"])).expect("valid");
        assert_eq!(
            se.metadata
                .annotations
                .get("meshctl.dev/resolve")
                .map(String::as_str),
            Some("db.example.com")
        );
    }

    #[test]
    fn only_the_allowed_classes_in_use_are_recorded() {
        let allowed = AllowedClasses::parse_list("link-local, loopback").expect("classes");
        let mut annotations = BTreeMap::new();
        record_allowed(
            &mut annotations,
            allowed,
            &nets(&["203.0.113.7", "10.0.0.7"]),
        );
        assert!(annotations.is_empty(), "{annotations:?}");
        record_allowed(
            &mut annotations,
            allowed,
            &nets(&["169.254.169.254", "::ffff:169.254.169.253", "203.0.113.7"]),
        );
        assert_eq!(
            annotations.get(ALLOWED_ANNOTATION).map(String::as_str),
            Some("link-local")
        );
    }

    #[test]
    fn default_names_are_dns_labels() {
        assert_eq!(default_name("db.example.com", 3306), "db-example-com-3306");
        assert_eq!(
            default_name("*.rds.example.com", 5432),
            "rds-example-com-5432"
        );
        let long = default_name(&"a".repeat(100), 3306);
        assert!(long.len() <= 63 && long.ends_with("-3306"));
        assert!(check_name("db-example-com-3306").is_ok());
        assert!(check_name("DB").is_err());
        assert!(check_name("-x").is_err());
    }
}
