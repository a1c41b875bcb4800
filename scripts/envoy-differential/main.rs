//! The differential test's helper binary (`cargo run --example envoy-differential`); the
//! orchestration — namespaces, iptables, Envoy — is `scripts/envoy-differential.sh`.
//!
//! - `generate`: seeded configurations and the connections aimed at them ([`generate`]);
//! - `serve`: the external namespace's catch-all server ([`client::serve`]);
//! - `connect`: make a configuration's connections from the pod namespace ([`client`]);
//! - `compare`: judge them against Envoy's access log and `meshctl simulate` ([`compare`]);
//! - `report`: the per-class agreement table over a whole run;
//! - `gateway-generate`, `gateway-compare`, `gateway-report`: the two-hop run, a sidecar and an
//!   egress gateway in front of the external namespace ([`two_hop`]);
//! - `mutate`, `diff-prepare`, `diff-judge`, `diff-report`: the mutation corpus that judges
//!   `meshctl diff` ([`mutate`], [`judge_diff`]).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a test tool: its output is the report

mod aim;
mod client;
mod compare;
mod generate;
mod judge_diff;
mod mutate;
mod pools;
mod rng;
mod routes;
mod two_hop;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Differential test of meshctl's engine against Envoy.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Step,
}

#[derive(Subcommand)]
enum Step {
    /// Write `--configs` configurations with `--calls` connections each under `--out`.
    Generate {
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        configs: usize,
        #[arg(long)]
        calls: usize,
        #[arg(long)]
        out: PathBuf,
        /// Percent of entries that also list an unspecified or IPv4-mapped address (100 makes
        /// the run a property test of those forms).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u8).range(0..=100))]
        special_addresses: u8,
        /// Percent of configurations that also hold Kubernetes Services, VirtualServices and
        /// DestinationRules (0 keeps every seed's configurations as they always were).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
        routed: u8,
    },
    /// Answer every TCP connection on `--port` (IPv4 and IPv6) until killed.
    Serve {
        #[arg(long)]
        port: u16,
    },
    /// Make the connections of one configuration directory; write `outcomes.json`.
    Connect {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Judge one configuration directory; write `rows.jsonl`.
    Compare {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        meshctl: PathBuf,
    },
    /// Write `--pairs` one-change pairs and `--noops` no-op refactors under `--out`.
    Mutate {
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        pairs: usize,
        #[arg(long)]
        noops: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Diff one pair; judge a no-op at once, else write the connections Envoy makes.
    DiffPrepare {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        meshctl: PathBuf,
        #[arg(long)]
        seed: u64,
    },
    /// Judge one change pair after Envoy ran both sides.
    DiffJudge {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print the mutation corpus tables; exit 1 on a missed or invented change.
    DiffReport {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        seed: String,
    },
    /// Write `--configs` two-hop configurations (sidecar → egress gateway → external) with
    /// `--calls` connections, made from each source namespace.
    GatewayGenerate {
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        configs: usize,
        #[arg(long)]
        calls: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Judge one two-hop configuration directory; write `rows.jsonl`.
    GatewayCompare {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        meshctl: PathBuf,
    },
    /// Print the two-hop table for a run; exit 1 on any disagreement.
    GatewayReport {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        seed: String,
    },
    /// Print the per-class table for a run; exit 1 on any disagreement.
    Report {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        seed: String,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("envoy-differential: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes the mutation corpus: `pairs` one-change pairs, then `noops` no-op refactors, each as
/// `pair-NNNN/{old,new}/` with its `pair.json`.
fn write_corpus(
    seed: u64,
    pairs: usize,
    noops: usize,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let mut rng = rng::Rng::new(seed);
    for i in 0..pairs + noops {
        let noop = i >= pairs;
        let pair = mutate::pair(&mut rng, if noop { i - pairs } else { i }, noop);
        let dir = out.join(format!("pair-{i:04}"));
        for (name, files) in [("old", &pair.old), ("new", &pair.new)] {
            std::fs::create_dir_all(dir.join(name))?;
            for (file, text) in files {
                std::fs::write(dir.join(name).join(file), text)?;
            }
        }
        let info = judge_diff::PairInfo {
            kind: pair.kind.into(),
            noop,
        };
        std::fs::write(dir.join("pair.json"), serde_json::to_string(&info)?)?;
    }
    Ok(())
}

/// Success when a report found nothing wrong.
fn exit_for(bad: usize) -> ExitCode {
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Step::Generate {
            seed,
            configs,
            calls,
            out,
            special_addresses,
            routed,
        } => {
            let mut rng = rng::Rng::new(seed);
            for i in 0..configs {
                let generated = generate::generate(&mut rng, calls, special_addresses, routed);
                let dir = out.join(format!("cfg-{i:04}"));
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join("config.yaml"), &generated.config)?;
                std::fs::write(dir.join("mesh.yaml"), &generated.mesh)?;
                std::fs::write(
                    dir.join("calls.json"),
                    serde_json::to_string_pretty(&generated.calls)?,
                )?;
            }
        }
        Step::Serve { port } => client::serve(port).context("serving")?,
        Step::Connect { dir } => {
            let calls: Vec<aim::Call> =
                serde_json::from_str(&std::fs::read_to_string(dir.join("calls.json"))?)?;
            let outcomes = client::connect_all(&calls);
            std::fs::write(
                dir.join("outcomes.json"),
                serde_json::to_string_pretty(&outcomes)?,
            )?;
        }
        Step::Compare { dir, meshctl } => {
            let rows = compare::compare(&dir, &meshctl)?;
            let agree = rows
                .iter()
                .filter(|r| r.agree && (r.dump_agrees || r.dump_limited))
                .count();
            println!("{}: {agree}/{} agree", dir.display(), rows.len());
        }
        Step::Mutate {
            seed,
            pairs,
            noops,
            out,
        } => write_corpus(seed, pairs, noops, &out)?,
        Step::DiffPrepare { dir, meshctl, seed } => judge_diff::prepare(&dir, &meshctl, seed)?,
        Step::DiffJudge { dir } => {
            let judged = judge_diff::judge(&dir)?;
            println!(
                "{}: {} regions, {} connections, {} changed fate, {} missed, {} invented",
                dir.display(),
                judged.regions,
                judged.calls,
                judged.changed,
                judged.missed.len(),
                judged.invented.len()
            );
        }
        Step::DiffReport { dir, seed } => {
            let bad = judge_diff::report(&dir, &seed, &mut std::io::stdout())?;
            return Ok(exit_for(bad));
        }
        Step::GatewayGenerate {
            seed,
            configs,
            calls,
            out,
        } => two_hop::write_run(seed, configs, calls, &out)?,
        Step::GatewayCompare { dir, meshctl } => {
            let rows = two_hop::compare(&dir, &meshctl)?;
            let agree = rows.iter().filter(|r| r.agree).count();
            println!("{}: {agree}/{} agree", dir.display(), rows.len());
        }
        Step::GatewayReport { dir, seed } => {
            let bad = two_hop::report(&dir, &seed, &mut std::io::stdout())?;
            return Ok(exit_for(bad));
        }
        Step::Report { dir, seed } => {
            let bad = compare::report(&dir, &seed, &mut std::io::stdout())?;
            return Ok(exit_for(bad));
        }
    }
    Ok(ExitCode::SUCCESS)
}
