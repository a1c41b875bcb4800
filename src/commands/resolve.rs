//! `meshctl resolve`: what a host resolves to right now — every A/AAAA record with its TTL,
//! the CNAME chain, who answered — and, with `--samples`, whether the answer set moves.
//! These are the facts a pinned-address ServiceEntry depends on.

use anyhow::Context as _;

use crate::cli::{GlobalArgs, ResolveArgs, ResolveFormat};
use crate::settings::resolver;
use crate::{ExitStatus, Io, render};
use meshctl_core::dns::{self, Lookup, ResolveReport, ResolverSettings};

pub(super) fn run(
    args: &ResolveArgs,
    global: &GlobalArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<ExitStatus> {
    let target = crate::settings::target::target_or_default(args.host.as_deref())?;
    let settings = resolver::from_flags(&args.dns);
    let format = args.output.unwrap_or(if io.out_is_terminal {
        ResolveFormat::Table
    } else {
        ResolveFormat::Json
    });
    let runtime = super::runtime::runtime()?;
    let lookups = match runtime.block_on(sample(&target.host, &settings, args)) {
        Ok(lookups) => lookups,
        Err(error) if error.is_negative_answer() => {
            if !global.quiet {
                writeln!(io.err, "error: {error}")?;
            }
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Err(error).context(format!("resolving `{}`", target.host)),
    };
    let report = ResolveReport::from_lookups(&target, &lookups);
    match format {
        ResolveFormat::Json => render::write_json(&report, io.out)?,
        ResolveFormat::Yaml => render::write_yaml(&report, io.out)?,
        ResolveFormat::Table => render::resolve::text(&report, io.out)?,
    }
    Ok(ExitStatus::Success)
}

async fn sample(
    host: &str,
    settings: &ResolverSettings,
    args: &ResolveArgs,
) -> Result<Vec<Lookup>, dns::DnsError> {
    let mut lookups = Vec::new();
    for i in 0..args.samples {
        if i > 0 {
            tokio::time::sleep(args.interval).await;
        }
        lookups.push(dns::lookup(host, settings).await?);
    }
    Ok(lookups)
}
