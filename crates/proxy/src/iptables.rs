//! `meshctl proxy iptables`: the nat rules that hand a workload's outbound TCP to a
//! transparent `meshctl proxy`, in the shape of Istio's capture chain — and the
//! exact inverse that removes them — for IPv4 (`iptables`) and IPv6 (`ip6tables`), as
//! istio-iptables does for pods with IPv6 (istio/istio `tools/istio-iptables/pkg/capture/run.go`).
//!
//! Rule order follows `ISTIO_OUTPUT`, first match wins: excluded ports → the proxy's own UID
//! (its upstream connections must not loop back into it) → loopback destinations (`127.0.0.0/8`,
//! `::1/128`) → excluded CIDRs of the family → REDIRECT the included ports (or all TCP) to the
//! proxy port. One jump from `OUTPUT` hooks the chain in. Everything lives in the
//! `MESHCTL_OUTPUT` chain, so cleanup is "delete the jump, flush and delete the chain" and
//! touches nothing else.
//!
//! An IPv6 REDIRECT of a locally generated packet lands on `[::1]:PORT`, so the proxy listens
//! there too (next to `127.0.0.1:PORT`). Only TCP is captured, in both families: UDP and ICMP
//! leave the pod untouched, as with Istio's default capture.
//!
//! Script generation is pure (snapshot-tested); only [`apply`] runs `iptables-restore` /
//! `ip6tables-restore`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};
use ipnet::IpNet;

/// The chain meshctl owns.
pub const CHAIN: &str = "MESHCTL_OUTPUT";

/// An address family and its tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `iptables-restore`.
    V4,
    /// `ip6tables-restore`.
    V6,
}

impl Family {
    /// The restore command.
    #[must_use]
    fn restore(self) -> &'static str {
        match self {
            Family::V4 => "iptables-restore",
            Family::V6 => "ip6tables-restore",
        }
    }

    /// The save command.
    #[must_use]
    fn save(self) -> &'static str {
        match self {
            Family::V4 => "iptables-save",
            Family::V6 => "ip6tables-save",
        }
    }

    fn loopback(self) -> &'static str {
        match self {
            Family::V4 => "127.0.0.0/8",
            Family::V6 => "::1/128",
        }
    }

    fn contains(self, net: &IpNet) -> bool {
        matches!(
            (self, net),
            (Family::V4, IpNet::V4(_)) | (Family::V6, IpNet::V6(_))
        )
    }
}

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
    /// Never redirected (each family's script takes its own).
    pub exclude_cidrs: Vec<IpNet>,
}

impl CaptureChain {
    /// Refuses what the script cannot express, and combinations whose script would not do
    /// what the user meant: uid 0 exempts every root process from capture, and a port both
    /// included and excluded has no meaning.
    ///
    /// # Errors
    /// One line naming the flag at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.proxy_uid == 0 {
            bail!(
                "--proxy-uid 0 would exempt every root process from capture: run the proxy as its own user (Istio's is 1337) and pass that uid"
            );
        }
        if let Some(port) = self
            .include_ports
            .iter()
            .find(|p| self.exclude_ports.contains(p))
        {
            bail!(
                "port {port} is in both --include-ports and --exclude-ports: say once whether it is captured"
            );
        }
        if self.proxy_port == 0 {
            bail!("--proxy-port must be 1-65535");
        }
        Ok(())
    }
}

/// Installs the chain in IPv4 and, unless `ipv4_only` or the host has no IPv6, in IPv6 too;
/// re-applying replaces the previous rules instead of stacking a second jump. Returns the
/// families it installed, in order.
///
/// # Errors
/// A restore tool failed; for IPv6, with the hint that `--ipv4-only` leaves it alone.
pub fn install(capture: &CaptureChain, ipv4_only: bool) -> anyhow::Result<Vec<Family>> {
    let mut families = vec![Family::V4];
    if !ipv4_only && ipv6_available() {
        families.push(Family::V6);
    }
    for &family in &families {
        if installed(family) {
            let _ = apply(&cleanup_script(), family);
        }
        apply(&script(capture, family), family).with_context(|| {
            if family == Family::V6 {
                "IPv6 is enabled here, so it must be captured too (--ipv4-only leaves it alone)"
            } else {
                "installing the IPv4 rules"
            }
        })?;
    }
    Ok(families)
}

