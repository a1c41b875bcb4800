//! The YAML loader with schema and admission: arbitrary bytes as a manifest file go through
//! parsing (budgets), classification and CRD schema validation, the workspace pipeline (mesh
//! settings, admission), every lint rule, compilation of what was admitted and a decision for
//! each compiled listener. Nothing may panic.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use meshctl_core::engine::{self, Connection, Workload};
use meshctl_core::load::{self, LoadOptions};
use meshctl_core::rules::{self, RuleSelection};
use meshctl_core::workspace::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(inputs) = load::load_bytes("fuzz.yaml", data, &LoadOptions::default()) else {
        return;
    };
    // Mesh configs that disagree are a workspace error (exit 2 in every command), not a panic.
    let Ok(workspace) = Workspace::from_inputs(inputs, None) else {
        return;
    };
    for diagnostic in rules::check(&workspace.lint_context(), &RuleSelection::default()) {
        let _ = format!(
            "{}: {} {}",
            diagnostic.origin,
            diagnostic.rule.code(),
            diagnostic.message
        );
    }
    let registry = workspace.compile(&workspace.in_mesh(Workload::default()));
    let probes = [
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)),
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)),
    ];
    for listener in registry.listeners() {
        for dst in probes {
            for (tls, sni) in [(false, None), (true, Some("db.example.com")), (true, None)] {
                let conn = Connection {
                    dst,
                    port: listener.port,
                    tls,
                    sni,
                };
                let _ = engine::decide(&registry, &conn).to_string();
                let _ = engine::explain(&registry, &conn);
            }
        }
    }
});
