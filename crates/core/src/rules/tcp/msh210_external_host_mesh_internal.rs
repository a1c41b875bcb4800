//! MSH210 external-host-mesh-internal: an entry for a host outside the cluster declared
//! `location: MESH_INTERNAL`. Matching is unchanged, but the sidecar expects mesh mTLS from it
//! and telemetry counts it as an in-mesh service. Endpoints labelled
//! `security.istio.io/tlsMode` are mesh workloads (VMs with a sidecar, declared inline as
//! istio/istio's `pilot/pkg/xds/testdata/nds-se.yaml` does), so such an entry is internal on
//! purpose.

use crate::model::Location;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// The label istiod sets on (and reads from) workloads that run a sidecar able to take mesh mTLS.
const TLS_MODE_LABEL: &str = "security.istio.io/tlsMode";

/// Reports MESH_INTERNAL entries without a workload selector or mesh-workload endpoints whose
/// hosts are not cluster names.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        let in_cluster = spec
            .hosts
            .iter()
            .all(|h| h.rsplit('.').next() == Some("local") || !h.contains('.'));
        let mesh_workloads = spec
            .endpoints
            .iter()
            .any(|e| e.labels.contains_key(TLS_MODE_LABEL));
        if spec.location() == Location::MeshInternal
            && spec.workload_selector.is_none()
            && !mesh_workloads
            && !in_cluster
        {
            out.at(
                se,
                "spec.location",
                "an external host is declared MESH_INTERNAL: the sidecar will expect mesh mTLS and report it as an in-mesh service",
            )
            .help("use `location: MESH_EXTERNAL` for services outside the mesh");
        }
    }
}
