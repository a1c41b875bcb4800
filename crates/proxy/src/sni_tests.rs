//! Unit tests of the `ClientHello` parser, table-driven. Each case that encodes an Envoy or
//! BoringSSL behaviour names the source it follows (paths in envoyproxy/envoy and
//! google/boringssl).

use super::*;

/// A `ClientHello` handshake message (header included) with these extensions.
fn message(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut ext = Vec::new();
    for (kind, data) in extensions {
        ext.extend_from_slice(&kind.to_be_bytes());
        ext.extend_from_slice(&u16::try_from(data.len()).expect("small").to_be_bytes());
        ext.extend_from_slice(data);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0); // session id
    body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&u16::try_from(ext.len()).expect("small").to_be_bytes());
    body.extend_from_slice(&ext);
    let mut handshake = vec![CLIENT_HELLO];
    let len = u32::try_from(body.len()).expect("small").to_be_bytes();
    handshake.extend_from_slice(&len[1..]);
    handshake.extend_from_slice(&body);
    handshake
}

/// `message` cut into records of at most `size` payload bytes.
fn records(message: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in message.chunks(size) {
        out.extend_from_slice(&[HANDSHAKE, 3, 1]);
        out.extend_from_slice(&u16::try_from(chunk.len()).expect("small").to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// One record holding the whole hello.
fn hello(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
    records(&message(extensions), MAX_RECORD)
}

/// A `server_name` extension with these (type, name) entries.
fn sni_entries(entries: &[(u8, &[u8])]) -> (u16, Vec<u8>) {
    let mut list = Vec::new();
    for (kind, name) in entries {
        list.push(*kind);
        list.extend_from_slice(&u16::try_from(name.len()).expect("small").to_be_bytes());
        list.extend_from_slice(name);
    }
    let mut data = u16::try_from(list.len())
        .expect("small")
        .to_be_bytes()
        .to_vec();
    data.extend_from_slice(&list);
    (SERVER_NAME, data)
}

fn sni(name: &str) -> (u16, Vec<u8>) {
    sni_entries(&[(0, name.as_bytes())])
}

fn tls(name: &str) -> ClientHello {
    ClientHello::Tls(Some(name.to_owned()))
}

#[test]
#[allow(clippy::too_many_lines)] // one table
fn cases() {
    struct Case {
        name: &'static str,
        input: Vec<u8>,
        want: ClientHello,
    }
    let groups = (0x000a, vec![0, 2, 0, 29]);
    let with_sni = hello(&[groups.clone(), sni("db.example.com")]);
    let cases = [
        Case {
            name: "server name",
            input: with_sni.clone(),
            want: tls("db.example.com"),
        },
        Case {
            // connection_socket_impl.h setRequestedServerName: AsciiStrToLower (envoy#14793).
            name: "upper case is lower-cased",
            input: hello(&[sni("DB.Example.COM")]),
            want: tls("db.example.com"),
        },
        Case {
            // Nothing strips the dot: BoringSSL extract_sni nor setRequestedServerName.
            name: "a trailing dot is kept",
            input: hello(&[sni("db.example.com.")]),
            want: tls("db.example.com."),
        },
        Case {
            name: "no server_name extension",
            input: hello(std::slice::from_ref(&groups)),
            want: ClientHello::Tls(None),
        },
        Case {
            name: "no extensions block at all",
            input: {
                let mut m = message(&[]);
                m.truncate(m.len() - 2); // drop the empty extensions length
                m[3] -= 2;
                records(&m, MAX_RECORD)
            },
            want: ClientHello::Tls(None),
        },
        Case {
            // BoringSSL reassembles handshake messages across records (ssl/tls_record.cc,
            // ssl/s3_both.cc); Envoy's inspector sees the complete hello.
            name: "hello split over two records",
            input: records(&message(&[groups.clone(), sni("db.example.com")]), 40),
            want: tls("db.example.com"),
        },
        Case {
            name: "hello split into one-byte records",
            input: records(&message(&[sni("db.example.com")]), 1),
            want: tls("db.example.com"),
        },
        Case {
            name: "an alert record inside the hello",
            input: {
                let m = message(&[sni("db.example.com")]);
                let mut bytes = records(&m[..20], 20);
                bytes.extend_from_slice(&[0x15, 3, 3, 0, 2, 1, 0]);
                bytes.extend_from_slice(&records(&m[20..], MAX_RECORD));
                bytes
            },
            want: ClientHello::NotTls,
        },
        Case {
            name: "MySQL greeting is not TLS",
            input: b"J\0\0\0\n5.7.0\0".to_vec(),
            want: ClientHello::NotTls,
        },
        Case {
            name: "HTTP is not TLS",
            input: b"GET / HTTP/1.1\r\n".to_vec(),
            want: ClientHello::NotTls,
        },
        Case {
            name: "record version major 2 is not TLS",
            input: vec![HANDSHAKE, 2, 0, 0, 4],
            want: ClientHello::NotTls,
        },
        Case {
            name: "empty input needs more",
            input: Vec::new(),
            want: ClientHello::Incomplete,
        },
        Case {
            name: "record header only needs more",
            input: with_sni[..5].to_vec(),
            want: ClientHello::Incomplete,
        },
        Case {
            name: "half a hello needs more",
            input: with_sni[..with_sni.len() / 2].to_vec(),
            want: ClientHello::Incomplete,
        },
        Case {
            name: "handshake that is not a ClientHello",
            input: vec![HANDSHAKE, 3, 3, 0, 4, 2, 0, 0, 0],
            want: ClientHello::NotTls,
        },
        Case {
            name: "a partial record already showing a ServerHello",
            input: vec![HANDSHAKE, 3, 3, 0, 40, 2, 0],
            want: ClientHello::NotTls,
        },
        Case {
            // ssl_max_handshake_message_len: 16384 for a server not requesting certificates.
            name: "declared hello longer than BoringSSL accepts",
            input: vec![HANDSHAKE, 3, 1, 0, 4, CLIENT_HELLO, 0, 0x40, 0x01],
            want: ClientHello::NotTls,
        },
        Case {
            // ssl_client_hello_init fails, so SSL_ERROR_SSL without a hello: tls_not_found.
            name: "inner lengths lying past the hello",
            input: {
                let mut bad = with_sni.clone();
                bad[9 + 2 + 32] = 200; // session id length beyond the data
                bad
            },
            want: ClientHello::NotTls,
        },
        Case {
            name: "bytes after the extensions block",
            input: {
                let mut m = message(&[sni("db.example.com")]);
                m.push(0);
                m[3] += 1;
                records(&m, MAX_RECORD)
            },
            want: ClientHello::NotTls,
        },
        Case {
            name: "no cipher suites",
            input: {
                let mut m = message(&[]);
                // session id 0, suites length 2 → 0 and drop the suite bytes.
                let at = 4 + 2 + 32 + 1;
                m.splice(at..at + 4, [0, 0]);
                m[3] -= 2;
                records(&m, MAX_RECORD)
            },
            want: ClientHello::NotTls,
        },
        Case {
            // t1_lib.cc tls1_check_duplicate_extensions.
            name: "duplicate extension",
            input: hello(&[sni("a.example.com"), sni("b.example.com")]),
            want: ClientHello::NotTls,
        },
        Case {
            // handshake_server.cc extract_sni: exactly one entry.
            name: "two server names",
            input: hello(&[sni_entries(&[
                (0, b"a.example.com".as_slice()),
                (0, b"b.example.com".as_slice()),
            ])]),
            want: ClientHello::NotTls,
        },
        Case {
            name: "name type other than host_name",
            input: hello(&[sni_entries(&[(1, b"db.example.com".as_slice())])]),
            want: ClientHello::NotTls,
        },
        Case {
            name: "empty server name",
            input: hello(&[sni_entries(&[(0, b"".as_slice())])]),
            want: ClientHello::NotTls,
        },
        Case {
            name: "server name with NUL",
            input: hello(&[sni_entries(&[(0, b"db\0.example.com".as_slice())])]),
            want: ClientHello::NotTls,
        },
        Case {
            name: "server name of 256 bytes",
            input: hello(&[sni_entries(&[(0, [b'a'; 256].as_slice())])]),
            want: ClientHello::NotTls,
        },
        Case {
            name: "server name of 255 bytes",
            input: hello(&[sni_entries(&[(0, [b'a'; 255].as_slice())])]),
            want: tls(&"a".repeat(255)),
        },
    ];
    for c in cases {
        assert_eq!(parse(&c.input), c.want, "{}", c.name);
    }
}

#[test]
fn every_prefix_is_incomplete_or_the_answer() {
    for size in [MAX_RECORD, 17, 1] {
        let full = records(&message(&[sni("db.example.com")]), size);
        for end in 0..full.len() {
            assert_eq!(
                parse(&full[..end]),
                ClientHello::Incomplete,
                "records of {size}, prefix {end}"
            );
        }
        assert_eq!(parse(&full), tls("db.example.com"), "records of {size}");
    }
}

/// tls_inspector.cc getParserState: SSL_ERROR_WANT_READ with `read_ >= maxConfigReadBytes()`
/// is `client_hello_too_large` and `ParseState::Error`, which closes the connection.
#[test]
fn a_hello_not_complete_within_the_limit_is_too_large() {
    // A hello BoringSSL would accept (body under 16 KiB) whose record headers push the stream
    // past the inspector's limit.
    let big = message(&[sni("db.example.com"), (0x0015, vec![0; 16_250])]);
    assert!(big.len() - 4 <= MAX_MESSAGE);
    let stream = records(&big, 1_000);
    assert!(stream.len() > MAX_CLIENT_HELLO);
    assert_eq!(
        parse(&stream[..MAX_CLIENT_HELLO - 1]),
        ClientHello::Incomplete
    );
    assert_eq!(parse(&stream[..MAX_CLIENT_HELLO]), ClientHello::TooLarge);
    assert_eq!(parse(&stream), ClientHello::TooLarge);
    // A hello that fits the limit is parsed, even when its records are small.
    let fits = message(&[sni("db.example.com"), (0x0015, vec![0; 8_000])]);
    assert_eq!(parse(&records(&fits, 1_000)), tls("db.example.com"));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut state = 0x9e37_79b9_u32;
    for len in 0..300 {
        let bytes: Vec<u8> = (0..len)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                match i {
                    0 => HANDSHAKE,
                    1 => 3,
                    _ => state.to_le_bytes()[0],
                }
            })
            .collect();
        let _ = parse(&bytes);
    }
}
