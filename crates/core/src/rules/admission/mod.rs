//! MSH1xx: what Istio's validating webhook rejects (errors) or accepts with a warning, in Istio's
//! own wording so the message matches what `kubectl apply` prints (istio/istio
//! `pkg/config/validation/validation.go`: `ValidateServiceEntry`, `ValidateSidecar`). Checks the
//! CRD itself enforces arrive as schema problems; the rules that own one report it too (see
//! [`problems`](super::input::problems)).

pub(super) mod host;
pub(super) mod msh101_invalid_host;
pub(super) mod msh102_invalid_address;
pub(super) mod msh103_cidr_with_dns_resolution;
pub(super) mod msh104_invalid_port;
pub(super) mod msh105_invalid_endpoints;
pub(super) mod msh106_multiple_hosts_non_http;
pub(super) mod msh107_wildcard_host_with_dns;
pub(super) mod msh108_invalid_export_to;
pub(super) mod msh109_admission_warning;
pub(super) mod msh110_invalid_sidecar;
pub(super) mod msh111_invalid_resource_name;
