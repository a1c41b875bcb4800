//! `meshctl resolve`: what a host resolves to right now — every A/AAAA record with its TTL,
//! the CNAME chain, who answered — and, with `--samples`, whether the answer set moves.
//! These are the facts a pinned-address ServiceEntry depends on.

use anyhow::Context as _;

use crate::cli::{GlobalArgs, ResolveArgs, ResolveFormat};
use crate::exit::ExitStatus;
use crate::io::Io;
use crate::render;
use crate::settings::resolve::ResolveSettings;
use meshctl_core::dns::{self, Lookup, ResolveReport};

pub(super) fn run(
    args: &ResolveArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let settings = ResolveSettings::resolve(args, io.out_is_terminal)?;
    let target = &settings.target;
    let runtime = super::runtime::runtime()?;
    let lookups = match runtime.block_on(sample(&target.host, &settings)) {
        Ok(lookups) => lookups,
        Err(error) if error.is_negative_answer() => {
            if !global.quiet {
                writeln!(io.err, "error: {error}")?;
            }
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Err(error).context(format!("resolving `{}`", target.host)),
    };
    let report = ResolveReport::from_lookups(target, &lookups);
    match settings.format {
        ResolveFormat::Json => render::write_json(&report, io.out)?,
        ResolveFormat::Yaml => render::write_yaml(&report, io.out)?,
        ResolveFormat::Table => render::resolve::text(&report, io.out)?,
    }
    Ok(ExitStatus::Success)
}

async fn sample(host: &str, settings: &ResolveSettings) -> Result<Vec<Lookup>, dns::DnsError> {
    let mut lookups = Vec::new();
    for i in 0..settings.samples {
        if i > 0 {
            tokio::time::sleep(settings.interval).await;
        }
        lookups.push(dns::lookup(host, &settings.resolver).await?);
    }
    Ok(lookups)
}
