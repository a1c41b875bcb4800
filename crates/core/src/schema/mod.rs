//! Structural validation with the rejections `kubectl apply` gives for Istio resources.
//!
//! The facts (field names, types, enums, limits, required fields and the CRD's CEL rules) are
//! those of Istio's CustomResourceDefinitions, encoded here as Rust data so meshctl needs no
//! schema file at run time. A cross-check test validates our fixtures against the real CRDs with
//! a JSON-schema validator, which keeps this encoding honest.
//!
//! Validation runs on the position-carrying [`Node`] tree, before typed conversion, so every
//! violation names the field path and its line and column.

mod authorization_policy;
mod destination_rule;
pub(crate) mod duration;
mod gateway;
mod load_balancer;
mod service_entry;
mod sidecar;
mod traffic_policy;
mod violation;
mod virtual_service;
mod walk;

use crate::load::node::Node;

pub(crate) use duration::parse as parse_go_duration;
pub(crate) use service_entry::MAX_ADDRESSES;
pub(crate) use violation::Violation;

/// Validates a ServiceEntry document (the whole object, including `apiVersion` and `metadata`).
#[must_use]
pub(crate) fn validate_service_entry(doc: &Node) -> Vec<Violation> {
    walk::validate(doc, &service_entry::DOCUMENT, service_entry::cel_rules)
}

/// Validates a Sidecar document.
#[must_use]
pub(crate) fn validate_sidecar(doc: &Node) -> Vec<Violation> {
    walk::validate(doc, &sidecar::DOCUMENT, |_| Vec::new())
}

/// Validates a VirtualService document.
#[must_use]
pub(crate) fn validate_virtual_service(doc: &Node) -> Vec<Violation> {
    walk::validate(doc, &virtual_service::DOCUMENT, |_| Vec::new())
}

/// Validates a DestinationRule document.
#[must_use]
pub(crate) fn validate_destination_rule(doc: &Node) -> Vec<Violation> {
    walk::validate(
        doc,
        &destination_rule::DOCUMENT,
        destination_rule::cel_rules,
    )
}

/// Validates a Gateway document.
#[must_use]
pub(crate) fn validate_gateway(doc: &Node) -> Vec<Violation> {
    walk::validate(doc, &gateway::DOCUMENT, gateway::cel_rules)
}

/// Validates an AuthorizationPolicy document.
#[must_use]
pub(crate) fn validate_authorization_policy(doc: &Node) -> Vec<Violation> {
    walk::validate(
        doc,
        &authorization_policy::DOCUMENT,
        authorization_policy::cel_rules,
    )
}

#[cfg(test)]
mod tests;
