
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
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print version information')
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
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)')
            [CompletionResult]::new('--api-version', '--api-version', [CompletionResultType]::ParameterName, 'ServiceEntry API version')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of every port')
            [CompletionResult]::new('--resolution', '--resolution', [CompletionResultType]::ParameterName, '`spec.resolution`')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--no-resolve', '--no-resolve', [CompletionResultType]::ParameterName, 'Do not query DNS (requires --address)')
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
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)')
            [CompletionResult]::new('--api-version', '--api-version', [CompletionResultType]::ParameterName, 'ServiceEntry API version')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of every port')
            [CompletionResult]::new('--resolution', '--resolution', [CompletionResultType]::ParameterName, '`spec.resolution`')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a query after this long (`500ms`, `2s`, `1m`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--no-resolve', '--no-resolve', [CompletionResultType]::ParameterName, 'Do not query DNS (requires --address)')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
        'meshctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: `auto` colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that name none and for generated resources (like kubectl)')
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
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print version information')
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
        'meshctl;help;proxy' {
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
