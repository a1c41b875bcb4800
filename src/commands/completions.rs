//! Shell completions and the man pages, generated from the clap definition so they cannot
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

/// Every man page, `meshctl.1` first, as `(file name, roff)`: one per subcommand, each with
/// EXIT STATUS, ENVIRONMENT and EXAMPLES.
///
/// # Errors
/// Rendering errors.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    super::man_pages::pages()
}
