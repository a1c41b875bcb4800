//! The ClientHello parser: any bytes give an answer without panicking, and a prefix never
//! contradicts the whole — it is either "need more bytes" or the same answer — because the
//! proxy parses growing prefixes of a peeked stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshctl_proxy::sni::{self, ClientHello};

fuzz_target!(|data: &[u8]| {
    let whole = sni::parse(data);
    if let ClientHello::Tls(Some(name)) = &whole {
        assert!(!name.is_empty() && name.len() <= 255 * 3, "{name:?}");
        assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "{name:?}");
    }
    if data.is_empty() {
        return;
    }
    let cut = usize::from(data[0]) * data.len() / 256;
    let prefix = sni::parse(&data[..cut]);
    assert!(
        prefix == ClientHello::Incomplete || prefix == whole,
        "prefix {cut}: {prefix:?}, whole: {whole:?}"
    );
});
