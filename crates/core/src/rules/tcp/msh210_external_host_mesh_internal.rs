//! # MSH210 external-host-mesh-internal
//!
//! ## What it does
//! Reports, as info, an entry with `location: MESH_INTERNAL` that selects no mesh workloads (no
//! `workloadSelector`) and whose hosts are not cluster-local names (`*.cluster.local`).
//!
//! ## Why it matters
//! `location` does not change which connections match; it changes how Istio treats the far end. A
//! MESH_EXTERNAL service never gets automatic mutual TLS; marking it MESH_INTERNAL makes Istio treat it
//! like a mesh peer for mTLS, metadata exchange and telemetry labels. A database outside the mesh has
//! no sidecar to take part in any of that, and the blog declares it MESH_EXTERNAL, which is also the
//! default.
//!
//! Severity: info: MESH_INTERNAL changes mTLS and telemetry expectations for the service, not which destinations are reachable.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   location: MESH_INTERNAL
//! ```
//!
//! ## Use instead
//! ```yaml
//!   location: MESH_EXTERNAL
//! ```

use crate::model::Location;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH210 external-host-mesh-internal: an entry for a host outside the cluster declared
/// `location: MESH_INTERNAL`. Matching is unchanged, but the sidecar expects mesh mTLS from it
/// and telemetry counts it as an in-mesh service. Endpoints labelled
/// `security.istio.io/tlsMode` are mesh workloads (VMs with a sidecar, declared inline as
/// istio/istio's `pilot/pkg/xds/testdata/nds-se.yaml` does), so such an entry is internal on
/// purpose.
pub(crate) const RULE: Row = Row {
    severity: Severity::Info,
    check: CheckFn::Lint(check),
    summary: "An external service declared MESH_INTERNAL.",
};

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
