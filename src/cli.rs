//! The command-line surface, clap derive only: these doc comments are the `--help` text. What
//! the flags mean, their value parsers and the defaults a flag cannot carry live in `settings`.
//!
//! A flag several commands take is one group here (`NamespaceArg`, `KustomizeArg`,
//! `MeshConfigArg`, `MeshArgs`, `MeshSettingsArgs`, `DnsArgs`), flattened where it is used. The
//! input paths are not: commands whose positional argument is the input (`check`, `diff`,
//! `list`, `sync`, `export envoy`) read `PATH...`, while those whose positional is something else
//! (`simulate DEST`, `proxy`) take inputs as kubectl's `-f`, so each states its own paths with
//! the help that fits; `settings::inputs` turns either into the core's `Sources` in one place.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::parse;

pub use crate::settings::parse::AdminAddr;

/// Let Istio workloads reach databases outside the mesh over TCP — safely, without guessing.
///
/// meshctl resolves external hosts, generates ServiceEntries with pinned /32 and /128 addresses,
/// lints Istio egress configuration, simulates what a sidecar does with a connection and can
/// enforce the same decision in an embedded egress proxy.
#[derive(Debug, Parser)]
#[command(
    name = "meshctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command understands.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command, listed under their own heading in every `--help`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// When to colour output: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Say more about what is happening (repeatable).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Print only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `-n`: only on the commands that read or write resources (not `resolve`, `completions`).
#[derive(Debug, Args, Clone)]
pub struct NamespaceArg {
    /// Namespace for resources that name none and for generated resources (like kubectl).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
}

/// `--no-kustomize`, for every command that reads a repository.
#[derive(Debug, Args, Clone, Default)]
pub struct KustomizeArg {
    /// Read kustomizations as plain files instead of rendering them with `kubectl kustomize`.
    #[arg(long)]
    pub no_kustomize: bool,
}

/// `--mesh-config`, for every command that decides from mesh settings.
#[derive(Debug, Args, Clone, Default)]
pub struct MeshConfigArg {
    /// Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator).
    #[arg(long, value_name = "FILE")]
    pub mesh_config: Option<std::path::PathBuf>,
}

/// `--mesh` and `--no-kustomize`: which mesh of the inputs a deciding command works on.
#[derive(Debug, Args, Clone, Default)]
pub struct MeshArgs {
    /// The mesh to decide for when the inputs hold several (`meshctl check --list-meshes`
    /// names them); without it, several meshes are an error.
    #[arg(long, value_name = "NAME")]
    pub mesh: Option<String>,
    #[command(flatten)]
    pub kustomize: KustomizeArg,
}

/// `--outbound-policy` and `--mesh-config`: the mesh settings a deciding command takes from
/// the command line instead of the inputs.
#[derive(Debug, Args, Clone, Default)]
pub struct MeshSettingsArgs {
    /// Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed).
    #[arg(long, value_enum, value_name = "MODE")]
    pub outbound_policy: Option<OutboundPolicyArg>,
    #[command(flatten)]
    pub mesh_config: MeshConfigArg,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resolve a host's A/AAAA records with TTLs and CNAME chain.
    Resolve(ResolveArgs),
    /// Generate Istio resources.
    #[command(subcommand)]
    Gen(GenCommand),
    /// Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI.
    Check(CheckArgs),
    /// Decide whether a connection would be allowed, by which entry, and why.
    Simulate(SimulateArgs),
    /// Show what a change does to every connection, exactly: `diff OLD NEW` or
    /// `diff --base REF [PATH...]`.
    Diff(DiffArgs),
    /// Print every region of the destination space with its decision, per mesh and workload
    /// view: the connectivity matrix `diff` compares.
    List(ListArgs),
    /// Run an egress proxy that enforces, per connection, what `simulate` explains.
    ///
    /// Only TCP is proxied: UDP and ICMP are neither captured nor enforced (as in Istio).
    Proxy(ProxyArgs),
    /// Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers.
    Sync(SyncArgs),
    /// Export what the engine compiled, for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the version, the git commit, the build date and the target it was built for.
    Version(VersionArgs),
}

/// `check -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Grouped by file, `file:line:col: CODE [severity] name: message`, with a summary.
    Text,
    /// A stable JSON array (keys: code, name, severity, message, file, line, column, resource, help, url).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
}

