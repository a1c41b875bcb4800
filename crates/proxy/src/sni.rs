//! A small, pure parser for the server name in a TLS `ClientHello`, and the peek that feeds it
//! answering as Envoy's `tls_inspector` listener filter does (envoyproxy/envoy
//! source/extensions/filters/listener/tls_inspector/tls_inspector.cc).
//!
//! Why not a TLS crate: the proxy never terminates TLS, it only needs the `server_name`
//! extension, from bytes it *peeked* (so the upstream later receives them untouched) and that
//! may still be incomplete. A full parser such as `tls-parser` wants whole records and pulls in a
//! parser-combinator stack; this module answers the four questions the proxy asks — not TLS,
//! TLS (with or without SNI), "need more bytes", or "too large to inspect" — and never panics on
//! hostile input (every length is checked before it is used; it is fuzzed by `fuzz/`).
//!
//! Parity with Envoy (envoyproxy/envoy `source/extensions/filters/listener/tls_inspector/
//! tls_inspector.cc`): the inspector feeds the peeked bytes to BoringSSL, which
//! - reassembles a `ClientHello` split over several handshake records (so do we);
//! - gives up once `max_client_hello_size` bytes (default and maximum `TLS_MAX_CLIENT_HELLO`,
//!   16 KiB, counted over the raw stream) have been read without a complete hello: the filter
//!   returns `ParseState::Error` and closes the connection ([`ClientHello::TooLarge`]);
//! - treats anything BoringSSL cannot parse as a hello (plain text, a malformed hello, a
//!   malformed `server_name` extension per BoringSSL `ssl/handshake_server.cc` `extract_sni`:
//!   exactly one `host_name` entry of 1–255 bytes without NUL) as "TLS not found": the
//!   connection continues as `raw_buffer` ([`ClientHello::NotTls`]);
//! - hands the name to `setRequestedServerName`, which lower-cases it
//!   (`source/common/network/connection_socket_impl.h`, envoyproxy/envoy#14793) and keeps
//!   everything else, a trailing dot included: `db.example.com.` does not match a filter chain
//!   for `db.example.com` (`filter_chain_manager_impl.cc` `findFilterChainForServerName`
//!   compares exact strings and `*`-suffixes).
//!
//! Not modelled: TLS version negotiation and cipher selection (BoringSSL may refuse a hello
//! offering only SSLv3 before reading its name); ECH.
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
/// Largest record body BoringSSL accepts before encryption (`SSL3_RT_MAX_PLAIN_LENGTH`).
const MAX_RECORD: usize = 16_384;
/// Largest `ClientHello` body BoringSSL accepts from a client on a server that does not ask
/// for certificates (`ssl_max_handshake_message_len`, `kMaxMessageLen`).
const MAX_MESSAGE: usize = 16_384;
/// Longest server name BoringSSL accepts (`TLSEXT_MAXLEN_host_name`).
const MAX_HOST_NAME: usize = 255;

/// Most bytes of the stream inspected, record headers included: Envoy's `TLS_MAX_CLIENT_HELLO`.
/// A hello that is not complete within them closes the connection, as in Envoy.
pub const MAX_CLIENT_HELLO: usize = 16_384;

/// What the first bytes of a connection say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientHello {
    /// Not a (well-formed) TLS handshake: Envoy's transport `raw_buffer`.
    NotTls,
    /// A `ClientHello`, with its server name (lower-cased) if it sent one.
    Tls(Option<String>),
    /// The bytes so far are a valid prefix of a `ClientHello`; more are needed.
    Incomplete,
    /// [`MAX_CLIENT_HELLO`] bytes did not hold a complete hello: Envoy closes the connection.
    TooLarge,
}

/// Parses the start of a connection (only its first [`MAX_CLIENT_HELLO`] bytes count).
#[must_use]
pub fn parse(bytes: &[u8]) -> ClientHello {
    let window = &bytes[..bytes.len().min(MAX_CLIENT_HELLO)];
    match reassemble(window) {
        Framing::NotTls => ClientHello::NotTls,
        Framing::Short if window.len() >= MAX_CLIENT_HELLO => ClientHello::TooLarge,
        Framing::Short => ClientHello::Incomplete,
        Framing::Hello(body) => match server_name(&mut Reader(&body)) {
            Ok(name) => ClientHello::Tls(name),
            Err(Malformed) => ClientHello::NotTls,
        },
    }
}

/// The record layer's verdict on a byte prefix.
enum Framing {
    NotTls,
    Short,
    /// The complete `ClientHello` body (after its 4-byte handshake header).
    Hello(Vec<u8>),
}

