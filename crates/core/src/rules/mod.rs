//! The rule registry: every check meshctl knows, with a stable code, a kebab-case name that names
//! the flagged pattern, a default severity, a one-line summary and a full explanation.
//! Codes are a public contract (CI configs and suppressions name them): never renumber or reuse.

use crate::diagnostic::Severity;

/// Static facts about a rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// `MSH204`.
    pub code: &'static str,
    /// `broad-cidr`.
    pub name: &'static str,
    /// Severity unless the finding raises it.
    pub severity: Severity,
    /// One line for `--list-rules` and SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown with the sections What it does / Why it matters / Example / Use instead.
    pub explanation: &'static str,
}

macro_rules! rules {
    ($($variant:ident => $code:literal, $name:literal, $severity:ident, $summary:literal;)*) => {
        /// Every rule, in code order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        impl Rule {
            /// All rules in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The rule's registry entry.
            #[must_use]
            pub fn info(self) -> &'static RuleInfo {
                match self {
                    $(Rule::$variant => &RuleInfo {
                        code: $code,
                        name: $name,
                        severity: Severity::$severity,
                        summary: $summary,
                        explanation: include_str!(concat!("docs/", $code, ".md")),
                    },)*
                }
            }
        }
    };
}

rules! {
    ParseError => "MSH001", "parse-error", Error, "The file is not valid YAML/JSON, exceeds a parse budget, or a document is not a mapping.";
    SchemaViolation => "MSH002", "schema-violation", Error, "The resource violates Istio's CRD schema (unknown field, type, enum, required field, limit).";
    InvalidHost => "MSH101", "invalid-host", Error, "A host Istio's webhook rejects, including an IP address in `hosts`.";
    InvalidAddress => "MSH102", "invalid-address", Error, "An `addresses` entry that is neither an IP address nor a CIDR block.";
    CidrWithDnsResolution => "MSH103", "cidr-with-dns-resolution", Error, "CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.";
    InvalidPort => "MSH104", "invalid-port", Error, "A port out of range, duplicated, badly named or with an unknown protocol.";
    InvalidEndpoints => "MSH105", "invalid-endpoints", Error, "Endpoints that do not fit the resolution mode or the entry's ports.";
    MultipleHostsNonHttp => "MSH106", "multiple-hosts-non-http", Error, "Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.";
    WildcardHostWithDns => "MSH107", "wildcard-host-with-dns", Error, "A wildcard host with DNS resolution and no endpoints.";
    InvalidExportTo => "MSH108", "invalid-export-to", Error, "An `exportTo` list Istio rejects.";
    AdmissionWarning => "MSH109", "admission-warning", Warning, "A configuration Istio accepts with a warning.";
    InvalidSidecar => "MSH110", "invalid-sidecar", Error, "A Sidecar Istio's webhook rejects, or two selector-less Sidecars in one namespace.";
    HostsIgnoredForTcp => "MSH201", "hosts-ignored-for-tcp", Warning, "A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.";
    MissingCidr => "MSH202", "missing-cidr", Warning, "An address written as a bare IP where a CIDR block is expected.";
    CidrHostBitsSet => "MSH203", "cidr-host-bits-set", Warning, "A CIDR block with host bits set, which means a different, wider block.";
    BroadCidr => "MSH204", "broad-cidr", Warning, "A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.";
    UnspecifiedProtocol => "MSH205", "unspecified-protocol", Warning, "A port without `protocol`: the sidecar sniffs it and server-first protocols hang.";
    PortNameProtocolMismatch => "MSH206", "port-name-protocol-mismatch", Warning, "A port name that suggests a protocol the `protocol` field does not set.";
    TlsEntryWithIp => "MSH207", "tls-entry-with-ip", Info, "A TLS port on a plain IP address: SNI is not checked there.";
    StaticWithoutEndpoints => "MSH208", "static-without-endpoints", Warning, "Resolution STATIC without endpoints: matched traffic has nowhere to go.";
    ReservedPort => "MSH209", "reserved-port", Warning, "A port the sidecar itself uses (15000-15090).";
    ExternalHostMeshInternal => "MSH210", "external-host-mesh-internal", Info, "An external service declared MESH_INTERNAL.";
    DynamicIpProvider => "MSH301", "dynamic-ip-provider", Warning, "A host at a provider whose IPs change, pinned to fixed addresses.";
    AddressDrift => "MSH302", "address-drift", Warning, "The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.";
    ShortTtl => "MSH303", "short-ttl", Warning, "The host's DNS TTL is below --min-ttl: its addresses may change soon.";
    CnameToDynamicProvider => "MSH304", "cname-to-dynamic-provider", Warning, "The host is a CNAME to a provider whose IPs change.";
    UnresolvableHost => "MSH305", "unresolvable-host", Warning, "The host does not resolve.";
    RotatingAnswers => "MSH306", "rotating-answers", Warning, "Repeated DNS queries return different address sets.";
    DnsAddressesNotDialled => "MSH307", "dns-addresses-not-dialled", Warning, "Resolution DNS with addresses the host's DNS does not return: clients dial other IPs.";
    ManagedAddressDrift => "MSH308", "managed-address-drift", Error, "A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).";
    ShadowedTcpEntry => "MSH401", "shadowed-tcp-entry", Error, "Two entries on the same listener key: only the first is used.";
    OverlappingCidrs => "MSH402", "overlapping-cidrs", Info, "Entries with overlapping CIDR blocks on one port: the longest prefix wins.";
    MixedProtocolsOnPort => "MSH403", "mixed-protocols-on-port", Warning, "Entries with different protocols share a port without addresses.";
    ConflictingProtocol => "MSH404", "conflicting-protocol", Warning, "The same host and port declared with different protocols.";
    DuplicateResource => "MSH405", "duplicate-resource", Error, "Two resources with the same kind, namespace and name.";
    RegistryOnlyDisabled => "MSH501", "registry-only-disabled", Info, "The mesh allows any outbound traffic, so entries restrict nothing.";
    EntryNotVisible => "MSH502", "entry-not-visible", Info, "exportTo or Sidecar imports hide the entry from every namespace in the inputs.";
}

