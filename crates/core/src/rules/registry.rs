//! The rule registry: one row per rule with its stable code, a kebab-case name that names the
//! flagged pattern, the default severity, the check function (whose kind says what it reads,
//! including whether it needs DNS) and a one-line summary; the full explanation is
//! `docs/MSHNNN.md`. Codes are a public contract (CI configs and suppressions name them): never
//! renumber or reuse.
//!
//! This file imports the rule files; rule files never import it (the runner hands them a
//! [`Findings`] already bound to their rule), which keeps the module free of import cycles.

use super::context::Context;
use super::dns::facts::DnsFacts;
use super::findings::Findings;
use super::severity::Severity;
use super::views::Views;
use crate::load::Inputs;

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
    /// The rule compares entries with live DNS answers, so it runs only when the caller gathered
    /// them (`check --dns`).
    pub needs_dns: bool,
}

/// A rule's check function. The variant says what the function reads, and so when it can run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CheckFn {
    /// Only the documents and load problems: what the API server and Istio's validating webhook
    /// decide. These run in [`admission`](super::gate::admission), before any lint.
    Admission(fn(&Inputs, &mut Findings)),
    /// The documents plus the context (thresholds, mesh settings, DNS capture).
    Lint(fn(&Context<'_>, &mut Findings)),
    /// The decision engine's compiled view of each namespace as well, compiled once per run.
    Views(fn(&Context<'_>, &Views<'_>, &mut Findings)),
    /// Live DNS answers as well; skipped when the context has none.
    Dns(fn(&Context<'_>, &DnsFacts, &mut Findings)),
    /// The suppression annotations, each code classified against the other rules' findings
    /// before suppression: runs after them.
    Suppressions(fn(&[super::input::msh005_unused_suppression::Listed], &mut Findings)),
    /// Found by another command, named here (`meshctl sync --check` plans every managed entry
    /// against DNS); `check` lists and explains the rule but never runs it.
    Reported(&'static str),
}

/// `true` for the `Dns` kind of check function: the `needs_dns` column, read off the row.
macro_rules! needs_dns {
    (Dns) => {
        true
    };
    ($kind:ident) => {
        false
    };
}

/// The `CheckFn` of a row: a rule file's `check`, or the command that reports the rule.
macro_rules! check_fn {
    (Reported($by:literal)) => {
        CheckFn::Reported($by)
    };
    ($kind:ident($($check:ident)::+)) => {
        CheckFn::$kind(super::$($check)::+::check)
    };
}

macro_rules! rules {
    ($(
        $variant:ident => $code:literal, $name:literal, $severity:ident,
        $kind:ident($($check:tt)+), $summary:literal;
    )*) => {
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
                        needs_dns: needs_dns!($kind),
                    },)*
                }
            }

            /// The function that finds this rule's problems.
            pub(crate) fn check_fn(self) -> CheckFn {
                match self {
                    $(Rule::$variant => check_fn!($kind($($check)+)),)*
                }
            }
        }
    };
}

