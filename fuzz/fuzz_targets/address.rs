//! CIDR and address parsing: `gen --address` normalisation, the capture annotations
//! (`traffic.sidecar.istio.io/{in,ex}cludeOutboundIPRanges`) and ServiceEntry `addresses`
//! through load, lint and compile. Invariants: a normalised address contains its own network
//! address, and never panics on the way.
#![no_main]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use meshctl_core::engine::{self, EXCLUDE_RANGES, INCLUDE_RANGES, MeshSettings, Workload};
use meshctl_core::generate::parse_address;
use meshctl_core::load::{self, LoadOptions};
use meshctl_core::rules::{self, RuleSelection};

fuzz_target!(|text: &str| {
    if let Ok(net) = parse_address(text) {
        assert!(net.contains(&net.network()), "{text:?} → {net}");
        assert_eq!(
            parse_address(&net.to_string()),
            Ok(net),
            "{text:?} does not round-trip"
        );
    }
    let probes = [
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)),
    ];
    for key in [INCLUDE_RANGES, EXCLUDE_RANGES] {
        let workload = Workload {
            annotations: BTreeMap::from([(key.to_owned(), text.to_owned())]),
            ..Workload::default()
        };
        let config = engine::Resources {
            service_entries: &[],
            sidecars: &[],
            mesh: MeshSettings::default(),
            in_mesh: engine::InMesh::default(),
        };
        let registry = engine::compile(&config, &workload);
        for dst in probes {
            let _ = registry.capture().bypass(dst, 3306);
        }
    }
    if text.contains(['\n', '\r', '\'']) {
        return;
    }
    let yaml = format!(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db}}\nspec:\n  hosts: [db.example.com]\n  addresses: ['{text}']\n  ports: [{{number: 3306, name: tcp, protocol: TCP}}]\n  resolution: NONE\n"
    );
    let Ok(inputs) = load::load_bytes("fuzz.yaml", yaml.as_bytes(), &LoadOptions::default()) else {
        return;
    };
    let _ = rules::check(&rules::Context::new(&inputs), &RuleSelection::default());
    let registry = engine::compile(
        &engine::Resources::from_inputs(&inputs, MeshSettings::default()),
        &Workload::default(),
    );
    for dst in probes {
        let _ = engine::decide(&registry, &engine::Connection::tcp(dst, 3306)).to_string();
    }
});
