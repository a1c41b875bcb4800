//! MSH208 static-without-endpoints: resolution STATIC with neither endpoints nor a workload
//! selector. Istio admits it, but matched connections have no upstream and are closed.

use crate::model::Resolution;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports STATIC entries with nowhere to send traffic.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if spec.resolution() == Resolution::Static
            && spec.endpoints.is_empty()
            && spec.workload_selector.is_none()
        {
            out.at(
                se,
                "spec.resolution",
                "resolution STATIC without endpoints: matched connections have no upstream and are closed",
            )
            .help("list the endpoints, or use resolution NONE to forward to the dialled address");
        }
    }
}