/// `meshctl proxy`.
///
/// Transparent mode (the default, `--listen 127.0.0.1:15001`) serves connections redirected by
/// `meshctl proxy iptables --apply`; forward mode (`--forward 127.0.0.1:13306=db.example.com:3306`)
/// serves clients pointed at a local port. Every connection is decided by the same engine as
/// `meshctl simulate`. Files given with -f and --mesh-config are reloaded when they change and
/// on SIGHUP; SIGTERM/SIGINT drain. Exit 0 after shutdown (also when the drain deadline cut
/// connections), 2 when the configuration or a listener cannot be set up.
///
/// Only TCP is proxied: UDP and ICMP are neither captured nor enforced (as in Istio).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProxyArgs {
    /// `meshctl proxy iptables`.
    #[command(subcommand)]
    pub command: Option<ProxyCommand>,
    /// ServiceEntries, Sidecars and mesh config: files or directories (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// Which mesh, when the inputs hold several.
    #[command(flatten)]
    pub scope: MeshArgs,
    /// Transparent-mode listener (default 127.0.0.1:15001 unless --forward is given). An IPv4
    /// loopback or unspecified address also listens on [::1] or [::] at the same port, where
    /// ip6tables redirects IPv6 connections (skipped when the host has no IPv6).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Forward listener `LISTEN=HOST:PORT` (repeatable); LISTEN may be a bare port on 127.0.0.1.
    #[arg(long = "forward", value_name = "LISTEN=HOST:PORT", value_parser = parse::ForwardParser)]
    pub forwards: Vec<(SocketAddr, String, u16)>,
    /// Admin server address (`/metrics`, `/healthz`, `/ready`, `/config_dump`), or `off`.
    #[arg(long, value_name = "ADDR|off", default_value = "127.0.0.1:15000", value_parser = parse::parse_admin)]
    pub admin: AdminAddr,
    /// The mesh settings that beat the inputs' own.
    #[command(flatten)]
    pub mesh_settings: MeshSettingsArgs,
    /// The workload whose sidecar is enforced.
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Give up dialling an upstream (DNS included) after this long.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse::parse_duration)]
    pub connect_timeout: std::time::Duration,
    /// Close a connection after no byte moved either way for this long.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse::parse_duration)]
    pub idle_timeout: std::time::Duration,
    /// On SIGTERM/SIGINT, let established connections finish for this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse::parse_duration)]
    pub drain_timeout: std::time::Duration,
    /// How long to wait for a TLS ClientHello on ports whose listener matches SNI.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse::parse_duration)]
    pub sni_timeout: std::time::Duration,
    /// Most connections open at once; beyond it the proxy stops accepting (back-pressure).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Data-plane threads (default: one per CPU). Each runs its own event loop with its own
    /// listening socket (SO_REUSEPORT), and keeps every connection it accepts to the end.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub worker_threads: Option<u16>,
    /// Pipes open at once for zero-copy forwarding (splice) of bulk transfers; past it, and
    /// with 0, bytes are copied through a buffer.
    #[arg(long, value_name = "N", default_value_t = meshctl_proxy::splice::DEFAULT_MAX_PIPES)]
    pub max_pipes: usize,
    /// Keep established connections that a reloaded configuration no longer allows.
    #[arg(long)]
    pub keep_established: bool,
    /// Also refuse a configuration (at start, or a reload) with lint errors; by default only
    /// resources Istio would reject refuse it, and lint errors are logged.
    #[arg(long)]
    pub strict: bool,
    /// Nameserver for forward targets and DNS clusters, `IP` or `IP:PORT` (repeatable);
    /// default: the system's resolv.conf and /etc/hosts.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse::parse_nameserver)]
    pub nameserver: Vec<SocketAddr>,
    /// Every this long, resolve the source host of each entry that pins addresses and export
    /// `meshctl_dns_drift{service_entry,host}` (1 while DNS answers outside the pinned set),
    /// with a warning naming the new address. Reports only: a drifted address stays denied.
    #[arg(long, value_name = "DURATION", value_parser = parse::parse_duration)]
    pub dns_drift_interval: Option<std::time::Duration>,
    /// Write one access log line per closed connection to `-` (stderr) or FILE; with
    /// `--log-format json`, the `meshctl.proxy.v1` records (a decision and a close record per
    /// connection, read by `gen serviceentry --from-log`).
    #[arg(long, value_name = "-|FILE")]
    pub access_log: Option<std::path::PathBuf>,
    /// Access log format.
    #[arg(long, value_enum, default_value_t = LogFormatArg::Text)]
    pub log_format: LogFormatArg,
    /// `report` lets connections the policy denies for want of a match through to their
    /// destination (as PassthroughCluster would) and records them as `would_deny`; the loop
    /// guard and undecidable connections stay denied.
    #[arg(long, value_enum, default_value_t = PolicyModeArg::Enforce)]
    pub policy_mode: PolicyModeArg,
    /// Start beside a meshctl proxy already running on the same ports as the same user
    /// (zero-downtime upgrade): join its listeners and admin port (SO_REUSEPORT) once a
    /// configuration is loaded, then SIGTERM the old one. Without it, a port in use is an error.
    #[arg(long)]
    pub takeover: bool,
}

