//! The byte path: integrity over megabytes, half-close both ways, reset propagation — on the
//! spliced path (bulk transfers) as on the buffered one (short exchanges, `--max-pipes 0`).

use std::hash::Hasher as _;
use std::time::Duration;

use meshctl_proxy::Options;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::support::{Running, echo};

/// Deterministic pseudo-random bytes.
fn payload(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

fn checksum(data: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(data);
    h.finish()
}

/// Sends `data` through the proxy to an echo server while reading it back, half-closes, and
/// returns everything that came back before the proxy closed.
async fn echo_through(proxy: std::net::SocketAddr, data: Vec<u8>) -> Vec<u8> {
    let stream = TcpStream::connect(proxy).await.expect("connect");
    let (mut r, mut w) = stream.into_split();
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.expect("write");
        w.shutdown().await.expect("shutdown");
    });
    let mut back = Vec::new();
    r.read_to_end(&mut back).await.expect("read");
    writer.await.expect("writer");
    back
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megabytes_arrive_identical_both_ways() {
    let (upstream, _) = echo().await;
    let proxy = Running::allowing("echo", upstream, Options::default()).await;
    let data = payload(8 << 20);
    let back = echo_through(proxy.addr, data.clone()).await;
    assert_eq!(back.len(), 8 << 20);
    assert_eq!(checksum(&back), checksum(&data));
    // The access log line is written when the proxy closes its side.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = proxy.log.text();
    assert!(log.contains(&format!("bytes_sent={}", 8 << 20)), "{log}");
    assert!(
        log.contains(&format!("bytes_received={}", 8 << 20)),
        "{log}"
    );
    assert!(log.contains("close_reason=closed"), "{log}");
    let pipes = &proxy.core.pipes;
    assert!(pipes.open() > 0, "megabytes went through splice");
    assert_eq!(pipes.leased(), 0, "a closed connection holds no pipe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pipes_megabytes_are_copied_through_a_buffer() {
    let (upstream, _) = echo().await;
    let options = Options {
        max_pipes: 0,
        ..Options::default()
    };
    let proxy = Running::allowing("echo", upstream, options).await;
    let data = payload(2 << 20);
    let back = echo_through(proxy.addr, data.clone()).await;
    assert_eq!(checksum(&back), checksum(&data));
    assert_eq!(proxy.core.pipes.open(), 0, "no pipe with --max-pipes 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_holds_no_pipe_after_a_bulk_transfer() {
    let (upstream, _) = echo().await;
    let proxy = Running::allowing("echo", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    // Round trips of 256 KiB: past the switch to splice in both directions.
    let data = payload(256 << 10);
    for _ in 0..4 {
        let (mut r, mut w) = client.split();
        let (wrote, back) = tokio::join!(w.write_all(&data), async {
            let mut back = vec![0; data.len()];
            r.read_exact(&mut back).await.map(|_| back)
        });
        wrote.expect("write");
        assert_eq!(back.expect("echo"), data);
    }
    let pipes = &proxy.core.pipes;
    assert!(pipes.open() > 0, "the transfer was spliced");
    assert_eq!(
        pipes.leased(),
        0,
        "idle again: the pipes went back to the pool"
    );
    // Still usable after idling without a pipe.
    assert_eq!(
        super::support::round_trip(&mut client, b"still here")
            .await
            .expect("round trip"),
        b"still here"
    );
}

/// Sends 8 MiB one way, towards a server that reads in small sips, and checks they arrive in
/// order; returns the proxy once the server has read to EOF.
async fn to_a_slow_sink(options: Options) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    let data = payload(8 << 20);
    let expected = checksum(&data);
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut got = Vec::new();
        let mut sip = vec![0u8; 64 << 10];
        loop {
            let n = s.read(&mut sip).await.expect("read");
            if n == 0 {
                break;
            }
            got.extend_from_slice(&sip[..n]);
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        got
    });
    let proxy = Running::allowing("up", upstream, options).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(&data).await.expect("write");
    client.shutdown().await.expect("half-close");
    let got = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("in time")
        .expect("server");
    assert_eq!(got.len(), data.len());
    assert_eq!(
        checksum(&got),
        expected,
        "the bytes arrive in the order sent"
    );
    proxy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_sink_gets_a_second_pipe_and_the_bytes_stay_in_order() {
    // While the first pipe waits for the server, the next burst goes into a second one, and
    // both go back after.
    let proxy = to_a_slow_sink(Options::default()).await;
    let pipes = &proxy.core.pipes;
    assert_eq!(pipes.open(), 2, "one direction, two pipes");
    assert_eq!(pipes.leased(), 0, "both went back to the pool");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_pipe_to_spare_a_slow_sink_is_spliced_through_one() {
    let options = Options {
        max_pipes: 1,
        ..Options::default()
    };
    let proxy = to_a_slow_sink(options).await;
    let pipes = &proxy.core.pipes;
    assert_eq!(pipes.open(), 1, "no second pipe past the bound");
    assert_eq!(pipes.leased(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_after_bulk_transfers_both_ways() {
    // The client streams 1 MiB and half-closes; the server reads to EOF, then streams 1 MiB
    // back and closes: both FINs cross the spliced path in order.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    let answer = payload(1 << 20);
    let expected = checksum(&answer);
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.expect("read to EOF");
        assert_eq!(got.len(), 1 << 20);
        s.write_all(&answer).await.expect("answer");
        s.shutdown().await.expect("close");
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(&payload(1 << 20)).await.expect("write");
    client.shutdown().await.expect("half-close");
    let mut back = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut back))
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(checksum(&back), expected);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        proxy.log.text().contains("close_reason=closed"),
        "{}",
        proxy.log.text()
    );
    assert_eq!(proxy.core.pipes.leased(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_reset_during_a_bulk_transfer_reaches_the_client() {
    // The server reads half a megabyte (spliced by then), then resets.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut sink = vec![0u8; 512 << 10];
        s.read_exact(&mut sink).await.expect("read");
        s.set_zero_linger().expect("linger");
        drop(s); // RST
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let client = TcpStream::connect(proxy.addr).await.expect("connect");
    let (mut r, mut w) = client.into_split();
    let writer = tokio::spawn(async move {
        let data = payload(8 << 20);
        w.write_all(&data).await.map_err(|e| e.kind())
    });
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), r.read(&mut buf))
        .await
        .expect("answered in time");
    let wrote = writer.await.expect("writer");
    let reset = std::io::ErrorKind::ConnectionReset;
    assert!(
        read.as_ref().err().map(std::io::Error::kind) == Some(reset) || wrote == Err(reset),
        "the client sees a reset, not a clean end: read {read:?}, write {wrote:?}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        proxy.log.text().contains("close_reason=\"upstream error"),
        "{}",
        proxy.log.text()
    );
    assert_eq!(
        proxy.core.pipes.leased(),
        0,
        "a failed transfer returns or closes its pipe"
    );
}

#[tokio::test]
async fn client_half_close_keeps_the_response_direction_open() {
    // The server reads to EOF, then answers: it must get the client's FIN and still be heard.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.expect("read to EOF");
        s.write_all(format!("got {} bytes after your FIN", got.len()).as_bytes())
            .await
            .expect("answer");
        s.shutdown().await.expect("close");
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(b"question").await.expect("write");
    client.shutdown().await.expect("half-close");
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.expect("read");
    assert_eq!(answer, "got 8 bytes after your FIN");
}

#[tokio::test]
async fn server_half_close_keeps_the_request_direction_open() {
    // A server-first greeting, then the server's FIN; the client may still send.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        s.write_all(b"greeting").await.expect("greet");
        s.shutdown().await.expect("half-close");
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.expect("read");
        let _ = tx.send(got);
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    let mut greeting = Vec::new();
    client
        .read_to_end(&mut greeting)
        .await
        .expect("greeting then EOF");
    assert_eq!(greeting, b"greeting");
    client
        .write_all(b"late words")
        .await
        .expect("write after FIN");
    client.shutdown().await.expect("close");
    let got = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .expect("server done")
        .expect("sent");
    assert_eq!(got, b"late words");
}

#[tokio::test]
async fn an_upstream_reset_reaches_the_client_as_a_reset() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut first = [0u8; 4];
        s.read_exact(&mut first).await.expect("read");
        s.set_zero_linger().expect("linger");
        drop(s); // RST
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(b"ping").await.expect("write");
    let mut buf = [0u8; 16];
    let err = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf))
        .await
        .expect("answered in time")
        .expect_err("a reset, not EOF");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        proxy.log.text().contains("close_reason=\"upstream error"),
        "{}",
        proxy.log.text()
    );
}

#[tokio::test]
async fn a_client_reset_reaches_the_upstream_as_a_reset() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let upstream = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 16];
        let mut first = [0u8; 4];
        s.read_exact(&mut first).await.expect("read");
        let _ = tx.send(s.read(&mut buf).await.map_err(|e| e.kind()));
    });
    let proxy = Running::allowing("up", upstream, Options::default()).await;
    let mut client = TcpStream::connect(proxy.addr).await.expect("connect");
    client.write_all(b"ping").await.expect("write");
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.set_zero_linger().expect("linger");
    drop(client);
    let seen = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .expect("in time")
        .expect("sent");
    assert_eq!(seen, Err(std::io::ErrorKind::ConnectionReset));
    drop(proxy);
}