rules! {
    ParseError => "MSH001", "parse-error", Error, Admission(input::msh001_parse_error),
        "The file is not valid YAML/JSON or exceeds a parse budget.";
    SchemaViolation => "MSH002", "schema-violation", Error, Admission(input::msh002_schema_violation),
        "The resource violates Istio's CRD schema (unknown field, type, enum, required field, limit).";
    MisspelledIstioKind => "MSH003", "misspelled-istio-kind", Warning,
        Lint(input::msh003_misspelled_istio_kind),
        "A kind or API group a few letters from an Istio networking one, so Istio never sees it.";
    NothingChecked => "MSH004", "nothing-checked", Warning, Lint(input::msh004_nothing_checked),
        "No ServiceEntry, Sidecar or mesh configuration was found in the inputs.";
    UnusedSuppression => "MSH005", "unused-suppression", Warning,
        Suppressions(input::msh005_unused_suppression),
        "A suppression annotation naming an unknown code, or a rule that found nothing there.";
    InvalidHost => "MSH101", "invalid-host", Error, Admission(admission::msh101_invalid_host),
        "A host Istio's webhook rejects, including an IP address in `hosts`.";
    InvalidAddress => "MSH102", "invalid-address", Error, Admission(admission::msh102_invalid_address),
        "An `addresses` entry that is neither an IP address nor a CIDR block.";
    CidrWithDnsResolution => "MSH103", "cidr-with-dns-resolution", Error,
        Admission(admission::msh103_cidr_with_dns_resolution),
        "CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.";
    InvalidPort => "MSH104", "invalid-port", Error, Admission(admission::msh104_invalid_port),
        "A port out of range, duplicated, badly named or with an unknown protocol.";
    InvalidEndpoints => "MSH105", "invalid-endpoints", Error,
        Admission(admission::msh105_invalid_endpoints),
        "Endpoints that do not fit the resolution mode or the entry's ports.";
    MultipleHostsNonHttp => "MSH106", "multiple-hosts-non-http", Error,
        Admission(admission::msh106_multiple_hosts_non_http),
        "Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.";
    WildcardHostWithDns => "MSH107", "wildcard-host-with-dns", Error,
        Admission(admission::msh107_wildcard_host_with_dns),
        "A wildcard host with DNS resolution and no endpoints.";
    InvalidExportTo => "MSH108", "invalid-export-to", Error,
        Admission(admission::msh108_invalid_export_to),
        "An `exportTo` list Istio rejects.";
    AdmissionWarning => "MSH109", "admission-warning", Warning,
        Admission(admission::msh109_admission_warning),
        "A configuration Istio accepts with a warning.";
    InvalidSidecar => "MSH110", "invalid-sidecar", Error, Admission(admission::msh110_invalid_sidecar),
        "A Sidecar Istio's webhook rejects, or two selector-less Sidecars in one namespace.";
    InvalidResourceName => "MSH111", "invalid-resource-name", Error,
        Admission(admission::msh111_invalid_resource_name),
        "A `metadata.name` or `metadata.namespace` the Kubernetes API server rejects.";
    HostsIgnoredForTcp => "MSH201", "hosts-ignored-for-tcp", Error,
        Lint(tcp::msh201_hosts_ignored_for_tcp),
        "A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.";
    MissingCidr => "MSH202", "missing-cidr", Warning, Lint(tcp::msh202_missing_cidr),
        "An address written as a bare IP where a CIDR block is expected.";
    CidrHostBitsSet => "MSH203", "cidr-host-bits-set", Warning, Lint(tcp::msh203_cidr_host_bits_set),
        "A CIDR block with host bits set, which means a different, wider block.";
    BroadCidr => "MSH204", "broad-cidr", Warning, Lint(tcp::msh204_broad_cidr),
        "A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.";
    UnspecifiedProtocol => "MSH205", "unspecified-protocol", Warning,
        Lint(tcp::msh205_unspecified_protocol),
        "A port without `protocol`: the sidecar sniffs it and server-first protocols hang.";
    PortNameProtocolMismatch => "MSH206", "port-name-protocol-mismatch", Warning,
        Lint(tcp::msh206_port_name_protocol_mismatch),
        "A port name that suggests a protocol the `protocol` field does not set.";
    TlsEntryWithIp => "MSH207", "tls-entry-with-ip", Info, Lint(tcp::msh207_tls_entry_with_ip),
        "A TLS port on a plain IP address: SNI is not checked there.";
    StaticWithoutEndpoints => "MSH208", "static-without-endpoints", Warning,
        Lint(tcp::msh208_static_without_endpoints),
        "Resolution STATIC without endpoints: matched traffic has nowhere to go.";
    ReservedPort => "MSH209", "reserved-port", Warning, Lint(tcp::msh209_reserved_port),
        "A port the sidecar itself uses (15000-15090).";
    ExternalHostMeshInternal => "MSH210", "external-host-mesh-internal", Info,
        Lint(tcp::msh210_external_host_mesh_internal),
        "An external service declared MESH_INTERNAL.";
    LoopbackAddress => "MSH211", "loopback-address", Error, Lint(tcp::msh211_loopback_address),
        "A pinned address or endpoint in loopback space (127.0.0.0/8, ::1): it matches nothing, or forwards to the pod itself.";
    LinkLocalAddress => "MSH212", "link-local-address", Error, Lint(tcp::msh212_link_local_address),
        "A pinned address or endpoint in link-local space (169.254.0.0/16, fe80::/10), the cloud metadata service's.";
    MulticastAddress => "MSH213", "multicast-address", Warning, Lint(tcp::msh213_multicast_address),
        "A pinned address or endpoint in multicast space (224.0.0.0/4, ff00::/8): TCP cannot reach it.";
    BroadcastAddress => "MSH214", "broadcast-address", Warning, Lint(tcp::msh214_broadcast_address),
        "A pinned address or endpoint of 255.255.255.255: TCP cannot reach it.";
    UnspecifiedEndpoint => "MSH215", "unspecified-endpoint", Error, Lint(tcp::msh215_unspecified_endpoint),
        "An endpoint of 0.0.0.0 or ::, which reaches the pod itself (a DNS filter's \"blocked\" answer).";
    DynamicIpProvider => "MSH301", "dynamic-ip-provider", Warning, Lint(dns::msh301_dynamic_ip_provider),
        "A host at a provider whose IPs change, pinned to fixed addresses.";
    AddressDrift => "MSH302", "address-drift", Warning, Dns(dns::msh302_address_drift),
        "The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.";
    ShortTtl => "MSH303", "short-ttl", Warning, Dns(dns::msh303_short_ttl),
        "The host's DNS TTL is below --min-ttl: its addresses may change soon.";
    CnameToDynamicProvider => "MSH304", "cname-to-dynamic-provider", Warning,
        Dns(dns::msh304_cname_to_dynamic_provider),
        "The host is a CNAME to a provider whose IPs change.";
    UnresolvableHost => "MSH305", "unresolvable-host", Warning, Dns(dns::msh305_unresolvable_host),
        "The host does not resolve.";
    RotatingAnswers => "MSH306", "rotating-answers", Warning, Dns(dns::msh306_rotating_answers),
        "Repeated DNS queries return different address sets.";
    DnsAddressesNotDialled => "MSH307", "dns-addresses-not-dialled", Warning,
        Dns(dns::msh307_dns_addresses_not_dialled),
        "Resolution DNS with addresses the host's DNS does not return: clients dial other IPs.";
    ManagedAddressDrift => "MSH308", "managed-address-drift", Error, Reported("meshctl sync --check"),
        "A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).";
    ManyPinnedAddresses => "MSH309", "many-pinned-addresses", Warning,
        Lint(dns::msh309_many_pinned_addresses),
        "An entry pins more than 8 host addresses: a pool that large rotates, so the pins go stale.";
    ShadowedTcpEntry => "MSH401", "shadowed-tcp-entry", Error, Views(conflicts::msh401_shadowed_tcp_entry),
        "Two entries on the same listener key: only the first is used.";
    OverlappingCidrs => "MSH402", "overlapping-cidrs", Info, Views(conflicts::msh402_overlapping_cidrs),
        "Entries with overlapping CIDR blocks on one port: the longest prefix wins.";
    MixedProtocolsOnPort => "MSH403", "mixed-protocols-on-port", Warning,
        Views(conflicts::msh403_mixed_protocols_on_port),
        "Entries with different protocols share a port without addresses.";
    ConflictingProtocol => "MSH404", "conflicting-protocol", Warning,
        Views(conflicts::msh404_conflicting_protocol),
        "The same host and port declared with different protocols.";
    DuplicateResource => "MSH405", "duplicate-resource", Error, Lint(conflicts::msh405_duplicate_resource),
        "Two resources with the same kind, namespace and name.";
    RegistryOnlyDisabled => "MSH501", "registry-only-disabled", Info,
        Lint(scope::msh501_registry_only_disabled),
        "The mesh allows any outbound traffic, so entries restrict nothing.";
    EntryNotVisible => "MSH502", "entry-not-visible", Info, Views(scope::msh502_entry_not_visible),
        "exportTo or Sidecar imports hide the entry from every namespace in the inputs.";
}

