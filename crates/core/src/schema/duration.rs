//! Durations as Istio's CRDs and webhook read them: Go's `time.ParseDuration` syntax (`10s`,
//! `1.5ms`, `1h2m`), which both the API server's CEL `duration()` and Istio's JSON-to-proto
//! conversion use. The CRD rule `duration(self) >= duration('1ms')` is encoded here; the
//! webhook's millisecond-precision check reads the same value (MSH115).

use super::walk::Schema;

/// One nanosecond per unit, for every unit Go accepts.
const UNITS: [(&str, i128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The CRD's duration fields: a string the CEL rule `duration(self) >= duration('1ms')` holds for.
pub(super) const DURATION: Schema = Schema::Str {
    max_len: None,
    one_of: None,
    rule: Some(at_least_1ms),
};

const ONE_MS: i128 = 1_000_000;

fn at_least_1ms(text: &str) -> Option<&'static str> {
    // An unparseable duration fails the rule's evaluation; the API server rejects it as well.
    parse(text)
        .is_none_or(|ns| ns < ONE_MS)
        .then_some("must be a valid duration greater than 1ms")
}

/// Nanoseconds of a Go duration string (`[-+]?([0-9]*(\.[0-9]*)?unit)+` or `0`), `None` when
/// Go refuses it, out-of-range values included.
#[must_use]
pub(crate) fn parse(text: &str) -> Option<i128> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let whole = &rest[..whole_len];
        rest = &rest[whole_len..];
        let mut fraction = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            fraction = &after_dot[..len];
            rest = &after_dot[len..];
        } else if whole.is_empty() {
            return None;
        }
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, tail) = rest.split_at(unit_len);
        rest = tail;
        let scale = UNITS.iter().find(|(name, _)| *name == unit)?.1;
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        total = total.checked_add(whole.checked_mul(scale)?)?;
        // Go keeps the fraction's leading digits and truncates the product.
        let digits = &fraction[..fraction.len().min(18)];
        if !digits.is_empty() {
            let value: i128 = digits.parse().ok()?;
            total += value * scale / 10_i128.pow(u32::try_from(digits.len()).ok()?);
        }
        if total > i128::from(i64::MAX) {
            return None;
        }
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (text, want) in [
            ("0", Some(0)),
            ("1ms", Some(1_000_000)),
            ("1.5s", Some(1_500_000_000)),
            (".5s", Some(500_000_000)),
            ("5.s", Some(5_000_000_000)),
            ("1h2m3s", Some(3_723_000_000_000)),
            ("-1s", Some(-1_000_000_000)),
            ("100us", Some(100_000)),
            ("1\u{b5}s", Some(1_000)),
            ("10", None),
            ("", None),
            (".s", None),
            ("1d", None),
            ("1 s", None),
            ("s", None),
            ("9999999999h", None),
        ] {
            assert_eq!(parse(text), want, "{text}");
        }
        assert_eq!(at_least_1ms("1ms"), None);
        assert!(at_least_1ms("999us").is_some());
        assert!(at_least_1ms("0").is_some());
        assert!(at_least_1ms("ten seconds").is_some());
    }
}
