//! One module per command: arguments → validated plan → core call → render → [`ExitStatus`].

mod check;
mod check_fix;
mod completions;
mod destination;
mod diff;
mod diff_base;
mod expect;
mod export;
mod gen_service_entry;
mod list;
mod man_pages;
mod mesh_choice;
mod proxy;
mod resolve;
mod simulate;
mod sync;

use anyhow::bail;

use crate::cli::{Cli, Command, ExportCommand, GenCommand};
use crate::{ExitStatus, Io};

pub use completions::{generate_completion, man_pages};

/// Runs the selected command.
///
/// # Errors
/// Errors that end the process with exit code 2.
pub fn dispatch(cli: Cli, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let global = cli.global;
    match cli.command {
        Command::Resolve(args) => resolve::run(&args, &global, io),
        Command::Gen(GenCommand::ServiceEntry(args)) => gen_service_entry::run(&args, &global, io),
        Command::Check(args) => check::run(&args, &global, io),
        Command::Simulate(args) => simulate::run(&args, &global, io),
        Command::Diff(args) => diff::run(&args, io),
        Command::List(args) => list::run(&args, io),
        Command::Proxy(args) => proxy::run(&args, &global, io),
        Command::Sync(args) => sync::run(&args, &global, io),
        Command::Export(ExportCommand::Envoy(args)) => export::run(&args, &global, io),
        Command::Completions(args) => {
            generate_completion(args.shell, io.out)?;
            Ok(ExitStatus::Success)
        }
        Command::Version => {
            writeln!(io.out, "meshctl {}", env!("CARGO_PKG_VERSION"))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// True when the error (or one of its causes) is a broken pipe on output.
#[must_use]
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Builds the single-threaded runtime the DNS-using commands need.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The target named on the command line, else the environment's (see [`default_target`]).
fn target_or_default(text: Option<&str>) -> anyhow::Result<meshctl_core::target::Target> {
    match text {
        Some(text) => Ok(meshctl_core::target::Target::parse(text)?),
        None => default_target(),
    }
}

/// The host and port to use when the command line names none: `$MYSQL_DB_HOST` and
/// `$MYSQL_DB_PORT`, the variables of the blog's Bookinfo setup, else `localhost`.
fn default_target() -> anyhow::Result<meshctl_core::target::Target> {
    let host = std::env::var("MYSQL_DB_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let target = meshctl_core::target::Target::parse(&host)
        .map_err(|e| anyhow::anyhow!("$MYSQL_DB_HOST: {e}"))?;
    Ok(target.or_port(env_port()?))
}

/// `$MYSQL_DB_PORT`, when set.
fn env_port() -> anyhow::Result<Option<u16>> {
    match std::env::var("MYSQL_DB_PORT") {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(Some(port)),
            _ => bail!("$MYSQL_DB_PORT: `{text}` is not a port number from 1 to 65535"),
        },
        _ => Ok(None),
    }
}
