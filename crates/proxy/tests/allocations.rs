//! Heap allocations per accepted connection on the data path, counted by a global allocator
//! that tallies only the proxy worker's thread (the test's clients and echo server run on
//! other threads). A connection here is the benchmark's: connect, 1 KiB request, 1 KiB
//! answer, close — through the real `serve` on a single-threaded runtime, as a worker runs it.
//!
//! Our own code allocates two boxes per connection (the setup futures — destination and
//! decision, then the dial — boxed so idle tasks stay small); the rest is tokio's per-task and
//! per-socket bookkeeping (the task, its `JoinSet` entry so drain can abort it, the sockets'
//! I/O registrations). Decisions, metric labels and handles, log fields and copy buffers are
//! reused (`route`, `pipe`), so the count is a constant, not a function of the configuration.
//! Before that reuse it was 27; it measures 7 now, and the bound holds it at 8.

use std::sync::Arc;
use std::time::Duration;

use meshctl_proxy::workers::ListenerGroup;
use meshctl_proxy::{Options, Resolver, Shared, policy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[allow(
    dead_code,
    reason = "the proxy tests' helpers; this binary uses a few of them"
)]
#[path = "proxy/support.rs"]
mod support;

use support::{echo, entry, forward_to, round_trip, scratch, source};

/// At most this many allocations per connection on the worker thread.
const BOUND: u64 = 8;

/// Allocations over the whole measured run that are not per connection.
const SLACK: u64 = 50;

async fn one_connection(proxy: std::net::SocketAddr) {
    let mut client = TcpStream::connect(proxy).await.expect("connect");
    let request = [7u8; 1024];
    let answer = round_trip(&mut client, &request).await.expect("answer");
    assert_eq!(answer, request);
    client.shutdown().await.expect("close");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.expect("EOF");
}

/// Allocations on a worker thread that serves `n` connections from start to drain.
fn worker_allocations(
    client_rt: &tokio::runtime::Runtime,
    upstream: std::net::SocketAddr,
    source: &policy::Source,
    n: u64,
) -> u64 {
    let first = policy::build(source, 1).expect("valid config").policy;
    let (_policy_tx, policy_rx) = watch::channel(Arc::new(first));
    let proxy = Arc::new(Shared::new(
        Options::default(),
        1000,
        Resolver::new(meshctl_core::dns::ResolverSettings::default()),
        None,
    ));
    let group = ListenerGroup::bind(
        "127.0.0.1:0".parse().expect("addr"),
        forward_to(upstream),
        1,
    )
    .expect("bind");
    let addr = group.local;
    let (stop_tx, mut stop_rx) = watch::channel(false);
    // A worker as `workers::DataPlane` runs one: `serve` on a single-threaded runtime.
    let worker = {
        let proxy = proxy.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("worker runtime");
            allocation_counter::measure(|| {
                runtime.block_on(async move {
                    let socket = group.into_sockets().pop().expect("one socket");
                    let listener = TcpListener::from_std(socket).expect("listener");
                    let stopped = async move {
                        let _ = stop_rx.wait_for(|s| *s).await;
                    };
                    meshctl_proxy::serve(listener, forward_to(upstream), policy_rx, proxy, stopped)
                        .await
                        .expect("serve");
                });
            })
            .count_total
        })
    };
    client_rt.block_on(async {
        for _ in 0..n {
            one_connection(addr).await;
        }
        // The worker finishes its side (metrics, close) after the client sees EOF.
        while proxy.metrics.active_connections() != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let _ = stop_tx.send(true);
    worker.join().expect("worker thread")
}

#[test]
#[allow(clippy::print_stderr, reason = "the measured count is worth seeing")]
fn an_accepted_connection_costs_a_bounded_handful_of_allocations() {
    let client_rt = tokio::runtime::Runtime::new().expect("runtime");
    let (upstream, _) = client_rt.block_on(echo());
    let file = scratch().join("egress.yaml");
    std::fs::write(&file, entry("db", "127.0.0.1/32", upstream.port())).expect("config");
    let source = source(&file);
    // The difference of two runs is the marginal cost: start-up and first-use caches cancel.
    let (few, many) = (100, 600);
    let base = worker_allocations(&client_rt, upstream, &source, few);
    let more = worker_allocations(&client_rt, upstream, &source, many);
    let extra = more.saturating_sub(base);
    let connections = many - few;
    // Printed for the benchmark notes (`cargo test --test allocations -- --nocapture`).
    eprintln!(
        "allocations per accepted connection on the worker thread: {}.{:02} ({base} for {few} connections, {more} for {many})",
        extra / connections,
        extra * 100 / connections % 100
    );
    // SLACK absorbs amortized growth inside tokio (a list reallocating once in a while), which
    // is not a per-connection cost.
    assert!(
        extra <= BOUND * connections + SLACK,
        "{extra} allocations for {connections} connections; the design allows {BOUND} each"
    );
}
