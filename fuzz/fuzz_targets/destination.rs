//! The destination/DSN parser: any text either parses or yields a one-line error, and neither
//! the parsed display nor the error shows a password the URL parser would find.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshctl_core::target::{Target, redact};

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
    if let Ok(url) = url::Url::parse(text.trim())
        && let Some(password) = url.password()
        && password.len() >= 4
        && written == password
        && as_parsed.matches(password).count() == 1
    {
        assert!(!shown.contains(password), "{text:?} shown as {shown:?}");
        assert!(
            !redacted.contains(password),
            "{text:?} redacted as {redacted:?}"
        );
    }
});
