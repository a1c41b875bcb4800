//! `simulate`'s output: the stable JSON report and the text a person reads. The decisions
//! themselves are the engine's [`Explanation`]s, rendered as they are (no copies).

use std::collections::BTreeMap;
use std::io::Write;

use colored::Colorize as _;
use serde::Serialize;

use meshctl_core::engine::{Explanation, Hop, HopVerdict, PolicyInForce, Verdict};
use meshctl_core::workspace::RejectedResource;

/// The JSON document `simulate -o json` prints (documented in docs/commands/simulate.md).
#[derive(Debug, Serialize)]
pub(crate) struct Report<'a> {
    /// What was asked.
    pub(crate) query: Query,
    /// The outbound policy in force and its source.
    pub(crate) outbound_policy: PolicyInForce,
    /// The most restrictive verdict over every connection.
    pub(crate) verdict: Verdict,
    /// Documents left out because Istio would reject them.
    pub(crate) rejected: &'a [RejectedResource],
    /// One per address of the destination.
    pub(crate) connections: Vec<Explanation>,
}

impl Report<'_> {
    /// The most restrictive verdict of `connections` (DENY when there are none).
    pub(crate) fn worst(connections: &[Explanation]) -> Verdict {
        connections
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Deny)
    }
}

/// The question `simulate` answered.
#[derive(Debug, Serialize)]
pub(crate) struct Query {
    /// The destination as given (DSN password removed).
    pub(crate) destination: String,
    /// The client speaks TLS.
    pub(crate) tls: bool,
    /// The TLS server name.
    pub(crate) sni: Option<String>,
    /// The calling workload's namespace.
    pub(crate) source_namespace: String,
    /// The calling workload's labels.
    pub(crate) labels: BTreeMap<String, String>,
}

/// The colour a verdict is printed in.
pub(crate) fn verdict_colored(verdict: Verdict) -> colored::ColoredString {
    let name = verdict.as_str();
    match verdict {
        Verdict::Allow => name.green().bold(),
        Verdict::Passthrough | Verdict::Bypass => name.yellow().bold(),
        Verdict::Deny => name.red().bold(),
    }
}

/// `203.0.113.7:3306` or `[2001:db8::7]:3306`.
pub(crate) fn destination(c: &Explanation) -> String {
    std::net::SocketAddr::new(c.address, c.port).to_string()
}

/// The text report: per connection, the verdict line, why, the path, notes on an ALLOW, near
/// misses, the policy,
/// and with `verbose` the trace.
pub(crate) fn text(report: &Report<'_>, verbose: bool, out: &mut dyn Write) -> std::io::Result<()> {
    for (i, c) in report.connections.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let verdict = verdict_colored(c.verdict);
        let dest = destination(c);
        let sni = c
            .sni
            .as_deref()
            .map(|s| format!(", SNI {s}"))
            .unwrap_or_default();
        let sidecar = c.hops.first();
        match (&c.service_entry, sidecar.and_then(|h| h.service())) {
            (Some(_), Some(service)) => writeln!(
                out,
                "{verdict} {dest} ({}{sni}) via {}",
                c.protocol, service.resource
            )?,
            (Some(entry), None) => writeln!(
                out,
                "{verdict} {dest} ({}{sni}) via ServiceEntry {entry}",
                c.protocol
            )?,
            (None, _) => writeln!(out, "{verdict} {dest} ({}{sni})", c.protocol)?,
        }
        if c.verdict != Verdict::Allow {
            // The reason repeats the path, which has its own line; keep the part before it.
            let why = c.reason.split(": listener ").next().unwrap_or(&c.reason);
            writeln!(out, "  why:      {why}")?;
        }
        if !c.listener.is_empty() {
            let steps: Vec<&str> = [&c.listener, &c.filter_chain, &c.cluster]
                .into_iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            writeln!(out, "  path:     {}", steps.join(" -> "))?;
        }
        if let Some(hop) = sidecar {
            route_lines(hop, out)?;
            authz_line(hop, "  ", out)?;
        }
        for hop in c.hops.iter().skip(1) {
            gateway_lines(hop, out)?;
        }
        if let Some(upstream) = &c.upstream {
            writeln!(out, "  upstream: {upstream}")?;
        }
        for note in &c.notes {
            writeln!(out, "  note:     {note}")?;
        }
        for miss in &c.near_misses {
            writeln!(out, "  near miss: {miss}")?;
        }
        if sidecar.is_none_or(|h| h.proxy == "sidecar") {
            writeln!(
                out,
                "  policy:   {} ({})",
                report.outbound_policy.mode, report.outbound_policy.source
            )?;
        }
        if verbose {
            writeln!(out, "  trace:")?;
            for (n, step) in c.trace.iter().enumerate() {
                writeln!(out, "    {}. {step}", n + 1)?;
            }
        }
    }
    Ok(())
}

