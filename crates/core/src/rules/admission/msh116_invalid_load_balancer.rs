//! # MSH116 invalid-load-balancer
//!
//! ## What it does
//! Flags a DestinationRule `loadBalancer` (in the rule's policy, a subset's or a port-level setting)
//! Istio's webhook rejects: a Maglev table size that is unset, not prime or not below 5000011, a
//! hash cookie or cookie attribute without a name, a repeated cookie attribute, `minimumRingSize`
//! together with `ringHash` or `maglev`, `localityLbSetting` together with `zoneAwareLbSetting`,
//! `distribute` together with `failover`, locality weights outside 1–100 or not adding up to 100,
//! a failover to the same region or to a zone, a warm-up aggression of 0 or less, and a warm-up
//! duration finer than a millisecond.
//!
//! ## Why it matters
//! The webhook refuses the whole DestinationRule, for example with `tableSize must be a prime number
//! for maglev`, so `kubectl apply` fails and none of its settings — TLS origination and connection
//! limits included — reach a sidecar.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata:
//!   name: mysql
//!   namespace: bookinfo
//! spec:
//!   host: db.example.com
//!   trafficPolicy:
//!     loadBalancer:
//!       consistentHash:
//!         useSourceIp: true
//!         maglev:
//!           tableSize: 65536     # not prime
//! ```
//!
//! ## Use instead
//! ```yaml
//!         maglev:
//!           tableSize: 65537
//! ```

use crate::load::node::{Node, Value};
use crate::load::{Inputs, Loaded};
use crate::model::DestinationRule;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;
use crate::schema::duration;

/// MSH116 invalid-load-balancer: what istio/istio `pkg/config/validation/validation.go`
/// (`validateLoadBalancer`, `isPrime`) and `pkg/config/validation/agent/validation.go`
/// (`ValidateLocalityLbSetting`, `ValidateZoneAwareLbSetting`, `ValidateDuration`) reject. The
/// overlap of locality names and the topology labels in `failoverPriority` are not checked.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A DestinationRule load balancer (hashing, locality, warm-up) Istio's webhook rejects.",
};

/// The largest Maglev table Envoy takes, plus one.
const MAGLEV_LIMIT: i128 = 5_000_011;

/// Reports each webhook error about a load balancer of the rule.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for dr in &inputs.destination_rules {
        for (balancer, path) in balancers(&dr.node) {
            load_balancer(dr, balancer, &path, out);
        }
    }
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn object<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|n| matches!(n.value, Value::Map(_)))
}

/// Every `loadBalancer` of the document, with its field path.
fn balancers(doc: &Node) -> Vec<(&Node, String)> {
    let Some(spec) = doc.get("spec") else {
        return Vec::new();
    };
    let mut policies = Vec::new();
    if let Some(policy) = object(spec, "trafficPolicy") {
        policies.push((policy, "spec.trafficPolicy".to_owned()));
    }
    for (i, subset) in items(spec.get("subsets")).iter().enumerate() {
        if let Some(policy) = object(subset, "trafficPolicy") {
            policies.push((policy, format!("spec.subsets[{i}].trafficPolicy")));
        }
    }
    let mut found = Vec::new();
    for (policy, path) in policies {
        if let Some(balancer) = object(policy, "loadBalancer") {
            found.push((balancer, format!("{path}.loadBalancer")));
        }
        for (i, port) in items(policy.get("portLevelSettings")).iter().enumerate() {
            if let Some(balancer) = object(port, "loadBalancer") {
                let at = format!("{path}.portLevelSettings[{i}].loadBalancer");
                found.push((balancer, at));
            }
        }
    }
    found
}

fn load_balancer(dr: &Loaded<DestinationRule>, balancer: &Node, path: &str, out: &mut Findings) {
    if let Some(hash) = object(balancer, "consistentHash") {
        consistent_hash(dr, hash, &format!("{path}.consistentHash"), out);
    }
    let locality = object(balancer, "localityLbSetting");
    let zone_aware = object(balancer, "zoneAwareLbSetting");
    if locality.is_some() && zone_aware.is_some() {
        out.at(
            dr,
            path,
            "only one of localityLbSetting and zoneAwareLbSetting can be set",
        );
    }
    if let Some(locality) = locality {
        locality_setting(dr, locality, &format!("{path}.localityLbSetting"), out);
    }
    if let Some(zone_aware) = zone_aware {
        let at = format!("{path}.zoneAwareLbSetting");
        failover(dr, zone_aware, &at, "zone aware lb", out);
    }
    if let Some(warmup) = object(balancer, "warmup") {
        let at = format!("{path}.warmup");
        if let Some(written) = warmup.get_str("duration")
            && duration::parse(written).is_some_and(|ns| ns % 1_000_000 != 0)
        {
            out.at(
                dr,
                &format!("{at}.duration"),
                "only durations to ms precision are supported",
            );
        }
        let aggression = match warmup.get("aggression").map(|n| &n.value) {
            #[allow(clippy::cast_precision_loss)] // only the sign matters
            Some(Value::Int(n)) => Some(*n as f64),
            Some(Value::Float(f)) => Some(*f),
            _ => None,
        };
        if aggression.is_some_and(|a| a <= 0.0) {
            out.at(
                dr,
                &format!("{at}.aggression"),
                "aggression should be greater than 0",
            );
        }
    }
}

