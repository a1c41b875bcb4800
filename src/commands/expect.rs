//! `meshctl simulate --expect calls.yaml`: policy tests for CI. Each call (see
//! `meshctl_core::expect`) is decided by the same workspace and engine as a single `simulate`;
//! mismatches exit 1.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;

use crate::cli::SimulateFormat;
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::simulate::SimulateSettings;
use meshctl_core::engine::Registry;
use meshctl_core::expect::{self, Outcome};
use meshctl_core::load::Limits;
use meshctl_core::workspace::Workspace;

pub(super) fn run(
    file: &Path,
    output: SimulateFormat,
    settings: &SimulateSettings,
    workspace: &Workspace,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let calls = expect::load_calls(file, &Limits::default())?;
    let mut registries: BTreeMap<(String, Vec<(String, String)>), Registry> = BTreeMap::new();
    let mut outcomes = Vec::new();
    let gateways = workspace.gateways();
    for call in &calls {
        let namespace = call.namespace().to_owned();
        let labels: Vec<(String, String)> = call.labels.clone().into_iter().collect();
        let registry = registries
            .entry((namespace.clone(), labels.clone()))
            .or_insert_with(|| {
                workspace
                    .compile(&workspace.in_mesh(settings.view.workload_in(&namespace, &labels)))
            });
        let (target, addresses) =
            super::destination::resolve(&call.destination, &settings.resolver).with_context(
                || {
                    let shown = meshctl_core::target::redact(&call.destination);
                    format!("{}: call to `{shown}`", call.origin)
                },
            )?;
        let onward = super::destination::Onward {
            gateways: &gateways,
            principal: meshctl_core::engine::principal_of(
                &namespace,
                call.service_account
                    .as_deref()
                    .unwrap_or(&settings.service_account),
            ),
        };
        let connections = super::destination::explain_all(
            registry,
            Some(&onward),
            &target,
            &addresses,
            call.tls(),
            call.sni.as_deref(),
        );
        outcomes.push(Outcome::new(call, target.display.clone(), connections));
    }
    match output {
        SimulateFormat::Json => render::write_json(&outcomes, io.out)?,
        SimulateFormat::Text => render::expect::text(&outcomes, io.out)?,
    }
    Ok(if outcomes.iter().all(|o| o.passed) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
