//! Integration tests for `meshctl_core::dns` against the in-process test DNS server.
//! All traffic stays on loopback: explicit-nameserver tests talk to `TestDns`,
//! and the system-config test only resolves a name answered by `/etc/hosts`.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::str::FromStr;
use std::time::{Duration, Instant};

use hickory_server::proto::op::{Message, Query, ResponseCode};
use hickory_server::proto::rr::{Name, RData, RecordType};
use meshctl_core::dns::{self, AddressFamily, CnameLink, DnsError, ResolverSettings};
use meshctl_testkit::dns::{TestDns, unresponsive_server};

fn settings(server: SocketAddr) -> ResolverSettings {
    ResolverSettings {
        nameservers: vec![server],
        tcp: false,
        timeout: Duration::from_secs(2),
    }
}

fn tcp_settings(server: SocketAddr) -> ResolverSettings {
    ResolverSettings {
        tcp: true,
        ..settings(server)
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test IP")
}

#[tokio::test]
async fn db_has_two_v4_and_one_v6_sorted() {
    let server = TestDns::start();
    let found = dns::lookup("db.example.com", &settings(server.addr()))
        .await
        .expect("db.example.com resolves");

    assert_eq!(found.name, "db.example.com");
    assert_eq!(found.canonical_name, "db.example.com");
    assert!(found.cname_chain.is_empty());
    let got: Vec<_> = found
        .addresses
        .iter()
        .map(|a| (a.ip, a.family, a.ttl))
        .collect();
    assert_eq!(
        got,
        vec![
            (ip("203.0.113.7"), AddressFamily::IPv4, 300),
            (ip("203.0.113.8"), AddressFamily::IPv4, 300),
            (ip("2001:db8::7"), AddressFamily::IPv6, 300),
        ]
    );
    assert_eq!(found.min_ttl, Some(300));
    assert_eq!(
        found.nameserver,
        format!("{} (udp)", server.nameserver_arg())
    );
}

#[tokio::test]
async fn alias_follows_the_cname_chain() {
    let server = TestDns::start();
    let found = dns::lookup("alias.example.com", &settings(server.addr()))
        .await
        .expect("alias.example.com resolves");

    let link = |name: &str, target: &str, ttl| CnameLink {
        name: name.into(),
        target: target.into(),
        ttl,
    };
    assert_eq!(
        found.cname_chain,
        vec![
            link("alias.example.com", "cdn.example.com", 60),
            link("cdn.example.com", "edge.example.com", 30),
        ]
    );
    assert_eq!(found.canonical_name, "edge.example.com");
    assert_eq!(found.addresses.len(), 1);
    assert_eq!(found.addresses[0].ip, ip("192.0.2.30"));
    assert_eq!(found.addresses[0].ttl, 20);
    assert_eq!(found.min_ttl, Some(20));
}

#[tokio::test]
async fn single_family_names_succeed() {
    let server = TestDns::start();
    let v4 = dns::lookup("v4only.example.com", &settings(server.addr()))
        .await
        .expect("v4only resolves");
    assert_eq!(v4.addresses.len(), 1);
    assert_eq!(v4.addresses[0].ip, ip("198.51.100.10"));
    assert!(v4.addresses[0].family == "IPv4");
    assert_eq!(v4.min_ttl, Some(3600));

    let v6 = dns::lookup("v6only.example.com", &settings(server.addr()))
        .await
        .expect("v6only resolves");
    assert_eq!(v6.addresses.len(), 1);
    assert_eq!(v6.addresses[0].ip, ip("2001:db8::10"));
    assert_eq!(v6.addresses[0].family, AddressFamily::IPv6);
}

#[tokio::test]
async fn low_ttl_is_reported() {
    let server = TestDns::start();
    let found = dns::lookup("lowttl.example.com", &settings(server.addr()))
        .await
        .expect("lowttl resolves");
    assert_eq!(found.min_ttl, Some(5));
}

#[tokio::test]
async fn name_without_addresses_is_no_records() {
    let server = TestDns::start();
    let err = dns::lookup("empty.example.com", &settings(server.addr()))
        .await
        .expect_err("empty has no A/AAAA");
    assert!(
        matches!(&err, DnsError::NoRecords { name } if name == "empty.example.com"),
        "{err:?}"
    );
    assert!(err.is_negative_answer());
    assert_eq!(
        err.to_string(),
        "`empty.example.com` exists but has no A or AAAA records"
    );
}

#[tokio::test]
async fn unknown_name_is_nxdomain() {
    let server = TestDns::start();
    let err = dns::lookup("nope.example.com", &settings(server.addr()))
        .await
        .expect_err("nope does not exist");
    assert!(matches!(err, DnsError::NxDomain { .. }), "{err:?}");
    assert!(err.is_negative_answer());
    assert_eq!(
        err.to_string(),
        "`nope.example.com` does not exist (NXDOMAIN)"
    );
}

#[tokio::test]
async fn servfail_is_a_server_error() {
    let server = TestDns::start();
    let err = dns::lookup("fail.example.com", &settings(server.addr()))
        .await
        .expect_err("fail gives SERVFAIL");
    match &err {
        DnsError::Server {
            reason,
            server: who,
            ..
        } => {
            assert!(reason.contains("SERVFAIL"), "{reason}");
            assert!(who.contains(&server.nameserver_arg()), "{who}");
        }
        other => panic!("expected Server error, got {other:?}"),
    }
    assert!(!err.is_negative_answer());
}

#[tokio::test]
async fn records_win_over_servfail_of_the_other_family() {
    let server = TestDns::start();
    let found = dns::lookup("v6fail.example.com", &settings(server.addr()))
        .await
        .expect("A records are returned despite AAAA SERVFAIL");
    assert_eq!(found.addresses.len(), 1);
    assert_eq!(found.addresses[0].ip, ip("192.0.2.40"));
}

#[tokio::test]
async fn unresponsive_server_times_out_quickly() {
    let (_socket, addr) = unresponsive_server();
    let settings = ResolverSettings {
        nameservers: vec![addr],
        tcp: false,
        timeout: Duration::from_millis(300),
    };
    let started = Instant::now();
    let err = dns::lookup("db.example.com", &settings)
        .await
        .expect_err("nobody answers");
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(250), "took {elapsed:?}");
    match &err {
        DnsError::Timeout {
            timeout, server, ..
        } => {
            assert_eq!(*timeout, Duration::from_millis(300));
            assert_eq!(server, &format!("{addr} (udp)"));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(!err.is_negative_answer());
    assert_eq!(
        err.to_string(),
        format!("no answer for `db.example.com` from {addr} (udp) within 300ms")
    );
}

#[tokio::test]
async fn tcp_transport_works() {
    let server = TestDns::start();
    let found = dns::lookup("db.example.com", &tcp_settings(server.addr()))
        .await
        .expect("db.example.com over TCP");
    assert_eq!(found.addresses.len(), 3);
    assert_eq!(
        found.nameserver,
        format!("{} (tcp)", server.nameserver_arg())
    );

    let alias = dns::lookup("alias.example.com", &tcp_settings(server.addr()))
        .await
        .expect("alias over TCP");
    assert_eq!(alias.canonical_name, "edge.example.com");

    let err = dns::lookup("nope.example.com", &tcp_settings(server.addr()))
        .await
        .expect_err("nope over TCP");
    assert!(matches!(err, DnsError::NxDomain { .. }), "{err:?}");
}

#[tokio::test]
async fn tcp_connection_refused_is_a_server_error() {
    // A UDP-only port: nothing listens for TCP there.
    let (_socket, addr) = unresponsive_server();
    let started = Instant::now();
    let err = dns::lookup("db.example.com", &tcp_settings(addr))
        .await
        .expect_err("nothing listens on TCP");
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        DnsError::Server { reason, .. } => {
            assert!(reason.contains("connection refused"), "{reason}");
        }
        other => panic!("expected Server error, got {other:?}"),
    }
}

#[tokio::test]
async fn repeated_lookups_are_not_cached() {
    let server = TestDns::start();
    let mut seen = HashSet::new();
    for _ in 0..3 {
        let found = dns::lookup("rotate.example.com", &settings(server.addr()))
            .await
            .expect("rotate resolves");
        assert_eq!(found.addresses.len(), 1);
        assert_eq!(found.min_ttl, Some(1));
        seen.insert(found.addresses[0].ip);
    }
    assert_eq!(seen.len(), 3, "answers: {seen:?}");
}

#[tokio::test]
async fn names_are_case_insensitive_and_trailing_dot_is_dropped() {
    let server = TestDns::start();
    let found = dns::lookup("DB.Example.COM.", &settings(server.addr()))
        .await
        .expect("mixed case resolves");
    assert_eq!(found.name, "DB.Example.COM");
    assert_eq!(found.addresses.len(), 3);
}

#[tokio::test]
async fn names_outside_the_zone_are_refused() {
    let server = TestDns::start();
    let err = dns::lookup("example.org", &settings(server.addr()))
        .await
        .expect_err("out of zone");
    assert!(
        matches!(&err, DnsError::Server { reason, .. } if reason == "REFUSED"),
        "{err:?}"
    );
}

#[tokio::test]
async fn localhost_comes_from_the_hosts_file() {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let listed = hosts.lines().any(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        fields.next() == Some("127.0.0.1") && fields.any(|f| f.eq_ignore_ascii_case("localhost"))
    });
    assert!(
        listed,
        "this test expects `127.0.0.1 localhost` in /etc/hosts"
    );

    // Default settings: system configuration, hosts file first, no DNS traffic.
    let found = dns::lookup("localhost", &ResolverSettings::default())
        .await
        .expect("localhost resolves");
    assert_eq!(found.nameserver, "/etc/hosts");
    assert!(
        found.addresses.iter().any(|a| a.ip == ip("127.0.0.1")),
        "{found:?}"
    );
    assert!(found.addresses.iter().all(|a| a.ttl == 0));
    assert_eq!(found.min_ttl, None);
}

