//! Judging `meshctl diff` with Envoy: for a change pair and each workload view with a reported
//! region (and always namespace `app`), connections are sampled from every region of the view
//! and from random points of both sides; Envoy runs each side as that view's sidecar and the connection's *fate* on each — listener,
//! filter chain, cluster, and that cluster's definition in Envoy's own `/config_dump` — is
//! compared. A connection whose fate changed outside every reported region is a missed change;
//! a reported region none of whose connections changed fate is an invented one. A no-op pair
//! must print nothing and exit 0.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aim::{self, Call, describe};
use crate::client::Outcome;
use crate::compare::{access_log, find, text};
use crate::generate::{self, NAMESPACE};
use crate::rng::Rng;
use meshctl_core::envoy::log_fields as f;

/// Connections sampled per reported region (the region's example first).
const PER_REGION: usize = 3;
/// Random connections aimed at each side's registry.
const RANDOM_PER_SIDE: usize = 6;

/// What a pair is, written by `mutate`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PairInfo {
    pub(crate) kind: String,
    pub(crate) noop: bool,
}

/// One reported region, as the JSON output spells it.
#[derive(Debug, Clone)]
struct Region {
    addresses: Vec<IpNet>,
    except: Vec<IpNet>,
    ports: Vec<(u16, u16)>,
    sni: Vec<String>,
    example: Option<(IpAddr, u16, Option<String>)>,
    summary: String,
    /// Only the deciding entry changes (two entries for one host and port): the same listener,
    /// chain, cluster and upstream take the connection, so Envoy's data path cannot show it.
    entry_only: bool,
}

/// The verdict on one pair.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Judged {
    pub(crate) kind: String,
    pub(crate) noop: bool,
    /// Regions the diff reports in the views judged, and in views with workload labels (not
    /// judged: the generator's Sidecars select no workloads, so there are none).
    pub(crate) regions: usize,
    pub(crate) other_view_regions: usize,
    /// Regions with at least one sampled connection.
    pub(crate) sampled: usize,
    pub(crate) calls: usize,
    /// Connections whose Envoy fate differs between the sides.
    pub(crate) changed: usize,
    pub(crate) missed: Vec<String>,
    pub(crate) invented: Vec<String>,
    /// Regions where only the deciding entry changes (not judged by Envoy; see [`Region`]).
    pub(crate) entry_only: usize,
    /// For a no-op: the diff printed nothing and exited 0.
    pub(crate) clean: bool,
    pub(crate) noop_output: String,
}