/// `meshctl proxy …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP
    /// to a transparent proxy, in the shape of Istio's capture chain.
    ///
    /// --apply installs it for IPv4 and, where the namespace has IPv6, for IPv6 (ip6tables,
    /// redirected to [::1]:PORT, where the proxy listens too); --cleanup removes both. Only TCP
    /// is captured: UDP and ICMP leave untouched, as with Istio's default capture.
    Iptables(IptablesArgs),
}

/// `meshctl proxy iptables`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // one bool per flag: clap's shape for switches
pub struct IptablesArgs {
    /// The transparent proxy's port.
    #[arg(long, value_name = "PORT", default_value_t = crate::settings::defaults::TRANSPARENT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
    pub proxy_port: u16,
    /// UID the proxy runs as; its own connections are not redirected. Istio's sidecar uid by
    /// default, never the invoking user's: under sudo that would exempt all root traffic.
    #[arg(long, value_name = "UID", default_value_t = 1337)]
    pub proxy_uid: u32,
    /// Redirect only these destination ports (default: all TCP).
    #[arg(long, value_name = "P,...", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..))]
    pub include_ports: Vec<u16>,
    /// Never redirect these destination ports.
    #[arg(long, value_name = "P,...", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..))]
    pub exclude_ports: Vec<u16>,
    /// Never redirect these destinations (IPv4 and IPv6 CIDRs).
    #[arg(long, value_name = "CIDR,...", value_delimiter = ',')]
    pub exclude_cidrs: Vec<ipnet::IpNet>,
    /// Print the ip6tables-restore script instead of the iptables-restore one.
    #[arg(long, conflicts_with_all = ["apply", "cleanup"])]
    pub ip6tables: bool,
    /// With --apply: install only the IPv4 rules (IPv6 egress then bypasses the proxy).
    #[arg(long, requires = "apply")]
    pub ipv4_only: bool,
    /// Install the rules with `iptables-restore --noflush` and, where IPv6 is enabled,
    /// `ip6tables-restore --noflush` (root) instead of printing them.
    #[arg(long, conflicts_with = "cleanup")]
    pub apply: bool,
    /// Remove the rules --apply installed: the OUTPUT jump and the MESHCTL_OUTPUT chain, IPv4
    /// and IPv6 (root).
    #[arg(long)]
    pub cleanup: bool,
}

