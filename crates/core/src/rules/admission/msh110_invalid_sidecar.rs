//! # MSH110 invalid-sidecar
//!
//! ## What it does
//! Flags a Sidecar Istio's webhook rejects (an egress host not written `namespace/dnsName`, a short or
//! partially wildcarded name, a bad namespace, a port-less egress listener that is not last or not
//! unique, a listener without hosts, `egressProxy` without ALLOW_ANY) and two or more Sidecars without
//! `workloadSelector` in one namespace.
//!
//! ## Why it matters
//! Webhook errors fail the apply, for example `host must be of form namespace/dnsName`. A namespace may
//! hold only one selector-less Sidecar: with two, Istio does not define which one its workloads get
//! (istioctl reports IST0111), so the set of imported entries, and under REGISTRY_ONLY the set of
//! reachable services, is left to chance.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Sidecar
//! metadata:
//!   name: default
//!   namespace: bookinfo
//! spec:
//!   egress:
//!   - hosts:
//!     - "./*"
//!     - "db.example.com"       # no namespace part
//! ```
//!
//! ## Use instead
//! ```yaml
//!   egress:
//!   - hosts:
//!     - "./*"
//!     - "db/db.example.com"    # or "*/db.example.com" to import it from any namespace
//! ```

use std::collections::BTreeMap;

use super::host;
use crate::load::{Inputs, Loaded};
use crate::model::{OutboundPolicy, Sidecar};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH110 invalid-sidecar: a Sidecar the webhook rejects (empty — a workload selector alone
/// included — port-less egress listeners out
/// of place, egress listeners without hosts, malformed `namespace/host` imports, an egress proxy
/// outside ALLOW_ANY), or a second selector-less Sidecar in a namespace: Istio admits that one,
/// but which of the two applies is undefined (its analyzer reports IST0111), so meshctl treats
/// it as an error too.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A Sidecar Istio's webhook rejects, or two selector-less Sidecars in one namespace.",
};

/// Reports the webhook's Sidecar errors, then the namespaces with two selector-less Sidecars.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for sidecar in &inputs.sidecars {
        rejected(sidecar, out);
    }
    selectorless(&inputs.sidecars, out);
}

fn rejected(sidecar: &Loaded<Sidecar>, out: &mut Findings) {
    let spec = &sidecar.resource.spec;
    // As the webhook counts it (istio/istio `pkg/config/validation/validation.go`,
    // `ValidateSidecar`): a workload selector alone configures nothing, and `ingress: []` is
    // no ingress.
    let no_ingress = spec
        .ingress
        .as_ref()
        .is_none_or(|i| i.as_array().is_some_and(Vec::is_empty));
    if spec.egress.is_empty()
        && no_ingress
        && spec.outbound_traffic_policy.is_none()
        && spec.inbound_connection_pool.is_none()
    {
        out.at(sidecar, "spec", "sidecar: empty configuration provided");
    }
    let portless: Vec<usize> = spec
        .egress
        .iter()
        .enumerate()
        .filter(|(_, l)| l.port.is_none())
        .map(|(i, _)| i)
        .collect();
    if portless.len() > 1 {
        out.at(
            sidecar,
            "spec.egress",
            "sidecar: egress can have only one listener with empty port",
        );
    } else if portless
        .first()
        .is_some_and(|&i| i + 1 != spec.egress.len())
    {
        out.at(
            sidecar,
            "spec.egress",
            "sidecar: the egress listener with empty port should be the last listener in the list",
        );
    }
    for (i, listener) in spec.egress.iter().enumerate() {
        if listener.hosts.is_empty() {
            out.at(
                sidecar,
                &format!("spec.egress[{i}].hosts"),
                "sidecar: egress listener must contain at least one host",
            );
        }
        for (j, h) in listener.hosts.iter().enumerate() {
            if let Some(message) = host::sidecar_host_error(h) {
                out.at(sidecar, &format!("spec.egress[{i}].hosts[{j}]"), message);
            }
        }
    }
    if let Some(policy) = &spec.outbound_traffic_policy
        && policy.egress_proxy.is_some()
        && policy.mode != Some(OutboundPolicy::AllowAny)
    {
        out.at(
            sidecar,
            "spec.outboundTrafficPolicy",
            "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
        );
    }
}

/// Istio leaves the choice between two selector-less Sidecars in a namespace undefined.
fn selectorless(sidecars: &[Loaded<Sidecar>], out: &mut Findings) {
    let mut first: BTreeMap<&str, &Loaded<Sidecar>> = BTreeMap::new();
    for sidecar in sidecars
        .iter()
        .filter(|s| s.resource.spec.workload_selector.is_none())
    {
        let namespace = sidecar.resource.metadata.namespace();
        match first.get(namespace) {
            Some(earlier) => {
                out.at(
                    sidecar,
                    "metadata.name",
                    format!(
                        "namespace {namespace} already has a Sidecar without workloadSelector ({}); which one applies is undefined",
                        earlier.resource.metadata.name
                    ),
                )
                .help("keep one selector-less Sidecar per namespace; give the others a workloadSelector")
                // The webhook admits both (istioctl's analyzer reports IST0111); istiod then
                // picks one, so both stay in the workspace and the engine's choice applies.
                .admitted_anyway();
            }
            None => {
                first.insert(namespace, sidecar);
            }
        }
    }
}
