//! `--takeover`: a new proxy process starts beside a running one on the same ports, and the
//! old one, sent SIGTERM, hands the traffic over without refusing or resetting a connection.
//!
//! The model is Envoy's hot restart (`source/server/hot_restart_impl.cc`: the new process asks
//! the old one for its listening sockets over a Unix domain socket, then tells it to drain) and
//! HAProxy's seamless reload (`expose-fd listeners` on the stats socket, `-x` on the new
//! process: the listening file descriptors move to the new process, so their accept queues are
//! never closed). Both pass the sockets themselves. This proxy passes nothing: every socket it
//! listens on has `SO_REUSEPORT` (after a probe bind that keeps "address in use" for a port held
//! elsewhere, `socket::reuseport_sockets`), and the new process binds sockets of its own that
//! join the same `SO_REUSEPORT` group. The kernel admits a socket to a group only for the same
//! effective uid, which is the whole of the authentication; no channel between the processes
//! exists to be attacked or to fail.
//!
//! The order of a hand-over:
//! 1. The new process binds its sockets (data listeners and the admin server) without
//!    listening, loads its configuration, and waits until one is loaded (a generation that
//!    holds Istio resources): until `listen(2)` the kernel sends it nothing, so a bad
//!    configuration never serves a connection and the old process keeps all the traffic.
//! 2. It listens: from then on the kernel spreads new connections over both processes' sockets.
//! 3. The old process, on SIGTERM, stops accepting, takes what each socket's accept queue holds
//!    (`socket::take_queue`) and closes the socket; the kernel then sends every new connection
//!    to the new process. The old one drains its established connections for
//!    `--drain-timeout` and exits 0.
//!
//! What socket passing avoids and this cannot: a connection that reaches the old socket in the
//! microseconds between its last `accept` and its `close`, or whose handshake is still in
//! flight to it then (one round trip), is reset, unless the kernel's
//! `net.ipv4.tcp_migrate_req` (Linux 5.14+) is 1, which moves a closing listener's queue and
//! handshakes to another socket of its group. [`migrate_hint`] says so at start.

use std::sync::Arc;

use tokio::sync::watch;

use crate::policy::Policy;

/// Where the kernel says whether a closing listener's connections move to its group.
const MIGRATE_REQ: &str = "/proc/sys/net/ipv4/tcp_migrate_req";

/// Logs what the kernel does with a closing listener's in-flight handshakes: informs when they
/// are reset rather than handed to the new process.
pub(crate) fn migrate_hint() {
    match std::fs::read_to_string(MIGRATE_REQ).map(|v| v.trim().to_owned()) {
        Ok(v) if v == "1" => tracing::info!(
            "takeover: net.ipv4.tcp_migrate_req is 1: the kernel hands the old proxy's queued connections and handshakes to this one"
        ),
        Ok(_) => tracing::info!(
            "takeover: net.ipv4.tcp_migrate_req is 0: a connection reaching the old proxy's sockets as they close (a handshake in flight, or one arriving after its last accept) is reset; set it to 1 to have the kernel hand those over too"
        ),
        Err(_) => tracing::info!(
            "takeover: this kernel has no {MIGRATE_REQ} (Linux 5.14+): a connection reaching the old proxy's sockets as they close is reset"
        ),
    }
}

/// Waits until a configuration that holds Istio resources is in force; the reloader keeps
/// trying meanwhile. Logs once when it has to wait.
pub(crate) async fn until_loaded(policy: &watch::Receiver<Arc<Policy>>) {
    if policy.borrow().is_loaded() {
        return;
    }
    tracing::warn!(
        "takeover: no configuration loaded yet; not joining the running proxy's ports until one is"
    );
    let mut policy = policy.clone();
    let _ = policy.wait_for(|p| p.is_loaded()).await;
}
