//! A small, pure parser for the server name in a TLS `ClientHello`, and the peek that feeds it
//! (the job Envoy's TLS inspector does, envoyproxy/envoy
//! source/extensions/filters/listener/tls_inspector/tls_inspector.cc).
//!
//! Why not a TLS crate: the proxy never terminates TLS, it only needs the first record's
//! `server_name` extension, from bytes it *peeked* (so the upstream later receives them
//! untouched) and that may still be incomplete. A full parser such as `tls-parser` wants a
//! whole record and pulls in a parser-combinator stack; these ~100 lines answer the three
//! questions the proxy asks — not TLS, TLS (with or without SNI), or "need more bytes" — and
//! never panic on hostile input (every length is checked before it is used).
//!
//! What it leaves to others: deciding which ports are peeked (`Registry::listener_has_sni`),
//! and what a missing SNI means (the engine's `raw_buffer`/default-chain rules).

use std::time::Duration;

use tokio::net::TcpStream;

/// TLS record type `handshake`.
const HANDSHAKE: u8 = 0x16;
/// Handshake type `client_hello`.
const CLIENT_HELLO: u8 = 0x01;
/// Extension `server_name`.
const SERVER_NAME: u16 = 0x0000;
/// Largest TLS record body (2^14) plus its 5-byte header: a `ClientHello` that does not fit in
/// one record is treated as carrying no SNI, as Envoy's TLS inspector does past its limit.
pub(crate) const MAX_PEEK: usize = 16_384 + 5;

/// What the first bytes of a connection say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientHello {
    /// Not a TLS handshake (Envoy's transport `raw_buffer`).
    NotTls,
    /// A `ClientHello`, with its server name if it sent one.
    Tls(Option<String>),
    /// The bytes so far are a valid prefix of a `ClientHello`; more are needed.
    Incomplete,
}

/// Parses the start of a connection.
#[must_use]
pub(crate) fn parse(bytes: &[u8]) -> ClientHello {
    match parse_inner(bytes) {
        Ok(hello) => hello,
        Err(Short) => ClientHello::Incomplete,
    }
}

/// The input ended before the structure did.
struct Short;

/// A cursor over a byte slice whose reads fail with [`Short`] past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        if self.0.len() < n {
            return Err(Short);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Short> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Short> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Result<usize, Short> {
        let b = self.take(3)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A vector with a `len`-byte length prefix (1 or 2 bytes).
    fn vec(&mut self, len: usize) -> Result<Reader<'a>, Short> {
        let n = if len == 1 {
            usize::from(self.u8()?)
        } else {
            usize::from(self.u16()?)
        };
        Ok(Reader(self.take(n)?))
    }
}

fn parse_inner(bytes: &[u8]) -> Result<ClientHello, Short> {
    let mut record = Reader(bytes);
    if record.u8()? != HANDSHAKE {
        return Ok(ClientHello::NotTls);
    }
    let major = record.u8()?;
    let _minor = record.u8()?;
    let length = usize::from(record.u16()?);
    if major != 3 || length == 0 || length > 16_384 {
        return Ok(ClientHello::NotTls);
    }
    // Only the first record is examined; a truncated one asks for more bytes. From here on
    // the record is complete, so running short means malformed, never "wait for more".
    let mut body = Reader(record.take(length)?);
    if !matches!(body.u8(), Ok(CLIENT_HELLO)) {
        return Ok(ClientHello::NotTls);
    }
    let declared = body.u24().unwrap_or(0);
    // A hello split across records: parse the part in this record; if the extensions run past
    // it, the name is treated as absent rather than waiting for records we do not reassemble.
    let mut hello = Reader(&body.0[..declared.min(body.0.len())]);
    Ok(ClientHello::Tls(server_name(&mut hello).ok().flatten()))
}

