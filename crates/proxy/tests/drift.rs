//! The DNS drift monitor against the in-process DNS server on loopback: a pinned entry whose
//! host answers outside its addresses reads 1, an entry in sync reads 0, and the decision the
//! proxy enforces does not change (drift is reported, never allowed).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use meshctl_core::dns::ResolverSettings;
use meshctl_core::engine::{self, Connection, Verdict, Workload};
use meshctl_proxy::{Metrics, drift, policy};
use meshctl_testkit::dns::TestDns;
use tokio::sync::watch;

const ENTRIES: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
  annotations:
    meshctl.dev/resolve: db.example.com
spec:
  hosts: [db.example.com]
  addresses: [203.0.113.7/32]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: edge}
spec:
  hosts: [alias.example.com]
  addresses: [192.0.2.30/32]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: NONE
";

#[tokio::test]
async fn drift_is_exported_per_entry_and_never_changes_a_decision() {
    let dns = TestDns::start();
    let dir = std::env::temp_dir().join(format!("meshctl-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("entries.yaml");
    std::fs::write(&file, ENTRIES).expect("write");
    let source = policy::Source {
        sources: meshctl_core::workspace::Sources {
            paths: vec![file.clone()],
            ..Default::default()
        },
        workload: Workload::default(),
        strict: false,
        mesh: None,
        kustomize: true,
    };
    let built = policy::build(&source, 1).expect("policy").policy;
    let (_tx, rx) = watch::channel(Arc::new(built));
    let metrics = Arc::new(Metrics::default());
    let settings = ResolverSettings {
        nameservers: vec![dns.addr()],
        tcp: false,
        timeout: Duration::from_secs(2),
    };
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let monitor = tokio::spawn(drift::run(
        source,
        rx.clone(),
        settings,
        Duration::from_millis(100),
        metrics.drift_recorder(),
        async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        },
    ));
    let want_drift = r#"meshctl_dns_drift{service_entry="default/db",host="db.example.com"} 1"#;
    let want_quiet =
        r#"meshctl_dns_drift{service_entry="default/edge",host="alias.example.com"} 0"#;
    let mut text = String::new();
    for _ in 0..100 {
        text = metrics.encode();
        if text.contains(want_drift) && text.contains(want_quiet) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.contains(want_drift), "{text}");
    assert!(text.contains(want_quiet), "{text}");

    // Enforcement is the engine's alone: the drifted address is still denied.
    let policy = rx.borrow().clone();
    let new: IpAddr = "203.0.113.8".parse().expect("ip");
    let decision = engine::decide(&policy.registry, &Connection::tcp(new, 3306));
    assert_eq!(decision.verdict(), Verdict::Deny, "{decision}");

    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), monitor)
        .await
        .expect("the monitor stops on shutdown")
        .expect("no panic");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