/// `meshctl check`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
pub struct CheckArgs {
    /// Files or directories to check (`-` for stdin); default: the current directory.
    /// Directories are walked as ripgrep does; files named here are always read.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// Also check this file or directory, as kubectl's `-f` (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<std::path::PathBuf>,
    /// Skip paths matching this gitignore-style glob when walking directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Read files that `.gitignore`, `.ignore` and `.git/info/exclude` leave out.
    #[arg(long)]
    pub no_ignore: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Text)]
    pub output: CheckFormat,
    /// Exit 1 when a finding is at or above this severity [default: error, or `fail-on` in
    /// meshctl.toml].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Exit 0 whatever is found (findings are still printed).
    #[arg(long)]
    pub exit_zero: bool,
    /// Only these rules: codes, prefixes, names or mapped IST codes, comma-separated (`MSH2`,
    /// `MSH204,broad-cidr`, `IST0134`).
    #[arg(long, value_name = "CODES", value_delimiter = ',', value_parser = parse::RuleCodeParser, hide_possible_values = true)]
    pub select: Vec<String>,
    /// Skip these rules: codes, prefixes, names or mapped IST codes, comma-separated.
    #[arg(long, value_name = "CODES", value_delimiter = ',', value_parser = parse::RuleCodeParser, hide_possible_values = true)]
    pub ignore: Vec<String>,
    /// Drop findings for one rule on matching resources, istioctl's syntax:
    /// `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable).
    #[arg(short = 'S', long = "suppress", value_name = "CODE=KIND NAME.NS")]
    pub suppress: Vec<String>,
    /// Print only findings at or above this severity (istioctl's flag); `--fail-on` still
    /// decides the exit code from every finding.
    #[arg(long, value_enum, value_name = "LEVEL", ignore_case = true)]
    pub output_threshold: Option<OutputThreshold>,
    /// Also run the DNS rules (MSH302-MSH307); off by default so CI stays deterministic.
    #[arg(long)]
    pub dns: bool,
    /// DNS options for `--dns`.
    #[command(flatten)]
    pub dns_options: DnsArgs,
    /// MSH303 fires below this TTL, in seconds [default: 300, or `min-ttl` in meshctl.toml].
    #[arg(long, value_name = "SECONDS")]
    pub min_ttl: Option<u32>,
    /// Extra server-first ports for MSH205 (besides 3306, 25, 27017, 21, 110, 143).
    #[arg(long = "server-first-port", value_name = "PORT")]
    pub server_first_ports: Vec<u16>,
    /// MSH204: widest accepted IPv4 prefix length.
    #[arg(long, value_name = "BITS", default_value_t = meshctl_core::rules::MAX_IPV4_PREFIX, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub max_ipv4_prefix: u8,
    /// MSH204: widest accepted IPv6 prefix length.
    #[arg(long, value_name = "BITS", default_value_t = meshctl_core::rules::MAX_IPV6_PREFIX, value_parser = clap::value_parser!(u8).range(0..=128))]
    pub max_ipv6_prefix: u8,
    #[command(flatten)]
    pub mesh_config: MeshConfigArg,
    /// Print a count of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Print the rule table and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// Print one rule's documentation and exit (an MSH code, a name or a mapped IST code).
    #[arg(long, value_name = "CODE", value_parser = parse::RuleCodeParser, hide_possible_values = true)]
    pub explain: Option<String>,
    /// Apply the unambiguous fixes (MSH202, MSH203, MSH205 on server-first ports) in place,
    /// editing only the flagged spans, then report what is left.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the fixes `--fix` would make as a unified diff; exit 1 when there are any.
    #[arg(long)]
    pub diff: bool,
    /// Read settings from this file instead of the nearest meshctl.toml or .meshctl.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<std::path::PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    #[command(flatten)]
    pub kustomize: KustomizeArg,
    /// Print the meshes found (name, root, files, mesh settings) and exit; `-o json` for scripts.
    #[arg(long)]
    pub list_meshes: bool,
    /// The file name findings in stdin (`-`) are reported under, e.g. the chart template a
    /// `helm template` stream was rendered from.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

/// `meshctl diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD and NEW (files or directories); with --base, the paths to compare (default `.`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Compare the PATHs as they are at this git revision (read from the repository's objects,
    /// no checkout) with the working tree.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Report, and exit 1 for, only changes in these classes: newly-allowed, newly-denied,
    /// rerouted, passthrough-opened, port-hijacked, scope-widened (default: all).
    #[arg(long, value_name = "CLASS[,CLASS]", value_delimiter = ',')]
    pub fail_on: Vec<String>,
    #[command(flatten)]
    pub kustomize: KustomizeArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
}

/// `diff -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Grouped by mesh, workload view and class; nothing when nothing changed.
    Text,
    /// Stable JSON (docs/commands/diff.md).
    Json,
    /// One pull-request comment: a summary table, then collapsible details.
    Markdown,
    /// GitHub Actions workflow commands on the lines of the causing resources.
    Github,
    /// SARIF 2.1.0, results on the lines of the causing resources.
    Sarif,
}

/// `meshctl list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// ServiceEntries, Sidecars and mesh configs: files or directories (default `.`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Only this mesh (`meshctl check --list-meshes` names them).
    #[arg(long, value_name = "NAME")]
    pub mesh: Option<String>,
    #[command(flatten)]
    pub kustomize: KustomizeArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

