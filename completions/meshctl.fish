# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_meshctl_global_optspecs
    string join \n color= v/verbose q/quiet h/help V/version
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
complete -c meshctl -n "__fish_meshctl_needs_command" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_needs_command" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "resolve" -d 'Resolve a host\'s A/AAAA records with TTLs and CNAME chain'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "gen" -d 'Generate Istio resources'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "check" -d 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "simulate" -d 'Decide whether a connection would be allowed, by which entry, and why'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "diff" -d 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "list" -d 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "proxy" -d 'Run an egress proxy that enforces, per connection, what `simulate` explains'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "sync" -d 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "export" -d 'Export what the engine compiled, for other tools'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "version" -d 'Print the version, the git commit, the build date and the target it was built for'
complete -c meshctl -n "__fish_meshctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l samples -d 'Ask this many times and report whether the answers change' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l interval -d 'Pause between samples' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s o -l output -d 'Output format; `table` on a terminal, `json` otherwise' -r -f -a "table\t'A human table'
json\t'Stable JSON (docs/commands/resolve.md)'
yaml\t'The same document as YAML'"
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand resolve" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "se" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and not __fish_seen_subcommand_from serviceentry se help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l name -d '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l api-version -d 'ServiceEntry API version' -r -f -a "v1\t'networking.istio.io/v1 (Istio 1.22+)'
v1beta1\t'networking.istio.io/v1beta1'
v1alpha3\t'networking.istio.io/v1alpha3'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l port -d 'Port number (repeatable); default: the port in HOST, else the DSN scheme\'s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l protocol -d 'Protocol of every port; default: the DSN scheme\'s where Istio has one (mongodb → MONGO), else TCP' -r -f -a "TCP\t'Plain TCP (no sniffing; right for MySQL and other server-first protocols)'
MYSQL\t'MySQL (Envoy\'s MySQL filter if istiod enables it; otherwise TCP)'
MONGO\t'MongoDB (adds Envoy\'s mongo_proxy filter)'
REDIS\t'Redis (Envoy\'s redis_proxy if istiod enables it; otherwise TCP)'
TLS\t'TLS passthrough, matched by SNI on address-less listeners'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l resolution -d '`spec.resolution`' -r -f -a "NONE\t'Forward to the address the application dialled (the blog\'s setup)'
STATIC\t'Forward to the addresses listed as endpoints'
DNS\t'Forward to whatever the host resolves to at connection time'
DNS_ROUND_ROBIN\t'Like DNS, first address only'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l address -d 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l allow-address-class -d 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`' -r -f -a "unspecified\t'`0.0.0.0`, `::` (a DNS filter\'s "blocked" answer)'
loopback\t'`127.0.0.0/8`, `::1`'
link-local\t'`169.254.0.0/16` (cloud metadata included), `fe80::/10`'
multicast\t'`224.0.0.0/4`, `ff00::/8`'
broadcast\t'`255.255.255.255`'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, ready for `kubectl apply -f -`'
json\t'JSON'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l from-log -d 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen\'s' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l no-resolve -d 'Do not query DNS (requires --address)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l force -d 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l annotate -d 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from serviceentry" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l name -d '`metadata.name`; default: derived from host and port (a valid DNS-1123 label)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l api-version -d 'ServiceEntry API version' -r -f -a "v1\t'networking.istio.io/v1 (Istio 1.22+)'
v1beta1\t'networking.istio.io/v1beta1'
v1alpha3\t'networking.istio.io/v1alpha3'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l port -d 'Port number (repeatable); default: the port in HOST, else the DSN scheme\'s (postgres 5432, mysql 3306, mongodb 27017, redis 6379, …), else $MYSQL_DB_PORT, else 3306' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l protocol -d 'Protocol of every port; default: the DSN scheme\'s where Istio has one (mongodb → MONGO), else TCP' -r -f -a "TCP\t'Plain TCP (no sniffing; right for MySQL and other server-first protocols)'
MYSQL\t'MySQL (Envoy\'s MySQL filter if istiod enables it; otherwise TCP)'
MONGO\t'MongoDB (adds Envoy\'s mongo_proxy filter)'
REDIS\t'Redis (Envoy\'s redis_proxy if istiod enables it; otherwise TCP)'
TLS\t'TLS passthrough, matched by SNI on address-less listeners'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l resolution -d '`spec.resolution`' -r -f -a "NONE\t'Forward to the address the application dialled (the blog\'s setup)'
STATIC\t'Forward to the addresses listed as endpoints'
DNS\t'Forward to whatever the host resolves to at connection time'
DNS_ROUND_ROBIN\t'Like DNS, first address only'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l address -d 'Use this address or CIDR instead of resolving (repeatable); a bare IP becomes /32 or /128' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l allow-address-class -d 'Pin addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`' -r -f -a "unspecified\t'`0.0.0.0`, `::` (a DNS filter\'s "blocked" answer)'
loopback\t'`127.0.0.0/8`, `::1`'
link-local\t'`169.254.0.0/16` (cloud metadata included), `fe80::/10`'
multicast\t'`224.0.0.0/4`, `ff00::/8`'
broadcast\t'`255.255.255.255`'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, ready for `kubectl apply -f -`'
json\t'JSON'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l from-log -d 'Instead of one entry for HOST, propose the fewest pinned entries covering every destination a `meshctl proxy --access-log FILE --log-format json` log recorded as `would_deny` (report mode) or PASSTHROUGH; YAML documents, linted as gen\'s' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l no-resolve -d 'Do not query DNS (requires --address)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l force -d 'Write the entry even when `meshctl check` finds an error in it (the findings are still printed)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l annotate -d 'Add provenance annotations (resolve time, resolver, minimum TTL); output is then not byte-stable'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from se" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from help" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand gen; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s f -l filename -d 'Also check this file or directory, as kubectl\'s `-f` (repeatable)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l exclude -d 'Skip paths matching this gitignore-style glob when walking directories (repeatable)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s o -l output -d 'Output format' -r -f -a "text\t'Grouped by file, `file:line:col: CODE [severity] name: message`, with a summary'
json\t'A stable JSON array (keys: code, name, severity, message, file, line, column, resource, help, url)'
sarif\t'SARIF 2.1.0, for GitHub code scanning and other SARIF viewers'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
gitlab\t'GitLab Code Quality report'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l fail-on -d 'Exit 1 when a finding is at or above this severity [default: error, or `fail-on` in meshctl.toml]' -r -f -a "error\t'Errors fail the run'
warning\t'Warnings and errors fail the run'
info\t'Every finding fails the run'
none\t'Nothing fails the run'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l select -d 'Only these rules: codes, prefixes, names or mapped IST codes, comma-separated (`MSH2`, `MSH204,broad-cidr`, `IST0134`)' -r -f -a "MSH001\t'The file is not valid YAML/JSON or exceeds a parse budget.'
MSH002\t'The resource violates Istio\'s CRD schema (unknown field, type, enum, required field, limit).'
MSH003\t'A kind or API group a few letters from an Istio networking one, so Istio never sees it.'
MSH004\t'No ServiceEntry, Sidecar, VirtualService, DestinationRule, Gateway, AuthorizationPolicy or mesh configuration was found in the inputs.'
MSH005\t'A suppression annotation naming an unknown code, or a rule that found nothing there.'
MSH101\t'A host Istio\'s webhook rejects, including an IP address in `hosts`.'
MSH102\t'An `addresses` entry that is neither an IP address nor a CIDR block.'
MSH103\t'CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.'
MSH104\t'A port out of range, duplicated, badly named or with an unknown protocol.'
MSH105\t'Endpoints that do not fit the resolution mode or the entry\'s ports.'
MSH106\t'Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.'
MSH107\t'A wildcard host with DNS resolution and no endpoints.'
MSH108\t'An `exportTo` list Istio rejects.'
MSH109\t'A configuration Istio accepts with a warning.'
MSH110\t'A Sidecar Istio\'s webhook rejects, or two selector-less Sidecars in one namespace.'
MSH111\t'A `metadata.name` or `metadata.namespace` the Kubernetes API server rejects.'
MSH112\t'A VirtualService whose hosts, gateways, matches or `exportTo` Istio\'s webhook rejects.'
MSH113\t'A `tcp` or `tls` route whose destinations or weights Istio\'s webhook rejects.'
MSH114\t'A DestinationRule whose host, subsets, `exportTo` or selector Istio\'s webhook rejects.'
MSH115\t'A DestinationRule traffic policy (TLS, tunnel, connection pool, port settings) Istio\'s webhook rejects.'
MSH116\t'A DestinationRule load balancer (hashing, locality, warm-up) Istio\'s webhook rejects.'
MSH117\t'A Gateway whose servers, ports, hosts or TLS settings Istio\'s webhook rejects.'
MSH118\t'An AuthorizationPolicy whose action, rules, sources, operations or conditions Istio\'s webhook rejects.'
MSH201\t'A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.'
MSH202\t'An address written as a bare IP where a CIDR block is expected.'
MSH203\t'A CIDR block with host bits set, which means a different, wider block.'
MSH204\t'A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.'
MSH205\t'A port without `protocol`: the sidecar sniffs it and server-first protocols hang.'
MSH206\t'A port name that suggests a protocol the `protocol` field does not set.'
MSH207\t'A TLS port on a plain IP address: SNI is not checked there.'
MSH208\t'Resolution STATIC without endpoints: matched traffic has nowhere to go.'
MSH209\t'A port the sidecar itself uses (15000-15090).'
MSH210\t'An external service declared MESH_INTERNAL.'
MSH211\t'A pinned address or endpoint in loopback space (127.0.0.0/8, ::1): it matches nothing, or forwards to the pod itself.'
MSH212\t'A pinned address or endpoint in link-local space (169.254.0.0/16, fe80::/10), the cloud metadata service\'s.'
MSH213\t'A pinned address or endpoint in multicast space (224.0.0.0/4, ff00::/8): TCP cannot reach it.'
MSH214\t'A pinned address or endpoint of 255.255.255.255: TCP cannot reach it.'
MSH215\t'An endpoint of 0.0.0.0 or ::, which reaches the pod itself (a DNS filter\'s "blocked" answer).'
MSH216\t'A wildcard listener on a port the sidecar itself listens on: the sidecar never becomes ready.'
MSH217\t'Sidecar TLS origination on a MySQL or PostgreSQL port breaks the handshake.'
MSH218\t'A route to an egress gateway without its other hop: sidecars never take it, or the gateway cannot forward it.'
MSH219\t'A Gateway server that cannot carry the routes bound to it (tcp on HTTP or PASSTHROUGH, tls on TCP).'
MSH220\t'Sidecars reach an ISTIO_MUTUAL gateway server without a DestinationRule setting ISTIO_MUTUAL.'
MSH221\t'An egress gateway with no AuthorizationPolicy: any workload in the mesh may leave through it.'
MSH301\t'A host at a provider whose IPs change, pinned to fixed addresses.'
MSH302\t'The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.'
MSH303\t'The host\'s DNS TTL is below --min-ttl: its addresses may change soon.'
MSH304\t'The host is a CNAME to a provider whose IPs change.'
MSH305\t'The host does not resolve.'
MSH306\t'Repeated DNS queries return different address sets.'
MSH307\t'Resolution DNS with addresses the host\'s DNS does not return: clients dial other IPs.'
MSH308\t'A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).'
MSH309\t'An entry pins more than 8 host addresses: a pool that large rotates, so the pins go stale.'
MSH401\t'Two entries on the same listener key: only the first is used.'
MSH402\t'Entries with overlapping CIDR blocks on one port: the longest prefix wins.'
MSH403\t'Entries with different protocols share a port without addresses.'
MSH404\t'The same host and port declared with different protocols.'
MSH405\t'Two resources with the same kind, namespace and name.'
MSH406\t'One host split across entries with different ports or resolutions: the first entry\'s service wins.'
MSH407\t'A Kubernetes Service on an entry\'s listener: one of them loses its traffic.'
MSH501\t'The mesh allows any outbound traffic, so entries restrict nothing.'
MSH502\t'exportTo or Sidecar imports hide the entry from every namespace in the inputs.'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l ignore -d 'Skip these rules: codes, prefixes, names or mapped IST codes, comma-separated' -r -f -a "MSH001\t'The file is not valid YAML/JSON or exceeds a parse budget.'
MSH002\t'The resource violates Istio\'s CRD schema (unknown field, type, enum, required field, limit).'
MSH003\t'A kind or API group a few letters from an Istio networking one, so Istio never sees it.'
MSH004\t'No ServiceEntry, Sidecar, VirtualService, DestinationRule, Gateway, AuthorizationPolicy or mesh configuration was found in the inputs.'
MSH005\t'A suppression annotation naming an unknown code, or a rule that found nothing there.'
MSH101\t'A host Istio\'s webhook rejects, including an IP address in `hosts`.'
MSH102\t'An `addresses` entry that is neither an IP address nor a CIDR block.'
MSH103\t'CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.'
MSH104\t'A port out of range, duplicated, badly named or with an unknown protocol.'
MSH105\t'Endpoints that do not fit the resolution mode or the entry\'s ports.'
MSH106\t'Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.'
MSH107\t'A wildcard host with DNS resolution and no endpoints.'
MSH108\t'An `exportTo` list Istio rejects.'
MSH109\t'A configuration Istio accepts with a warning.'
MSH110\t'A Sidecar Istio\'s webhook rejects, or two selector-less Sidecars in one namespace.'
MSH111\t'A `metadata.name` or `metadata.namespace` the Kubernetes API server rejects.'
MSH112\t'A VirtualService whose hosts, gateways, matches or `exportTo` Istio\'s webhook rejects.'
MSH113\t'A `tcp` or `tls` route whose destinations or weights Istio\'s webhook rejects.'
MSH114\t'A DestinationRule whose host, subsets, `exportTo` or selector Istio\'s webhook rejects.'
MSH115\t'A DestinationRule traffic policy (TLS, tunnel, connection pool, port settings) Istio\'s webhook rejects.'
MSH116\t'A DestinationRule load balancer (hashing, locality, warm-up) Istio\'s webhook rejects.'
MSH117\t'A Gateway whose servers, ports, hosts or TLS settings Istio\'s webhook rejects.'
MSH118\t'An AuthorizationPolicy whose action, rules, sources, operations or conditions Istio\'s webhook rejects.'
MSH201\t'A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.'
MSH202\t'An address written as a bare IP where a CIDR block is expected.'
MSH203\t'A CIDR block with host bits set, which means a different, wider block.'
MSH204\t'A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.'
MSH205\t'A port without `protocol`: the sidecar sniffs it and server-first protocols hang.'
MSH206\t'A port name that suggests a protocol the `protocol` field does not set.'
MSH207\t'A TLS port on a plain IP address: SNI is not checked there.'
MSH208\t'Resolution STATIC without endpoints: matched traffic has nowhere to go.'
MSH209\t'A port the sidecar itself uses (15000-15090).'
MSH210\t'An external service declared MESH_INTERNAL.'
MSH211\t'A pinned address or endpoint in loopback space (127.0.0.0/8, ::1): it matches nothing, or forwards to the pod itself.'
MSH212\t'A pinned address or endpoint in link-local space (169.254.0.0/16, fe80::/10), the cloud metadata service\'s.'
MSH213\t'A pinned address or endpoint in multicast space (224.0.0.0/4, ff00::/8): TCP cannot reach it.'
MSH214\t'A pinned address or endpoint of 255.255.255.255: TCP cannot reach it.'
MSH215\t'An endpoint of 0.0.0.0 or ::, which reaches the pod itself (a DNS filter\'s "blocked" answer).'
MSH216\t'A wildcard listener on a port the sidecar itself listens on: the sidecar never becomes ready.'
MSH217\t'Sidecar TLS origination on a MySQL or PostgreSQL port breaks the handshake.'
MSH218\t'A route to an egress gateway without its other hop: sidecars never take it, or the gateway cannot forward it.'
MSH219\t'A Gateway server that cannot carry the routes bound to it (tcp on HTTP or PASSTHROUGH, tls on TCP).'
MSH220\t'Sidecars reach an ISTIO_MUTUAL gateway server without a DestinationRule setting ISTIO_MUTUAL.'
MSH221\t'An egress gateway with no AuthorizationPolicy: any workload in the mesh may leave through it.'
MSH301\t'A host at a provider whose IPs change, pinned to fixed addresses.'
MSH302\t'The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.'
MSH303\t'The host\'s DNS TTL is below --min-ttl: its addresses may change soon.'
MSH304\t'The host is a CNAME to a provider whose IPs change.'
MSH305\t'The host does not resolve.'
MSH306\t'Repeated DNS queries return different address sets.'
MSH307\t'Resolution DNS with addresses the host\'s DNS does not return: clients dial other IPs.'
MSH308\t'A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).'
MSH309\t'An entry pins more than 8 host addresses: a pool that large rotates, so the pins go stale.'
MSH401\t'Two entries on the same listener key: only the first is used.'
MSH402\t'Entries with overlapping CIDR blocks on one port: the longest prefix wins.'
MSH403\t'Entries with different protocols share a port without addresses.'
MSH404\t'The same host and port declared with different protocols.'
MSH405\t'Two resources with the same kind, namespace and name.'
MSH406\t'One host split across entries with different ports or resolutions: the first entry\'s service wins.'
MSH407\t'A Kubernetes Service on an entry\'s listener: one of them loses its traffic.'
MSH501\t'The mesh allows any outbound traffic, so entries restrict nothing.'
MSH502\t'exportTo or Sidecar imports hide the entry from every namespace in the inputs.'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s S -l suppress -d 'Drop findings for one rule on matching resources, istioctl\'s syntax: `CODE=Kind name.namespace`, `*` as a wildcard (`MSH201=ServiceEntry *.legacy`; repeatable)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l output-threshold -d 'Print only findings at or above this severity (istioctl\'s flag); `--fail-on` still decides the exit code from every finding' -r -f -a "info\t'Every finding'
warning\t'Warnings and errors'
error\t'Errors only'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l min-ttl -d 'MSH303 fires below this TTL, in seconds [default: 300, or `min-ttl` in meshctl.toml]' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l server-first-port -d 'Extra server-first ports for MSH205 (besides 3306, 25, 27017, 21, 110, 143)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l max-ipv4-prefix -d 'MSH204: widest accepted IPv4 prefix length' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l max-ipv6-prefix -d 'MSH204: widest accepted IPv6 prefix length' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l mesh-config -d 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l explain -d 'Print one rule\'s documentation and exit (an MSH code, a name or a mapped IST code)' -r -f -a "MSH001\t'The file is not valid YAML/JSON or exceeds a parse budget.'
MSH002\t'The resource violates Istio\'s CRD schema (unknown field, type, enum, required field, limit).'
MSH003\t'A kind or API group a few letters from an Istio networking one, so Istio never sees it.'
MSH004\t'No ServiceEntry, Sidecar, VirtualService, DestinationRule, Gateway, AuthorizationPolicy or mesh configuration was found in the inputs.'
MSH005\t'A suppression annotation naming an unknown code, or a rule that found nothing there.'
MSH101\t'A host Istio\'s webhook rejects, including an IP address in `hosts`.'
MSH102\t'An `addresses` entry that is neither an IP address nor a CIDR block.'
MSH103\t'CIDR addresses with resolution DNS or DNS_ROUND_ROBIN, which Istio rejects.'
MSH104\t'A port out of range, duplicated, badly named or with an unknown protocol.'
MSH105\t'Endpoints that do not fit the resolution mode or the entry\'s ports.'
MSH106\t'Several hosts with a non-HTTP, non-TLS port and a resolution other than NONE.'
MSH107\t'A wildcard host with DNS resolution and no endpoints.'
MSH108\t'An `exportTo` list Istio rejects.'
MSH109\t'A configuration Istio accepts with a warning.'
MSH110\t'A Sidecar Istio\'s webhook rejects, or two selector-less Sidecars in one namespace.'
MSH111\t'A `metadata.name` or `metadata.namespace` the Kubernetes API server rejects.'
MSH112\t'A VirtualService whose hosts, gateways, matches or `exportTo` Istio\'s webhook rejects.'
MSH113\t'A `tcp` or `tls` route whose destinations or weights Istio\'s webhook rejects.'
MSH114\t'A DestinationRule whose host, subsets, `exportTo` or selector Istio\'s webhook rejects.'
MSH115\t'A DestinationRule traffic policy (TLS, tunnel, connection pool, port settings) Istio\'s webhook rejects.'
MSH116\t'A DestinationRule load balancer (hashing, locality, warm-up) Istio\'s webhook rejects.'
MSH117\t'A Gateway whose servers, ports, hosts or TLS settings Istio\'s webhook rejects.'
MSH118\t'An AuthorizationPolicy whose action, rules, sources, operations or conditions Istio\'s webhook rejects.'
MSH201\t'A TCP port without addresses: `hosts` does not restrict plain TCP, so the whole port is captured.'
MSH202\t'An address written as a bare IP where a CIDR block is expected.'
MSH203\t'A CIDR block with host bits set, which means a different, wider block.'
MSH204\t'A CIDR block wider than /24 (IPv4) or /64 (IPv6); /0 is an error.'
MSH205\t'A port without `protocol`: the sidecar sniffs it and server-first protocols hang.'
MSH206\t'A port name that suggests a protocol the `protocol` field does not set.'
MSH207\t'A TLS port on a plain IP address: SNI is not checked there.'
MSH208\t'Resolution STATIC without endpoints: matched traffic has nowhere to go.'
MSH209\t'A port the sidecar itself uses (15000-15090).'
MSH210\t'An external service declared MESH_INTERNAL.'
MSH211\t'A pinned address or endpoint in loopback space (127.0.0.0/8, ::1): it matches nothing, or forwards to the pod itself.'
MSH212\t'A pinned address or endpoint in link-local space (169.254.0.0/16, fe80::/10), the cloud metadata service\'s.'
MSH213\t'A pinned address or endpoint in multicast space (224.0.0.0/4, ff00::/8): TCP cannot reach it.'
MSH214\t'A pinned address or endpoint of 255.255.255.255: TCP cannot reach it.'
MSH215\t'An endpoint of 0.0.0.0 or ::, which reaches the pod itself (a DNS filter\'s "blocked" answer).'
MSH216\t'A wildcard listener on a port the sidecar itself listens on: the sidecar never becomes ready.'
MSH217\t'Sidecar TLS origination on a MySQL or PostgreSQL port breaks the handshake.'
MSH218\t'A route to an egress gateway without its other hop: sidecars never take it, or the gateway cannot forward it.'
MSH219\t'A Gateway server that cannot carry the routes bound to it (tcp on HTTP or PASSTHROUGH, tls on TCP).'
MSH220\t'Sidecars reach an ISTIO_MUTUAL gateway server without a DestinationRule setting ISTIO_MUTUAL.'
MSH221\t'An egress gateway with no AuthorizationPolicy: any workload in the mesh may leave through it.'
MSH301\t'A host at a provider whose IPs change, pinned to fixed addresses.'
MSH302\t'The host now resolves to addresses outside `addresses`, or listed ones no longer resolve.'
MSH303\t'The host\'s DNS TTL is below --min-ttl: its addresses may change soon.'
MSH304\t'The host is a CNAME to a provider whose IPs change.'
MSH305\t'The host does not resolve.'
MSH306\t'Repeated DNS queries return different address sets.'
MSH307\t'Resolution DNS with addresses the host\'s DNS does not return: clients dial other IPs.'
MSH308\t'A meshctl-managed entry pins addresses that differ from what its source host resolves to (`meshctl sync`).'
MSH309\t'An entry pins more than 8 host addresses: a pool that large rotates, so the pins go stale.'
MSH401\t'Two entries on the same listener key: only the first is used.'
MSH402\t'Entries with overlapping CIDR blocks on one port: the longest prefix wins.'
MSH403\t'Entries with different protocols share a port without addresses.'
MSH404\t'The same host and port declared with different protocols.'
MSH405\t'Two resources with the same kind, namespace and name.'
MSH406\t'One host split across entries with different ports or resolutions: the first entry\'s service wins.'
MSH407\t'A Kubernetes Service on an entry\'s listener: one of them loses its traffic.'
MSH501\t'The mesh allows any outbound traffic, so entries restrict nothing.'
MSH502\t'exportTo or Sidecar imports hide the entry from every namespace in the inputs.'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l config -d 'Read settings from this file instead of the nearest meshctl.toml or .meshctl.toml' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l stdin-filename -d 'The file name findings in stdin (`-`) are reported under, e.g. the chart template a `helm template` stream was rendered from' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l no-ignore -d 'Read files that `.gitignore`, `.ignore` and `.git/info/exclude` leave out'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l exit-zero -d 'Exit 0 whatever is found (findings are still printed)'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l dns -d 'Also run the DNS rules (MSH302-MSH307); off by default so CI stays deterministic'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l statistics -d 'Print a count of findings per rule instead of the findings'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l list-rules -d 'Print the rule table and exit'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l fix -d 'Apply the unambiguous fixes (MSH202, MSH203, MSH205 on server-first ports) in place, editing only the flagged spans, then report what is left'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l diff -d 'Print the fixes `--fix` would make as a unified diff; exit 1 when there are any'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l isolated -d 'Ignore every configuration file'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -l list-meshes -d 'Print the meshes found (name, root, files, mesh settings) and exit; `-o json` for scripts'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand check" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s f -l filename -d 'ServiceEntries, Sidecars and mesh config: files, directories or `-` (repeatable)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l mesh -d 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l sni -d 'The TLS server name the client sends (implies --tls)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l source-namespace -d 'Namespace of the workload' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l labels -d 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l annotation -d 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy\'s transparent mode)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l outbound-policy -d 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)' -r -f -a "REGISTRY_ONLY\t'Unmatched connections go to BlackHoleCluster (denied). meshctl\'s default'
ALLOW_ANY\t'Unmatched connections go to PassthroughCluster (allowed). Istio\'s shipped default'
ALLOW_ANY_DYNAMIC_DNS\t'Like ALLOW_ANY, with plain HTTP resolved by host name (MeshConfig only, Istio 1.30+)'"
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l mesh-config -d 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l service-account -d 'The calling workload\'s service account: its mesh identity `cluster.local/ns/<source-namespace>/sa/<SA>`, which a gateway\'s AuthorizationPolicy reads' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l gateway -d 'Decide a connection arriving at the gateway workload with these labels (in --source-namespace), as that hop alone' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l principal -d 'With --gateway: the client presents a mesh certificate for this identity (`cluster.local/ns/NS/sa/SA`), as a sidecar speaking ISTIO_MUTUAL does (implies --tls)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l expect -d 'Check a file of calls and expected verdicts instead of one destination' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l config-dump -d 'Decide with a live sidecar\'s listeners instead of -f: Envoy\'s `/config_dump` or `istioctl proxy-config all|listeners POD -o json`' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s o -l output -d 'Output format' -r -f -a "text\t'The verdict, the why, and the trace with -v'
json\t'Stable JSON (docs/commands/simulate.md)'"
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l tls -d 'The client speaks TLS (without SNI unless --sni is given)'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l dns-capture -d 'The workload\'s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -l base -d 'Compare the PATHs as they are at this git revision (read from the repository\'s objects, no checkout) with the working tree' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -l fail-on -d 'Report, and exit 1 for, only changes in these classes: newly-allowed, newly-denied, rerouted, passthrough-opened, port-hijacked, scope-widened (default: all)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "text\t'Grouped by mesh, workload view and class; nothing when nothing changed'
json\t'Stable JSON (docs/commands/diff.md)'
markdown\t'One pull-request comment: a summary table, then collapsible details'
github\t'GitHub Actions workflow commands on the lines of the causing resources'
sarif\t'SARIF 2.1.0, results on the lines of the causing resources'"
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand diff" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -l mesh -d 'Only this mesh (`meshctl check --list-meshes` names them)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "text\t'One line per region, grouped by mesh and workload view'
json\t'Stable JSON (docs/commands/diff.md)'
markdown\t'A table per view'"
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s f -l filename -d 'ServiceEntries, Sidecars and mesh config: files or directories (repeatable)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l mesh -d 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l listen -d 'Transparent-mode listener (default 127.0.0.1:15001 unless --forward is given). An IPv4 loopback or unspecified address also listens on [::1] or [::] at the same port, where ip6tables redirects IPv6 connections (skipped when the host has no IPv6)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l forward -d 'Forward listener `LISTEN=HOST:PORT` (repeatable); LISTEN may be a bare port on 127.0.0.1' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l admin -d 'Admin server address (`/metrics`, `/healthz`, `/ready`, `/config_dump`), or `off`' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l outbound-policy -d 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)' -r -f -a "REGISTRY_ONLY\t'Unmatched connections go to BlackHoleCluster (denied). meshctl\'s default'
ALLOW_ANY\t'Unmatched connections go to PassthroughCluster (allowed). Istio\'s shipped default'
ALLOW_ANY_DYNAMIC_DNS\t'Like ALLOW_ANY, with plain HTTP resolved by host name (MeshConfig only, Istio 1.30+)'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l mesh-config -d 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l source-namespace -d 'Namespace of the workload' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l labels -d 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l annotation -d 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy\'s transparent mode)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l connect-timeout -d 'Give up dialling an upstream (DNS included) after this long' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l idle-timeout -d 'Close a connection after no byte moved either way for this long' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l drain-timeout -d 'On SIGTERM/SIGINT, let established connections finish for this long' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l sni-timeout -d 'How long to wait for a TLS ClientHello on ports whose listener matches SNI' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l max-connections -d 'Most connections open at once; beyond it the proxy stops accepting (back-pressure)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l worker-threads -d 'Data-plane threads (default: one per CPU). Each runs its own event loop with its own listening socket (SO_REUSEPORT), and keeps every connection it accepts to the end' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l max-pipes -d 'Pipes open at once for zero-copy forwarding (splice) of bulk transfers; past it, and with 0, bytes are copied through a buffer' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l nameserver -d 'Nameserver for forward targets and DNS clusters, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l dns-drift-interval -d 'Every this long, resolve the source host of each entry that pins addresses and export `meshctl_dns_drift{service_entry,host}` (1 while DNS answers outside the pinned set), with a warning naming the new address. Reports only: a drifted address stays denied' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l access-log -d 'Write one access log line per closed connection to `-` (stderr) or FILE; with `--log-format json`, the `meshctl.proxy.v1` records (a decision and a close record per connection, read by `gen serviceentry --from-log`)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l log-format -d 'Access log format' -r -f -a "text\t'`key=value` pairs'
json\t'One JSON object per line'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l policy-mode -d '`report` lets connections the policy denies for want of a match through to their destination (as PassthroughCluster would) and records them as `would_deny`; the loop guard and undecidable connections stay denied' -r -f -a "enforce\t'Close connections the policy denies (the sidecar\'s behaviour)'
report\t'Let them through and record them as `would_deny`'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l dns-capture -d 'The workload\'s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l keep-established -d 'Keep established connections that a reloaded configuration no longer allows'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l strict -d 'Also refuse a configuration (at start, or a reload) with lint errors; by default only resources Istio would reject refuse it, and lint errors are logged'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -l takeover -d 'Start beside a meshctl proxy already running on the same ports as the same user (zero-downtime upgrade): join its listeners and admin port (SO_REUSEPORT) once a configuration is loaded, then SIGTERM the old one. Without it, a port in use is an error'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -f -a "iptables" -d 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio\'s capture chain'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and not __fish_seen_subcommand_from iptables help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l proxy-port -d 'The transparent proxy\'s port' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l proxy-uid -d 'UID the proxy runs as; its own connections are not redirected. Istio\'s sidecar uid by default, never the invoking user\'s: under sudo that would exempt all root traffic' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l include-ports -d 'Redirect only these destination ports (default: all TCP)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l exclude-ports -d 'Never redirect these destination ports' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l exclude-cidrs -d 'Never redirect these destinations (IPv4 and IPv6 CIDRs)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l ip6tables -d 'Print the ip6tables-restore script instead of the iptables-restore one'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l ipv4-only -d 'With --apply: install only the IPv4 rules (IPv6 egress then bypasses the proxy)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l apply -d 'Install the rules with `iptables-restore --noflush` and, where IPv6 is enabled, `ip6tables-restore --noflush` (root) instead of printing them'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -l cleanup -d 'Remove the rules --apply installed: the OUTPUT jump and the MESHCTL_OUTPUT chain, IPv4 and IPv6 (root)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from iptables" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "iptables" -d 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio\'s capture chain'
complete -c meshctl -n "__fish_meshctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s o -l output -d 'Findings format for --check (text, json, sarif, github, gitlab), or `yaml`: print the managed entries as they should be, for `kubectl apply -f -`, instead of writing' -r -f -a "text\t'Findings grouped by file, with a summary (changes, for --write and --watch)'
json\t'Findings as a stable JSON array'
sarif\t'Findings as SARIF 2.1.0'
github\t'Findings as GitHub Actions annotations'
gitlab\t'Findings as a GitLab Code Quality report'
yaml\t'The managed entries as they should be, as YAML documents; nothing is written'"
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l grace -d 'Keep an address that left DNS this long, so pooled connections drain' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l allow-address-class -d 'Pin answered addresses of this class anyway (repeatable or comma-separated); the entry records it in `meshctl.dev/allowed-address-classes`' -r -f -a "unspecified\t'`0.0.0.0`, `::` (a DNS filter\'s "blocked" answer)'
loopback\t'`127.0.0.0/8`, `::1`'
link-local\t'`169.254.0.0/16` (cloud metadata included), `fe80::/10`'
multicast\t'`224.0.0.0/4`, `ff00::/8`'
broadcast\t'`255.255.255.255`'"
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l min-interval -d '--watch: never look a host up again sooner than this, whatever its TTL' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l max-interval -d '--watch: look every host up at least this often, whatever its TTL' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l admin -d '--watch: where to serve `/metrics` and `/healthz`, or `off`' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l concurrency -d 'Most lookups in flight at once' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l nameserver -d 'Nameserver to query, `IP` or `IP:PORT` (repeatable); default: the system\'s resolv.conf and /etc/hosts' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l timeout -d 'Give up on a query after this long (`500ms`, `2s`, `1m`)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l check -d 'Report drift as findings and change nothing: exit 1 on drift, 2 when a name could not be verified'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l write -d 'Rewrite `addresses` in place (comments and key order kept, atomic, files without drift untouched)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l watch -d 'Run until SIGTERM: re-resolve each host at its TTL and write as --write does (with or without --write)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l all-static -d 'Also manage STATIC/NONE entries with one DNS-looking host and pinned addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l allow-empty -d 'Let an empty answer (NXDOMAIN, no A/AAAA records) remove addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l allow-class-change -d 'Follow an answer that moves an entry between private and public address space (off: such a move is reported as unverifiable, a DNS rebinding guard)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l force -d '--write/--watch: also rewrite read-only files, and files whose owner this user cannot keep (they become this user\'s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -l tcp -d 'Query over TCP instead of UDP'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand sync" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -f -a "envoy" -d 'Print the outbound TCP part of the workload\'s sidecar configuration (or, with --proxy gateway, a gateway workload\'s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and not __fish_seen_subcommand_from envoy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s f -l filename -d 'Also read this file or directory, as kubectl\'s `-f` (repeatable)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s n -l namespace -d 'Namespace for resources that name none and for generated resources (like kubectl)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l mesh -d 'The mesh to decide for when the inputs hold several (`meshctl check --list-meshes` names them); without it, several meshes are an error' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l source-namespace -d 'Namespace of the workload' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l labels -d 'Labels of the workload, `k=v,k=v` (selects workload-specific Sidecars)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l annotation -d 'Pod annotation of the workload, `KEY=VALUE` (repeatable), e.g. `traffic.sidecar.istio.io/excludeOutboundPorts=3306` (capture annotations apply to connections that would be captured: `simulate`, and the proxy\'s transparent mode)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l outbound-policy -d 'Outbound policy, overriding any mesh config (default: REGISTRY_ONLY, fail closed)' -r -f -a "REGISTRY_ONLY\t'Unmatched connections go to BlackHoleCluster (denied). meshctl\'s default'
ALLOW_ANY\t'Unmatched connections go to PassthroughCluster (allowed). Istio\'s shipped default'
ALLOW_ANY_DYNAMIC_DNS\t'Like ALLOW_ANY, with plain HTTP resolved by host name (MeshConfig only, Istio 1.30+)'"
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l mesh-config -d 'Mesh configuration file (bare MeshConfig, the istio ConfigMap, or an IstioOperator)' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l access-log -d 'Where each listener\'s access log goes' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l diff -d 'Instead of printing, compare the listeners and clusters with a config dump (Envoy\'s `/config_dump` or istioctl\'s JSON) and list what differs; exit 1 when anything does' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l proxy -d 'Which proxy to export: the workload\'s sidecar, or the gateway workload that --gateway-labels names (in --source-namespace)' -r -f -a "sidecar\t'The workload\'s sidecar (outbound listeners and clusters)'
gateway\t'A gateway workload: its Gateway servers\' listeners, RBAC and clusters'"
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l gateway-labels -d 'With --proxy gateway: the gateway pods\' labels, `k=v,k=v` (a Gateway\'s selector must be among them)' -r
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l certs -d 'A directory holding the workload certificate as Istio mounts it: `root-cert.pem`, `cert-chain.pem`, `key.pem`. ISTIO_MUTUAL clusters then present it and accept only an upstream certificate signed by root-cert.pem whose URI SAN is a service account of the upstream Service\'s namespace; gateway servers terminate TLS with it. Without it an ISTIO_MUTUAL cluster starts its handshake with no certificate (a real gateway refuses it), and a gateway asks Istio\'s node agent (SDS) for its certificate' -r -F
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s o -l output -d 'Output format' -r -f -a "yaml\t'YAML, ready for `kubectl apply -f -`'
json\t'JSON'"
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l no-kustomize -d 'Read kustomizations as plain files instead of rendering them with `kubectl kustomize`'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -l dns-capture -d 'The workload\'s sidecar proxies DNS (`ISTIO_META_DNS_CAPTURE`), so it uses auto-allocated VIPs; also on when the mesh config says so'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from envoy" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "envoy" -d 'Print the outbound TCP part of the workload\'s sidecar configuration (or, with --proxy gateway, a gateway workload\'s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
complete -c meshctl -n "__fish_meshctl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "text\t'One line: `meshctl VERSION (commit HASH, built YYYY-MM-DD, TARGET)`'
json\t'A JSON object (keys: version, commit, build_date, target)'"
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -l color -d 'When to colour output: `auto` colours a terminal unless NO_COLOR is set' -r -f -a "auto\t'Colour when writing to a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s v -l verbose -d 'Say more about what is happening (repeatable)'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s q -l quiet -d 'Print only results and errors'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshctl -n "__fish_meshctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "resolve" -d 'Resolve a host\'s A/AAAA records with TTLs and CNAME chain'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "gen" -d 'Generate Istio resources'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "check" -d 'Lint ServiceEntries and Sidecars for TCP egress mistakes, for people and CI'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "simulate" -d 'Decide whether a connection would be allowed, by which entry, and why'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "diff" -d 'Show what a change does to every connection, exactly: `diff OLD NEW` or `diff --base REF [PATH...]`'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "list" -d 'Print every region of the destination space with its decision, per mesh and workload view: the connectivity matrix `diff` compares'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "proxy" -d 'Run an egress proxy that enforces, per connection, what `simulate` explains'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "sync" -d 'Keep the addresses of meshctl-managed ServiceEntries equal to what DNS answers'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "export" -d 'Export what the engine compiled, for other tools'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "completions" -d 'Print a shell completion script'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "version" -d 'Print the version, the git commit, the build date and the target it was built for'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and not __fish_seen_subcommand_from resolve gen check simulate diff list proxy sync export completions version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and __fish_seen_subcommand_from gen" -f -a "serviceentry" -d 'Print a ServiceEntry that opens TCP egress to HOST\'s current addresses'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and __fish_seen_subcommand_from proxy" -f -a "iptables" -d 'Print (or --apply, or --cleanup) the iptables-restore script that redirects outbound TCP to a transparent proxy, in the shape of Istio\'s capture chain'
complete -c meshctl -n "__fish_meshctl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "envoy" -d 'Print the outbound TCP part of the workload\'s sidecar configuration (or, with --proxy gateway, a gateway workload\'s) as an Envoy v3 bootstrap (static listeners and clusters), compiled by the engine `simulate` uses'
