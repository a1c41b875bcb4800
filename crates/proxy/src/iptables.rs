//! `meshctl proxy iptables`: the nat rules that hand a workload's outbound TCP to a transparent
//! `meshctl proxy`, in the shape of Istio's capture chain (istio/istio
//! tools/istio-iptables/pkg/capture/run.go) — and the exact inverse that removes them.
//!
//! Rule order follows `ISTIO_OUTPUT`, first match wins: excluded ports → the proxy's own UID
//! (its upstream connections must not loop back into it) → loopback destinations → excluded
//! CIDRs → REDIRECT the included ports (or all TCP) to the proxy port. One jump from `OUTPUT`
//! hooks the chain in. Everything lives in the `MESHCTL_OUTPUT` chain, so cleanup is "delete
//! the jump, flush and delete the chain" and touches nothing else.
//!
//! IPv4 only: an `ip6tables` REDIRECT lands on `[::1]:PORT`, which the default listener does
//! not serve, so installing it would turn IPv6 egress from "not governed" into "refused".
//! Excluded IPv6 CIDRs are therefore rejected rather than silently ignored.
//!
//! Script generation is pure (snapshot-tested); only [`apply`] runs `iptables-restore`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};
use ipnet::IpNet;

/// The chain meshctl owns.
pub const CHAIN: &str = "MESHCTL_OUTPUT";

/// What to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureChain {
    /// The transparent proxy's port.
    pub proxy_port: u16,
    /// The proxy's UID: its own connections are never redirected.
    pub proxy_uid: u32,
    /// Only these destination ports are redirected; empty means all TCP.
    pub include_ports: Vec<u16>,
    /// Never redirected.
    pub exclude_ports: Vec<u16>,
    /// Never redirected (IPv4).
    pub exclude_cidrs: Vec<IpNet>,
}

impl CaptureChain {
    /// Checks what the script cannot express.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(net) = self
            .exclude_cidrs
            .iter()
            .find(|n| matches!(n, IpNet::V6(_)))
        {
            bail!("`{net}`: IPv6 capture is not installed, so IPv6 exclusions are not needed");
        }
        if self.proxy_port == 0 {
            bail!("--proxy-port must be 1-65535");
        }
        Ok(())
    }
}

/// The `iptables-restore --noflush` script installing the capture chain.
#[must_use]
pub fn script(capture: &CaptureChain) -> String {
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line("# meshctl proxy iptables: redirect outbound TCP to the egress proxy".into());
    line("# apply: iptables-restore --noflush; remove: meshctl proxy iptables --cleanup".into());
    line("*nat".into());
    line(format!(":{CHAIN} - [0:0]"));
    for port in &capture.exclude_ports {
        line(format!("-A {CHAIN} -p tcp --dport {port} -j RETURN"));
    }
    line(format!(
        "-A {CHAIN} -m owner --uid-owner {} -j RETURN",
        capture.proxy_uid
    ));
    line(format!("-A {CHAIN} -d 127.0.0.0/8 -j RETURN"));
    for net in &capture.exclude_cidrs {
        line(format!("-A {CHAIN} -d {net} -j RETURN"));
    }
    let redirect = format!("-j REDIRECT --to-ports {}", capture.proxy_port);
    if capture.include_ports.is_empty() {
        line(format!("-A {CHAIN} -p tcp {redirect}"));
    } else {
        for port in &capture.include_ports {
            line(format!("-A {CHAIN} -p tcp --dport {port} {redirect}"));
        }
    }
    line(format!("-A OUTPUT -p tcp -j {CHAIN}"));
    line("COMMIT".into());
    s
}

/// The script removing exactly what [`script`] adds.
#[must_use]
pub fn cleanup_script() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "*nat");
    let _ = writeln!(s, "-D OUTPUT -p tcp -j {CHAIN}");
    let _ = writeln!(s, "-F {CHAIN}");
    let _ = writeln!(s, "-X {CHAIN}");
    let _ = writeln!(s, "COMMIT");
    s
}

/// Pipes a script into `iptables-restore --noflush` (needs root).
pub fn apply(script: &str) -> anyhow::Result<()> {
    let mut child = Command::new("iptables-restore")
        .arg("--noflush")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running `iptables-restore` (is iptables installed?)")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .context("writing to `iptables-restore`")?;
    }
    let output = child
        .wait_with_output()
        .context("waiting for `iptables-restore`")?;
    if !output.status.success() {
        bail!(
            "`iptables-restore --noflush` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_tcp() {
        let capture = CaptureChain {
            proxy_port: 15001,
            proxy_uid: 1337,
            include_ports: Vec::new(),
            exclude_ports: Vec::new(),
            exclude_cidrs: Vec::new(),
        };
        insta::assert_snapshot!(script(&capture));
    }

    #[test]
    fn with_exclusions_and_included_ports() {
        let capture = CaptureChain {
            proxy_port: 15001,
            proxy_uid: 1000,
            include_ports: vec![3306, 5432],
            exclude_ports: vec![22],
            exclude_cidrs: vec!["192.0.2.0/24".parse().expect("net")],
        };
        capture.validate().expect("valid");
        insta::assert_snapshot!(script(&capture));
    }

    #[test]
    fn cleanup_undoes_exactly_the_chain_and_jump() {
        insta::assert_snapshot!(cleanup_script());
    }

    #[test]
    fn ipv6_exclusions_are_refused() {
        let capture = CaptureChain {
            proxy_port: 15001,
            proxy_uid: 1000,
            include_ports: Vec::new(),
            exclude_ports: Vec::new(),
            exclude_cidrs: vec!["2001:db8::/32".parse().expect("net")],
        };
        assert!(capture.validate().is_err());
    }
}