impl Rule {
    /// `MSH204`.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// `broad-cidr`.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The rule's default severity.
    #[must_use]
    pub fn default_severity(self) -> Severity {
        self.info().severity
    }

    /// Looks a rule up by code (`MSH204`) or name (`broad-cidr`), case-insensitively.
    #[must_use]
    pub fn find(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(text) || r.name().eq_ignore_ascii_case(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and in order");
        for rule in Rule::ALL {
            let info = rule.info();
            assert!(
                info.code.len() == 6 && info.code.starts_with("MSH"),
                "{}",
                info.code
            );
            assert!(
                info.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                info.name
            );
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Use instead",
            ] {
                assert!(
                    info.explanation.contains(section),
                    "{} lacks {section}",
                    info.code
                );
            }
        }
    }
}

mod admission;
mod conflicts;
pub mod dns;
mod host;
mod input;
mod scope;
pub mod select;
mod tcp;
mod views;

pub use dns::DnsFacts;
pub use select::Selection;
pub use tcp::SERVER_FIRST_PORTS;

use crate::diagnostic::Diagnostic;
use crate::load::{Inputs, Loaded};
use crate::model::Resource;

/// Everything the rules read: the inputs, thresholds, and DNS facts when `--dns` asked for them.
#[derive(Debug)]
pub struct Context<'a> {
    /// The loaded inputs (and their load problems, reported as MSH001/MSH002).
    pub inputs: &'a Inputs,
    /// Extra server-first ports for MSH205.
    pub server_first_ports: Vec<u16>,
    /// MSH204 thresholds.
    pub max_ipv4_prefix: u8,
    /// MSH204 thresholds.
    pub max_ipv6_prefix: u8,
    /// MSH303 threshold in seconds.
    pub min_ttl: u32,
    /// Sidecars proxy DNS (mesh `ISTIO_META_DNS_CAPTURE`), so auto-allocated VIPs are used.
    pub dns_capture: bool,
    /// DNS answers per host, with `--dns`.
    pub dns: Option<&'a DnsFacts>,
    /// Mesh settings for the engine's view (policy, root namespace, default exportTo).
    pub mesh: crate::engine::MeshSettings,
}

impl<'a> Context<'a> {
    /// A context with the documented defaults.
    #[must_use]
    pub fn new(inputs: &'a Inputs) -> Context<'a> {
        Context {
            inputs,
            server_first_ports: Vec::new(),
            max_ipv4_prefix: 24,
            max_ipv6_prefix: 64,
            min_ttl: 300,
            dns_capture: inputs.mesh_dns_capture(),
            dns: None,
            mesh: inputs
                .mesh_configs
                .first()
                .map(crate::engine::MeshSettings::from_mesh_config)
                .unwrap_or_default(),
        }
    }
}

/// Runs every rule family and applies the selection and per-resource suppressions.
/// Pure: DNS answers come in through the context. The result is sorted.
#[must_use]
pub fn check(cx: &Context<'_>, selection: &Selection) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    input::check(cx.inputs, &mut found);
    admission::check(cx.inputs, &mut found);
    tcp::check(cx, &mut found);
    dns::check(cx, &mut found);
    let views = views::Views::new(cx.inputs, &cx.mesh, cx.dns_capture);
    conflicts::check(cx, &views, &mut found);
    scope::check(cx, &views, &mut found);
    let suppressions: Vec<(String, Vec<Rule>)> = cx
        .inputs
        .service_entries
        .iter()
        .map(|l| {
            (
                l.resource.describe(),
                select::suppressed_by(&l.resource.metadata.annotations),
            )
        })
        .chain(cx.inputs.sidecars.iter().map(|l| {
            (
                l.resource.describe(),
                select::suppressed_by(&l.resource.metadata.annotations),
            )
        }))
        .filter(|(_, rules)| !rules.is_empty())
        .collect();
    found.retain(|d| {
        selection.enabled(d.rule)
            && !suppressions.iter().any(|(resource, rules)| {
                d.resource.as_deref() == Some(resource) && rules.contains(&d.rule)
            })
    });
    crate::diagnostic::sort(&mut found);
    found
}

/// A diagnostic about `loaded` at field `path`, with the rule's default severity.
fn finding<T: Resource>(loaded: &Loaded<T>, rule: Rule, path: &str, message: String) -> Diagnostic {
    Diagnostic {
        rule,
        severity: rule.default_severity(),
        message,
        origin: loaded.locate(path),
        resource: Some(loaded.resource.describe()),
        help: None,
    }
}
