//! `--takeover` at the socket level, in-process: a group that joins a port listened on by
//! another group receives nothing until it listens, then shares the connections; a group that
//! does not ask to join still gets "address in use". The hand-over itself (two real processes,
//! SIGTERM, the accept queue served before the close) is tested with the binary in the root
//! crate's `tests/takeover.rs`.

use std::time::Duration;

use meshctl_proxy::workers::ListenerGroup;
use tokio::net::{TcpListener, TcpStream};

use super::support::forward_to;

/// How many of `n` connections to `addr` each listener accepts.
async fn spread(addr: std::net::SocketAddr, listeners: &[TcpListener], n: usize) -> Vec<usize> {
    let mut clients = Vec::new();
    for _ in 0..n {
        clients.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut counts = vec![0; listeners.len()];
    let mut accepted = 0;
    let began = std::time::Instant::now();
    while accepted < n {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{} of {n} connections reached none of these listeners",
            n - accepted
        );
        for (count, listener) in counts.iter_mut().zip(listeners) {
            if let Ok(Ok(_)) =
                tokio::time::timeout(Duration::from_millis(20), listener.accept()).await
            {
                *count += 1;
                accepted += 1;
            }
        }
    }
    counts
}

fn listeners(group: ListenerGroup) -> Vec<TcpListener> {
    group
        .into_sockets()
        .into_iter()
        .map(|s| TcpListener::from_std(s).expect("register"))
        .collect()
}

#[tokio::test]
async fn a_joining_group_gets_nothing_until_it_listens_then_shares_the_port() {
    let target = forward_to("127.0.0.1:9".parse().expect("addr"));
    let old =
        ListenerGroup::bind("127.0.0.1:0".parse().expect("addr"), target.clone(), 1).expect("bind");
    let addr = old.local;
    let refused = ListenerGroup::bind(addr, target.clone(), 1).expect_err("taken");
    assert_eq!(refused.kind(), std::io::ErrorKind::AddrInUse);

    let new = ListenerGroup::join(addr, target, 2).expect("join the old group");
    assert_eq!(new.local, addr);
    let old = listeners(old);
    // Bound, not listening: the kernel gives the joining sockets nothing yet.
    assert_eq!(spread(addr, &old, 32).await, vec![32]);

    new.listen().expect("listen");
    let all: Vec<TcpListener> = old.into_iter().chain(listeners(new)).collect();
    let counts = spread(addr, &all, 64).await;
    assert_eq!(counts.iter().sum::<usize>(), 64);
    assert!(
        counts[1] + counts[2] > 0,
        "the joined sockets share the port: {counts:?}"
    );
}
