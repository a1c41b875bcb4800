# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_meshctl_global_optspecs
    string join \n color= v/verbose q/quiet n/namespace= h/help V/version
end

function __fish_meshctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_meshctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_meshctl_using_subcommand
    set -l cmd (__fish_meshctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c meshctl -n "__fish_meshctl_needs_command" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_needs_command" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_needs_command" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_needs_command" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "resolve" -d 'Resolve a host\'s A/AAAA records with TTLs and CNAME chain'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "gen" -d 'Generate Istio resources'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "check" -d 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "simulate" -d 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "proxy" -d 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "version" -d 'Print version information'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l samples -d 'Ask this many times and report whether the answers change' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l interval -d 'Pause between samples' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s o -l output -d 'Output format; `table` on a terminal, `json` otherwise' -r -f -a "table\t'A human table'
json\t'Stable JSON (see README)'
yaml\t'The same document as YAML'"
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "se" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l name -d '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l api-version -d 'ServiceEntry API version' -r -f -a "v1\t'networking.istio.io/v1 (Istio 1.22+)'
v1beta1\t'networking.istio.io/v1beta1'
v1alpha3\t'networking.istio.io/v1alpha3'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l port -d 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l protocol -d 'Protocol of every port' -r -f -a "TCP\t'Plain TCP (no sniffing; right for MySQL and other server-first protocols)'
MYSQL\t'MySQL (Envoy\'s MySQL filter if istiod enables it; otherwise TCP)'
MONGO\t'MongoDB (adds Envoy\'s mongo_proxy filter)'
REDIS\t'Redis (Envoy\'s redis_proxy if istiod enables it; otherwise TCP)'
TLS\t'TLS passthrough, matched by SNI on address-less listeners'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l resolution -d '`spec.resolution`' -r -f -a "NONE\t'Forward to the address the application dialled (the blog\'s setup)'
STATIC\t'Forward to the addresses listed as endpoints'
DNS\t'Forward to whatever the host resolves to at connection time'
DNS_ROUND_ROBIN\t'Like DNS, first address only'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l address -d 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, ready for `kubectl apply -f -`'
json\t'JSON'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l no-resolve -d 'Do not query DNS (requires --address)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l annotate -d 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l name -d '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l api-version -d 'ServiceEntry API version' -r -f -a "v1\t'networking.istio.io/v1 (Istio 1.22+)'
v1beta1\t'networking.istio.io/v1beta1'
v1alpha3\t'networking.istio.io/v1alpha3'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l port -d 'Port number (repeatable); default: the port in HOST, else $MYSQL_DB_PORT, else 3306' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l protocol -d 'Protocol of every port' -r -f -a "TCP\t'Plain TCP (no sniffing; right for MySQL and other server-first protocols)'
MYSQL\t'MySQL (Envoy\'s MySQL filter if istiod enables it; otherwise TCP)'
MONGO\t'MongoDB (adds Envoy\'s mongo_proxy filter)'
REDIS\t'Redis (Envoy\'s redis_proxy if istiod enables it; otherwise TCP)'
TLS\t'TLS passthrough, matched by SNI on address-less listeners'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l resolution -d '`spec.resolution`' -r -f -a "NONE\t'Forward to the address the application dialled (the blog\'s setup)'
STATIC\t'Forward to the addresses listed as endpoints'
DNS\t'Forward to whatever the host resolves to at connection time'
DNS_ROUND_ROBIN\t'Like DNS, first address only'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l address -d 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, ready for `kubectl apply -f -`'
json\t'JSON'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l no-resolve -d 'Do not query DNS (requires --address)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l annotate -d 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from help" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "resolve" -d 'Resolve a host\'s A/AAAA records with TTLs and CNAME chain'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "gen" -d 'Generate Istio resources'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "check" -d 'Lint ServiceEntries and Sidecars for TCP egress mistakes (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "simulate" -d 'Decide whether a connection would be allowed, by which entry, and why (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "proxy" -d 'Run an egress proxy enforcing the simulated decision (planned; exits 2 for now)'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "completions" -d 'Print a shell completion script'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "version" -d 'Print version information'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate proxy completions version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and __fish_seen_subcommand_from gen" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
