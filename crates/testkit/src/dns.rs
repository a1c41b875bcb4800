//! In-process authoritative DNS server for tests: `resolve`, `gen`, `sync` and the drift
//! monitor query it on loopback, so no test depends on a real resolver.
//!
//! [`TestDns::start`] serves the fixed zone `example.com.` on `127.0.0.1:<port>`
//! over UDP and TCP (same port), from a background thread with its own tokio
//! runtime, so both `#[tokio::test]` tests and plain `#[test]` tests that spawn
//! the CLI binary can use it. Dropping the [`TestDns`] stops the server.
//!
//! Zone contents (documentation address ranges only):
//!
//! | name                 | data                                                  |
//! |----------------------|-------------------------------------------------------|
//! | `db`                 | A 203.0.113.7, 203.0.113.8; AAAA `2001:db8::7` (TTL 300) |
//! | `v4only`             | A 198.51.100.10 (TTL 3600)                            |
//! | `v6only`             | AAAA `2001:db8::10` (TTL 3600)                        |
//! | `lowttl`             | A 192.0.2.20 (TTL 5)                                  |
//! | `alias`              | CNAME cdn (60) → `cdn` CNAME edge (30) → `edge` A 192.0.2.30 (20) |
//! | `empty`              | TXT only (NOERROR, no A/AAAA)                         |
//! | `fail`               | always SERVFAIL                                       |
//! | `provider`           | CNAME `d111111abcdef8.cloudfront.net` (60) → A 192.0.2.50 (60) |
//! | `rotate`             | A 192.0.2.101, .102, .103, … changing on every query (TTL 1) |
//! | `v6fail`             | A 192.0.2.40 (TTL 300); AAAA queries get SERVFAIL      |
//! | `null`               | A 0.0.0.0; AAAA `::` (a DNS filter's NULL-mode "blocked") |
//! | `metadata`           | A 169.254.169.254 (TTL 300)                            |
//! | `mapped`             | AAAA `::ffff:169.254.169.254` (TTL 300)                |
//! | `loop`               | A 127.0.0.1 (TTL 300)                                  |
//! | `private`            | A 10.0.0.7 (TTL 300)                                   |
//! | `pool`               | 500 A records: 192.0.2.0–255, 198.51.100.0–243 (TTL 300) |
//! | anything else        | NXDOMAIN (REFUSED outside `example.com.`)              |
//!
//! CNAMEs inside the zone are chased in the same answer, as an authoritative
//! server does. Negative answers carry the zone's SOA in the authority section.

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Edns, Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, NS, SOA, TXT};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::sync::oneshot;

/// A host under a provider suffix meshctl knows to change IPs.
const PROVIDER_TARGET: &str = "d111111abcdef8.cloudfront.net.";
const ZONE: &str = "example.com.";
/// How many addresses `rotate.example.com` cycles through.
const ROTATE_SIZE: u32 = 50;

/// How many A records `pool.example.com` answers: more than a ServiceEntry may pin (256).
pub const POOL_SIZE: u32 = 500;