fn run(meshctl: &Path, args: &[&str]) -> anyhow::Result<(i32, String)> {
    let output = Command::new(meshctl)
        .args(args)
        .output()
        .with_context(|| format!("running meshctl {}", args.join(" ")))?;
    let code = output.status.code().unwrap_or(-1);
    if !matches!(code, 0 | 1) {
        bail!(
            "meshctl {} exited {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok((code, String::from_utf8_lossy(&output.stdout).into_owned()))
}

fn side(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// Runs the diff of one pair. A no-op is judged at once (written to `judged.json`); a change
/// pair gets `calls.json` in `envoy-old/` and `envoy-new/`, for Envoy to run.
pub(crate) fn prepare(dir: &Path, meshctl: &Path, seed: u64) -> anyhow::Result<()> {
    let info: PairInfo = serde_json::from_str(&std::fs::read_to_string(dir.join("pair.json"))?)?;
    let (old, new) = (side(dir, "old"), side(dir, "new"));
    if info.noop {
        let (code, out) = run(meshctl, &["diff", &old, &new])?;
        let judged = Judged {
            kind: info.kind,
            noop: true,
            clean: code == 0 && out.is_empty(),
            noop_output: out.lines().take(6).collect::<Vec<_>>().join("\n"),
            ..Judged::default()
        };
        std::fs::write(
            dir.join("judged.json"),
            serde_json::to_string_pretty(&judged)?,
        )?;
        return Ok(());
    }
    let (_, diff) = run(meshctl, &["diff", &old, &new, "-o", "json"])?;
    std::fs::write(dir.join("diff.json"), &diff)?;
    let diff: Value = serde_json::from_str(&diff).context("diff JSON")?;
    let mut listings = Vec::new();
    for (name, file) in [(&old, "list-old.json"), (&new, "list-new.json")] {
        let (_, list) = run(meshctl, &["list", name, "-o", "json"])?;
        std::fs::write(dir.join(file), &list)?;
        listings.push(serde_json::from_str::<Value>(&list).context("list JSON")?);
    }
    let (views, _) = judged_regions(&diff, &listings);
    let mut rng = Rng::new(seed ^ 0x5eed);
    for (namespace, regions) in &views {
        let names = ServerNames::of(&listings, namespace);
        let mut calls: Vec<Call> = Vec::new();
        for (index, region) in regions.iter().enumerate() {
            for sample in samples(&mut rng, region, &names) {
                calls.push(call(calls.len(), sample, vec![format!("region:{index}")]));
            }
        }
        for name in ["old", "new"] {
            let read = |file: &str| std::fs::read_to_string(dir.join(name).join(file));
            let registry =
                generate::compile_for(&read("config.yaml")?, &read("mesh.yaml")?, namespace)
                    .with_context(|| format!("{name}: the generated side is not admitted"))?;
            for mut random in aim::aim(&mut rng, &registry, RANDOM_PER_SIDE, &[]) {
                random.id = calls.len();
                random.classes = vec!["random".into()];
                calls.push(random);
            }
        }
        for name in ["old", "new"] {
            let to = dir.join(format!("envoy-{namespace}-{name}"));
            std::fs::create_dir_all(&to)?;
            std::fs::write(to.join("calls.json"), serde_json::to_string_pretty(&calls)?)?;
        }
    }
    std::fs::write(
        dir.join("views.txt"),
        views.keys().fold(String::new(), |mut text, n| {
            text.push_str(n);
            text.push('\n');
            text
        }),
    )?;
    Ok(())
}

fn call(id: usize, (dst, port, sni): (IpAddr, u16, Option<String>), classes: Vec<String>) -> Call {
    Call {
        id,
        dst,
        port,
        tls: sni.is_some(),
        sni,
        classes,
    }
}

/// Every view of a `diff` or `list` JSON document.
fn all_views(json: &Value) -> Vec<&Value> {
    json["meshes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["views"].as_array().into_iter().flatten())
        .collect()
}

fn ordinary(view: &Value) -> bool {
    view["view"]["labels"]
        .as_object()
        .is_none_or(serde_json::Map::is_empty)
}

fn names(view: &Value, namespace: &str) -> bool {
    view["view"]["namespace"] == namespace
        || view["view"]["also"]
            .as_array()
            .is_some_and(|a| a.iter().any(|n| n == namespace))
}

/// The view the ordinary workloads of `namespace` see: the one naming it, else the one every
/// unnamed namespace sees.
fn covering<'a>(views: &[&'a Value], namespace: &str) -> Option<&'a Value> {
    let ordinary: Vec<&Value> = views.iter().copied().filter(|v| ordinary(v)).collect();
    ordinary
        .iter()
        .find(|v| names(v, namespace))
        .or_else(|| {
            ordinary
                .iter()
                .find(|v| v["view"]["other_namespaces"] == true)
        })
        .copied()
}

/// The namespaces to judge (each view with a reported region, and `app`) with the regions
/// each sees, and how many regions are in views Envoy cannot stand for here (a Sidecar's
/// `workloadSelector` labels).
fn judged_regions(diff: &Value, listings: &[Value]) -> (BTreeMap<String, Vec<Region>>, usize) {
    let views = all_views(diff);
    let mut judged: BTreeMap<String, Vec<Region>> = BTreeMap::new();
    let mut unjudged = 0;
    for view in &views {
        let count = view["regions"].as_array().map_or(0, Vec::len);
        let labelled = view["view"]["labels"]
            .as_object()
            .is_some_and(|l| !l.is_empty());
        match view["view"]["namespace"].as_str() {
            Some(namespace) if !labelled && count > 0 => {
                judged.insert(namespace.to_owned(), regions_of(view));
            }
            _ => unjudged += count,
        }
    }
    // `app` sees the diff's view naming it when some side names it (a diff leaves out views
    // without changes, so the listings say whether it is named), else the unnamed one's.
    let named = listings
        .iter()
        .flat_map(all_views)
        .any(|v| ordinary(v) && names(v, NAMESPACE));
    let regions = views
        .iter()
        .find(|v| {
            ordinary(v)
                && if named {
                    names(v, NAMESPACE)
                } else {
                    v["view"]["other_namespaces"] == true
                }
        })
        .map(|v| regions_of(v))
        .unwrap_or_default();
    judged.insert(NAMESPACE.into(), regions);
    (judged, unjudged)
}

fn regions_of(view: &Value) -> Vec<Region> {
    view["regions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(region)
        .collect()
}

fn nets(value: &Value) -> Vec<IpNet> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str()?.parse().ok())
        .collect()
}

