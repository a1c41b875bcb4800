//! MSH1xx: what Istio's validating webhook rejects (errors) or accepts with a warning, in Istio's
//! own wording so the message matches what `kubectl apply` prints (istio/istio
//! `pkg/config/validation/validation.go`: `ValidateServiceEntry`, `ValidateSidecar`,
//! `ValidateVirtualService`, `ValidateDestinationRule`). Checks the CRD itself enforces arrive as
//! schema problems; the rules that own one report it too (see
//! [`problems`](super::input::problems)).

pub(super) mod host;
mod names;
// The rule files `msh*_*.rs` of this directory, declared by the crate's `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rule_modules_admission.rs"));