impl Rule {
    /// The command that reports this rule when `check` does not run it (`meshctl sync --check`).
    #[must_use]
    pub fn reported_by(self) -> Option<&'static str> {
        match self.check_fn() {
            CheckFn::Reported(by) => Some(by),
            _ => None,
        }
    }

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

    /// True when the rule reads live DNS answers: `check --dns` resolves hosts only if a
    /// selected rule does.
    #[must_use]
    pub fn needs_dns(self) -> bool {
        self.info().needs_dns
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
    use std::path::{Path, PathBuf};

    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/check")
    }

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
        }
    }

    #[test]
    fn every_rule_is_explained_and_has_a_firing_and_a_near_miss_fixture() {
        for rule in Rule::ALL {
            let info = rule.info();
            assert!(
                info.explanation
                    .starts_with(&format!("# {} {}\n", info.code, info.name)),
                "{} explanation title",
                info.code
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
            for suffix in ["", "-ok"] {
                let path = fixtures().join(format!("{}-{}{suffix}.yaml", info.code, info.name));
                assert!(path.is_file(), "missing fixture {}", path.display());
            }
        }
    }

    #[test]
    fn every_check_fixture_belongs_to_a_rule() {
        let mut seen = 0;
        for entry in std::fs::read_dir(fixtures()).expect("fixtures/check is readable") {
            let name = entry.expect("directory entry").file_name();
            let name = name.to_string_lossy();
            let stem = name.strip_suffix(".yaml").unwrap_or(&name);
            let stem = stem.strip_suffix("-ok").unwrap_or(stem);
            assert!(
                Rule::ALL
                    .iter()
                    .any(|r| stem == format!("{}-{}", r.code(), r.name())),
                "fixtures/check/{name} names no rule"
            );
            seen += 1;
        }
        assert!(seen > 0, "no fixture found in fixtures/check");
        assert_eq!(seen, 2 * Rule::ALL.len());
    }

    #[test]
    fn only_the_rules_that_read_dns_answers_need_dns() {
        for rule in Rule::ALL {
            assert_eq!(
                rule.needs_dns(),
                matches!(rule.check_fn(), CheckFn::Dns(_)),
                "{}",
                rule.code()
            );
        }
        let dns: Vec<&str> = Rule::ALL
            .iter()
            .filter(|r| r.needs_dns())
            .map(|r| r.code())
            .collect();
        assert_eq!(
            dns,
            ["MSH302", "MSH303", "MSH304", "MSH305", "MSH306", "MSH307"]
        );
    }
}