/// `list -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One line per region, grouped by mesh and workload view.
    Text,
    /// Stable JSON (docs/commands/diff.md).
    Json,
    /// A table per view.
    Markdown,
}

/// `meshctl simulate`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
pub struct SimulateArgs {
    /// `IP:PORT`, `[v6]:PORT`, `HOST:PORT` (every resolved address is decided) or a DSN
    /// (`mysql://user@db.example.com:3306/app`; the scheme's default port when it has none).
    #[arg(
        value_name = "DEST",
        required_unless_present = "expect",
        conflicts_with = "expect"
    )]
    pub destination: Option<String>,
    /// ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// Which mesh, when the inputs hold several.
    #[command(flatten)]
    pub scope: MeshArgs,
    /// The client speaks TLS (without SNI unless --sni is given).
    #[arg(long)]
    pub tls: bool,
    /// The TLS server name the client sends (implies --tls).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// The calling workload.
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// The mesh settings that beat the inputs' own.
    #[command(flatten)]
    pub mesh_settings: MeshSettingsArgs,
    /// The calling workload's service account: its mesh identity
    /// `cluster.local/ns/<source-namespace>/sa/<SA>`, which a gateway's AuthorizationPolicy
    /// reads.
    #[arg(long, value_name = "SA", default_value = "default")]
    pub service_account: String,
    /// Decide a connection arriving at the gateway workload with these labels (in
    /// --source-namespace), as that hop alone.
    #[arg(long, value_name = "K=V,...", value_delimiter = ',', value_parser = parse::parse_key_value,
          conflicts_with_all = ["expect", "config_dump", "labels"])]
    pub gateway: Vec<(String, String)>,
    /// With --gateway: the client presents a mesh certificate for this identity
    /// (`cluster.local/ns/NS/sa/SA`), as a sidecar speaking ISTIO_MUTUAL does (implies --tls).
    #[arg(long, value_name = "PRINCIPAL", requires = "gateway")]
    pub principal: Option<String>,
    /// Check a file of calls and expected verdicts instead of one destination.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<std::path::PathBuf>,
    /// Decide with a live sidecar's listeners instead of -f: Envoy's `/config_dump` or
    /// `istioctl proxy-config all|listeners POD -o json`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "expect", "mesh_config", "outbound_policy"])]
    pub config_dump: Option<std::path::PathBuf>,
    /// DNS options for host destinations.
    #[command(flatten)]
    pub dns: DnsArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = SimulateFormat::Text)]
    pub output: SimulateFormat,
}

/// The workload whose sidecar is modelled: shared by `simulate` and `proxy`.
#[derive(Debug, Args, Clone)]
pub struct WorkloadArgs {
    /// Namespace of the workload.
    #[arg(long, value_name = "NS", default_value = "default")]
    pub source_namespace: String,
    /// Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars).
    #[arg(long, value_name = "K=V,...", value_delimiter = ',', value_parser = parse::parse_key_value)]
    pub labels: Vec<(String, String)>,
    /// Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g.
    /// `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to
    /// connections that would be captured: `simulate`, and the proxy's transparent mode).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse::parse_key_value)]
    pub annotations: Vec<(String, String)>,
    /// The workload's sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated
    /// VIPs; also on when the mesh config says so.
    #[arg(long)]
    pub dns_capture: bool,
}

/// `simulate -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    /// The verdict, the why, and the trace with -v.
    Text,
    /// Stable JSON (docs/commands/simulate.md).
    Json,
}

/// `check --output-threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputThreshold {
    /// Every finding.
    Info,
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors fail the run.
    Error,
    /// Warnings and errors fail the run.
    Warning,
    /// Every finding fails the run.
    Info,
    /// Nothing fails the run.
    None,
}

/// Where and how to ask DNS; shared by `resolve` and `gen`.
#[derive(Debug, Args, Clone)]
pub struct DnsArgs {
    /// Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system's resolv.conf
    /// and /etc/hosts.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse::parse_nameserver)]
    pub nameserver: Vec<SocketAddr>,
    /// Query over TCP instead of UDP.
    #[arg(long)]
    pub tcp: bool,
    /// Give up on a query after this long (`500ms`, `2s`, `1m`).
    #[arg(long, value_name = "DURATION", default_value = crate::settings::defaults::DNS_TIMEOUT, value_parser = parse::parse_duration)]
    pub timeout: std::time::Duration,
}