/// A gateway the sidecar routed to: its verdict, path, AuthorizationPolicy and route.
fn gateway_lines(hop: &Hop, out: &mut dyn Write) -> std::io::Result<()> {
    let verdict = verdict_colored(match hop.verdict {
        HopVerdict::Allow | HopVerdict::Routed => Verdict::Allow,
        HopVerdict::Passthrough => Verdict::Passthrough,
        HopVerdict::Bypass => Verdict::Bypass,
        HopVerdict::Deny => Verdict::Deny,
    });
    writeln!(
        out,
        "  then:     {verdict} at gateway {}",
        hop.workload.as_deref().unwrap_or(hop.proxy)
    )?;
    let denied_by_policy = hop
        .authz
        .as_ref()
        .is_some_and(|a| a.verdict == meshctl_core::engine::gateway::AuthzVerdict::Deny);
    if hop.verdict == HopVerdict::Deny
        && !denied_by_policy
        && let Some(reason) = &hop.reason
    {
        writeln!(out, "    why:      {reason}")?;
    }
    if !hop.listener.is_empty() {
        let cluster = if hop.cluster.is_empty() {
            String::new()
        } else {
            format!(" -> {}", hop.cluster)
        };
        let chain = if hop.filter_chain.is_empty() {
            String::new()
        } else {
            format!(" -> {}", hop.filter_chain)
        };
        writeln!(out, "    path:     {}{chain}{cluster}", hop.listener)?;
    }
    if let Some(principal) = &hop.principal {
        writeln!(
            out,
            "    client:   {principal} (from the ISTIO_MUTUAL handshake)"
        )?;
    }
    authz_line(hop, "    ", out)?;
    if let Some(route) = hop.route() {
        writeln!(out, "    route:    {} ({})", route.resource, route.origin)?;
    }
    for note in &hop.notes {
        writeln!(out, "    note:     {note}")?;
    }
    Ok(())
}

/// A hop's AuthorizationPolicy decision, when it has one.
fn authz_line(hop: &Hop, indent: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(authz) = &hop.authz else {
        return Ok(());
    };
    let by = match (&authz.policy, &authz.origin) {
        (Some(policy), Some(origin)) => format!(" by {policy} ({origin})"),
        _ => String::new(),
    };
    writeln!(
        out,
        "{indent}authz:    {}{by}: {}",
        authz.verdict.as_str(),
        authz.reason
    )
}

/// The route, weights, transport and tunnel of a hop, when something besides the service
/// shaped it (no line otherwise, so plain entries read as they always did).
fn route_lines(hop: &Hop, out: &mut dyn Write) -> std::io::Result<()> {
    if let Some(route) = hop.route() {
        write!(out, "  route:    {} ({})", route.resource, route.origin)?;
        if hop.destinations.len() > 1 {
            let weights: Vec<String> = hop
                .destinations
                .iter()
                .map(|d| format!("{} {}%", d.cluster, d.weight))
                .collect();
            write!(out, ": {}", weights.join(", "))?;
        }
        writeln!(out)?;
    }
    if let Some(transport) = hop
        .transport
        .as_deref()
        .filter(|t| !t.starts_with("plaintext") && !t.starts_with("auto mTLS"))
    {
        writeln!(out, "  transport: {transport}")?;
    }
    if let Some(tunnel) = &hop.tunnel {
        writeln!(out, "  tunnel:   {tunnel} through the cluster")?;
    }
    Ok(())
}

/// The stderr note naming what Istio would reject and `simulate` therefore left out.
pub(crate) fn rejected_note(
    rejected: &[RejectedResource],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if rejected.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{}: deciding without what Istio's admission would reject:",
        "warning".yellow().bold()
    )?;
    for r in rejected {
        writeln!(out, "  {r}")?;
    }
    Ok(())
}

/// The warning `simulate` and `export envoy` give when the inputs hold no Istio resource, not
/// even a rejected one (a misspelled kind, an empty file, the wrong directory): the proxy
/// refuses such a policy, and a DENY with no hint sends the user looking at the wrong thing.
pub(crate) fn empty_note(paths: &[std::path::PathBuf], out: &mut dyn Write) -> std::io::Result<()> {
    let named: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    writeln!(
        out,
        "{}: no Istio resources in {} (no ServiceEntry, Sidecar or mesh configuration); the outbound policy alone decides every connection (`meshctl check` says what was read)",
        "warning".yellow().bold(),
        named.join(", ")
    )
}
