
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
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand check 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)'
            cand simulate 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)'
            cand proxy 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)'
            cand completions 'Print a shell completion script'
            cand version 'Print version information'
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
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand --name '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)'
            cand --api-version 'ServiceEntry API version'
            cand --port 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306'
            cand --protocol 'Protocol of every port'
            cand --resolution '`spec.resolution`'
            cand --address 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --no-resolve 'Do not query DNS (requires --address)'
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
            cand --name '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)'
            cand --api-version 'ServiceEntry API version'
            cand --port 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306'
            cand --protocol 'Protocol of every port'
            cand --resolution '`spec.resolution`'
            cand --address 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128'
            cand --nameserver 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system''s resolv.conf and /etc/hosts'
            cand --timeout 'Give up on a query after this long (`500ms`, `2s`, `1m`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --no-resolve 'Do not query DNS (requires --address)'
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
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand -v 'Say more about what is happening (repeatable)'
            cand --verbose 'Say more about what is happening (repeatable)'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshctl;completions'= {
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand --color 'When to colour output: `auto` colours a terminal unless NO_COLOR is set'
            cand -n 'Namespace for resources that name none and for generated resources (like kubectl)'
            cand --namespace 'Namespace for resources that name none and for generated resources (like kubectl)'
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
            cand check 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)'
            cand simulate 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)'
            cand proxy 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)'
            cand completions 'Print a shell completion script'
            cand version 'Print version information'
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
        &'meshctl;help;proxy'= {
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
