//! The workload whose sidecar is modelled, from `--source-namespace`, `--labels`,
//! `--annotation` and `--dns-capture`: the one place a command line becomes an
//! [`meshctl_core::engine::Workload`].

use crate::cli::WorkloadArgs;

impl WorkloadArgs {
    /// The workload as given on the command line (namespace and labels may be overridden per
    /// call, as `simulate --expect` does).
    #[must_use]
    pub(crate) fn workload(
        &self,
        namespace: &str,
        labels: &[(String, String)],
    ) -> meshctl_core::engine::Workload {
        meshctl_core::engine::Workload {
            namespace: namespace.to_owned(),
            labels: labels.iter().cloned().collect(),
            annotations: self.annotations.iter().cloned().collect(),
            dns_capture: self.dns_capture,
        }
    }
}
