//! Text from inputs made safe to write into a log line or a terminal: every control character
//! (C0, DEL, C1), the Unicode line and paragraph separators, and the bidirectional formatting
//! characters are written as Rust escapes (`\n`, `\u{1b}`, `\u{202e}`). A host, an SNI name, a
//! file path or a resource name then can neither end a log line and forge the next one, nor
//! move the cursor, recolour the terminal or reorder what a reader sees.
//!
//! A backslash is kept as it is, so every ordinary value is printed unchanged; a literal `\n`
//! typed into a value stays on the line it belongs to, which is what keeps a record whole.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` is written escaped.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every control, separator and bidi character escaped; borrowed when none occurs.
#[must_use]
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().any(needs_escape) {
        Cow::Owned(Escaped(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// Displays its text escaped as [`escape`] does, without allocating: for `format!` arguments
/// and tracing fields (`%Escaped(host)`).
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_debug())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_ordinary_text_is_not() {
        struct Case {
            input: &'static str,
            want: &'static str,
        }
        let cases = [
            Case {
                input: "db.example.com",
                want: "db.example.com",
            },
            Case {
                input: "a\nFAKE LOG LINE",
                want: "a\\nFAKE LOG LINE",
            },
            Case {
                input: "\x1b[31mred",
                want: "\\u{1b}[31mred",
            },
            Case {
                input: "cr\rtab\t",
                want: "cr\\rtab\\t",
            },
            Case {
                input: "del\x7f c1\u{85}",
                want: "del\\u{7f} c1\\u{85}",
            },
            Case {
                input: "line\u{2028}sep",
                want: "line\\u{2028}sep",
            },
            Case {
                input: "rtl\u{202e}gnp.exe",
                want: "rtl\\u{202e}gnp.exe",
            },
            Case {
                input: "a\\nb é ü 中",
                want: "a\\nb é ü 中",
            },
            Case {
                input: "",
                want: "",
            },
        ];
        for case in cases {
            assert_eq!(escape(case.input), case.want, "{:?}", case.input);
            assert_eq!(Escaped(case.input).to_string(), case.want);
            assert!(!escape(case.input).contains('\n'));
        }
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}