fn port_ranges(value: &Value) -> Vec<(u16, u16)> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                u16::try_from(r["first"].as_u64()?).ok()?,
                u16::try_from(r["last"].as_u64()?).ok()?,
            ))
        })
        .collect()
}

fn region(value: &Value) -> Region {
    let example = &value["example"];
    Region {
        addresses: nets(&value["addresses"]),
        except: nets(&value["except"]),
        ports: port_ranges(&value["ports"]),
        sni: value["sni"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        example: example["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .zip(example["port"].as_u64().and_then(|p| u16::try_from(p).ok()))
            .map(|(a, p)| (a, p, example["sni"].as_str().map(str::to_owned))),
        entry_only: ["verdict", "listener", "chain", "cluster", "upstream"]
            .iter()
            .all(|k| value["before"][k] == value["after"][k]),
        summary: format!(
            "{} port {} sni {}: {} -> {}",
            value["addresses"],
            value["ports"],
            value["sni"],
            text(&value["before"], "cluster"),
            text(&value["after"], "cluster"),
        ),
    }
}

/// The server names chains on each port name, on either side: what `diff` cuts SNI by.
struct ServerNames {
    by_port: Vec<((u16, u16), String)>,
}

impl ServerNames {
    fn of(listings: &[Value], namespace: &str) -> ServerNames {
        let mut by_port = Vec::new();
        for listing in listings {
            let Some(view) = covering(&all_views(listing), namespace) else {
                continue;
            };
            for region in view["regions"].as_array().into_iter().flatten() {
                for range in port_ranges(&region["ports"]) {
                    for label in region["sni"].as_array().into_iter().flatten() {
                        if let Some(label) = label.as_str() {
                            by_port.push((range, label.to_owned()));
                        }
                    }
                }
            }
        }
        ServerNames { by_port }
    }

    /// The SNI class label a connection's server name falls in on `port`.
    fn label(&self, port: u16, sni: Option<&str>) -> String {
        let Some(name) = sni.map(str::to_ascii_lowercase) else {
            return "no SNI".into();
        };
        let mut best: Option<&str> = None;
        for ((first, last), label) in &self.by_port {
            if port < *first || port > *last {
                continue;
            }
            let Some(named) = label.strip_prefix("SNI ") else {
                continue;
            };
            if let Some(pattern) = named.strip_suffix(" (other names)") {
                let suffix = pattern.trim_start_matches('*');
                if name.ends_with(suffix) && best.is_none_or(|b| b.len() < pattern.len()) {
                    best = Some(pattern);
                }
            } else if named == name {
                return label.clone();
            }
        }
        best.map_or_else(
            || "other SNI".into(),
            |pattern| format!("SNI {pattern} (other names)"),
        )
    }
}

/// True when the connection lies in the region.
fn contains(
    region: &Region,
    names: &ServerNames,
    dst: IpAddr,
    port: u16,
    sni: Option<&str>,
) -> bool {
    let in_nets = |nets: &[IpNet]| nets.iter().any(|n| n.contains(&dst));
    if !in_nets(&region.addresses) || in_nets(&region.except) {
        return false;
    }
    if !region.ports.iter().any(|(a, b)| *a <= port && port <= *b) {
        return false;
    }
    let label = names.label(port, sni);
    region
        .sni
        .iter()
        .any(|s| s == "any" || (s.starts_with("no SNI") && label == "no SNI") || *s == label)
}

/// Address blocks a test connection may go to: the documentation ranges the generator uses
/// and Istio's auto-allocation range; [`safe`] keeps the test link's own addresses out.
fn safe_blocks() -> [IpNet; 4] {
    [
        IpNet::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 0)), 24).expect("valid"),
        IpNet::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 0)), 24).expect("valid"),
        IpNet::new(IpAddr::V4(Ipv4Addr::new(240, 240, 0, 0)), 16).expect("valid"),
        IpNet::new(
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)),
            32,
        )
        .expect("valid"),
    ]
}