fn int(node: &Node, key: &str) -> Option<i128> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

fn consistent_hash(dr: &Loaded<DestinationRule>, hash: &Node, path: &str, out: &mut Findings) {
    if let Some(cookie) = object(hash, "httpCookie") {
        let at = format!("{path}.httpCookie");
        if cookie.get_str("name").unwrap_or_default().is_empty() {
            out.at(dr, &at, "name required for HttpCookie");
        }
        let mut names: Vec<&str> = Vec::new();
        for attribute in items(cookie.get("attributes")) {
            let name = attribute.get_str("name").unwrap_or_default();
            if name.is_empty() {
                out.at(dr, &at, "cookie attribute name cannot be empty");
            } else if names.contains(&name) {
                out.at(dr, &at, format!("duplicate cookie attribute name: {name}"));
            } else {
                names.push(name);
            }
        }
    }
    let ring = object(hash, "ringHash").is_some() || object(hash, "maglev").is_some();
    if int(hash, "minimumRingSize").is_some_and(|n| n != 0) && ring {
        out.at(
            dr,
            path,
            "only one of MinimumRingSize or Maglev/Ringhash can be specified",
        );
    }
    if let Some(maglev) = object(hash, "maglev") {
        let at = format!("{path}.maglev");
        let size = int(maglev, "tableSize").unwrap_or(0);
        if size == 0 {
            out.at(dr, &at, "tableSize must be set for maglev");
        }
        if size >= MAGLEV_LIMIT {
            out.at(
                dr,
                &at,
                format!("tableSize must be less than {MAGLEV_LIMIT} for maglev"),
            );
        }
        if !is_prime(size) {
            out.at(dr, &at, "tableSize must be a prime number for maglev")
                .help("use a prime such as 65537 (Envoy's default) or 131071");
        }
    }
}

/// Envoy's primality test, which Istio repeats (`x < 4` counts as prime, 0 excepted).
fn is_prime(x: i128) -> bool {
    if x != 0 && x < 4 {
        return true;
    }
    if x % 2 == 0 {
        return false;
    }
    let mut factor = 3;
    while factor * factor <= x {
        if x % factor == 0 {
            return false;
        }
        factor += 2;
    }
    true
}

fn locality_setting(dr: &Loaded<DestinationRule>, setting: &Node, path: &str, out: &mut Findings) {
    let distribute = items(setting.get("distribute"));
    if !distribute.is_empty() && !items(setting.get("failover")).is_empty() {
        out.at(
            dr,
            path,
            "can not simultaneously specify 'distribute' and 'failover'",
        );
        return;
    }
    for (i, rule) in distribute.iter().enumerate() {
        let at = format!("{path}.distribute[{i}].to");
        let weights: Vec<i128> = match rule.get("to").map(|n| &n.value) {
            Some(Value::Map(entries)) => entries
                .iter()
                .map(|(_, v)| match v.value {
                    Value::Int(n) => n,
                    _ => 0,
                })
                .collect(),
            _ => Vec::new(),
        };
        // Istio stops at the first bad distribution.
        if weights.iter().any(|w| !(1..=100).contains(w)) {
            out.at(dr, &at, "locality weight must be in range [1, 100]");
            return;
        }
        let total: i128 = weights.iter().sum();
        if total != 100 {
            out.at(dr, &at, format!("total locality weight {total} != 100"));
            return;
        }
    }
    failover(dr, setting, path, "locality lb", out);
}

/// The failover rules both settings share, in their own words.
fn failover(
    dr: &Loaded<DestinationRule>,
    setting: &Node,
    path: &str,
    what: &str,
    out: &mut Findings,
) {
    for (i, rule) in items(setting.get("failover")).iter().enumerate() {
        let at = format!("{path}.failover[{i}]");
        let from = rule.get_str("from").unwrap_or_default();
        let to = rule.get_str("to").unwrap_or_default();
        if from == to {
            out.at(
                dr,
                &at,
                format!("{what} failover settings must specify different regions"),
            );
        }
        if from.contains('/') || to.contains('/') {
            let message = if what == "locality lb" {
                "locality lb failover only specify region".to_owned()
            } else {
                format!(
                    "{what} failover only specifies region; zone and subzone failover are handled automatically"
                )
            };
            out.at(dr, &at, message);
        }
        if from.contains('*') || to.contains('*') {
            out.at(
                dr,
                &at,
                format!("{what} failover region should not contain '*' wildcard"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_as_envoy_counts_them() {
        for prime in [1, 2, 3, 5, 65537, 131_071, 4_999_999] {
            assert!(is_prime(prime), "{prime}");
        }
        for composite in [0, 4, 9, 65536, 5_000_000] {
            assert!(!is_prime(composite), "{composite}");
        }
    }
}
