//! MSH3xx: addresses that DNS can invalidate. MSH301 is offline (a host under a provider known to
//! move its IPs, pinned to fixed addresses); MSH302–MSH307 compare the entry with what DNS
//! answers now and run only with `--dns`, so default runs stay deterministic.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::diagnostic::Diagnostic;
use crate::dns::{DnsError, Lookup};
use crate::load::Loaded;
use crate::model::{Resolution, ServiceEntry};

use super::{Context, Rule, finding};

/// The provider suffix list, kept as data with its sources.
const PROVIDERS: &str = include_str!("dynamic_providers.txt");

/// What DNS said about each host, gathered by the command before the (pure) rules run.
#[derive(Debug, Default)]
pub struct DnsFacts {
    /// Per host: every sample in order, or the error of the first failing sample.
    pub hosts: BTreeMap<String, Result<Vec<Lookup>, DnsError>>,
}

/// The provider suffix `name` falls under, if any.
#[must_use]
pub fn dynamic_provider(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

fn pinned(se: &ServiceEntry) -> bool {
    se.spec.addresses.iter().any(|a| {
        a.parse::<IpAddr>().is_ok()
            || a.parse::<IpNet>()
                .is_ok_and(|n| n.prefix_len() == n.max_prefix_len())
    })
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let path = format!("spec.hosts[{i}]");
            if let Some(provider) = dynamic_provider(host).filter(|_| pinned(&se.resource)) {
                let mut d = finding(
                    se,
                    Rule::DynamicIpProvider,
                    &path,
                    format!(
                        "{host} is under {provider}, whose addresses change; the pinned addresses will go stale"
                    ),
                );
                d.help = Some("use the provider's published CIDR ranges, DNS proxying with auto-allocated VIPs, or exclude the traffic from capture".into());
                out.push(d);
            }
            if let Some(facts) = cx.dns {
                with_dns(cx, se, host, &path, facts, out);
            }
        }
    }
}

fn with_dns(
    cx: &Context<'_>,
    se: &Loaded<ServiceEntry>,
    host: &str,
    path: &str,
    facts: &DnsFacts,
    out: &mut Vec<Diagnostic>,
) {
    let Some(result) = facts.hosts.get(host) else {
        return;
    };
    let samples = match result {
        Ok(samples) if !samples.is_empty() => samples,
        Ok(_) => return,
        Err(error) => {
            let mut d = finding(
                se,
                Rule::UnresolvableHost,
                path,
                format!("{host} does not resolve: {error}"),
            );
            d.help = Some(
                "check the name; addresses pinned for a name that no longer exists are stale"
                    .into(),
            );
            out.push(d);
            return;
        }
    };
    addresses_vs_dns(cx, se, host, samples, out);
    answer_quality(cx, se, host, path, samples, out);
}