/// `meshctl resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// `host`, `host:port`, `[v6]:port` or a DSN such as `mysql://user@db.example.com:3306/app`;
    /// default: $MYSQL_DB_HOST (and $MYSQL_DB_PORT), else `localhost`.
    #[arg(value_name = "HOST")]
    pub host: Option<String>,
    /// DNS options.
    #[command(flatten)]
    pub dns: DnsArgs,
    /// Ask this many times and report whether the answers change.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub samples: u32,
    /// Pause between samples.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse::parse_duration)]
    pub interval: std::time::Duration,
    /// Output format; `table` on a terminal, `json` otherwise.
    #[arg(short, long, value_enum)]
    pub output: Option<ResolveFormat>,
}

/// `resolve -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolveFormat {
    /// A human table.
    Table,
    /// Stable JSON (docs/commands/resolve.md).
    Json,
    /// The same document as YAML.
    Yaml,
}

/// `meshctl gen …`.
#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Print a ServiceEntry that opens TCP egress to HOST's current addresses.
    #[command(name = "serviceentry", visible_alias = "se")]
    ServiceEntry(GenServiceEntryArgs),
}

/// `meshctl gen serviceentry`.
#[derive(Debug, Args)]
pub struct GenServiceEntryArgs {
    /// `host`, `host:port` or a DSN (`postgres://u@pg.example.com/db`); required unless
    /// $MYSQL_DB_HOST is set (with $MYSQL_DB_PORT).
    #[arg(value_name = "HOST")]
    pub host: Option<String>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// `metadata.name`; default: derived from host and port (a valid DNS-1123 label).
    #[arg(long)]
    pub name: Option<String>,
    /// ServiceEntry API version.
    #[arg(long, value_enum, default_value_t = ApiVersion::V1)]
    pub api_version: ApiVersion,
    /// Port number (repeatable); default: the port in HOST, else the DSN scheme's (postgres
    /// 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306.
    #[arg(long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    /// Protocol of every port; default: the DSN scheme's where Istio has one (mongodb → MONGO),
    /// else TCP.
    #[arg(long, value_enum, ignore_case = true)]
    pub protocol: Option<PortProtocol>,
    /// `spec.resolution`.
    #[arg(long, value_enum, default_value_t = GenResolution::None, ignore_case = true)]
    pub resolution: GenResolution,
    /// Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128.
    #[arg(long = "address", value_name = "CIDR|IP")]
    pub addresses: Vec<String>,
    /// Do not query DNS (requires --address).
    #[arg(long)]
    pub no_resolve: bool,
    /// Write the entry even when `meshctl check` finds an error in it (the findings are still
    /// printed).
    #[arg(long)]
    pub force: bool,
    /// Add provenance annotations (resolve time, resolver, minimum TTL); output is then not
    /// byte-stable.
    #[arg(long)]
    pub annotate: bool,
    /// Pin addresses of this class anyway (repeatable or comma-separated); the entry records
    /// it in `meshctl.dev/allowed-address-classes`.
    #[arg(
        long = "allow-address-class",
        value_name = "CLASS",
        value_enum,
        value_delimiter = ','
    )]
    pub allow_address_classes: Vec<AllowClass>,
    /// DNS options.
    #[command(flatten)]
    pub dns: DnsArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Yaml)]
    pub output: DocFormat,
    /// Instead of one entry for HOST, propose the fewest pinned entries covering every
    /// destination a `meshctl proxy --access-log FILE --log-format json` log recorded as
    /// `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen's.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["host", "name", "ports", "protocol", "resolution", "addresses", "no_resolve", "annotate"]
    )]
    pub from_log: Option<std::path::PathBuf>,
}

/// `--api-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiVersion {
    /// networking.istio.io/v1 (Istio 1.22+).
    V1,
    /// networking.istio.io/v1beta1.
    V1beta1,
    /// networking.istio.io/v1alpha3.
    V1alpha3,
}