fn safe(ip: IpAddr) -> bool {
    let link = IpNet::new(
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 0)),
        48,
    )
    .expect("valid");
    safe_blocks().iter().any(|b| b.contains(&ip)) && !link.contains(&ip)
}

/// A random address of `net`.
fn inside(rng: &mut Rng, net: IpNet) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let size = 1u64 << (32 - u32::from(n.prefix_len()));
            let base = u64::from(u32::from(n.network()));
            let at = u32::try_from((base + rng.next() % size) & 0xFFFF_FFFF).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(at))
        }
        IpNet::V6(n) => {
            let bits = 128 - u32::from(n.prefix_len());
            let span = if bits >= 64 {
                u128::from(rng.next())
            } else {
                u128::from(rng.next()) % (1u128 << bits)
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) + span))
        }
    }
}

/// No server name of the class was found in a few tries.
struct NoName;

/// A server name in the SNI class `label` on `port`; `Ok(None)` for plain TCP.
fn name_in(
    rng: &mut Rng,
    label: &str,
    names: &ServerNames,
    port: u16,
) -> Result<Option<String>, NoName> {
    if label == "any" {
        return Ok(match rng.below(3) {
            0 => None,
            1 => Some(format!("z{}.example.com", rng.below(1000))),
            _ => Some(format!("z{}.nowhere.test", rng.below(1000))),
        });
    }
    if label.starts_with("no SNI") {
        return Ok(None);
    }
    for _ in 0..16 {
        let candidate = if let Some(named) = label.strip_prefix("SNI ") {
            match named.strip_suffix(" (other names)") {
                Some(pattern) => format!("z{}{}", rng.below(1000), pattern.trim_start_matches('*')),
                None => named.to_owned(),
            }
        } else {
            format!("z{}.nowhere.test", rng.below(1000))
        };
        if names.label(port, Some(&candidate)) == label {
            return Ok(Some(candidate));
        }
    }
    Err(NoName)
}

/// Up to [`PER_REGION`] connections inside the region, at addresses a test may use.
fn samples(
    rng: &mut Rng,
    region: &Region,
    names: &ServerNames,
) -> Vec<(IpAddr, u16, Option<String>)> {
    let mut out = Vec::new();
    if let Some(example) = region.example.clone()
        && safe(example.0)
    {
        out.push(example);
    }
    let candidates: Vec<IpNet> = region
        .addresses
        .iter()
        .flat_map(|net| {
            safe_blocks().into_iter().filter_map(move |block| {
                if net.contains(&block) {
                    Some(block)
                } else if block.contains(net) {
                    Some(*net)
                } else {
                    None
                }
            })
        })
        .collect();
    let mut tries = 0;
    while out.len() < PER_REGION && !candidates.is_empty() && tries < 40 {
        tries += 1;
        let net = *rng.pick(&candidates);
        let dst = inside(rng, net);
        if !safe(dst) || region.except.iter().any(|n| n.contains(&dst)) {
            continue;
        }
        let (first, last) = *rng.pick(&region.ports);
        let port = first.max(1)
            + u16::try_from(rng.next() % u64::from(last - first.max(1) + 1)).unwrap_or(0);
        let label = rng_label(rng, region);
        let Ok(sni) = name_in(rng, label, names, port) else {
            continue;
        };
        if contains(region, names, dst, port, sni.as_deref()) {
            out.push((dst, port, sni));
        }
    }
    out
}

fn rng_label<'a>(rng: &mut Rng, region: &'a Region) -> &'a str {
    if region.sni.is_empty() {
        "any"
    } else {
        region.sni[rng.below(region.sni.len())].as_str()
    }
}

