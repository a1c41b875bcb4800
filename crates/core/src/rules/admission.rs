//! MSH1xx: what Istio's validating webhook rejects (errors) or accepts with a warning, with
//! Istio's own wording so the message matches what `kubectl apply` prints (ISTIO.md §1.4, §3.3).
//! Rules the CRD itself enforces arrive as schema violations and are mapped in [`super::input`].

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Protocol;
use crate::load::{Inputs, Loaded};
use crate::model::{Resolution, ServiceEntry, Sidecar};

use super::{Rule, finding, host};

pub(super) fn check(inputs: &Inputs, out: &mut Vec<Diagnostic>) {
    for se in &inputs.service_entries {
        hosts(se, out);
        addresses(se, out);
        ports(se, out);
        endpoints(se, out);
        multiple_hosts(se, out);
        export_to(se, out);
        warnings(se, out);
    }
    for sidecar in &inputs.sidecars {
        sidecar_rules(sidecar, out);
    }
    selectorless_sidecars(&inputs.sidecars, out);
}

fn hosts(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let spec = &se.resource.spec;
    for (i, h) in spec.hosts.iter().enumerate() {
        let path = format!("spec.hosts[{i}]");
        if let Err(label) = host::check_domain(h) {
            let mut d = finding(
                se,
                Rule::InvalidHost,
                &path,
                format!("domain name \"{h}\" invalid (label \"{label}\" invalid)"),
            );
            d.help = Some(if h.parse::<std::net::IpAddr>().is_ok() {
                format!(
                    "`hosts` takes names; move `{h}` to `addresses` as `{h}/{}` and name the service in `hosts`",
                    if h.contains(':') { 128 } else { 32 }
                )
            } else {
                "use a DNS name, optionally with a leading `*.` wildcard label".to_owned()
            });
            out.push(d);
        } else if host::is_partial_wildcard(h) && spec.resolution() != Resolution::DynamicDns {
            let mut d = finding(
                se,
                Rule::AdmissionWarning,
                &path,
                format!("partial wildcard \"{h}\" not allowed"),
            );
            d.help = Some("a wildcard must be a whole leading label: `*.example.com`".into());
            out.push(d);
        }
    }
}

fn addresses(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    for (i, address) in se.resource.spec.addresses.iter().enumerate() {
        let message = if address.contains('/') {
            (address.matches('/').count() != 1 || address.parse::<ipnet::IpNet>().is_err())
                .then(|| format!("{address} is not a valid CIDR block"))
        } else {
            address
                .parse::<std::net::IpAddr>()
                .is_err()
                .then(|| format!("{address} is not a valid IP"))
        };
        if let Some(message) = message {
            let mut d = finding(
                se,
                Rule::InvalidAddress,
                &format!("spec.addresses[{i}]"),
                message,
            );
            d.help = Some(
                "write an IP address (`203.0.113.7`) or a CIDR block (`203.0.113.0/24`)".into(),
            );
            out.push(d);
        }
    }
}

fn ports(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    for (i, port) in se.resource.spec.ports.iter().enumerate() {
        if !host::is_dns_label(&port.name) {
            let mut d = finding(
                se,
                Rule::InvalidPort,
                &format!("spec.ports[{i}].name"),
                format!("invalid port name: {}", port.name),
            );
            d.help = Some("port names are DNS labels: lower-case letters, digits and `-`, e.g. `tcp` or `tcp-mysql`".into());
            out.push(d);
        }
        if let Some(protocol) = port.protocol.as_deref().filter(|p| !p.is_empty())
            && Protocol::parse(Some(protocol)) == Protocol::Auto
        {
            let mut d = finding(
                se,
                Rule::InvalidPort,
                &format!("spec.ports[{i}].protocol"),
                format!("unsupported protocol: {protocol}"),
            );
            d.help = Some(
                "use one of HTTP, HTTPS, GRPC, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP".into(),
            );
            out.push(d);
        }
    }
}