fn server_name(hello: &mut Reader<'_>) -> Result<Option<String>, Short> {
    hello.take(2 + 32)?; // legacy_version, random
    hello.vec(1)?; // legacy_session_id
    hello.vec(2)?; // cipher_suites
    hello.vec(1)?; // legacy_compression_methods
    if hello.0.is_empty() {
        return Ok(None); // no extensions at all
    }
    let mut extensions = hello.vec(2)?;
    while !extensions.0.is_empty() {
        let kind = extensions.u16()?;
        let mut data = extensions.vec(2)?;
        if kind != SERVER_NAME {
            continue;
        }
        let mut names = data.vec(2)?;
        while !names.0.is_empty() {
            let name_type = names.u8()?;
            let name = names.vec(2)?.0;
            if name_type == 0 {
                return Ok(std::str::from_utf8(name)
                    .ok()
                    .filter(|n| !n.is_empty() && n.is_ascii())
                    .map(|n| n.trim_end_matches('.').to_ascii_lowercase()));
            }
        }
    }
    Ok(None)
}

/// Peeks (never reads) at the connection until the `ClientHello` is complete, the bytes are
/// not TLS, or `timeout` passes. A client that does not speak first gets `NotTls` after the
/// timeout: the connection is then decided as plain TCP, the way Istio's listeners continue
/// after a listener-filter timeout.
pub(crate) async fn peek(stream: &TcpStream, timeout: Duration) -> ClientHello {
    let work = async {
        // Allocated only for the peek, released before the connection settles into copying.
        let mut buf = vec![0u8; MAX_PEEK];
        let mut seen = 0;
        loop {
            let n = match stream.peek(&mut buf).await {
                Ok(0) | Err(_) => return ClientHello::NotTls,
                Ok(n) => n,
            };
            match parse(&buf[..n]) {
                ClientHello::Incomplete if n < buf.len() => {
                    if n == seen {
                        // `peek` returns at once while bytes are queued: give the rest of the
                        // hello a moment to arrive instead of spinning.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    seen = n;
                }
                ClientHello::Incomplete => return ClientHello::Tls(None),
                done => return done,
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or(ClientHello::NotTls)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal TLS 1.2-style `ClientHello` record with the given extensions.
    fn hello(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
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
        let mut record = vec![HANDSHAKE, 3, 1];
        record.extend_from_slice(&u16::try_from(handshake.len()).expect("small").to_be_bytes());
        record.extend_from_slice(&handshake);
        record
    }

    fn sni(name: &str) -> (u16, Vec<u8>) {
        let mut entry = vec![0];
        entry.extend_from_slice(&u16::try_from(name.len()).expect("small").to_be_bytes());
        entry.extend_from_slice(name.as_bytes());
        let mut data = u16::try_from(entry.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        data.extend_from_slice(&entry);
        (SERVER_NAME, data)
    }

    #[test]
    fn cases() {
        struct Case {
            name: &'static str,
            input: Vec<u8>,
            want: ClientHello,
        }
        let with_sni = hello(&[(0x000a, vec![0, 2, 0, 29]), sni("DB.Example.com.")]);
        let cases = [
            Case {
                name: "server name, lowercased, trailing dot dropped",
                input: with_sni.clone(),
                want: ClientHello::Tls(Some("db.example.com".into())),
            },
            Case {
                name: "no server_name extension",
                input: hello(&[(0x000a, vec![0, 2, 0, 29])]),
                want: ClientHello::Tls(None),
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
                name: "inner lengths lying past the record",
                input: {
                    let mut bad = with_sni.clone();
                    bad[9 + 2 + 32] = 200; // session id length beyond the data
                    bad
                },
                want: ClientHello::Tls(None),
            },
        ];
        for c in cases {
            assert_eq!(parse(&c.input), c.want, "{}", c.name);
        }
    }

    #[test]
    fn every_prefix_is_incomplete_or_the_answer() {
        let full = hello(&[sni("db.example.com")]);
        for end in 0..full.len() {
            assert_eq!(parse(&full[..end]), ClientHello::Incomplete, "prefix {end}");
        }
        assert_eq!(
            parse(&full),
            ClientHello::Tls(Some("db.example.com".into()))
        );
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
                    if i == 0 {
                        HANDSHAKE
                    } else {
                        state.to_le_bytes()[0]
                    }
                })
                .collect();
            let _ = parse(&bytes);
        }
    }
}