/// `--protocol` for generated ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[clap(rename_all = "UPPER")]
pub enum PortProtocol {
    /// Plain TCP (no sniffing; right for MySQL and other server-first protocols).
    Tcp,
    /// MySQL (Envoy's MySQL filter if istiod enables it; otherwise TCP).
    Mysql,
    /// MongoDB (adds Envoy's mongo_proxy filter).
    Mongo,
    /// Redis (Envoy's redis_proxy if istiod enables it; otherwise TCP).
    Redis,
    /// TLS passthrough, matched by SNI on address-less listeners.
    Tls,
}

/// `--resolution` for generated entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[clap(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GenResolution {
    /// Forward to the address the application dialled (the blog's setup).
    None,
    /// Forward to the addresses listed as endpoints.
    Static,
    /// Forward to whatever the host resolves to at connection time.
    Dns,
    /// Like DNS, first address only.
    DnsRoundRobin,
}

/// `-o yaml|json` for generated documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    /// YAML, ready for `kubectl apply -f -`.
    Yaml,
    /// JSON.
    Json,
}

/// `meshctl sync`.
///
/// Manages the ServiceEntries `gen serviceentry` wrote from DNS (annotation
/// `meshctl.dev/resolve`) and, with --all-static, STATIC/NONE entries with a DNS-looking host and
/// pinned addresses. Without a mode it checks, like --check. A failed lookup never removes an
/// address (fail static). Exit codes: 0 in sync (or written); 1 drift (--check) or a drift that
/// was held back (empty answer, last address); 2 a name could not be verified, bad input.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
pub struct SyncArgs {
    /// Files or directories holding the entries; default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// Report drift as findings and change nothing: exit 1 on drift, 2 when a name could not be
    /// verified.
    #[arg(long, conflicts_with_all = ["write", "watch"])]
    pub check: bool,
    /// Rewrite `addresses` in place (comments and key order kept, atomic, files without drift
    /// untouched).
    #[arg(long)]
    pub write: bool,
    /// Run until SIGTERM: re-resolve each host at its TTL and write as --write does (with or
    /// without --write).
    #[arg(long)]
    pub watch: bool,
    /// Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the
    /// managed entries as they should be, for `kubectl apply -f -`, instead of writing.
    #[arg(short, long, value_enum, default_value_t = SyncFormat::Text)]
    pub output: SyncFormat,
    /// Also manage STATIC/NONE entries with one DNS-looking host and pinned addresses.
    #[arg(long)]
    pub all_static: bool,
    /// Keep an address that left DNS this long, so pooled connections drain.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse::parse_duration)]
    pub grace: std::time::Duration,
    /// Let an empty answer (NXDOMAIN, no A/AAAA records) remove addresses.
    #[arg(long)]
    pub allow_empty: bool,
    /// Pin answered addresses of this class anyway (repeatable or comma-separated); the entry
    /// records it in `meshctl.dev/allowed-address-classes`.
    #[arg(
        long = "allow-address-class",
        value_name = "CLASS",
        value_enum,
        value_delimiter = ','
    )]
    pub allow_address_classes: Vec<AllowClass>,
    /// Follow an answer that moves an entry between private and public address space (off:
    /// such a move is reported as unverifiable, a DNS rebinding guard).
    #[arg(long)]
    pub allow_class_change: bool,
    /// --watch: never look a host up again sooner than this, whatever its TTL.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse::parse_duration)]
    pub min_interval: std::time::Duration,
    /// --watch: look every host up at least this often, whatever its TTL.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse::parse_duration)]
    pub max_interval: std::time::Duration,
    /// --watch: where to serve `/metrics` and `/healthz`, or `off`.
    #[arg(long, value_name = "ADDR|off", default_value = "127.0.0.1:15021", value_parser = parse::parse_admin)]
    pub admin: AdminAddr,
    /// Most lookups in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// --write/--watch: also rewrite read-only files, and files whose owner this user cannot
    /// keep (they become this user's).
    #[arg(long)]
    pub force: bool,
    /// DNS options.
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// `--allow-address-class`: the classes meshctl refuses to pin unless told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AllowClass {
    /// `0.0.0.0`, `::` (a DNS filter's "blocked" answer).
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `169.254.0.0/16` (cloud metadata included), `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
}

/// `meshctl sync -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFormat {
    /// Findings grouped by file, with a summary (changes, for --write and --watch).
    Text,
    /// Findings as a stable JSON array.
    Json,
    /// Findings as SARIF 2.1.0.
    Sarif,
    /// Findings as GitHub Actions annotations.
    Github,
    /// Findings as a GitLab Code Quality report.
    Gitlab,
    /// The managed entries as they should be, as YAML documents; nothing is written.
    Yaml,
}

