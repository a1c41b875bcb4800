
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'meshctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'meshctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'meshctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve a host''s A/AAAA records with TTLs and CNAME chain')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate Istio resources')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Decide whether a connection would be allowed, by which entry, and why')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an egress proxy that enforces, per connection, what `simulate` explains')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export what the engine compiled, for other tools')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version, the git commit, the build date and the target it was built for')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;resolve' {
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('--samples', '--samples', [CompletionResultType]::ParameterName, 'Ask this many times and report whether the answers change')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Pause between samples')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format; `table` on a terminal, `json` otherwise')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format; `table` on a terminal, `json` otherwise')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;gen' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serviceentry', 'serviceentry', [CompletionResultType]::ParameterValue, 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses')
            [CompletionResult]::new('se', 'se', [CompletionResultType]::ParameterValue, 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;gen;serviceentry' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)')
            [CompletionResult]::new('--api-version', '--api-version', [CompletionResultType]::ParameterName, 'ServiceEntry API version')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port number (repeatable); default: the port in HOST, else the DSN scheme''s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of every port; default: the DSN scheme''s where Istio has one (mongodb → MONGO), else TCP')
            [CompletionResult]::new('--resolution', '--resolution', [CompletionResultType]::ParameterName, '`spec.resolution`')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128')
            [CompletionResult]::new('--allow-address-class', '--allow-address-class', [CompletionResultType]::ParameterName, 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--from-log', '--from-log', [CompletionResultType]::ParameterName, 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen''s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-resolve', '--no-resolve', [CompletionResultType]::ParameterName, 'Do not query DNS (requires --address)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)')
            [CompletionResult]::new('--annotate', '--annotate', [CompletionResultType]::ParameterName, 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;gen;se' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)')
            [CompletionResult]::new('--api-version', '--api-version', [CompletionResultType]::ParameterName, 'ServiceEntry API version')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port number (repeatable); default: the port in HOST, else the DSN scheme''s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of every port; default: the DSN scheme''s where Istio has one (mongodb → MONGO), else TCP')
            [CompletionResult]::new('--resolution', '--resolution', [CompletionResultType]::ParameterName, '`spec.resolution`')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128')
            [CompletionResult]::new('--allow-address-class', '--allow-address-class', [CompletionResultType]::ParameterName, 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--from-log', '--from-log', [CompletionResultType]::ParameterName, 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen''s')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-resolve', '--no-resolve', [CompletionResultType]::ParameterName, 'Do not query DNS (requires --address)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)')
            [CompletionResult]::new('--annotate', '--annotate', [CompletionResultType]::ParameterName, 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;gen;help' {
            [CompletionResult]::new('serviceentry', 'serviceentry', [CompletionResultType]::ParameterValue, 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;gen;help;serviceentry' {
            break
        }
        'meshctl;gen;help;help' {
            break
        }
        'meshctl;check' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Also check this file or directory, as kubectl''s `-f` (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Also check this file or directory, as kubectl''s `-f` (repeatable)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Skip paths matching this gitignore-style glob when walking directories (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity [default: error, or `fail-on` in meshctl.toml]')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Only these rules: codes, prefixes, names or mapped IST codes, comma-separated (`MSH2`, `MSH204,broad-cidr`, `IST0134`)')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Skip these rules: codes, prefixes, names or mapped IST codes, comma-separated')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Drop findings for one rule on matching resources, istioctl''s syntax: `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable)')
            [CompletionResult]::new('--suppress', '--suppress', [CompletionResultType]::ParameterName, 'Drop findings for one rule on matching resources, istioctl''s syntax: `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable)')
            [CompletionResult]::new('--output-threshold', '--output-threshold', [CompletionResultType]::ParameterName, 'Print only findings at or above this severity (istioctl''s flag); `--fail-on` still decides the exit code from every finding')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'MSH303 fires below this TTL, in seconds [default: 300, or `min-ttl` in meshctl.toml]')
            [CompletionResult]::new('--server-first-port', '--server-first-port', [CompletionResultType]::ParameterName, 'Extra server-first ports for MSH205 (besides 3306, 25, 27017, 21, 110, 143)')
            [CompletionResult]::new('--max-ipv4-prefix', '--max-ipv4-prefix', [CompletionResultType]::ParameterName, 'MSH204: widest accepted IPv4 prefix length')
            [CompletionResult]::new('--max-ipv6-prefix', '--max-ipv6-prefix', [CompletionResultType]::ParameterName, 'MSH204: widest accepted IPv6 prefix length')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print one rule''s documentation and exit (an MSH code, a name or a mapped IST code)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of the nearest meshctl.toml or .meshctl.toml')
            [CompletionResult]::new('--stdin-filename', '--stdin-filename', [CompletionResultType]::ParameterName, 'The file name findings in stdin (`-`) are reported under, e.g. the chart template a `helm template` stream was rendered from')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore`, `.ignore` and `.git/info/exclude` leave out')
            [CompletionResult]::new('--exit-zero', '--exit-zero', [CompletionResultType]::ParameterName, 'Exit 0 whatever is found (findings are still printed)')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'Also run the DNS rules (MSH302-MSH307); off by default so CI stays deterministic')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('--statistics', '--statistics', [CompletionResultType]::ParameterName, 'Print a count of findings per rule instead of the findings')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'Print the rule table and exit')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Apply the unambiguous fixes (MSH202, MSH203, MSH205 on server-first ports) in place, editing only the flagged spans, then report what is left')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print the fixes `--fix` would make as a unified diff; exit 1 when there are any')
            [CompletionResult]::new('--isolated', '--isolated', [CompletionResultType]::ParameterName, 'Ignore every configuration file')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('--list-meshes', '--list-meshes', [CompletionResultType]::ParameterName, 'Print the meshes found (name, root, files, mesh settings) and exit; `-o json` for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;simulate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'The TLS server name the client sends (implies --tls)')
            [CompletionResult]::new('--source-namespace', '--source-namespace', [CompletionResultType]::ParameterName, 'Namespace of the workload')
            [CompletionResult]::new('--labels', '--labels', [CompletionResultType]::ParameterName, 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)')
            [CompletionResult]::new('--outbound-policy', '--outbound-policy', [CompletionResultType]::ParameterName, 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'The calling workload''s service account: its mesh identity `cluster.local/ns/<source-namespace>/sa/<SA>`, which a gateway''s AuthorizationPolicy reads')
            [CompletionResult]::new('--gateway', '--gateway', [CompletionResultType]::ParameterName, 'Decide a connection arriving at the gateway workload with these labels (in --source-namespace), as that hop alone')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'With --gateway: the client presents a mesh certificate for this identity (`cluster.local/ns/NS/sa/SA`), as a sidecar speaking ISTIO_MUTUAL does (implies --tls)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Check a file of calls and expected verdicts instead of one destination')
            [CompletionResult]::new('--config-dump', '--config-dump', [CompletionResultType]::ParameterName, 'Decide with a live sidecar''s listeners instead of -f: Envoy''s `/config_dump` or `istioctl proxy-config all|listeners POD -o json`')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'The client speaks TLS (without SNI unless --sni is given)')
            [CompletionResult]::new('--dns-capture', '--dns-capture', [CompletionResultType]::ParameterName, 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;diff' {
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Compare the PATHs as they are at this git revision (read from the repository''s objects, no checkout) with the working tree')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Report, and exit 1 for, only changes in these classes: newly-allowed, newly-denied, rerouted, passthrough-opened, port-hijacked, scope-widened (default: all)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;list' {
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'Only this mesh (`meshctl check --list-meshes` names them)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;proxy' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'ServiceEntries, Sidecars and mesh config: files or directories (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'ServiceEntries, Sidecars and mesh config: files or directories (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Transparent-mode listener (default 127.0.0.1:15001 unless --forward is given). An IPv4 loopback or unspecified address also listens on [::1] or [::] at the same port, where ip6tables redirects IPv6 connections (skipped when the host has no IPv6)')
            [CompletionResult]::new('--forward', '--forward', [CompletionResultType]::ParameterName, 'Forward listener `LISTEN=HOST:PORT` (repeatable); LISTEN may be a bare port on 127.0.0.1')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Admin server address (`/metrics`, `/healthz`, `/ready`, `/config_dump`), or `off`')
            [CompletionResult]::new('--outbound-policy', '--outbound-policy', [CompletionResultType]::ParameterName, 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)')
            [CompletionResult]::new('--source-namespace', '--source-namespace', [CompletionResultType]::ParameterName, 'Namespace of the workload')
            [CompletionResult]::new('--labels', '--labels', [CompletionResultType]::ParameterName, 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up dialling an upstream (DNS included) after this long')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a connection after no byte moved either way for this long')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'On SIGTERM/SIGINT, let established connections finish for this long')
            [CompletionResult]::new('--sni-timeout', '--sni-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a TLS ClientHello on ports whose listener matches SNI')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections open at once; beyond it the proxy stops accepting (back-pressure)')
            [CompletionResult]::new('--worker-threads', '--worker-threads', [CompletionResultType]::ParameterName, 'Data-plane threads (default: one per CPU). Each runs its own event loop with its own listening socket (SO_REUSEPORT), and keeps every connection it accepts to the end')
            [CompletionResult]::new('--max-pipes', '--max-pipes', [CompletionResultType]::ParameterName, 'Pipes open at once for zero-copy forwarding (splice) of bulk transfers; past it, and with 0, bytes are copied through a buffer')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver for forward targets and DNS clusters, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--dns-drift-interval', '--dns-drift-interval', [CompletionResultType]::ParameterName, 'Every this long, resolve the source host of each entry that pins addresses and export `meshctl_dns_drift{service_entry,host}` (1 while DNS answers outside the pinned set), with a warning naming the new address. Reports only: a drifted address stays denied')
            [CompletionResult]::new('--access-log', '--access-log', [CompletionResultType]::ParameterName, 'Write one access log line per closed connection to `-` (stderr) or FILE; with `--log-format json`, the `meshctl.proxy.v1` records (a decision and a close record per connection, read by `gen serviceentry --from-log`)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Access log format')
            [CompletionResult]::new('--policy-mode', '--policy-mode', [CompletionResultType]::ParameterName, '`report` lets connections the policy denies for want of a match through to their destination (as PassthroughCluster would) and records them as `would_deny`; the loop guard and undecidable connections stay denied')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('--dns-capture', '--dns-capture', [CompletionResultType]::ParameterName, 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so')
            [CompletionResult]::new('--keep-established', '--keep-established', [CompletionResultType]::ParameterName, 'Keep established connections that a reloaded configuration no longer allows')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Also refuse a configuration (at start, or a reload) with lint errors; by default only resources Istio would reject refuse it, and lint errors are logged')
            [CompletionResult]::new('--takeover', '--takeover', [CompletionResultType]::ParameterName, 'Start beside a meshctl proxy already running on the same ports as the same user (zero-downtime upgrade): join its listeners and admin port (SO_REUSEPORT) once a configuration is loaded, then SIGTERM the old one. Without it, a port in use is an error')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('iptables', 'iptables', [CompletionResultType]::ParameterValue, 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;proxy;iptables' {
            [CompletionResult]::new('--proxy-port', '--proxy-port', [CompletionResultType]::ParameterName, 'The transparent proxy''s port')
            [CompletionResult]::new('--proxy-uid', '--proxy-uid', [CompletionResultType]::ParameterName, 'UID the proxy runs as; its own connections are not redirected. Istio''s sidecar uid by default, never the invoking user''s: under sudo that would exempt all root traffic')
            [CompletionResult]::new('--include-ports', '--include-ports', [CompletionResultType]::ParameterName, 'Redirect only these destination ports (default: all TCP)')
            [CompletionResult]::new('--exclude-ports', '--exclude-ports', [CompletionResultType]::ParameterName, 'Never redirect these destination ports')
            [CompletionResult]::new('--exclude-cidrs', '--exclude-cidrs', [CompletionResultType]::ParameterName, 'Never redirect these destinations (IPv4 and IPv6 CIDRs)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--ip6tables', '--ip6tables', [CompletionResultType]::ParameterName, 'Print the ip6tables-restore script instead of the iptables-restore one')
            [CompletionResult]::new('--ipv4-only', '--ipv4-only', [CompletionResultType]::ParameterName, 'With --apply: install only the IPv4 rules (IPv6 egress then bypasses the proxy)')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Install the rules with `iptables-restore --noflush` and, where IPv6 is enabled, `ip6tables-restore --noflush` (root) instead of printing them')
            [CompletionResult]::new('--cleanup', '--cleanup', [CompletionResultType]::ParameterName, 'Remove the rules --apply installed: the OUTPUT jump and the MESHCTL_OUTPUT chain, IPv4 and IPv6 (root)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;proxy;help' {
            [CompletionResult]::new('iptables', 'iptables', [CompletionResultType]::ParameterValue, 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;proxy;help;iptables' {
            break
        }
        'meshctl;proxy;help;help' {
            break
        }
        'meshctl;sync' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the managed entries as they should be, for `kubectl apply -f -`, instead of writing')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the managed entries as they should be, for `kubectl apply -f -`, instead of writing')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Keep an address that left DNS this long, so pooled connections drain')
            [CompletionResult]::new('--allow-address-class', '--allow-address-class', [CompletionResultType]::ParameterName, 'Pin answered addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`')
            [CompletionResult]::new('--min-interval', '--min-interval', [CompletionResultType]::ParameterName, '--watch: never look a host up again sooner than this, whatever its TTL')
            [CompletionResult]::new('--max-interval', '--max-interval', [CompletionResultType]::ParameterName, '--watch: look every host up at least this often, whatever its TTL')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, '--watch: where to serve `/metrics` and `/healthz`, or `off`')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Most lookups in flight at once')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Report drift as findings and change nothing: exit 1 on drift, 2 when a name could not be verified')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Rewrite `addresses` in place (comments and key order kept, atomic, files without drift untouched)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Run until SIGTERM: re-resolve each host at its TTL and write as --write does (with or without --write)')
            [CompletionResult]::new('--all-static', '--all-static', [CompletionResultType]::ParameterName, 'Also manage STATIC/NONE entries with one DNS-looking host and pinned addresses')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Let an empty answer (NXDOMAIN, no A/AAAA records) remove addresses')
            [CompletionResult]::new('--allow-class-change', '--allow-class-change', [CompletionResultType]::ParameterName, 'Follow an answer that moves an entry between private and public address space (off: such a move is reported as unverifiable, a DNS rebinding guard)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, '--write/--watch: also rewrite read-only files, and files whose owner this user cannot keep (they become this user''s)')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Query over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;export' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('envoy', 'envoy', [CompletionResultType]::ParameterValue, 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;export;envoy' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Also read this file or directory, as kubectl''s `-f` (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Also read this file or directory, as kubectl''s `-f` (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error')
            [CompletionResult]::new('--source-namespace', '--source-namespace', [CompletionResultType]::ParameterName, 'Namespace of the workload')
            [CompletionResult]::new('--labels', '--labels', [CompletionResultType]::ParameterName, 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy''s transparent mode)')
            [CompletionResult]::new('--outbound-policy', '--outbound-policy', [CompletionResultType]::ParameterName, 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)')
            [CompletionResult]::new('--access-log', '--access-log', [CompletionResultType]::ParameterName, 'Where each listener''s access log goes')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Instead of printing, compare the listeners and clusters with a config dump (Envoy''s `/config_dump` or istioctl''s JSON) and list what differs; exit 1 when anything does')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Which proxy to export: the workload''s sidecar, or the gateway workload that --gateway-labels names (in --source-namespace)')
            [CompletionResult]::new('--gateway-labels', '--gateway-labels', [CompletionResultType]::ParameterName, 'With --proxy gateway: the gateway pods'' labels, `k=v,k=v` (a Gateway''s selector must be among them)')
            [CompletionResult]::new('--certs', '--certs', [CompletionResultType]::ParameterName, 'A directory holding the workload certificate as Istio mounts it: `root-cert.pem`, `cert-chain.pem`, `key.pem`. ISTIO_MUTUAL clusters then present it and accept only an upstream certificate signed by root-cert.pem whose URI SAN is a service account of the upstream Service''s namespace; gateway servers terminate TLS with it. Without it an ISTIO_MUTUAL cluster starts its handshake with no certificate (a real gateway refuses it), and a gateway asks Istio''s node agent (SDS) for its certificate')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-kustomize', '--no-kustomize', [CompletionResultType]::ParameterName, 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`')
            [CompletionResult]::new('--dns-capture', '--dns-capture', [CompletionResultType]::ParameterName, 'The workload''s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;export;help' {
            [CompletionResult]::new('envoy', 'envoy', [CompletionResultType]::ParameterValue, 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;export;help;envoy' {
            break
        }
        'meshctl;export;help;help' {
            break
        }
        'meshctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;version' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is happening (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'meshctl;help' {
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve a host''s A/AAAA records with TTLs and CNAME chain')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate Istio resources')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Decide whether a connection would be allowed, by which entry, and why')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an egress proxy that enforces, per connection, what `simulate` explains')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export what the engine compiled, for other tools')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version, the git commit, the build date and the target it was built for')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'meshctl;help;resolve' {
            break
        }
        'meshctl;help;gen' {
            [CompletionResult]::new('serviceentry', 'serviceentry', [CompletionResultType]::ParameterValue, 'Print a ServiceEntry that opens TCP egress to HOST''s current addresses')
            break
        }
        'meshctl;help;gen;serviceentry' {
            break
        }
        'meshctl;help;check' {
            break
        }
        'meshctl;help;simulate' {
            break
        }
        'meshctl;help;diff' {
            break
        }
        'meshctl;help;list' {
            break
        }
        'meshctl;help;proxy' {
            [CompletionResult]::new('iptables', 'iptables', [CompletionResultType]::ParameterValue, 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio''s capture chain')
            break
        }
        'meshctl;help;proxy;iptables' {
            break
        }
        'meshctl;help;sync' {
            break
        }
        'meshctl;help;export' {
            [CompletionResult]::new('envoy', 'envoy', [CompletionResultType]::ParameterValue, 'Print the outbound TCP part of the workload''s sidecar configuration (or, with --proxy gateway, a gateway workload''s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses')
            break
        }
        'meshctl;help;export;envoy' {
            break
        }
        'meshctl;help;completions' {
            break
        }
        'meshctl;help;version' {
            break
        }
        'meshctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
