//! `meshctl proxy --takeover` with the real binary, twice: a second proxy joins the first one's
//! ports under continuous load, the first is sent SIGTERM, and no connection is refused, reset
//! or answered wrongly; the first drains its long-lived connections and exits 0, the second
//! serves what comes after. Without `--takeover` a taken port stays "address in use" (exit 2).
//!
//! Loopback only: a forward-mode proxy in front of the testkit echo upstream, allowed by an
//! entry for 127.0.0.1/32. Counts and deadlines are generous, so a loaded two-core machine
//! slows the test down without failing it.

#[path = "takeover/load.rs"]
mod load;
#[path = "takeover/process.rs"]
mod process;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use load::{LONG_CONNECTIONS, Load, short_connection};
use process::{
    Proxy, STEP, Scratch, Stage, access_log_lines, admin_get, fails_to_start, free_port,
    proxy_args, ready, report, taken_from_queues, write_config,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeover_hands_over_without_refusing_or_resetting_a_connection() {
    let Stage {
        dir,
        upstream,
        config,
        listen,
        admin,
    } = Stage::new("handover").await;
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    let mut old = Proxy::spawn_ready(
        &dir.0,
        "old",
        &proxy_args(&config, upstream, listen, admin, "old.log", 2),
        admin,
    )
    .await;

    // The long-lived connections open before the second proxy exists: the old one drains them.
    let load = Load::start(addr).await;
    let tally = load.tally.clone();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&config, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(
        ready(admin, Some(new.pid())).await,
        "the new proxy answers /ready on the shared admin port\n{}",
        new.stderr()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    old.terminate();
    load.handed_over.store(true, Ordering::SeqCst);
    // Ample time for the old proxy to close its sockets: what completes after this started
    // after it, so on the new proxy.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let handed = tally.ok.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Every admin answer now comes from the new proxy.
    for _ in 0..10 {
        let answer = admin_get(admin, "/ready").await;
        assert_eq!(answer, Some((200, Some(new.pid()))), "{}", new.stderr());
    }
    let long_after = load.stop().await;
    let after_sigterm = tally.ok.load(Ordering::SeqCst) - handed;

    let old_status = old.wait(STEP).expect("the old proxy exits after its drain");
    let old_stderr = old.stderr();
    new.terminate();
    let new_status = new.wait(STEP).expect("the new proxy exits on SIGTERM");
    let (old_served, new_served) = (
        access_log_lines(&dir.0.join("old.log")),
        access_log_lines(&dir.0.join("new.log")),
    );
    let ok = tally.ok.load(Ordering::SeqCst);
    let shutdown = old_stderr
        .lines()
        .find(|l| l.contains("shutdown complete"))
        .unwrap_or("(no shutdown line)");
    report(&format!(
        "short connections {} ({after_sigterm} from 300 ms after SIGTERM); long-lived exchanges after SIGTERM {long_after:?}; served old={old_served} new={new_served}; old proxy took {} queued connection(s) at SIGTERM; {shutdown}",
        tally.summary(),
        taken_from_queues(&old_stderr)
    ));

    assert!(old_status.success(), "{old_status}\n{old_stderr}");
    assert!(new_status.success(), "{new_status}\n{}", new.stderr());
    assert_eq!(
        (
            tally.refused.load(Ordering::SeqCst),
            tally.reset.load(Ordering::SeqCst),
            tally.wrong.load(Ordering::SeqCst),
            tally.timed_out.load(Ordering::SeqCst)
        ),
        (0, 0, 0, 0),
        "{}",
        tally.summary()
    );
    assert!(ok >= 100, "too little load to judge: {}", tally.summary());
    assert!(after_sigterm >= 20, "load kept running after SIGTERM");
    assert!(
        long_after.iter().all(|n| *n > 0),
        "the old proxy kept serving its long-lived connections while draining: {long_after:?}"
    );
    assert!(
        old_stderr.contains("shutdown complete") && !old_stderr.contains("drain deadline"),
        "{old_stderr}"
    );
    // Each proxy logs a line per connection it served: together, every connection made, once.
    assert_eq!(old_served + new_served, ok + LONG_CONNECTIONS);
    assert!(
        old_served > LONG_CONNECTIONS,
        "the old proxy served before the hand-over"
    );
    assert!(
        new_served >= after_sigterm,
        "connections after SIGTERM reached the new proxy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_queued_on_the_old_proxy_at_sigterm_are_served_not_reset() {
    const QUEUED: usize = 16;
    let Stage {
        dir,
        upstream,
        config,
        listen,
        admin,
    } = Stage::new("queued").await;
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    // Full at one connection: the kernel completes the handshakes of the next ones and queues
    // them on the old proxy's sockets, where SIGTERM finds them.
    let mut old = Proxy::spawn(
        &dir.0,
        "old",
        &[
            proxy_args(&config, upstream, listen, admin, "old.log", 1),
            // One worker: with two, the one permit can wait in the worker whose socket gets
            // no connection (permits are taken before `accept`) while the other's queue fills.
            vec!["--max-connections".to_owned(), "1".to_owned()],
        ]
        .concat(),
    );
    assert!(ready(admin, Some(old.pid())).await, "{}", old.stderr());
    let mut holder = TcpStream::connect(addr).await.expect("connect");
    holder.write_all(b"hold").await.expect("write");
    let mut back = [0; 4];
    tokio::time::timeout(STEP, holder.read_exact(&mut back))
        .await
        .expect("the first connection is served")
        .expect("echo");
    let mut queued = Vec::new();
    for n in 0..QUEUED {
        let mut stream = TcpStream::connect(addr).await.expect("queued connect");
        let payload = format!("queued connection {n:>4}\n");
        stream.write_all(payload.as_bytes()).await.expect("write");
        queued.push((stream, payload));
    }
    let mut probe = [0; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), queued[0].0.read(&mut probe))
            .await
            .is_err(),
        "the queued connections wait for the full proxy"
    );

    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&config, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(ready(admin, Some(new.pid())).await, "{}", new.stderr());
    old.terminate();
    let mut served = 0;
    for (stream, payload) in &mut queued {
        let mut back = vec![0; payload.len()];
        let read = tokio::time::timeout(STEP, stream.read_exact(&mut back)).await;
        assert!(
            matches!(read, Ok(Ok(_))),
            "a queued connection was not served: {read:?}\n{}",
            old.stderr()
        );
        assert_eq!(back, payload.as_bytes());
        served += 1;
    }
    drop(queued);
    drop(holder);
    // After the hand-over the new proxy serves what comes.
    for n in 0..20 {
        assert!(short_connection(addr, n).await.expect("served"), "echo");
    }
    let old_status = old.wait(STEP).expect("the old proxy exits after its drain");
    let old_stderr = old.stderr();
    new.terminate();
    let new_status = new.wait(STEP).expect("the new proxy exits on SIGTERM");
    let taken = taken_from_queues(&old_stderr);
    report(&format!(
        "{served}/{QUEUED} connections queued on the old proxy at SIGTERM served (it took {taken} from its queues)"
    ));
    assert!(old_status.success(), "{old_status}\n{old_stderr}");
    assert!(new_status.success(), "{new_status}\n{}", new.stderr());
    assert_eq!(taken, QUEUED, "{old_stderr}");
    assert_eq!(access_log_lines(&dir.0.join("new.log")), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_without_a_loaded_configuration_never_joins() {
    let Stage {
        dir,
        upstream,
        config,
        listen,
        admin,
    } = Stage::new("unloaded").await;
    let addr: SocketAddr = ([127, 0, 0, 1], listen).into();
    let old = Proxy::spawn_ready(
        &dir.0,
        "old",
        &proxy_args(&config, upstream, listen, admin, "old.log", 2),
        admin,
    )
    .await;
    // No Istio resource: generation 0, which would deny everything if it served.
    let nothing = dir.0.join("nothing.yaml");
    std::fs::write(&nothing, "foo: bar\n").expect("write");
    let mut new = Proxy::spawn(
        &dir.0,
        "new",
        &[
            proxy_args(&nothing, upstream, listen, admin, "new.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    let began = Instant::now();
    while !new.stderr().contains("not joining") {
        assert!(began.elapsed() < STEP, "{}", new.stderr());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for n in 0..40 {
        assert!(short_connection(addr, n).await.expect("served"), "echo");
        assert_eq!(
            admin_get(admin, "/ready").await,
            Some((200, Some(old.pid())))
        );
    }
    new.terminate();
    let status = new.wait(STEP).expect("exits on SIGTERM while waiting");
    let stderr = new.stderr();
    assert!(status.success(), "{status}\n{stderr}");
    assert!(stderr.contains("shutdown before taking over"), "{stderr}");
    assert_eq!(access_log_lines(&dir.0.join("new.log")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_takeover_a_taken_port_is_address_in_use() {
    let Stage {
        dir,
        upstream,
        config,
        listen,
        admin,
    } = Stage::new("in-use").await;
    let running = Proxy::spawn(
        &dir.0,
        "running",
        &proxy_args(&config, upstream, listen, admin, "running.log", 2),
    );
    assert!(
        ready(admin, Some(running.pid())).await,
        "{}",
        running.stderr()
    );

    // The data port, then (on a free data port) the admin port.
    let data = fails_to_start(
        &dir.0,
        "data",
        &proxy_args(&config, upstream, listen, free_port(), "data.log", 2),
    );
    assert!(
        data.contains(&format!(
            "error: binding the proxy listener 127.0.0.1:{listen}\n  caused by: address in use"
        )),
        "{data}"
    );
    assert!(data.contains("pass --takeover"), "{data}");
    let admin_taken = fails_to_start(
        &dir.0,
        "admin",
        &proxy_args(&config, upstream, free_port(), admin, "admin.log", 2),
    );
    assert!(
        admin_taken.contains(&format!(
            "error: binding the admin server 127.0.0.1:{admin}\n  caused by: address in use"
        )),
        "{admin_taken}"
    );
    // Neither failed start took a connection: the running proxy has all of them.
    for n in 0..20 {
        assert!(
            short_connection(([127, 0, 0, 1], listen).into(), n)
                .await
                .expect("served"),
            "echo"
        );
    }
    assert_eq!(
        admin_get(admin, "/ready").await,
        Some((200, Some(running.pid())))
    );
}

#[test]
fn takeover_cannot_join_a_port_another_program_holds() {
    let dir = Scratch::new("foreign");
    // A plain listener, without SO_REUSEPORT: not a group anybody may join.
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = foreign.local_addr().expect("addr").port();
    let upstream: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let config = write_config(&dir.0, upstream);
    let stderr = fails_to_start(
        &dir.0,
        "foreign",
        &[
            proxy_args(&config, upstream, port, free_port(), "foreign.log", 2),
            vec!["--takeover".to_owned()],
        ]
        .concat(),
    );
    assert!(stderr.contains("cannot join"), "{stderr}");
}