/// MSH302 and MSH307: the entry's addresses against what the host resolves to now.
fn addresses_vs_dns(
    cx: &Context<'_>,
    se: &Loaded<ServiceEntry>,
    host: &str,
    samples: &[Lookup],
    out: &mut Vec<Diagnostic>,
) {
    let resolved: Vec<IpAddr> = samples
        .iter()
        .flat_map(|l| l.addresses.iter().map(|a| a.ip))
        .collect();
    let spec = &se.resource.spec;
    let nets: Vec<IpNet> = spec
        .addresses
        .iter()
        .filter_map(|a| {
            a.parse::<IpNet>()
                .ok()
                .or_else(|| a.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect();
    let dns_mode = matches!(
        spec.resolution(),
        Resolution::Dns | Resolution::DnsRoundRobin
    );
    if !nets.is_empty() && !dns_mode {
        let uncovered: Vec<String> = unique(
            resolved
                .iter()
                .filter(|ip| !nets.iter().any(|n| n.contains(*ip))),
        );
        let gone: Vec<String> = unique(
            nets.iter()
                .filter(|n| n.prefix_len() == n.max_prefix_len() && !resolved.contains(&n.addr()))
                .map(IpNet::addr)
                .collect::<Vec<_>>()
                .iter(),
        );
        if !uncovered.is_empty() || !gone.is_empty() {
            let mut parts = Vec::new();
            if !uncovered.is_empty() {
                parts.push(format!(
                    "{host} now resolves to {} outside `addresses`",
                    uncovered.join(", ")
                ));
            }
            if !gone.is_empty() {
                parts.push(format!(
                    "{} no longer resolve{}",
                    gone.join(", "),
                    if gone.len() == 1 { "s" } else { "" }
                ));
            }
            let mut d = finding(se, Rule::AddressDrift, "spec.addresses", parts.join("; "));
            d.help = Some(format!(
                "regenerate the entry: `meshctl gen serviceentry {host}`"
            ));
            out.push(d);
        }
    }
    if dns_mode
        && !nets.is_empty()
        && !cx.dns_capture
        && !nets
            .iter()
            .any(|n| resolved.iter().any(|ip| n.contains(ip)))
    {
        let mut d = finding(
            se,
            Rule::DnsAddressesNotDialled,
            "spec.addresses",
            format!(
                "{host} resolves to {}, none of them in `addresses`: clients dial those IPs and miss this entry's listener",
                unique(resolved.iter()).join(", ")
            ),
        );
        d.help = Some("use resolution NONE with the resolved addresses, or turn on DNS proxying so clients get the listed addresses".into());
        out.push(d);
    }
}

/// MSH303, MSH304, MSH306: signs the answer itself will not stay put.
fn answer_quality(
    cx: &Context<'_>,
    se: &Loaded<ServiceEntry>,
    host: &str,
    path: &str,
    samples: &[Lookup],
    out: &mut Vec<Diagnostic>,
) {
    let first = &samples[0];
    if let Some(ttl) = samples
        .iter()
        .filter_map(|l| l.min_ttl)
        .min()
        .filter(|ttl| *ttl < cx.min_ttl)
    {
        let mut d = finding(
            se,
            Rule::ShortTtl,
            path,
            format!(
                "{host} has a TTL of {ttl}s (below {}s): its addresses may change soon",
                cx.min_ttl
            ),
        );
        d.help = Some("pin only addresses the provider documents as stable, or use DNS proxying with auto-allocated VIPs".into());
        out.push(d);
    }
    if let Some((name, provider)) = first
        .cname_chain
        .iter()
        .find_map(|link| dynamic_provider(&link.target).map(|p| (link.target.as_str(), p)))
    {
        let mut d = finding(
            se,
            Rule::CnameToDynamicProvider,
            path,
            format!("{host} is a CNAME to {name} ({provider}), whose addresses change"),
        );
        d.help =
            Some("use the provider's published CIDR ranges instead of pinned addresses".into());
        out.push(d);
    }
    let sets: Vec<Vec<IpAddr>> = samples
        .iter()
        .map(|l| l.addresses.iter().map(|a| a.ip).collect())
        .collect();
    if sets.windows(2).any(|w| w[0] != w[1]) {
        let mut d = finding(
            se,
            Rule::RotatingAnswers,
            path,
            format!(
                "{} queries for {host} returned {} different address sets",
                sets.len(),
                unique(
                    sets.iter()
                        .map(|s| format!("{s:?}"))
                        .collect::<Vec<_>>()
                        .iter()
                )
                .len()
            ),
        );
        d.help = Some(
            "list every address the name rotates through, or the provider's CIDR range".into(),
        );
        out.push(d);
    }
}

fn unique<T: ToString>(items: impl Iterator<Item = T>) -> Vec<String> {
    let mut list: Vec<String> = items.map(|i| i.to_string()).collect();
    list.sort();
    list.dedup();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_suffixes_match_whole_labels() {
        assert_eq!(
            dynamic_provider("db.abc123.us-east-1.rds.amazonaws.com"),
            Some("rds.amazonaws.com")
        );
        assert_eq!(
            dynamic_provider("X.CloudFront.net."),
            Some("cloudfront.net")
        );
        assert_eq!(dynamic_provider("notrds.amazonaws.com"), None);
        assert_eq!(dynamic_provider("db.example.com"), None);
    }
}