/// Joins the payloads of consecutive handshake records until the first handshake message is
/// complete, as BoringSSL's record and handshake layers do.
fn reassemble(bytes: &[u8]) -> Framing {
    let mut rest = bytes;
    let mut message: Vec<u8> = Vec::new();
    loop {
        if let Some(done) = hello_in(&message) {
            return done;
        }
        let Some((&kind, header)) = rest.split_first() else {
            return Framing::Short;
        };
        if kind != HANDSHAKE {
            // First byte: not TLS at all. Later: a non-handshake record inside the hello.
            return Framing::NotTls;
        }
        if let Some(&major) = header.first()
            && major != 3
        {
            return Framing::NotTls;
        }
        if header.len() < 4 {
            return Framing::Short;
        }
        let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
        if length > MAX_RECORD {
            return Framing::NotTls;
        }
        let Some(payload) = header[4..].get(..length) else {
            // Whatever arrived of this record may already complete the message header, and
            // tell us the message cannot be a hello: check before asking for more.
            let mut partial = message.clone();
            partial.extend_from_slice(&header[4..]);
            return match hello_in(&partial) {
                Some(Framing::NotTls) => Framing::NotTls,
                _ => Framing::Short,
            };
        };
        message.extend_from_slice(payload);
        rest = &header[4 + length..];
    }
}

/// The hello, once `message` holds all of it; `NotTls` as soon as its header rules it out.
fn hello_in(message: &[u8]) -> Option<Framing> {
    let (&kind, header) = message.split_first()?;
    if kind != CLIENT_HELLO {
        return Some(Framing::NotTls);
    }
    let len = header.get(..3)?;
    let len = usize::from(len[0]) << 16 | usize::from(len[1]) << 8 | usize::from(len[2]);
    if len > MAX_MESSAGE {
        return Some(Framing::NotTls);
    }
    let body = header[3..].get(..len)?;
    Some(Framing::Hello(body.to_vec()))
}

/// The hello body does not parse (BoringSSL `ssl_client_hello_init` or `extract_sni` fails).
struct Malformed;

/// A cursor over a byte slice whose reads fail with [`Malformed`] past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.0.len() < n {
            return Err(Malformed);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Malformed> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A vector with a 1- or 2-byte length prefix.
    fn vec(&mut self, prefix: usize) -> Result<Reader<'a>, Malformed> {
        let n = if prefix == 1 {
            usize::from(self.u8()?)
        } else {
            usize::from(self.u16()?)
        };
        Ok(Reader(self.take(n)?))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The server name of a complete hello body, with BoringSSL's structural checks.
fn server_name(hello: &mut Reader<'_>) -> Result<Option<String>, Malformed> {
    hello.take(2 + 32)?; // legacy_version, random
    if hello.vec(1)?.0.len() > 32 {
        return Err(Malformed); // legacy_session_id
    }
    let suites = hello.vec(2)?;
    if suites.0.len() < 2 || suites.0.len() % 2 != 0 {
        return Err(Malformed);
    }
    if hello.vec(1)?.is_empty() {
        return Err(Malformed); // legacy_compression_methods
    }
    if hello.is_empty() {
        return Ok(None); // no extensions at all
    }
    let mut extensions = hello.vec(2)?;
    if !hello.is_empty() {
        return Err(Malformed);
    }
    let mut seen = Vec::new();
    let mut name = None;
    while !extensions.is_empty() {
        let kind = extensions.u16()?;
        let data = extensions.vec(2)?;
        if seen.contains(&kind) {
            return Err(Malformed); // BoringSSL `tls1_check_duplicate_extensions`
        }
        seen.push(kind);
        if kind == SERVER_NAME {
            name = Some(host_name(data)?);
        }
    }
    Ok(name)
}

/// BoringSSL `extract_sni`: one entry, type `host_name`, 1–255 bytes, no NUL.
fn host_name(mut data: Reader<'_>) -> Result<String, Malformed> {
    let mut list = data.vec(2)?;
    let name_type = list.u8()?;
    let name = list.vec(2)?.0;
    if !list.is_empty() || !data.is_empty() {
        return Err(Malformed);
    }
    if name_type != 0 || name.is_empty() || name.len() > MAX_HOST_NAME || name.contains(&0) {
        return Err(Malformed);
    }
    // Envoy stores the name lower-cased (ASCII only) and otherwise as sent. Bytes that are not
    // UTF-8 cannot match any ServiceEntry host, so a lossy conversion changes no decision.
    Ok(String::from_utf8_lossy(name).to_ascii_lowercase())
}

/// Peeks (never reads) at the connection until the `ClientHello` is complete, the bytes are
/// not TLS, [`MAX_CLIENT_HELLO`] bytes did not suffice, or `timeout` passes. A client that does
/// not speak first gets `NotTls` after the timeout: the connection is then decided as plain
/// TCP, the way Istio's listeners continue after a listener-filter timeout.
pub async fn peek(stream: &TcpStream, timeout: Duration) -> ClientHello {
    let work = async {
        // Allocated only for the peek, released before the connection settles into copying.
        let mut buf = vec![0u8; MAX_CLIENT_HELLO];
        let mut seen = 0;
        loop {
            let n = match stream.peek(&mut buf).await {
                Ok(0) | Err(_) => return ClientHello::NotTls,
                Ok(n) => n,
            };
            match parse(&buf[..n]) {
                ClientHello::Incomplete => {
                    if n == seen {
                        // `peek` returns at once while bytes are queued: give the rest of the
                        // hello a moment to arrive instead of spinning.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    seen = n;
                }
                done => return done,
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or(ClientHello::NotTls)
}

#[cfg(test)]
#[path = "sni_tests.rs"]
mod tests;
