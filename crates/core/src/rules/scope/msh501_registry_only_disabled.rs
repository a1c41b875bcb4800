//! MSH501 registry-only-disabled: the mesh's outbound policy lets connections no entry matches
//! through (ALLOW_ANY, Istio's shipped default), so ServiceEntries restrict nothing; only
//! REGISTRY_ONLY makes them an allow-list (istio/api `mesh/v1alpha1/config.proto`,
//! `OutboundTrafficPolicy`).

use crate::model::OutboundPolicy;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports every mesh configuration whose outbound policy allows unmatched traffic.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for mesh in &cx.inputs.mesh_configs {
        let mode = mesh
            .resource
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode);
        if mode.is_some_and(OutboundPolicy::allows_unmatched) {
            out.at_origin(
                mesh.locate("outboundTrafficPolicy.mode"),
                Some("MeshConfig".into()),
                format!(
                    "the mesh's outbound policy is {}: connections no entry matches are let through, so ServiceEntries restrict nothing",
                    mode.map_or("", OutboundPolicy::as_str)
                ),
            )
            .help("set `outboundTrafficPolicy.mode: REGISTRY_ONLY` to allow only registered destinations");
        }
    }
}