/// A running test DNS server; dropping it stops the server.
pub struct TestDns {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestDns {
    /// Starts the server on `127.0.0.1` (random port, UDP and TCP) serving the test zone.
    ///
    /// # Panics
    ///
    /// If no port can be bound for both UDP and TCP or the runtime cannot start.
    #[must_use]
    pub fn start() -> TestDns {
        TestDns::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// Starts the server on `addr` (UDP and TCP on the same port; port 0 picks a free one).
    /// The README's examples name `127.0.0.1:5353`, which the `readme-dns` example serves.
    ///
    /// # Panics
    ///
    /// If the address cannot be bound for both UDP and TCP or the runtime cannot start.
    #[must_use]
    pub fn start_on(addr: SocketAddr) -> TestDns {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("test-dns".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test DNS runtime");
                runtime.block_on(async move {
                    let (udp, tcp) = bind_udp_and_tcp(addr).await;
                    let addr = udp.local_addr().expect("udp local addr");
                    let mut server = Server::new(ZoneHandler::default());
                    server.register_socket(udp);
                    server.register_listener(tcp, Duration::from_secs(5), 64);
                    addr_tx.send(addr).expect("report test DNS address");
                    // Either an explicit stop or the TestDns being dropped ends the wait.
                    let _ = stop_rx.await;
                    drop(server); // aborts the listener tasks
                });
            })
            .expect("spawn test DNS thread");
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("test DNS server did not start");
        TestDns {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The address the server listens on (UDP and TCP).
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address as a `--nameserver` argument: `127.0.0.1:PORT`.
    #[must_use]
    pub fn nameserver_arg(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A bound UDP socket on `127.0.0.1` that never answers: queries sent to the
/// returned address time out. Keep the socket alive for the duration of the test.
///
/// # Panics
///
/// If no UDP socket can be bound on loopback.
#[must_use]
pub fn unresponsive_server() -> (std::net::UdpSocket, SocketAddr) {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind silent UDP");
    let addr = socket.local_addr().expect("silent UDP local addr");
    (socket, addr)
}

/// Binds UDP on a random loopback port, then TCP on the same port (retrying with
/// a new port if TCP's is taken).
async fn bind_udp_and_tcp(addr: SocketAddr) -> (tokio::net::UdpSocket, tokio::net::TcpListener) {
    // A fixed port is tried once; port 0 retries until UDP's free port is free for TCP too.
    let attempts = if addr.port() == 0 { 20 } else { 1 };
    for _ in 0..attempts {
        let udp = tokio::net::UdpSocket::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("bind test DNS UDP {addr}: {e}"));
        let bound = SocketAddr::new(addr.ip(), udp.local_addr().expect("udp local addr").port());
        if let Ok(tcp) = tokio::net::TcpListener::bind(bound).await {
            return (udp, tcp);
        }
    }
    panic!("could not bind UDP and TCP on the same port of {addr}");
}

/// Answers every query from the built-in test zone.
#[derive(Default)]
struct ZoneHandler {
    /// Number of A queries for `rotate.example.com` answered so far.
    rotations: AtomicU32,
}

/// A computed answer: response code plus answer-section records.
struct Answer {
    code: ResponseCode,
    answers: Vec<Record>,
    /// Whether to put the SOA in the authority section (negative answers).
    with_soa: bool,
}

impl ZoneHandler {
    async fn respond<R: ResponseHandler>(&self, request: &Request, mut handle: R) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        let answer = match request.queries.queries() {
            [query] => self.answer(&Name::from(query.name()), query.query_type()),
            _ => Answer {
                code: ResponseCode::FormErr,
                answers: Vec::new(),
                with_soa: false,
            },
        };
        metadata.response_code = answer.code;
        metadata.authoritative = answer.code != ResponseCode::Refused;

        let soa = answer.with_soa.then(soa_record);
        let edns = request.edns.as_ref().map(|req| {
            let mut edns = Edns::new();
            edns.set_max_payload(req.max_payload().max(512));
            edns
        });
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(edns) = &edns {
            builder.edns(edns);
        }
        let response = builder.build(
            metadata,
            answer.answers.iter(),
            std::iter::empty(),
            soa.iter(),
            std::iter::empty(),
        );
        if let Ok(info) = handle.send_response(response).await {
            info
        } else {
            metadata.response_code = ResponseCode::ServFail;
            ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            })
        }
    }

    /// Looks `qname`/`qtype` up in the zone, chasing in-zone CNAMEs.
    fn answer(&self, qname: &Name, qtype: RecordType) -> Answer {
        let zone = name(ZONE);
        if !zone.zone_of(qname) && *qname != name(PROVIDER_TARGET) {
            return Answer {
                code: ResponseCode::Refused,
                answers: Vec::new(),
                with_soa: false,
            };
        }
        let mut answers = Vec::new();
        let mut current = qname.clone();
        loop {
            // One name outside the zone, so a CNAME can lead to a dynamic-IP provider (MSH304).
            if current == name(PROVIDER_TARGET) {
                if matches!(qtype, RecordType::A | RecordType::ANY) {
                    answers.push(Record::from_rdata(
                        current.clone(),
                        60,
                        RData::A(A(Ipv4Addr::new(192, 0, 2, 50))),
                    ));
                }
                let with_soa = answers.is_empty();
                return Answer {
                    code: ResponseCode::NoError,
                    answers,
                    with_soa,
                };
            }
            let label = relative_label(&current);
            if label == "fail" || (label == "v6fail" && qtype == RecordType::AAAA) {
                return Answer {
                    code: ResponseCode::ServFail,
                    answers: Vec::new(),
                    with_soa: false,
                };
            }
            let Some(rrset) = self.rrset(&current, &label, qtype) else {
                // Name does not exist (possibly at the end of a CNAME chain).
                return Answer {
                    code: ResponseCode::NXDomain,
                    answers,
                    with_soa: true,
                };
            };
            let cname = rrset.iter().find_map(|r| match &r.data {
                RData::CNAME(target) if qtype != RecordType::CNAME => Some(target.0.clone()),
                _ => None,
            });
            if let Some(target) = cname {
                answers.extend(rrset);
                current = target;
                continue;
            }
            let matching: Vec<Record> = rrset
                .into_iter()
                .filter(|r| qtype == RecordType::ANY || r.record_type() == qtype)
                .collect();
            let with_soa = matching.is_empty();
            answers.extend(matching);
            return Answer {
                code: ResponseCode::NoError,
                answers,
                with_soa,
            };
        }
    }

