//! Heap allocations per accepted connection on the data path, counted by a global allocator
//! that tallies only the proxy worker's thread (the test's clients and echo server run on
//! other threads). A connection here is the benchmark's: connect, 1 KiB request, 1 KiB
//! answer, close — through the real `serve` on a single-threaded runtime, as a worker runs it.
//!
//! What a connection may allocate is tokio's bookkeeping — its task, its `JoinSet` entry (so
//! drain can abort it), the I/O registrations of its two sockets, its timers — and the two
//! boxed setup futures (destination + decision, dial) that keep idle tasks small. Decisions,
//! metric labels and handles, log fields and copy buffers are reused (`route`, `pipe`), so the
//! count is a constant, not a function of the configuration. Before that reuse it was 27.

use std::sync::Arc;
use std::time::Duration;

use meshctl_proxy::workers::ListenerGroup;
use meshctl_proxy::{ForwardTarget, Mode, Options, Proxy, Resolver, policy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// At most this many allocations per connection on the worker thread.
const BOUND: u64 = 8;

/// Allocations over the whole measured run that are not per connection.
const SLACK: u64 = 50;

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    addr
}

fn forward(upstream: std::net::SocketAddr) -> Mode {
    Mode::Forward(ForwardTarget {
        host: upstream.ip().to_string(),
        port: upstream.port(),
    })
}

async fn one_connection(proxy: std::net::SocketAddr) {
    let mut client = TcpStream::connect(proxy).await.expect("connect");
    let request = [7u8; 1024];
    client.write_all(&request).await.expect("request");
    let mut answer = [0u8; 1024];
    client.read_exact(&mut answer).await.expect("answer");
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
    let proxy = Arc::new(Proxy::new(
        Options::default(),
        1000,
        Resolver::new(meshctl_core::dns::ResolverSettings::default()),
        None,
    ));
    let group = ListenerGroup::bind("127.0.0.1:0".parse().expect("addr"), forward(upstream), 1)
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
                    meshctl_proxy::serve(listener, forward(upstream), policy_rx, proxy, stopped)
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
        while proxy.metrics.active.get() != 0 {
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
    let upstream = client_rt.block_on(echo_server());
    let dir = std::env::temp_dir().join(format!("meshctl-alloc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("egress.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db, namespace: default}}\nspec: {{hosts: [db.example.com], addresses: [127.0.0.1/32], ports: [{{number: {}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n",
            upstream.port()
        ),
    )
    .expect("config");
    let source = policy::Source {
        sources: meshctl_core::workspace::Sources {
            paths: vec![file],
            ..Default::default()
        },
        workload: meshctl_core::engine::Workload::default(),
        strict: false,
    };
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
