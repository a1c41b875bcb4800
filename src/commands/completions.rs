//! Shell completions and the man page, generated from the clap definition so they cannot
//! drift from the real CLI (a test compares them with the files in `completions/`).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the completion script for `shell`.
///
/// # Errors
/// I/O errors from `out`.
pub fn generate_completion(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "meshctl", &mut buffer);
    out.write_all(&buffer)?;
    Ok(())
}

/// Writes the `meshctl(1)` man page (roff).
///
/// # Errors
/// I/O errors from `out`.
pub fn generate_man_page(out: &mut dyn Write) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buffer)?;
    out.write_all(&buffer)?;
    Ok(())
}
