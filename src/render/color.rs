//! Whether to colour output: `--color always|never`, else only on a terminal and never when
//! `NO_COLOR` is set (https://no-color.org). Decided once, before any output; the CLI turns its
//! flag into a [`When`].

/// When colour is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Sets the process-wide colour policy used by `colored`.
pub(crate) fn configure(when: When, out_is_terminal: bool) {
    let enabled = match when {
        When::Always => true,
        When::Never => false,
        When::Auto => out_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    colored::control::set_override(enabled);
}
