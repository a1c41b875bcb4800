
use builtin;
use str;

set edit:completion:arg-completer[meshctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'meshctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'meshctl'= {
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand resolve 'Resolve a host''s A/AAAA records with TTLs and CNAME chain'
            cand gen 'Generate Istio resources'
            cand check 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI'
            cand simulate 'Decide whether a connection would be allowed, by which entry, and why'
            cand diff 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`'
            cand list 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares'
            cand proxy 'Run an egress proxy that enforces, per connection, what `simulate` explains'
            cand sync 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers'
            cand export 'Export what the engine compiled, for other tools'
            cand completions 'Print a shell completion script'
            cand version 'Print the version, the git commit, the build date and the target it was built for'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;resolve'= {
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand --samples 'Ask this many times and report whether the answers change'
            cand --interval 'Pause between samples'
            cand -o 'Output format; `table` on a terminal, `json` otherwise'
            cand --output 'Output format; `table` on a terminal, `json` otherwise'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --tcp 'Query over TCP instead of UDP'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;gen'= {
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serviceentry 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses'
            cand se 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;gen;serviceentry'= {
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --name '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)'
            cand --api-version 'ServiceEntry API version'
            cand --port 'Port number (repeatable); default: the port in HOST, else the DSN scheme''s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306'
            cand --protocol 'Protocol of every port; default: the DSN scheme''s where Istio has one (mongodb → MONGO), else TCP'
            cand --resolution '`spec.resolution`'
            cand --address 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128'
            cand --allow-address-class 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --from-log 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen''s'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-resolve 'Do not query DNS (requires --address)'
            cand --force 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)'
            cand --annotate 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
            cand --tcp 'Query over TCP instead of UDP'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;gen;se'= {
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --name '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)'
            cand --api-version 'ServiceEntry API version'
            cand --port 'Port number (repeatable); default: the port in HOST, else the DSN scheme''s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306'
            cand --protocol 'Protocol of every port; default: the DSN scheme''s where Istio has one (mongodb → MONGO), else TCP'
            cand --resolution '`spec.resolution`'
            cand --address 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128'
            cand --allow-address-class 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --from-log 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen''s'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-resolve 'Do not query DNS (requires --address)'
            cand --force 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)'
            cand --annotate 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
            cand --tcp 'Query over TCP instead of UDP'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;gen;help'= {
            cand serviceentry 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;gen;help;serviceentry'= {
        }
        &'meshctl;gen;help;help'= {
        }
        &'meshctl;check'= {
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand -f 'Also check this file or directory, as kubectl''s `-f` (repeatable)'
            cand --filename 'Also check this file or directory, as kubectl''s `-f` (repeatable)'
            cand --exclude 'Skip paths matching this gitignore-style glob when walking directories (repeatable)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --fail-on 'Exit 1 when a finding is at or above this severity [default: error, or `fail-on` in meshctl.toml]'
            cand --select 'Only these rules: codes, prefixes, names or mapped IST codes, comma-separated (`MSH2`, `MSH204,broad-cidr`, `IST0134`)'
            cand --ignore 'Skip these rules: codes, prefixes, names or mapped IST codes, comma-separated'
            cand -S 'Drop findings for one rule on matching resources, istioctl''s syntax: `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable)'
            cand --suppress 'Drop findings for one rule on matching resources, istioctl''s syntax: `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable)'
            cand --output-threshold 'Print only findings at or above this severity (istioctl''s flag); `--fail-on` still decides the exit code from every finding'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand --min-ttl 'MSH303 fires below this TTL, in seconds [default: 300, or `min-ttl` in meshctl.toml]'
            cand --server-first-port 'Extra server-first ports for MSH205 (besides 3306, 25, 27017, 21, 110, 143)'
            cand --max-ipv4-prefix 'MSH204: widest accepted IPv4 prefix length'
            cand --max-ipv6-prefix 'MSH204: widest accepted IPv6 prefix length'
            cand --mesh-config 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)'
            cand --explain 'Print one rule''s documentation and exit (an MSH code, a name or a mapped IST code)'
            cand --config 'Read settings from this file instead of the nearest meshctl.toml or .meshctl.toml'
            cand --stdin-filename 'The file name findings in stdin (`-`) are reported under, e.g. the chart template a `helm template` stream was rendered from'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-ignore 'Read files that `.gitignore`, `.ignore` and `.git/info/exclude` leave out'
            cand --exit-zero 'Exit 0 whatever is found (findings are still printed)'
            cand --dns 'Also run the DNS rules (MSH302-MSH307); off by default so CI stays deterministic'
            cand --tcp 'Query over TCP instead of UDP'
            cand --statistics 'Print a count of findings per rule instead of the findings'
            cand --list-rules 'Print the rule table and exit'
            cand --fix 'Apply the unambiguous fixes (MSH202, MSH203, MSH205 on server-first ports) in place, editing only the flagged spans, then report what is left'
            cand --diff 'Print the fixes `--fix` would make as a unified diff; exit 1 when there are any'
            cand --isolated 'Ignore every configuration file'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand --list-meshes 'Print the meshes found (name, root, files, mesh settings) and exit; `-o json` for scripts'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;simulate'= {
            cand -f 'ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable)'
            cand --filename 'ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable)'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --mesh 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error'
            cand --sni 'The TLS server name the client sends (implies --tls)'
            cand --source-namespace 'Namespace of the workload'
            cand --labels 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)'
            cand --annotation 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)'
            cand --outbound-policy 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)'
            cand --mesh-config 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)'
            cand --service-account 'The calling workload''s service account: its mesh identity `cluster.local/ns/<source-namespace>/sa/<SA>`, which a gateway''s AuthorizationPolicy reads'
            cand --gateway 'Decide a connection arriving at the gateway workload with these labels (in --source-namespace), as that hop alone'
            cand --principal 'With --gateway: the client presents a mesh certificate for this identity (`cluster.local/ns/NS/sa/SA`), as a sidecar speaking ISTIO_MUTUAL does (implies --tls)'
            cand --expect 'Check a file of calls and expected verdicts instead of one destination'
            cand --config-dump 'Decide with a live sidecar''s listeners instead of -f: Envoy''s `/config_dump` or `istioctl proxy-config all|listeners POD -o json`'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand --tls 'The client speaks TLS (without SNI unless --sni is given)'
            cand --dns-capture 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
            cand --tcp 'Query over TCP instead of UDP'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;diff'= {
            cand --base 'Compare the PATHs as they are at this git revision (read from the repository''s objects, no checkout) with the working tree'
            cand --fail-on 'Report, and exit 1 for, only changes in these classes: newly-allowed, newly-denied, rerouted, passthrough-opened, port-hijacked, scope-widened (default: all)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;list'= {
            cand --mesh 'Only this mesh (`meshctl check --list-meshes` names them)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;proxy'= {
            cand -f 'ServiceEntries, Sidecars and mesh config: files or directories (repeatable)'
            cand --filename 'ServiceEntries, Sidecars and mesh config: files or directories (repeatable)'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --mesh 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error'
            cand --listen 'Transparent-mode listener (default 127.0.0.1:15001 unless --forward is given). An IPv4 loopback or unspecified address also listens on [::1] or [::] at the same port, where ip6tables redirects IPv6 connections (skipped when the host has no IPv6)'
            cand --forward 'Forward listener `LISTEN=HOST:PORT` (repeatable); LISTEN may be a bare port on 127.0.0.1'
            cand --admin 'Admin server address (`/metrics`, `/healthz`, `/ready`, `/config_dump`), or `off`'
            cand --outbound-policy 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)'
            cand --mesh-config 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)'
            cand --source-namespace 'Namespace of the workload'
            cand --labels 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)'
            cand --annotation 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)'
            cand --connect-timeout 'Give up dialling an upstream (DNS included) after this long'
            cand --idle-timeout 'Close a connection after no byte moved either way for this long'
            cand --drain-timeout 'On SIGTERM/SIGINT, let established connections finish for this long'
            cand --sni-timeout 'How long to wait for a TLS ClientHello on ports whose listener matches SNI'
            cand --max-connections 'Most connections open at once; beyond it the proxy stops accepting (back-pressure)'
            cand --worker-threads 'Data-plane threads (default: one per CPU). Each runs its own event loop with its own listening socket (SO_REUSEPORT), and keeps every connection it accepts to the end'
            cand --max-pipes 'Pipes open at once for zero-copy forwarding (splice) of bulk transfers; past it, and with 0, bytes are copied through a buffer'
            cand --nameserver 'Nameserver for forward targets and DNS clusters, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --dns-drift-interval 'Every this long, resolve the source host of each entry that pins addresses and export `meshctl_dns_drift{service_entry,host}` (1 while DNS answers outside the pinned set), with a warning naming the new address. Reports only: a drifted address stays denied'
            cand --access-log 'Write one access log line per closed connection to `-` (stderr) or FILE; with `--log-format json`, the `meshctl.proxy.v1` records (a decision and a close record per connection, read by `gen serviceentry --from-log`)'
            cand --log-format 'Access log format'
            cand --policy-mode '`report` lets connections the policy denies for want of a match through to their destination (as PassthroughCluster would) and records them as `would_deny`; the loop guard and undecidable connections stay denied'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand --dns-capture 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
            cand --keep-established 'Keep established connections that a reloaded configuration no longer allows'
            cand --strict 'Also refuse a configuration (at start, or a reload) with lint errors; by default only resources Istio would reject refuse it, and lint errors are logged'
            cand --takeover 'Start beside a meshctl proxy already running on the same ports as the same user (zero-downtime upgrade): join its listeners and admin port (SO_REUSEPORT) once a configuration is loaded, then SIGTERM the old one. Without it, a port in use is an error'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand iptables 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;proxy;iptables'= {
            cand --proxy-port 'The transparent proxy''s port'
            cand --proxy-uid 'UID the proxy runs as; its own connections are not redirected. Istio''s sidecar uid by default, never the invoking user''s: under sudo that would exempt all root traffic'
            cand --include-ports 'Redirect only these destination ports (default: all TCP)'
            cand --exclude-ports 'Never redirect these destination ports'
            cand --exclude-cidrs 'Never redirect these destinations (IPv4 and IPv6 CIDRs)'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --ip6tables 'Print the ip6tables-restore script instead of the iptables-restore one'
            cand --ipv4-only 'With --apply: install only the IPv4 rules (IPv6 egress then bypasses the proxy)'
            cand --apply 'Install the rules with `iptables-restore --noflush` and, where IPv6 is enabled, `ip6tables-restore --noflush` (root) instead of printing them'
            cand --cleanup 'Remove the rules --apply installed: the OUTPUT jump and the MESHCTL_OUTPUT chain, IPv4 and IPv6 (root)'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;proxy;help'= {
            cand iptables 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;proxy;help;iptables'= {
        }
        &'meshctl;proxy;help;help'= {
        }
        &'meshctl;sync'= {
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand -o 'Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the managed entries as they should be, for `kubectl apply -f -`, instead of writing'
            cand --output 'Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the managed entries as they should be, for `kubectl apply -f -`, instead of writing'
            cand --grace 'Keep an address that left DNS this long, so pooled connections drain'
            cand --allow-address-class 'Pin answered addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`'
            cand --min-interval '--watch: never look a host up again sooner than this, whatever its TTL'
            cand --max-interval '--watch: look every host up at least this often, whatever its TTL'
            cand --admin '--watch: where to serve `/metrics` and `/healthz`, or `off`'
            cand --concurrency 'Most lookups in flight at once'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --check 'Report drift as findings and change nothing: exit 1 on drift, 2 when a name could not be verified'
            cand --write 'Rewrite `addresses` in place (comments and key order kept, atomic, files without drift untouched)'
            cand --watch 'Run until SIGTERM: re-resolve each host at its TTL and write as --write does (with or without --write)'
            cand --all-static 'Also manage STATIC/NONE entries with one DNS-looking host and pinned addresses'
            cand --allow-empty 'Let an empty answer (NXDOMAIN, no A/AAAA records) remove addresses'
            cand --allow-class-change 'Follow an answer that moves an entry between private and public address space (off: such a move is reported as unverifiable, a DNS rebinding guard)'
            cand --force '--write/--watch: also rewrite read-only files, and files whose owner this user cannot keep (they become this user''s)'
            cand --tcp 'Query over TCP instead of UDP'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;export'= {
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand envoy 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;export;envoy'= {
            cand -f 'Also read this file or directory, as kubectl''s `-f` (repeatable)'
            cand --filename 'Also read this file or directory, as kubectl''s `-f` (repeatable)'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --mesh 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error'
            cand --source-namespace 'Namespace of the workload'
            cand --labels 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)'
            cand --annotation 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)'
            cand --outbound-policy 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)'
            cand --mesh-config 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)'
            cand --access-log 'Where each listener''s access log goes'
            cand --diff 'Instead of printing, compare the listeners and clusters with a config dump (Envoy''s `/config_dump` or istioctl''s JSON) and list what differs; exit 1 when anything does'
            cand --proxy 'Which proxy to export: the workload''s sidecar, or the gateway workload that --gateway-labels names (in --source-namespace)'
            cand --gateway-labels 'With --proxy gateway: the gateway pods'' labels, `k=v,k=v` (a Gateway''s selector must be among them)'
            cand --certs 'A directory holding the workload certificate as Istio mounts it: `root-cert.pem`, `cert-chain.pem`, `key.pem`. ISTIO_MUTUAL clusters then present it and accept only an upstream certificate signed by root-cert.pem whose URI SAN is a service account of the upstream Service''s namespace; gateway servers terminate TLS with it. Without it an ISTIO_MUTUAL cluster starts its handshake with no certificate (a real gateway refuses it), and a gateway asks Istio''s node agent (SDS) for its certificate'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand --no-kustomize 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
            cand --dns-capture 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;export;help'= {
            cand envoy 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;export;help;envoy'= {
        }
        &'meshctl;export;help;help'= {
        }
        &'meshctl;completions'= {
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;version'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;help'= {
            cand resolve 'Resolve a host''s A/AAAA records with TTLs and CNAME chain'
            cand gen 'Generate Istio resources'
            cand check 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI'
            cand simulate 'Decide whether a connection would be allowed, by which entry, and why'
            cand diff 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`'
            cand list 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares'
            cand proxy 'Run an egress proxy that enforces, per connection, what `simulate` explains'
            cand sync 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers'
            cand export 'Export what the engine compiled, for other tools'
            cand completions 'Print a shell completion script'
            cand version 'Print the version, the git commit, the build date and the target it was built for'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshctl;help;resolve'= {
        }
        &'meshctl;help;gen'= {
            cand serviceentry 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses'
        }
        &'meshctl;help;gen;serviceentry'= {
        }
        &'meshctl;help;check'= {
        }
        &'meshctl;help;simulate'= {
        }
        &'meshctl;help;diff'= {
        }
        &'meshctl;help;list'= {
        }
        &'meshctl;help;proxy'= {
            cand iptables 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain'
        }
        &'meshctl;help;proxy;iptables'= {
        }
        &'meshctl;help;sync'= {
        }
        &'meshctl;help;export'= {
            cand envoy 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
        }
        &'meshctl;help;export;envoy'= {
        }
        &'meshctl;help;completions'= {
        }
        &'meshctl;help;version'= {
        }
        &'meshctl;help;help'= {
        }
    ]
    $completions[$command]
}