/// Where Envoy sent each connection of one side: listener, chain, cluster and the cluster's
/// definition in `/config_dump`, or the client's result when Envoy logged nothing.
fn fates(dir: &Path, calls: &[Call]) -> anyhow::Result<Vec<String>> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let outcomes: Vec<Outcome> = serde_json::from_str(&read("outcomes.json")?)?;
    let entries = access_log(&read("access.log").unwrap_or_default())?;
    let dump: Value = serde_json::from_str(&read("dump.json")?).context("config dump")?;
    let mut clusters: BTreeMap<String, String> = BTreeMap::new();
    for config in dump["configs"].as_array().into_iter().flatten() {
        for cluster in config["static_clusters"].as_array().into_iter().flatten() {
            // The cluster's behaviour, not its labels: `filter_metadata.istio` names one of
            // the entries that share a cluster name, which no connection can observe.
            let mut cluster = cluster["cluster"].clone();
            if let Some(fields) = cluster.as_object_mut() {
                fields.remove("metadata");
            }
            clusters.insert(text(&cluster, "name"), cluster.to_string());
        }
    }
    let mut used = vec![false; entries.len()];
    Ok(calls
        .iter()
        .zip(&outcomes)
        .map(
            |(call, outcome)| match find(&entries, &mut used, call, outcome) {
                Some(entry) => {
                    let cluster = text(entry, f::UPSTREAM_CLUSTER);
                    format!(
                        "{} / {} / {cluster} / {}",
                        text(entry, f::LISTENER),
                        text(entry, f::FILTER_CHAIN),
                        clusters.get(&cluster).map_or("", String::as_str)
                    )
                }
                None => format!("no access log line ({})", outcome.result),
            },
        )
        .collect())
}

/// Judges a change pair after Envoy ran both sides for every judged view; writes
/// `judged.json`.
pub(crate) fn judge(dir: &Path) -> anyhow::Result<Judged> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let info: PairInfo = serde_json::from_str(&read("pair.json")?)?;
    let diff: Value = serde_json::from_str(&read("diff.json")?)?;
    let listings = [
        serde_json::from_str::<Value>(&read("list-old.json")?)?,
        serde_json::from_str::<Value>(&read("list-new.json")?)?,
    ];
    let (views, unjudged) = judged_regions(&diff, &listings);
    let mut judged = Judged {
        kind: info.kind,
        other_view_regions: unjudged,
        ..Judged::default()
    };
    let none = Vec::new();
    for namespace in read("views.txt")?.lines() {
        let regions = views.get(namespace).unwrap_or(&none);
        let names = ServerNames::of(&listings, namespace);
        let old = dir.join(format!("envoy-{namespace}-old"));
        let calls: Vec<Call> =
            serde_json::from_str(&std::fs::read_to_string(old.join("calls.json"))?)?;
        let before = fates(&old, &calls)?;
        let after = fates(&dir.join(format!("envoy-{namespace}-new")), &calls)?;
        let mut sampled: BTreeSet<usize> = BTreeSet::new();
        let mut changed_in: BTreeSet<usize> = BTreeSet::new();
        judged.regions += regions.len();
        judged.calls += calls.len();
        for ((call, a), b) in calls.iter().zip(&before).zip(&after) {
            let inside: Vec<usize> = (0..regions.len())
                .filter(|i| {
                    contains(
                        &regions[*i],
                        &names,
                        call.dst,
                        call.port,
                        call.sni.as_deref(),
                    )
                })
                .collect();
            sampled.extend(&inside);
            if a == b {
                continue;
            }
            judged.changed += 1;
            if inside.is_empty() {
                judged
                    .missed
                    .push(format!("{namespace}: {}: {a}  =>  {b}", describe(call)));
            }
            changed_in.extend(&inside);
        }
        judged.sampled += sampled.len();
        for (i, region) in regions.iter().enumerate() {
            if region.entry_only && !changed_in.contains(&i) {
                judged.entry_only += 1;
            } else if sampled.contains(&i) && !changed_in.contains(&i) {
                judged
                    .invented
                    .push(format!("{namespace}: {}", region.summary));
            }
        }
    }
    std::fs::write(
        dir.join("judged.json"),
        serde_json::to_string_pretty(&judged)?,
    )?;
    Ok(judged)
}

/// One kind's totals over a run.
#[derive(Default)]
struct Totals {
    pairs: usize,
    judged: usize,
    regions: usize,
    sampled: usize,
    other: usize,
    calls: usize,
    changed: usize,
    missed: usize,
    invented: usize,
    entry_only: usize,
    clean: usize,
}

/// Totals by (no-op, kind), and every failure, over the pairs under `root`.
type Tally = (BTreeMap<(bool, String), Totals>, Vec<String>);

