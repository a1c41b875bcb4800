//! meshctl: lint, simulate and enforce Istio sidecar egress to services outside the mesh.
//!
//! This crate is the command line over two libraries: `meshctl-core` (model, load, schema,
//! the workspace pipeline, engine, rules, dns, generate) and `meshctl-proxy` (the enforcing
//! proxy). It owns [`cli`] (clap declarations), [`settings`] (flags, `meshctl.toml` and the
//! environment resolved into typed values), `commands` (settings → workspace → core → render)
//! and `render` (every output a person or a program reads); it is the only crate that knows
//! clap and the terminal.
pub mod cli;
pub mod commands;
pub mod exit;
pub mod io;
mod render;
pub mod settings;

pub use exit::ExitStatus;
pub use io::Io;

/// Runs a parsed command line.
///
/// # Errors
/// Any error that should end the process with exit code 2; `main` prints its chain.
pub fn run(cli: cli::Cli, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    render::color::configure(cli.global.color.into(), io.out_is_terminal);
    commands::dispatch(cli, io)
}
