//! Engine benchmarks: compile time and per-connection decision latency for generated configs of
//! 10, 1,000 and 100,000 `ServiceEntries`.
//!
//! Configs are built directly as model structs (no YAML) so only the engine is measured. The
//! mix: 50 % IPv4 plain IPs (`/32` and bare), 15 % IPv4 CIDRs, 15 % IPv6 `/128`s, 10 % IPv6
//! CIDRs, 10 % TLS entries without addresses matched by SNI (exact and wildcard hosts), and one
//! address-less TCP entry per thousand. Addresses stay inside the documentation ranges, so
//! distinct services are spread over ports rather than over addresses.

// Generator arithmetic: every cast follows a modulo or a division that bounds it.
#![allow(clippy::cast_possible_truncation)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use meshctl_core::engine::{
    Connection, MeshSettings, Registry, Resources, Verdict, Workload, compile, decide,
};
use meshctl_core::load::node::{Node, Pos, Value};
use meshctl_core::load::{Loaded, Origin};
use meshctl_core::model::{ObjectMeta, ServiceEntry, ServiceEntrySpec, ServicePort};

const SIZES: [usize; 3] = [10, 1_000, 100_000];

/// The 768 IPv4 documentation addresses.
fn doc_v4(i: usize) -> Ipv4Addr {
    let bases = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
    let [a, b, c] = bases[(i / 256) % 3];
    Ipv4Addr::new(a, b, c, (i % 256) as u8)
}

fn doc_v6(hi: u16, lo: u64) -> Ipv6Addr {
    let bits = (0x2001_0db8_u128 << 96) | (u128::from(hi) << 64) | u128::from(lo);
    Ipv6Addr::from(bits)
}

/// One generated entry: (host, addresses, port, protocol).
fn spec(i: usize) -> (String, Vec<String>, u32, &'static str) {
    let host = format!("svc{i}.example.com");
    let slot = (i / 20) as u32;
    match i % 20 {
        0..=9 => {
            let ip = doc_v4(i % 768);
            let port = 1_024 + (i / 768) as u32;
            let addr = if i.is_multiple_of(2) {
                format!("{ip}/32")
            } else {
                ip.to_string()
            };
            (host, vec![addr], port, "TCP")
        }
        10..=12 => {
            let len = 25 + (i % 6) as u8;
            let ip = doc_v4(i % 768);
            (
                host,
                vec![format!("{ip}/{len}")],
                20_000 + slot % 2_000,
                "TCP",
            )
        }
        13..=15 => (
            host,
            vec![doc_v6(1, i as u64).to_string()],
            3_306 + slot % 50,
            "TCP",
        ),
        16 | 17 => {
            let len = 48 + (i % 17);
            let net = doc_v6((i % 60_000) as u16, 0);
            (host, vec![format!("{net}/{len}")], 5_432, "TCP")
        }
        18 => (host, Vec::new(), 443, "TLS"),
        _ if i % 1_000 == 19 => (host, Vec::new(), 40_000 + slot % 1_000, "TCP"),
        _ => (format!("*.w{i}.example.com"), Vec::new(), 443, "TLS"),
    }
}

fn entries(n: usize) -> Vec<Loaded<ServiceEntry>> {
    let node = Arc::new(Node {
        pos: Pos::default(),
        value: Value::Null,
    });
    let path: Arc<str> = Arc::from("generated");
    (0..n)
        .map(|i| {
            let (host, addresses, number, protocol) = spec(i);
            Loaded {
                resource: ServiceEntry {
                    api_version: "networking.istio.io/v1".into(),
                    kind: "ServiceEntry".into(),
                    metadata: ObjectMeta {
                        name: format!("se-{i}"),
                        namespace: Some("default".into()),
                        ..ObjectMeta::default()
                    },
                    spec: ServiceEntrySpec {
                        hosts: vec![host],
                        addresses,
                        ports: vec![ServicePort {
                            number,
                            name: "p".into(),
                            protocol: Some(protocol.into()),
                            target_port: None,
                        }],
                        ..ServiceEntrySpec::default()
                    },
                    status: None,
                },
                origin: Origin {
                    path: path.clone(),
                    pos: Pos::default(),
                },
                node: node.clone(),
            }
        })
        .collect()
}

fn registry(entries: &[Loaded<ServiceEntry>]) -> Registry {
    let config = Resources {
        service_entries: entries,
        sidecars: &[],
        mesh: MeshSettings::default(),
        in_mesh: meshctl_core::engine::InMesh::default(),
    };
    compile(&config, &Workload::default())
}

/// Connections that hit entries of every kind (first) or miss (second), 64 of each.
fn connections(n: usize) -> (Vec<Connection<'static>>, Vec<Connection<'static>>) {
    let mut hits = Vec::new();
    let mut i = 0;
    while hits.len() < 64 && i < n {
        let (host, addresses, port, protocol) = spec(i);
        let port = u16::try_from(port).unwrap_or(1);
        let conn = match addresses.first() {
            Some(a) => {
                let ip: IpAddr = a
                    .split('/')
                    .next()
                    .unwrap_or(a)
                    .parse()
                    .expect("generated ip");
                Connection::tcp(ip, port)
            }
            None if protocol == "TLS" => {
                let sni: &'static str = Box::leak(host.replace('*', "api").into_boxed_str());
                Connection::tls(IpAddr::V4(doc_v4(7)), port, Some(sni))
            }
            None => Connection::tcp(IpAddr::V4(doc_v4(9)), port),
        };
        hits.push(conn);
        i += 1;
    }
    let misses = (0..64_u16)
        .map(|k| match k % 4 {
            0 => Connection::tcp(IpAddr::V4(doc_v4(usize::from(k))), 60_000 + k),
            1 => Connection::tcp(IpAddr::V6(doc_v6(9, u64::from(k))), 1_024),
            2 => Connection::tls(IpAddr::V4(doc_v4(3)), 443, Some("nobody.example.org")),
            _ => Connection::tcp(IpAddr::V6(doc_v6(0xffff, u64::from(k))), 3_306),
        })
        .collect();
    (hits, misses)
}

fn bench_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for n in SIZES {
        let entries = entries(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &entries, |b, entries| {
            b.iter(|| registry(black_box(entries)));
        });
    }
    group.finish();
}

fn bench_decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    for n in SIZES {
        let entries = entries(n);
        let registry = registry(&entries);
        let (hits, misses) = connections(n);
        // Keep the benchmark honest: hits must be allowed, misses must not be.
        assert!(
            hits.iter()
                .all(|c| decide(&registry, c).verdict() == Verdict::Allow)
        );
        assert!(
            misses
                .iter()
                .all(|c| decide(&registry, c).verdict() != Verdict::Allow)
        );
        for (name, conns) in [("hit", &hits), ("miss", &misses)] {
            group.bench_with_input(BenchmarkId::new(name, n), conns, |b, conns| {
                let mut k = 0;
                b.iter(|| {
                    k = (k + 1) % conns.len();
                    decide(black_box(&registry), black_box(&conns[k])).verdict()
                });
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench_compile, bench_decide
}
criterion_main!(benches);