fn tally(root: &Path) -> anyhow::Result<Tally> {
    let mut dirs: Vec<_> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("pair.json").exists())
        .collect();
    dirs.sort();
    let mut kinds: BTreeMap<(bool, String), Totals> = BTreeMap::new();
    let mut failures = Vec::new();
    for dir in &dirs {
        let info: PairInfo =
            serde_json::from_str(&std::fs::read_to_string(dir.join("pair.json"))?)?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let totals = kinds.entry((info.noop, info.kind.clone())).or_default();
        totals.pairs += 1;
        let Ok(text) = std::fs::read_to_string(dir.join("judged.json")) else {
            failures.push(format!(
                "{name} ({}): not judged (see its directory)",
                info.kind
            ));
            continue;
        };
        let judged: Judged = serde_json::from_str(&text)?;
        totals.judged += 1;
        totals.regions += judged.regions;
        totals.sampled += judged.sampled;
        totals.other += judged.other_view_regions;
        totals.calls += judged.calls;
        totals.changed += judged.changed;
        totals.missed += judged.missed.len();
        totals.invented += judged.invented.len();
        totals.entry_only += judged.entry_only;
        totals.clean += usize::from(judged.clean);
        if info.noop && !judged.clean {
            failures.push(format!(
                "{name} ({}): the no-op printed {:?}",
                info.kind, judged.noop_output
            ));
        }
        for missed in &judged.missed {
            failures.push(format!("{name} ({}): MISSED {missed}", info.kind));
        }
        for invented in &judged.invented {
            failures.push(format!("{name} ({}): INVENTED {invented}", info.kind));
        }
        if !info.noop && judged.sampled < judged.regions {
            failures.push(format!(
                "{name} ({}): {} of {} regions had no connection a test may make",
                info.kind,
                judged.regions - judged.sampled,
                judged.regions
            ));
        }
    }
    Ok((kinds, failures))
}

/// Totals per kind over a run; prints the tables and every failure, and returns how many
/// failures there were (a missed or invented change, an unsampled region, a no-op that printed
/// something, a pair that could not be judged).
pub(crate) fn report(
    root: &Path,
    seed: &str,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<usize> {
    let (kinds, failures) = tally(root)?;
    let sum = |noop: bool, field: fn(&Totals) -> usize| -> usize {
        kinds
            .iter()
            .filter(|((n, _), _)| *n == noop)
            .map(|(_, t)| field(t))
            .sum()
    };
    writeln!(
        out,
        "seed {seed}: {} change pairs ({} judged through Envoy), {} no-op pairs",
        sum(false, |t| t.pairs),
        sum(false, |t| t.judged),
        sum(true, |t| t.pairs)
    )?;
    writeln!(
        out,
        "change pairs: {} regions reported ({} sampled; {} change only the deciding entry, which Envoy cannot show), {} connections through Envoy (each side), {} changed fate, missed {}, invented {}",
        sum(false, |t| t.regions),
        sum(false, |t| t.sampled),
        sum(false, |t| t.entry_only),
        sum(false, |t| t.calls),
        sum(false, |t| t.changed),
        sum(false, |t| t.missed),
        sum(false, |t| t.invented),
    )?;
    writeln!(
        out,
        "no-op pairs: {} of {} print nothing and exit 0",
        sum(true, |t| t.clean),
        sum(true, |t| t.pairs)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| change | pairs | regions | entry only | regions in labelled views | connections | fate changed | missed | invented |"
    )?;
    writeln!(
        out,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )?;
    for ((_, kind), t) in kinds.iter().filter(|((n, _), _)| !*n) {
        writeln!(
            out,
            "| {kind} | {} | {} | {} | {} | {} | {} | {} | {} |",
            t.pairs, t.regions, t.entry_only, t.other, t.calls, t.changed, t.missed, t.invented
        )?;
    }
    writeln!(out)?;
    writeln!(out, "| refactor | pairs | silent |")?;
    writeln!(out, "| --- | ---: | ---: |")?;
    for ((_, kind), t) in kinds.iter().filter(|((n, _), _)| *n) {
        writeln!(out, "| {kind} | {} | {} |", t.pairs, t.clean)?;
    }
    for failure in failures.iter().take(60) {
        writeln!(out, "{failure}")?;
    }
    Ok(failures.len())
}