fn endpoints(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let spec = &se.resource.spec;
    let names: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
    for (i, endpoint) in spec.endpoints.iter().enumerate() {
        let path = format!("spec.endpoints[{i}]");
        let address = endpoint.address.as_deref().unwrap_or_default();
        let is_ip = address.parse::<std::net::IpAddr>().is_ok();
        let is_unix = address.starts_with("unix://");
        let message = match spec.resolution() {
            Resolution::Static if !address.is_empty() && !is_ip && !is_unix => Some(format!(
                "endpoint address \"{address}\" is not a valid IP address"
            )),
            Resolution::Dns | Resolution::DnsRoundRobin
                if !is_ip && host::check_domain(address).is_err() =>
            {
                Some(format!(
                    "endpoint address \"{address}\" is not a valid FQDN or an IP address"
                ))
            }
            _ => None,
        };
        if let Some(message) = message {
            out.push(finding(
                se,
                Rule::InvalidEndpoints,
                &format!("{path}.address"),
                message,
            ));
        }
        if is_unix && spec.ports.len() != 1 {
            out.push(finding(
                se,
                Rule::InvalidEndpoints,
                &path,
                "exactly 1 service port required for unix endpoints".into(),
            ));
        }
        for name in endpoint.ports.keys() {
            if !names.contains(&name.as_str()) {
                out.push(finding(
                    se,
                    Rule::InvalidEndpoints,
                    &format!("{path}.ports.{name}"),
                    format!("endpoint port {name} is not defined by the service entry"),
                ));
            }
        }
    }
}

fn multiple_hosts(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let spec = &se.resource.spec;
    let resolution = spec.resolution();
    if resolution != Resolution::None && spec.hosts.len() > 1 {
        let plain = spec.ports.iter().any(|p| {
            let protocol = Protocol::parse(p.protocol.as_deref());
            !protocol.is_tls() && protocol != Protocol::Http
        });
        if plain {
            let mut d = finding(
                se,
                Rule::MultipleHostsNonHttp,
                "spec.hosts",
                "multiple hosts provided with non-HTTP, non-TLS ports".into(),
            );
            d.help = Some("write one ServiceEntry per host".into());
            out.push(d);
        }
    }
    let dns = matches!(resolution, Resolution::Dns | Resolution::DnsRoundRobin);
    if dns && spec.endpoints.is_empty() {
        for (i, h) in spec
            .hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains('*'))
        {
            let mut d = finding(
                se,
                Rule::WildcardHostWithDns,
                &format!("spec.hosts[{i}]"),
                format!(
                    "hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, got {h}"
                ),
            );
            d.help = Some(
                "use resolution NONE with the provider's CIDR blocks, or DYNAMIC_DNS for HTTP/TLS"
                    .into(),
            );
            out.push(d);
        }
    }
}

fn export_to(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let list = &se.resource.spec.export_to;
    let mut seen = Vec::new();
    let mut messages = Vec::new();
    for value in list {
        if seen.contains(&value) {
            messages.push(format!("duplicate entries in exportTo: {value}"));
        }
        seen.push(value);
        if !matches!(value.as_str(), "." | "*" | "~") && !host::is_dns_label(value) {
            messages.push(format!(
                "only .,*, or a valid DNS 1123 label is allowed as exportTo entry, got {value}"
            ));
        }
    }
    if list.len() > 1 && list.iter().any(|v| v == "*") {
        messages.push(
            "cannot have both public (*) and non-public exportTo values for a resource".into(),
        );
    }
    if list.len() > 1 && list.iter().any(|v| v == "~") {
        messages.push("cannot export service entry to no one (~) and someone".into());
    }
    for message in messages {
        out.push(finding(se, Rule::InvalidExportTo, "spec.exportTo", message));
    }
}

fn warnings(se: &Loaded<ServiceEntry>, out: &mut Vec<Diagnostic>) {
    let spec = &se.resource.spec;
    if let Some(selector) = &spec.workload_selector {
        if selector.labels.is_empty() {
            out.push(finding(
                se,
                Rule::AdmissionWarning,
                "spec.workloadSelector",
                "service entry: workload selector specified without labels, will be applied to all services in namespace".into(),
            ));
        }
        if spec.resolution() == Resolution::None {
            out.push(finding(
                se,
                Rule::AdmissionWarning,
                "spec.workloadSelector",
                "workloadSelector should not be set when resolution mode is NONE".into(),
            ));
        }
    }
    let dns = matches!(
        spec.resolution(),
        Resolution::Dns | Resolution::DnsRoundRobin
    );
    let tcp_port = spec.ports.iter().any(|p| {
        let protocol = Protocol::parse(p.protocol.as_deref());
        protocol != Protocol::Http && protocol != Protocol::Udp
    });
    if dns && !spec.addresses.is_empty() && spec.hosts.len() > 1 && tcp_port {
        out.push(finding(
            se,
            Rule::AdmissionWarning,
            "spec.hosts",
            "service entry can not have more than one host specified simultaneously with address and tcp port".into(),
        ));
    }
}

