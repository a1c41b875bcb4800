//! The destination/DSN parser: any text either parses or yields a one-line error, and neither
//! the parsed display nor the error shows a password the URL parser would find.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshctl_core::target::{Target, redact};
use percent_encoding::percent_decode_str;

fuzz_target!(|text: &str| {
    let shown = match Target::parse(text) {
        Ok(target) => {
            let _ = target.port_or_scheme_default();
            let _ = target.ip();
            target.display
        }
        Err(err) => err.to_string(),
    };
    assert!(
        !shown.contains('\n') || text.contains('\n'),
        "multi-line message: {shown:?}"
    );
    let redacted = redact(text);
    // The password as the URL parser sees it, when it can be told apart from the rest of the
    // text: written literally after the first `:` of the credentials (no percent-encoding, no
    // tab/CR/LF that the parser drops), and nowhere else — a user name or host may
    // legitimately contain the same letters, and both are shown.
    let written = text
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map_or("", |(_, password)| password);
    // Counted in the text as the URL parser reads it (tab/CR/LF removed): pieces the raw text
    // keeps apart can join into the password's letters inside the host.
    let as_parsed: String = text
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    // Compared as a reader decodes them: the display percent-encodes what it shows (a NUL in
    // the user name becomes `%00`, whose hex digits may spell a password's first letters), and
    // a password written `%30r` means `0r`. The password counts only when its decoded letters
    // occur once in the decoded text, so letters a user name or host shares are not a leak.
    let decoded = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    if let Ok(url) = url::Url::parse(text.trim())
        && let Some(password) = url.password()
        && written == password
    {
        let secret = decoded(password);
        if secret.len() >= 4 && decoded(&as_parsed).matches(secret.as_str()).count() == 1 {
            assert!(
                !decoded(&shown).contains(&secret),
                "{text:?} shown as {shown:?}"
            );
            assert!(
                !decoded(&redacted).contains(&secret),
                "{text:?} redacted as {redacted:?}"
            );
        }
    }
});