#[tokio::test]
async fn localhost_names_never_reach_a_nameserver() {
    // Even with an explicit (silent) server, localhost is answered locally (RFC 6761).
    let (_socket, addr) = unresponsive_server();
    for name in ["localhost", "LOCALHOST.", "app.localhost"] {
        let found = dns::lookup(name, &settings(addr))
            .await
            .expect("localhost resolves");
        assert_eq!(found.nameserver, "built-in localhost (RFC 6761)");
        let ips: Vec<_> = found.addresses.iter().map(|a| a.ip).collect();
        assert_eq!(ips, vec![ip("127.0.0.1"), ip("::1")], "{name}");
    }
}

#[tokio::test]
async fn ip_literals_are_returned_as_is() {
    let found = dns::lookup("192.0.2.55", &ResolverSettings::default())
        .await
        .expect("literal");
    assert_eq!(found.nameserver, "literal");
    assert_eq!(found.addresses.len(), 1);
    assert_eq!(found.addresses[0].ip, ip("192.0.2.55"));
    assert_eq!(found.addresses[0].family, AddressFamily::IPv4);
    assert_eq!(found.addresses[0].ttl, 0);

    let v6 = dns::lookup("2001:db8::55", &ResolverSettings::default())
        .await
        .expect("v6 literal");
    assert_eq!(v6.addresses[0].family, AddressFamily::IPv6);
}

