//! `meshctl simulate`'s settings: the view it decides in (inputs, mesh, calling workload), the
//! client's TLS (`--sni` implies `--tls`), and where a host destination is resolved.

use crate::cli::SimulateArgs;
use crate::settings::resolver;
use crate::settings::view::View;
use meshctl_core::dns::ResolverSettings;

/// One `simulate` run (and every call of `--expect`).
#[derive(Debug, Clone)]
pub(crate) struct SimulateSettings {
    /// The inputs, the mesh and the calling workload.
    pub(crate) view: View,
    /// The client speaks TLS.
    pub(crate) tls: bool,
    /// The server name the client sends.
    pub(crate) sni: Option<String>,
    /// Where host destinations are resolved.
    pub(crate) resolver: ResolverSettings,
    /// The calling workload's service account.
    pub(crate) service_account: String,
}

impl SimulateSettings {
    /// The flags, resolved.
    pub(crate) fn resolve(args: &SimulateArgs) -> Self {
        Self {
            view: View::simulate(args),
            tls: args.tls || args.sni.is_some() || args.principal.is_some(),
            sni: args.sni.clone(),
            resolver: resolver::from_flags(&args.dns),
            service_account: args.service_account.clone(),
        }
    }
}
