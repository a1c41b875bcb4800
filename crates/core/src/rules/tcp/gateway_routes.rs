//! The VirtualService routes that send to a gateway workload's Service, as the gateway rules
//! read them: where each is written, whether sidecars use it, and the gateway it reaches
//! (istio/istio pilot/pkg/networking/core/gateway.go for what the gateway then does).

use crate::engine::Resources;
use crate::engine::gateway::{GatewayTarget, behind};
use crate::load::Loaded;
use crate::model::{RouteDestination, VirtualService};
use crate::rules::context::Context;

/// One destination of a `tcp` or `tls` route that is a gateway's Service.
pub(super) struct ToGateway<'c> {
    pub(super) vs: &'c Loaded<VirtualService>,
    /// `spec.tcp[0].route[1]`.
    pub(super) path: String,
    /// The destination as written.
    pub(super) destination: &'c RouteDestination,
    /// The Service port it names.
    pub(super) port: u16,
    /// The gateway workload behind the Service.
    pub(super) gateway: GatewayTarget,
    /// True when sidecars use the route (no `gateways`, or `mesh` among them).
    pub(super) for_sidecars: bool,
}

/// The engine's view of the documents, with the context's mesh settings.
pub(super) fn resources<'c>(cx: &Context<'c>) -> Resources<'c> {
    Resources::from_inputs(cx.inputs, cx.mesh.clone())
}

/// Every route destination that reaches a gateway workload.
pub(super) fn to_gateways<'c>(cx: &Context<'c>) -> Vec<ToGateway<'c>> {
    let config = resources(cx);
    let mut out = Vec::new();
    for vs in &cx.inputs.virtual_services {
        let spec = &vs.resource.spec;
        let ns = vs.resource.metadata.namespace();
        let for_sidecars = spec.gateways.is_empty() || spec.gateways.iter().any(|g| g == "mesh");
        let routes = spec
            .tcp
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("spec.tcp[{i}]"), &r.route))
            .chain(
                spec.tls
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (format!("spec.tls[{i}]"), &r.route)),
            );
        for (route_path, route) in routes {
            for (j, destination) in route.iter().enumerate() {
                let host = qualify(&destination.destination.host, ns);
                let Some(port) = destination
                    .destination
                    .port
                    .as_ref()
                    .and_then(|p| u16::try_from(p.number).ok())
                else {
                    continue;
                };
                if let Some(gateway) = behind(&config, &host, port) {
                    out.push(ToGateway {
                        vs,
                        path: format!("{route_path}.route[{j}]"),
                        destination,
                        port,
                        gateway,
                        for_sidecars,
                    });
                }
            }
        }
    }
    out
}

/// A short host qualified with the VirtualService's namespace, as istiod qualifies it.
pub(super) fn qualify(host: &str, ns: &str) -> String {
    if host.contains('.') || host == "*" {
        host.to_owned()
    } else {
        format!("{host}.{ns}.svc.cluster.local")
    }
}
