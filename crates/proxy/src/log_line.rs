//! The proxy's log sink: every line `tracing` writes goes through [`EscapedLines`], which
//! escapes control, separator and bidi characters (`meshctl_core::escape`) in everything but the
//! line's own final newline. Hosts, SNI names, file paths, entry names and error texts reach the
//! log from many call sites; escaping where the line is written covers all of them, including
//! ones added later, so a value can never end a line and forge the next one.
//!
//! This relies on the fmt layer writing each event whole, in one `write_all` of its formatted
//! line (tracing-subscriber's `fmt::Layer::on_event` does), with ANSI colours off.

use std::io::{self, Write};

use meshctl_core::escape::escape;

/// A writer that writes each buffer it is given as one escaped line.
#[derive(Debug)]
pub struct EscapedLines<W>(pub W);

impl<W: Write> Write for EscapedLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        let line = format!("{}{end}", escape(body));
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_cannot_forge_a_line() {
        let mut out = EscapedLines(Vec::new());
        out.write_all(b"WARN forward target `a\nFAKE LOG LINE`: \x1b[31mred\n")
            .expect("write");
        out.write_all(b"INFO next\n").expect("write");
        let text = String::from_utf8(out.0).expect("utf-8");
        assert_eq!(
            text,
            "WARN forward target `a\\nFAKE LOG LINE`: \\u{1b}[31mred\nINFO next\n"
        );
        assert_eq!(text.lines().count(), 2);
    }
}
