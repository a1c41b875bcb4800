//! `meshctl proxy iptables`: prints the capture rules, or installs and removes them through
//! `meshctl_proxy::iptables`, and tells the operator exactly what changed.

use crate::cli::IptablesArgs;
use crate::exit::ExitStatus;
use crate::io::Io;
use meshctl_proxy::iptables::{self, CaptureChain, Family};

pub(super) fn run(args: &IptablesArgs, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    if args.cleanup {
        let removed = match iptables::remove()?.len() {
            1 => "the IPv4",
            _ => "the IPv4 and IPv6",
        };
        writeln!(
            io.err,
            "removed {removed} {} chain and its OUTPUT jump",
            iptables::CHAIN
        )?;
        return Ok(ExitStatus::Success);
    }
    let capture = CaptureChain {
        proxy_port: args.proxy_port,
        proxy_uid: args.proxy_uid,
        include_ports: args.include_ports.clone(),
        exclude_ports: args.exclude_ports.clone(),
        exclude_cidrs: args.exclude_cidrs.clone(),
    };
    capture.validate()?;
    if !args.apply {
        let family = if args.ip6tables {
            Family::V6
        } else {
            Family::V4
        };
        io.out
            .write_all(iptables::script(&capture, family).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let families = iptables::install(&capture, args.ipv4_only)?;
    let which = if families.len() == 2 {
        "IPv4 and IPv6"
    } else {
        "IPv4 only"
    };
    writeln!(
        io.err,
        "installed the {} chain ({which}): outbound TCP goes to port {} (uid {} exempt)",
        iptables::CHAIN,
        capture.proxy_port,
        capture.proxy_uid
    )?;
    writeln!(io.err, "rules added:")?;
    for rule in iptables::added_rules(&capture, &families) {
        writeln!(io.err, "  {rule}")?;
    }
    Ok(ExitStatus::Success)
}
