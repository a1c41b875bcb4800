//! The thread-per-core data plane: worker threads sharing one port, one policy and one drain.

use std::sync::Arc;
use std::time::Duration;

use meshctl_proxy::workers::{DataPlane, ListenerGroup};
use meshctl_proxy::{Drained, Options, Resolver, Shared, policy};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::support::{echo, entry, forward_to, round_trip, scratch, source};

#[tokio::test]
async fn workers_share_the_port_serve_every_connection_and_drain_together() {
    let (upstream, accepted) = echo().await;
    let file = scratch().join("egress.yaml");
    std::fs::write(&file, entry("echo", "127.0.0.1/32", upstream.port())).expect("config");
    let first = policy::build(&source(&file), 1).expect("valid").policy;
    let (_policy_tx, policy_rx) = watch::channel(Arc::new(first));
    let options = Options {
        drain_timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let proxy = Arc::new(Shared::new(
        options,
        100,
        Resolver::new(meshctl_core::dns::ResolverSettings::default()),
        None,
    ));
    let group = ListenerGroup::bind(
        "127.0.0.1:0".parse().expect("addr"),
        forward_to(upstream),
        2,
    )
    .expect("bind two sockets");
    assert_eq!(group.workers(), 2);
    let addr = group.local;
    assert_ne!(
        addr.port(),
        0,
        "port 0 is resolved once for the whole group"
    );

    // The port is ours: neither another proxy's group nor a plain listener may join it.
    let again = ListenerGroup::bind(addr, forward_to(upstream), 2).expect_err("port taken");
    assert_eq!(again.kind(), std::io::ErrorKind::AddrInUse);
    let plain = ListenerGroup::bind(addr, forward_to(upstream), 1).expect_err("port taken");
    assert_eq!(plain.kind(), std::io::ErrorKind::AddrInUse);

    let (stop_tx, stop_rx) = watch::channel(false);
    let plane = DataPlane::start(vec![group], &policy_rx, &proxy, &stop_rx).expect("start");
    // Connections from many source ports: the kernel spreads them over both sockets.
    let mut open = Vec::new();
    for i in 0..32u8 {
        let mut client = TcpStream::connect(addr).await.expect("connect");
        assert_eq!(
            round_trip(&mut client, &[i; 100]).await.expect("echo"),
            [i; 100]
        );
        open.push(client);
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 32);
    drop(open.split_off(2)); // two stay open across the shutdown
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(Duration::from_secs(20), plane.join())
        .await
        .expect("the workers stop")
        .expect("no worker failed");
    assert_eq!(
        drained,
        Drained { open: 2, cut: 2 },
        "both still-open connections are cut at the drain deadline"
    );
}

#[tokio::test]
async fn accepted_sockets_inherit_nodelay_from_the_listener() {
    // The proxy relies on this instead of a setsockopt per connection.
    let listener = meshctl_proxy::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (accepted, _client) = tokio::join!(listener.accept(), TcpStream::connect(addr));
    let (stream, _) = accepted.expect("accept");
    assert!(
        stream.nodelay().expect("getsockopt"),
        "TCP_NODELAY was inherited"
    );
}
