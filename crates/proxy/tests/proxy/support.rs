//! A proxy under test: configuration files in a scratch directory, echo/sink servers on
//! loopback port 0, the proxy itself on loopback port 0 in forward mode, assembled by
//! `meshctl_proxy::Proxy` exactly as `meshctl proxy` assembles it (reloader included), on the
//! test's runtime and with an in-memory access log. Loopback is a fine destination here: forward mode is decided without the
//! capture step (`engine::decide_forwarded`), so `127.0.0.1/32` entries are matched like any
//! other address.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meshctl_core::engine::Workload;
use meshctl_proxy::{
    AccessLogTo, Drained, ForwardTarget, Handle, LogFormat, Metrics, Mode, Options, Policy, Proxy,
    Settings, Shared, policy, reload,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// An access log sink readable from the test.
#[derive(Clone, Default)]
pub(crate) struct Buf(Arc<Mutex<Vec<u8>>>);

impl Buf {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A fresh scratch directory.
pub(crate) fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "meshctl-proxy-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A TCP ServiceEntry allowing `address` on `port`.
pub(crate) fn entry(name: &str, address: &str, port: u16) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: default}}\nspec: {{hosts: [{name}.example.com], addresses: ['{address}'], ports: [{{number: {port}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n"
    )
}

/// A TLS ServiceEntry (no addresses: SNI decides) on `port`.
pub(crate) fn tls_entry(name: &str, host: &str, port: u16) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: default}}\nspec: {{hosts: [{host}], ports: [{{number: {port}, name: tls, protocol: TLS}}], location: MESH_EXTERNAL, resolution: NONE}}\n"
    )
}

/// The configuration source for one file.
pub(crate) fn source(file: &std::path::Path) -> policy::Source {
    policy::Source {
        sources: meshctl_core::workspace::Sources {
            paths: vec![file.to_path_buf()],
            ..Default::default()
        },
        workload: Workload::default(),
        strict: false,
        mesh: None,
        kustomize: true,
    }
}

/// Forward mode to `target` (an IP literal: no DNS on the connection path).
pub(crate) fn forward_to(target: SocketAddr) -> Mode {
    Mode::Forward(ForwardTarget {
        host: target.ip().to_string(),
        port: target.port(),
    })
}

/// A running proxy.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    /// Every listener, in the order of the targets.
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) core: Arc<Shared>,
    pub(crate) policy: watch::Receiver<Arc<Policy>>,
    pub(crate) log: Buf,
    pub(crate) file: PathBuf,
    handle: Handle,
    stop: watch::Sender<bool>,
    server: JoinHandle<anyhow::Result<Drained>>,
}

impl Running {
    /// Starts a forward proxy to `upstream` with one entry allowing it (127.0.0.1/32 on its port).
    pub(crate) async fn allowing(name: &str, upstream: SocketAddr, options: Options) -> Running {
        Running::start(
            &entry(name, "127.0.0.1/32", upstream.port()),
            upstream,
            options,
            100,
        )
        .await
    }

    /// Starts a forward proxy to `target` with `yaml` as its configuration.
    pub(crate) async fn start(
        yaml: &str,
        target: SocketAddr,
        options: Options,
        max: u32,
    ) -> Running {
        Running::assemble(yaml, &[target], options, max, None).await
    }

    /// Starts a proxy with one forward listener per target (in that order in `addrs`), writing
    /// the JSON records (`--log-format json`) to its in-memory log.
    pub(crate) async fn recording(yaml: &str, targets: &[SocketAddr], options: Options) -> Running {
        let json = AccessLogTo {
            path: "-".into(),
            format: LogFormat::Json,
        };
        Running::assemble(yaml, targets, options, 100, Some(json)).await
    }

    async fn assemble(
        yaml: &str,
        targets: &[SocketAddr],
        options: Options,
        max: u32,
        access_log: Option<AccessLogTo>,
    ) -> Running {
        let dir = scratch();
        let file = dir.join("egress.yaml");
        std::fs::write(&file, yaml).expect("write config");
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let settings = Settings {
            source: source(&file),
            listeners: targets.iter().map(|t| (any, forward_to(*t))).collect(),
            admin: None,
            options,
            max_connections: max,
            // On the test's runtime, so a paused clock governs the connections too.
            workers: 0,
            resolver: meshctl_core::dns::ResolverSettings::default(),
            dns_drift_interval: None,
            access_log,
            takeover: false,
        };
        let log = Buf::default();
        let bound = Proxy::new(settings)
            .access_log_to(Box::new(log.clone()))
            .bind()
            .await
            .expect("valid test config");
        let addrs = bound.listen_addrs();
        let addr = addrs[0];
        let handle = bound.handle();
        let (stop, mut stop_rx) = watch::channel(false);
        let server = tokio::spawn(bound.serve(async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        }));
        Running {
            addr,
            addrs,
            core: handle.shared().clone(),
            policy: handle.policy(),
            log,
            file,
            handle,
            stop,
            server,
        }
    }

    /// Rewrites the configuration file and reloads it as SIGHUP does, at once.
    pub(crate) async fn reload(&self, yaml: &str) -> bool {
        std::fs::write(&self.file, yaml).expect("rewrite config");
        self.handle.reload_now().await
    }

    /// Signals shutdown and waits for the drain.
    pub(crate) async fn stop(self) -> Drained {
        let _ = self.stop.send(true);
        self.server.await.expect("join").expect("serve")
    }

    /// Signals shutdown without waiting.
    pub(crate) fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits for the server after [`Running::signal_stop`].
    pub(crate) async fn join(self) -> Drained {
        self.server.await.expect("join").expect("serve")
    }
}

/// An echo server (every byte comes back; EOF is answered with EOF) and its accept count.
pub(crate) use meshctl_testkit::echo::echo;

/// The JSON records written so far, parsed (every line must be one).
pub(crate) fn records(log: &Buf) -> Vec<serde_json::Value> {
    log.text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// One round trip through an established connection.
pub(crate) async fn round_trip(stream: &mut TcpStream, data: &[u8]) -> std::io::Result<Vec<u8>> {
    stream.write_all(data).await?;
    let mut back = vec![0; data.len()];
    stream.read_exact(&mut back).await?;
    Ok(back)
}

/// A reloader on `path` (as `-f path`), with its first load done.
pub(crate) async fn reloader(path: &Path) -> (watch::Receiver<Arc<Policy>>, Arc<Metrics>) {
    let source = source(path);
    let (tx, rx) = watch::channel(Policy::empty(&Workload::default()));
    let metrics = Arc::new(Metrics::default());
    reload::first_load(&source, &tx, &metrics.reload_recorder())
        .await
        .expect("valid");
    let triggers = reload::start(source, tx, metrics.reload_recorder());
    std::mem::forget(triggers); // keeps the reloader running for the test's life
    (rx, metrics)
}

/// Waits up to `secs` for the policy to satisfy `want`; returns how long it took.
pub(crate) async fn within(
    rx: &watch::Receiver<Arc<Policy>>,
    secs: u64,
    want: impl Fn(&Policy) -> bool,
) -> Option<Duration> {
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(secs) {
        if want(&rx.borrow()) {
            return Some(began.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
