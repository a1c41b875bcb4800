//! Both ends of a test connection: the client that runs in the pod namespace (its outbound TCP
//! is redirected to Envoy) and the catch-all server of the external namespace.
//!
//! The client speaks first, as the engine's model of a connection assumes: a TLS `ClientHello`
//! (with or without SNI) for TLS calls, else a few bytes that are neither TLS nor HTTP, so the
//! TLS and HTTP inspectors decide at once instead of waiting (Istio sets no inspector timeout).
//! It records its local port, which is how the access log line of each connection is found.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aim::Call;

/// What the external namespace's catch-all says to every connection.
const CATCH_ALL_ANSWER: &[u8] = b"external catch-all\n";

/// What a connection did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Outcome {
    pub(crate) id: usize,
    /// The client's local port (the access log's `downstream_remote_address` port).
    pub(crate) local_port: u16,
    /// `data` (the catch-all answered), `bytes` (something else did), `eof`, `reset`,
    /// `timeout`, or `connect: …`.
    pub(crate) result: String,
}

/// Makes every call in order.
pub(crate) fn connect_all(calls: &[Call]) -> Vec<Outcome> {
    calls.iter().map(connect).collect()
}

fn connect(call: &Call) -> Outcome {
    let addr = SocketAddr::new(call.dst, call.port);
    let mut stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
        Ok(stream) => stream,
        Err(e) => {
            return Outcome {
                id: call.id,
                local_port: 0,
                result: format!("connect: {e}"),
            };
        }
    };
    let local_port = stream.local_addr().map_or(0, |a| a.port());
    let payload = if call.tls {
        client_hello(call.sni.as_deref())
    } else {
        b"\0meshctl-differential-probe\n".to_vec()
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let result = if let Err(e) = stream.write_all(&payload) {
        format!("write: {}", e.kind())
    } else {
        let mut buf = [0u8; 256];
        match stream.read(&mut buf) {
            Ok(0) => "eof".into(),
            Ok(n) if buf[..n].starts_with(CATCH_ALL_ANSWER) => "data".into(),
            // Something else answered: a TLS alert from a proxy whose handshake failed.
            Ok(_) => "bytes".into(),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => "reset".into(),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                "timeout".into()
            }
            Err(e) => format!("read: {}", e.kind()),
        }
    };
    Outcome {
        id: call.id,
        local_port,
        result,
    }
}

/// A minimal TLS 1.2 `ClientHello`, with a `server_name` extension when `sni` is given.
pub(crate) fn client_hello(sni: Option<&str>) -> Vec<u8> {
    let mut extensions = Vec::new();
    if let Some(name) = sni {
        let name = name.as_bytes();
        let len = |n: usize| u16::try_from(n).unwrap_or(0).to_be_bytes();
        extensions.extend_from_slice(&[0x00, 0x00]); // server_name
        extensions.extend_from_slice(&len(name.len() + 5));
        extensions.extend_from_slice(&len(name.len() + 3));
        extensions.push(0); // host_name
        extensions.extend_from_slice(&len(name.len()));
        extensions.extend_from_slice(name);
    }
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x06, 0x13, 0x01, 0xc0, 0x2f, 0x00, 0x2f]); // cipher suites
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    body.extend_from_slice(&u16::try_from(extensions.len()).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(&extensions);
    let mut handshake = vec![0x01];
    handshake.extend_from_slice(&u32::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&u16::try_from(handshake.len()).unwrap_or(0).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// The external namespace's catch-all: every TCP connection (iptables REDIRECTs any port here)
/// gets a line and a close. IPv4 and IPv6 on `port`; runs until killed.
pub(crate) fn serve(port: u16) -> std::io::Result<()> {
    let v4 = TcpListener::bind(SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port))?;
    let v6 = socket2::Socket::new(
        socket2::Domain::IPV6,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    v6.set_only_v6(true)?;
    v6.set_reuse_address(true)?;
    v6.bind(&SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port).into())?;
    v6.listen(128)?;
    let v6: TcpListener = v6.into();
    std::thread::spawn(move || answer(&v6));
    answer(&v4);
    Ok(())
}

fn answer(listener: &TcpListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(CATCH_ALL_ANSWER);
        });
    }
}