/// Removes the chain and its jump from IPv4 and, where it is installed, from IPv6. Returns
/// the families it removed them from.
///
/// # Errors
/// A restore tool failed.
pub fn remove() -> anyhow::Result<Vec<Family>> {
    apply(&cleanup_script(), Family::V4)?;
    if !installed(Family::V6) {
        return Ok(vec![Family::V4]);
    }
    apply(&cleanup_script(), Family::V6)?;
    Ok(vec![Family::V4, Family::V6])
}

/// The `-A` rules [`install`] added for `families`, each as `iptables: -A …` (or
/// `ip6tables: …`), so the operator can audit (and `--cleanup` undoes) exactly that.
#[must_use]
pub fn added_rules(capture: &CaptureChain, families: &[Family]) -> Vec<String> {
    let mut rules = Vec::new();
    for &family in families {
        let tool = family.save().trim_end_matches("-save");
        for rule in script(capture, family)
            .lines()
            .filter(|l| l.starts_with("-A "))
        {
            rules.push(format!("{tool}: {rule}"));
        }
    }
    rules
}

/// The `iptables-restore --noflush` (or `ip6tables-restore`) script installing the chain.
#[must_use]
pub fn script(capture: &CaptureChain, family: Family) -> String {
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line("# meshctl proxy iptables: redirect outbound TCP to the egress proxy".into());
    line(format!(
        "# apply: {} --noflush; remove: meshctl proxy iptables --cleanup",
        family.restore()
    ));
    line("*nat".into());
    line(format!(":{CHAIN} - [0:0]"));
    for port in &capture.exclude_ports {
        line(format!("-A {CHAIN} -p tcp --dport {port} -j RETURN"));
    }
    line(format!(
        "-A {CHAIN} -m owner --uid-owner {} -j RETURN",
        capture.proxy_uid
    ));
    line(format!("-A {CHAIN} -d {} -j RETURN", family.loopback()));
    for net in capture.exclude_cidrs.iter().filter(|n| family.contains(n)) {
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

/// Pipes a script into `iptables-restore --noflush` or `ip6tables-restore --noflush` (root).
fn apply(script: &str, family: Family) -> anyhow::Result<()> {
    let restore = family.restore();
    let mut child = Command::new(restore)
        .arg("--noflush")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running `{restore}` (is iptables installed?)"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .with_context(|| format!("writing to `{restore}`"))?;
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for `{restore}`"))?;
    if !output.status.success() {
        bail!(
            "`{restore} --noflush` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Whether the family's nat table currently has the meshctl chain (`*-save` reads it).
#[must_use]
fn installed(family: Family) -> bool {
    Command::new(family.save())
        .args(["-t", "nat"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with(&format!(":{CHAIN} ")))
        })
}

/// Whether this network namespace can carry IPv6 (the kernel module is loaded and enabled):
/// without it there is nothing to capture and `ip6tables-restore` would fail.
#[must_use]
fn ipv6_available() -> bool {
    std::fs::read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6")
        .is_ok_and(|v| v.trim() == "0")
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
        insta::assert_snapshot!(script(&capture, Family::V4));
    }

    #[test]
    fn with_exclusions_and_included_ports() {
        let capture = CaptureChain {
            proxy_port: 15001,
            proxy_uid: 1000,
            include_ports: vec![3306, 5432],
            exclude_ports: vec![22],
            exclude_cidrs: vec![
                "192.0.2.0/24".parse().expect("net"),
                "2001:db8::/32".parse().expect("net"),
            ],
        };
        capture.validate().expect("valid");
        insta::assert_snapshot!(script(&capture, Family::V4));
    }

    #[test]
    fn ipv6_takes_its_own_loopback_and_exclusions() {
        let capture = CaptureChain {
            proxy_port: 15001,
            proxy_uid: 1000,
            include_ports: Vec::new(),
            exclude_ports: vec![22],
            exclude_cidrs: vec![
                "192.0.2.0/24".parse().expect("net"),
                "2001:db8::/32".parse().expect("net"),
            ],
        };
        insta::assert_snapshot!(script(&capture, Family::V6));
    }

    #[test]
    fn cleanup_undoes_exactly_the_chain_and_jump() {
        insta::assert_snapshot!(cleanup_script());
    }
}