fn sidecar_rules(sidecar: &Loaded<Sidecar>, out: &mut Vec<Diagnostic>) {
    let spec = &sidecar.resource.spec;
    let reject =
        |path: &str, message: String| finding(sidecar, Rule::InvalidSidecar, path, message);
    if spec.egress.is_empty()
        && spec.ingress.is_none()
        && spec.outbound_traffic_policy.is_none()
        && spec.workload_selector.is_none()
    {
        out.push(reject(
            "spec",
            "sidecar: empty configuration provided".into(),
        ));
    }
    let portless: Vec<usize> = spec
        .egress
        .iter()
        .enumerate()
        .filter(|(_, l)| l.port.is_none())
        .map(|(i, _)| i)
        .collect();
    if portless.len() > 1 {
        out.push(reject(
            "spec.egress",
            "sidecar: egress can have only one listener with empty port".into(),
        ));
    } else if portless
        .first()
        .is_some_and(|&i| i + 1 != spec.egress.len())
    {
        out.push(reject(
            "spec.egress",
            "sidecar: the egress listener with empty port should be the last listener in the list"
                .into(),
        ));
    }
    for (i, listener) in spec.egress.iter().enumerate() {
        if listener.hosts.is_empty() {
            out.push(reject(
                &format!("spec.egress[{i}].hosts"),
                "sidecar: egress listener must contain at least one host".into(),
            ));
        }
        let mut seen = Vec::new();
        for (j, h) in listener.hosts.iter().enumerate() {
            let path = format!("spec.egress[{i}].hosts[{j}]");
            if let Some(message) = host::sidecar_host_error(h) {
                out.push(reject(&path, message));
            }
            if seen.contains(&h) {
                let mut d = finding(
                    sidecar,
                    Rule::AdmissionWarning,
                    &path,
                    format!("duplicated egress host: {h}"),
                );
                d.severity = Severity::Warning;
                out.push(d);
            }
            seen.push(h);
        }
        if listener.hosts.len() > 1 && listener.hosts.iter().any(|h| h == "*/*") {
            out.push(finding(
                sidecar,
                Rule::AdmissionWarning,
                &format!("spec.egress[{i}].hosts"),
                "`*/*` host select all resources, no other hosts can be added".into(),
            ));
        }
    }
    if let Some(policy) = &spec.outbound_traffic_policy
        && policy.egress_proxy.is_some()
        && policy.mode != Some(crate::model::OutboundPolicy::AllowAny)
    {
        out.push(reject(
            "spec.outboundTrafficPolicy",
            "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode"
                .into(),
        ));
    }
}

/// Istio leaves the choice between two selector-less Sidecars in a namespace undefined.
fn selectorless_sidecars(sidecars: &[Loaded<Sidecar>], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, &Loaded<Sidecar>> = BTreeMap::new();
    for sidecar in sidecars
        .iter()
        .filter(|s| s.resource.spec.workload_selector.is_none())
    {
        let namespace = sidecar.resource.metadata.namespace();
        match first.get(namespace) {
            Some(earlier) => {
                let mut d = finding(
                    sidecar,
                    Rule::InvalidSidecar,
                    "metadata.name",
                    format!(
                        "namespace {namespace} already has a Sidecar without workloadSelector ({}); which one applies is undefined",
                        earlier.resource.metadata.name
                    ),
                );
                d.help = Some("keep one selector-less Sidecar per namespace; give the others a workloadSelector".into());
                out.push(d);
            }
            None => {
                first.insert(namespace, sidecar);
            }
        }
    }
}