fn assert_serialize<T: serde::Serialize>(_: &T) {}

#[tokio::test]
async fn lookup_is_serializable() {
    let server = TestDns::start();
    let found = dns::lookup("v4only.example.com", &settings(server.addr()))
        .await
        .expect("v4only resolves");
    assert_serialize(&found);
    assert_eq!(found.addresses[0].family.to_string(), "IPv4");
}

// ---- the server itself, exercised without tokio or hickory's client ----

fn raw_query(name: &str, record_type: RecordType) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = 0x1234;
    message.add_query(Query::query(
        Name::from_str(name).expect("name"),
        record_type,
    ));
    message.to_vec().expect("encode query")
}

#[test]
fn server_speaks_dns_over_udp_and_tcp_from_a_plain_test() {
    let server = TestDns::start();

    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    socket
        .send_to(&raw_query("db.example.com.", RecordType::A), server.addr())
        .expect("send");
    let mut buf = [0u8; 4096];
    let len = socket.recv(&mut buf).expect("UDP answer");
    let reply = Message::from_vec(&buf[..len]).expect("decode");
    assert_eq!(reply.metadata.id, 0x1234);
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.metadata.authoritative);
    assert_eq!(reply.answers.len(), 2);

    let mut stream = TcpStream::connect(server.addr()).expect("TCP connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let query = raw_query("nope.example.com.", RecordType::A);
    let len = u16::try_from(query.len()).expect("small query");
    stream.write_all(&len.to_be_bytes()).expect("write len");
    stream.write_all(&query).expect("write query");
    let mut len_buf = [0u8; 2];
    stream.read_exact(&mut len_buf).expect("read len");
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len_buf))];
    stream.read_exact(&mut reply).expect("read reply");
    let reply = Message::from_vec(&reply).expect("decode");
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(
        reply
            .authorities
            .iter()
            .any(|r| matches!(r.data, RData::SOA(_))),
        "negative answers carry the SOA"
    );
}

#[test]
fn dropping_the_server_stops_it() {
    let server = TestDns::start();
    let addr = server.addr();
    assert!(TcpStream::connect(addr).is_ok());
    drop(server);
    assert!(
        TcpStream::connect(addr).is_err(),
        "still listening after drop"
    );
}
