//! The one table layout meshctl prints (`resolve`, `--expect`, `--list-rules`): borderless,
//! left-aligned, no trailing spaces. Widths are measured without colour codes (comfy-table's
//! `custom_styling`), so a coloured `FAIL` lines up with a plain `pass` on a terminal.

use std::io::Write;

/// Writes `header` and `rows` as an aligned table.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn write(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .force_no_tty();
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    // The NOTHING preset pads the first column with a leading space; trim it per line.
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end().strip_prefix(' ').unwrap_or(line))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use colored::Colorize as _;

    use super::*;

    #[test]
    fn colour_codes_do_not_count_towards_widths() {
        colored::control::set_override(true);
        let mut out = Vec::new();
        write(
            &["RESULT", "DESTINATION"],
            [
                vec!["FAIL".red().bold().to_string(), "203.0.113.9:3306".into()],
                vec!["pass".green().to_string(), "203.0.113.7:3306".into()],
            ],
            &mut out,
        )
        .expect("write");
        colored::control::unset_override();
        let text = String::from_utf8(out).expect("utf8");
        let plain: Vec<String> = text
            .lines()
            .map(|l| String::from_utf8(strip(l.as_bytes())).expect("utf8"))
            .collect();
        let column = |line: &str| line.find("203.0.113").or_else(|| line.find("DEST"));
        let starts: Vec<_> = plain.iter().map(|l| column(l)).collect();
        assert!(
            starts.windows(2).all(|w| w[0] == w[1]),
            "columns misaligned:\n{}",
            plain.join("\n")
        );
        assert!(text.contains("\u{1b}["), "colour was rendered: {text:?}");
    }

    /// Removes `ESC [ … m` sequences.
    fn strip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
                i += 2;
                while i < bytes.len() && bytes[i] != b'm' {
                    i += 1;
                }
                i += 1;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }
}
