//! Whether to colour output: `--color always|never`, else only on a terminal and never when
//! `NO_COLOR` is set (https://no-color.org). Decided once, before any output.

use crate::cli::ColorChoice;

/// Sets the process-wide colour policy used by `colored`.
pub fn configure(choice: ColorChoice, out_is_terminal: bool) {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            out_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    colored::control::set_override(enabled);
}
