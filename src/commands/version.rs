//! `meshctl version`: what was built, from which commit, when and for which target.

use crate::cli::{VersionArgs, VersionFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::render::version::BuildInfo;

/// Prints the build stamp that `build.rs` put into the binary.
pub(super) fn run(args: &VersionArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let info = BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("MESHCTL_COMMIT"),
        build_date: env!("MESHCTL_BUILD_DATE"),
        target: env!("MESHCTL_TARGET"),
    };
    match args.output {
        VersionFormat::Text => render::version::text(&info, io.out)?,
        VersionFormat::Json => render::write_json(&info, io.out)?,
    }
    Ok(ExitStatus::Success)
}