    /// All records at `owner` (whose first label relative to the zone is `label`),
    /// or `None` if the name does not exist. `qtype` only decides whether a
    /// `rotate` query advances the rotation (A and ANY queries do).
    fn rrset(&self, owner: &Name, label: &str, qtype: RecordType) -> Option<Vec<Record>> {
        let rec = |ttl: u32, data: RData| Record::from_rdata(owner.clone(), ttl, data);
        let records = match label {
            "" => vec![
                soa_record(),
                rec(3600, RData::NS(NS(name("ns.example.com.")))),
            ],
            "db" => vec![
                rec(300, RData::A(A(Ipv4Addr::new(203, 0, 113, 7)))),
                rec(300, RData::A(A(Ipv4Addr::new(203, 0, 113, 8)))),
                rec(300, RData::AAAA(AAAA(ipv6(0x7)))),
            ],
            "v4only" => vec![rec(3600, RData::A(A(Ipv4Addr::new(198, 51, 100, 10))))],
            "v6only" => vec![rec(3600, RData::AAAA(AAAA(ipv6(0x10))))],
            "lowttl" => vec![rec(5, RData::A(A(Ipv4Addr::new(192, 0, 2, 20))))],
            "alias" => vec![rec(60, RData::CNAME(CNAME(name("cdn.example.com."))))],
            "cdn" => vec![rec(30, RData::CNAME(CNAME(name("edge.example.com."))))],
            "edge" => vec![rec(20, RData::A(A(Ipv4Addr::new(192, 0, 2, 30))))],
            "v6fail" => vec![rec(300, RData::A(A(Ipv4Addr::new(192, 0, 2, 40))))],
            "empty" => vec![rec(
                300,
                RData::TXT(TXT::new(vec!["no addresses here".into()])),
            )],
            "null" => vec![
                rec(300, RData::A(A(Ipv4Addr::UNSPECIFIED))),
                rec(300, RData::AAAA(AAAA(Ipv6Addr::UNSPECIFIED))),
            ],
            "metadata" => vec![rec(300, RData::A(A(Ipv4Addr::new(169, 254, 169, 254))))],
            "mapped" => vec![rec(
                300,
                RData::AAAA(AAAA(Ipv4Addr::new(169, 254, 169, 254).to_ipv6_mapped())),
            )],
            "loop" => vec![rec(300, RData::A(A(Ipv4Addr::LOCALHOST)))],
            "private" => vec![rec(300, RData::A(A(Ipv4Addr::new(10, 0, 0, 7))))],
            "pool" => (0..POOL_SIZE)
                .map(|i| {
                    let [_, _, high, low] = i.to_be_bytes();
                    let ip = if high == 0 {
                        Ipv4Addr::new(192, 0, 2, low)
                    } else {
                        Ipv4Addr::new(198, 51, 100, low)
                    };
                    rec(300, RData::A(A(ip)))
                })
                .collect(),
            "provider" => vec![rec(60, RData::CNAME(CNAME(name(PROVIDER_TARGET))))],
            "rotate" => {
                let n = if matches!(qtype, RecordType::A | RecordType::ANY) {
                    self.rotations.fetch_add(1, Ordering::SeqCst)
                } else {
                    self.rotations.load(Ordering::SeqCst)
                } % ROTATE_SIZE;
                let last = u8::try_from(101 + n).expect("rotation fits in an octet");
                vec![rec(1, RData::A(A(Ipv4Addr::new(192, 0, 2, last))))]
            }
            _ => return None,
        };
        Some(records)
    }
}

impl RequestHandler for ZoneHandler {
    // `RequestHandler` is declared with `#[async_trait]`; this is its desugared form,
    // written out so the tests need no `async-trait` dependency.
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: 'async_trait + ResponseHandler,
        T: 'async_trait + Time,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.respond(request, response_handle))
    }
}

/// The part of `owner` in front of the zone, lowercased ("" for the apex).
fn relative_label(owner: &Name) -> String {
    let ascii = owner.to_ascii().to_ascii_lowercase();
    let ascii = ascii.strip_suffix('.').unwrap_or(&ascii);
    let zone = ZONE.strip_suffix('.').unwrap_or(ZONE);
    match ascii.strip_suffix(zone) {
        Some("") => String::new(),
        Some(prefix) => prefix.strip_suffix('.').unwrap_or(prefix).to_owned(),
        None => ascii.to_owned(),
    }
}

fn soa_record() -> Record {
    let soa = SOA::new(
        name("ns.example.com."),
        name("hostmaster.example.com."),
        1,
        3600,
        600,
        86400,
        60,
    );
    Record::from_rdata(name(ZONE), 3600, RData::SOA(soa))
}

fn name(text: &str) -> Name {
    Name::from_str(text).expect("static test name")
}

/// `2001:db8::<last>`.
fn ipv6(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last)
}