/// `meshctl version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = VersionFormat::Text)]
    pub output: VersionFormat,
}

/// `version -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    /// One line: `meshctl VERSION (commit HASH, built YYYY-MM-DD, TARGET)`.
    Text,
    /// A JSON object (keys: version, commit, build_date, target).
    Json,
}

/// `meshctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `--outbound-policy`: Istio's `outboundTrafficPolicy.mode` spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[clap(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundPolicyArg {
    /// Unmatched connections go to BlackHoleCluster (denied). meshctl's default.
    RegistryOnly,
    /// Unmatched connections go to PassthroughCluster (allowed). Istio's shipped default.
    AllowAny,
    /// Like ALLOW_ANY, with plain HTTP resolved by host name (MeshConfig only, Istio 1.30+).
    AllowAnyDynamicDns,
}

/// `proxy --log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// `key=value` pairs.
    Text,
    /// One JSON object per line.
    Json,
}

/// `proxy --policy-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyModeArg {
    /// Close connections the policy denies (the sidecar's behaviour).
    Enforce,
    /// Let them through and record them as `would_deny`.
    Report,
}

/// `meshctl export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print the outbound TCP part of the workload's sidecar configuration (or, with --proxy
    /// gateway, a gateway workload's) as an Envoy v3 bootstrap (static listeners and clusters),
    /// compiled by the engine `simulate` uses.
    Envoy(ExportEnvoyArgs),
}

/// `meshctl export envoy`.
#[derive(Debug, Args)]
pub struct ExportEnvoyArgs {
    /// ServiceEntries, Sidecars and mesh config: files, directories or `-`, as `check` takes them.
    #[arg(value_name = "PATH", required_unless_present = "paths")]
    pub positional: Vec<std::path::PathBuf>,
    /// Also read this file or directory, as kubectl's `-f` (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Namespace of resources that name none.
    #[command(flatten)]
    pub ns: NamespaceArg,
    /// Which mesh, when the inputs hold several.
    #[command(flatten)]
    pub scope: MeshArgs,
    /// The workload whose sidecar is exported.
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// The mesh settings that beat the inputs' own.
    #[command(flatten)]
    pub mesh_settings: MeshSettingsArgs,
    /// Where each listener's access log goes.
    #[arg(long, value_name = "PATH", default_value = "/dev/stdout")]
    pub access_log: String,
    /// Instead of printing, compare the listeners and clusters with a config dump (Envoy's
    /// `/config_dump` or istioctl's JSON) and list what differs; exit 1 when anything does.
    #[arg(long, value_name = "FILE")]
    pub diff: Option<std::path::PathBuf>,
    /// Which proxy to export: the workload's sidecar, or the gateway workload that
    /// --gateway-labels names (in --source-namespace).
    #[arg(long, value_enum, default_value_t = ExportProxy::Sidecar)]
    pub proxy: ExportProxy,
    /// With --proxy gateway: the gateway pods' labels, `k=v,k=v` (a Gateway's selector must be
    /// among them).
    #[arg(long, value_name = "K=V,...", value_delimiter = ',', value_parser = parse::parse_key_value,
          required_if_eq("proxy", "gateway"))]
    pub gateway_labels: Vec<(String, String)>,
    /// A directory holding the workload certificate as Istio mounts it: `root-cert.pem`,
    /// `cert-chain.pem`, `key.pem`. ISTIO_MUTUAL clusters then present it and accept only an
    /// upstream certificate signed by root-cert.pem whose URI SAN is a service account of the
    /// upstream Service's namespace; gateway servers terminate TLS with it. Without it an
    /// ISTIO_MUTUAL cluster starts its handshake with no certificate (a real gateway refuses
    /// it), and a gateway asks Istio's node agent (SDS) for its certificate.
    #[arg(long, value_name = "DIR")]
    pub certs: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Yaml)]
    pub output: DocFormat,
}

/// `export envoy --proxy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportProxy {
    /// The workload's sidecar (outbound listeners and clusters).
    Sidecar,
    /// A gateway workload: its Gateway servers' listeners, RBAC and clusters.
    Gateway,
}
