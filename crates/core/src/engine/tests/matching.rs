//! Listener and chain matching beyond the worked outcomes: address forms, longest prefix,
//! SNI ranking, conflicts and ordering, resolutions and upstreams.

use super::*;

const TCP_3306: &str = "ports: [{number: 3306, name: tcp, protocol: TCP}]";

fn tcp_entry(host: &str, addresses: &str) -> String {
    format!("hosts: [{host}], addresses: [{addresses}], {TCP_3306}")
}

fn tcp_any(host: &str) -> String {
    format!("hosts: [{host}], {TCP_3306}")
}

fn tls_entry(host: &str, addresses: &str) -> String {
    let addresses = if addresses.is_empty() {
        String::new()
    } else {
        format!("addresses: [{addresses}], ")
    };
    format!("hosts: ['{host}'], {addresses}ports: [{{number: 443, name: tls, protocol: TLS}}]")
}

#[test]
fn address_forms_and_prefixes() {
    let cidrs = se(
        "default/wide",
        &tcp_entry("wide.example.com", "198.51.100.0/24"),
    ) + &se(
        "default/narrow",
        &tcp_entry("narrow.example.com", "198.51.100.16/28"),
    ) + &se("default/one", &tcp_entry("one.example.com", "198.51.100.7"));
    let same_ip = se("default/a", &tcp_entry("a.example.com", "198.51.100.7/32"))
        + &se("default/b", &tcp_entry("b.example.com", "198.51.100.7"));
    let masked = se("default/a", &tcp_entry("a.example.com", "198.51.100.0/24"))
        + &se("default/b", &tcp_entry("b.example.com", "198.51.100.9/24"));
    let v6 = se(
        "default/wide6",
        &tcp_entry("wide6.example.com", "'2001:db8::/32'"),
    ) + &se(
        "default/narrow6",
        &tcp_entry("narrow6.example.com", "'2001:db8:5::/48'"),
    ) + &se(
        "default/twin6",
        &tcp_entry("twin6.example.com", "'2001:db8:5:ff::/48'"),
    ) + &se(
        "default/one6",
        &tcp_entry("one6.example.com", "'2001:db8::7/128'"),
    );
    let with_any = se("default/any", &tcp_any("any.example.com"))
        + &se(
            "default/wide",
            &tcp_entry("wide.example.com", "198.51.100.0/24"),
        );
    run(&[
        case("/32 equals a bare IP", se("default/db", &tcp_entry("db.example.com", "198.51.100.7/32")), tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||db.example.com")),
        case("/32 and bare IP are the same listener; first wins", same_ip, tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||a.example.com"))
            .near("entry default/b (host b.example.com, 198.51.100.7) on port 3306 is shadowed by default/a"),
        case("longest prefix: /28", cidrs.clone(), tcp("198.51.100.20", 3306), allow("0.0.0.0_3306", "outbound|3306||narrow.example.com")),
        case("longest prefix: /24", cidrs.clone(), tcp("198.51.100.200", 3306), allow("0.0.0.0_3306", "outbound|3306||wide.example.com")),
        case("plain IP listener beats CIDR chain", cidrs.clone(), tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||one.example.com")),
        case("outside every CIDR", cidrs, tcp("203.0.113.7", 3306), deny("0.0.0.0_3306", PASSTHROUGH_CHAIN))
            .registry_only()
            .near("covers 198.51.100.16/28 on port 3306, which does not contain 203.0.113.7"),
        case("equal CIDRs after masking: second dropped", masked, tcp("198.51.100.1", 3306), allow("0.0.0.0_3306", "outbound|3306||a.example.com"))
            .near("entry default/b (host b.example.com, 198.51.100.0/24) on port 3306 is shadowed by default/a"),
        case("IPv6 plain address", v6.clone(), tcp("2001:db8::7", 3306), allow("2001:db8::7_3306", "outbound|3306||one6.example.com")),
        case("IPv6 longest prefix", v6.clone(), tcp("2001:db8:5::9", 3306), allow("0.0.0.0_3306", "outbound|3306||narrow6.example.com"))
            .near("entry default/twin6 (host twin6.example.com, 2001:db8:5::/48) on port 3306 is shadowed by default/narrow6"),
        case("IPv6 wide prefix", v6.clone(), tcp("2001:db8:9::1", 3306), allow("0.0.0.0_3306", "outbound|3306||wide6.example.com")),
        case("IPv6 outside", v6, tcp("2001:db9::1", 3306), pass("0.0.0.0_3306", PASSTHROUGH_CHAIN)),
        case("IPv4-mapped IPv6 destination is IPv4", se("default/db", &tcp_entry("db.example.com", "198.51.100.7")), tcp("::ffff:198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||db.example.com"))
            .upstream("original destination 198.51.100.7:3306"),
        case("IPv4-mapped address in an entry", se("default/db", &tcp_entry("db.example.com", "'::ffff:198.51.100.7'")), tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||db.example.com")),
        case("CIDR chain beats an address-less default chain", with_any.clone(), tcp("198.51.100.9", 3306), allow("0.0.0.0_3306", "outbound|3306||wide.example.com")),
        case("address-less entry is the default chain", with_any, tcp("203.0.113.9", 3306), allow("0.0.0.0_3306", "outbound|3306||any.example.com"))
            .registry_only(),
    ]);
}

/// The unspecified address in any spelling is istiod's "no address": the entry takes the port's
/// wildcard listener for every destination, as an address-less entry does (conversion.go
/// `convertServices` gives the service the default address `0.0.0.0`). A pinned address next to
/// it still gets its own listener.
#[test]
fn unspecified_address_is_no_pin() {
    let spellings = ["0.0.0.0", "0.0.0.0/32", "'::'", "'::/128'"];
    let mut cases = Vec::new();
    for spelling in spellings {
        let entry = se("default/db", &tcp_entry("db.example.com", spelling));
        cases.push(
            case(
                "unspecified: IPv4 destination",
                entry.clone(),
                tcp("203.0.113.9", 3306),
                allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
            )
            .registry_only(),
        );
        cases.push(
            case(
                "unspecified: IPv6 destination",
                entry,
                tcp("2001:db8::9", 3306),
                allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
            )
            .registry_only(),
        );
    }
    let mixed = se(
        "default/db",
        &tcp_entry("db.example.com", "198.51.100.7/32, 0.0.0.0"),
    );
    cases.push(
        case(
            "pinned address keeps its listener",
            mixed.clone(),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    );
    cases.push(
        case(
            "unspecified beside a pin opens the rest",
            mixed,
            tcp("203.0.113.9", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    );
    let mapped = se(
        "default/db",
        &tcp_entry("db.example.com", "'::ffff:0.0.0.0/96'"),
    );
    cases.push(
        case(
            "IPv4-mapped /96 is IPv4's /0",
            mapped,
            tcp("203.0.113.9", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    );
    run(&cases);
}

#[test]
fn address_less_ordering() {
    let older_b = se_at(
        "default/b",
        Some("2024-01-01T00:00:00Z"),
        &tcp_any("b.example.com"),
    ) + &se_at(
        "default/a",
        Some("2024-06-01T00:00:00Z"),
        &tcp_any("a.example.com"),
    );
    let undated_b = se_at(
        "default/a",
        Some("2024-06-01T00:00:00Z"),
        &tcp_any("a.example.com"),
    ) + &se("default/b", &tcp_any("b.example.com"));
    let same_time = se_at(
        "default/z",
        Some("2024-06-01T00:00:00Z"),
        &tcp_any("b.example.com"),
    ) + &se_at(
        "default/y",
        Some("2024-06-01T00:00:00+00:00"),
        &tcp_any("a.example.com"),
    );
    run(&[
        case("older creationTimestamp wins", older_b, tcp("203.0.113.1", 3306), allow("0.0.0.0_3306", "outbound|3306||b.example.com"))
            .near("default/b is first: older creationTimestamp"),
        case("missing timestamp is the zero time", undated_b, tcp("203.0.113.1", 3306), allow("0.0.0.0_3306", "outbound|3306||b.example.com")),
        case("equal timestamps: host decides", same_time, tcp("203.0.113.1", 3306), allow("0.0.0.0_3306", "outbound|3306||a.example.com"))
            .near("same creation time, host name sorts first"),
        case("several hosts on one IP: first host wins", se("default/multi", "hosts: [b.example.com, a.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP}]"), tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||a.example.com"))
            .near("shadowed by default/multi (host a.example.com)"),
    ]);
}

#[test]
fn tls_server_names() {
    let hosts = se("default/wild", &tls_entry("*.example.com", ""))
        + &se("default/api", &tls_entry("api.example.com", ""))
        + &se("default/deep", &tls_entry("*.eu.example.com", ""));
    let cidr = se("default/a", &tls_entry("a.example.com", "198.51.100.0/24"))
        + &se("default/b", &tls_entry("b.example.com", "198.51.0.0/16"));
    run(&[
        case(
            "exact beats wildcard",
            hosts.clone(),
            tls("203.0.113.9", 443, Some("api.example.com")),
            allow("0.0.0.0_443", "outbound|443||api.example.com"),
        ),
        case(
            "wildcard",
            hosts.clone(),
            tls("203.0.113.9", 443, Some("www.example.com")),
            allow("0.0.0.0_443", "outbound|443||*.example.com"),
        ),
        case(
            "longer wildcard wins",
            hosts.clone(),
            tls("203.0.113.9", 443, Some("db.eu.example.com")),
            allow("0.0.0.0_443", "outbound|443||*.eu.example.com"),
        ),
        case(
            "wildcard does not match the apex",
            hosts.clone(),
            tls("203.0.113.9", 443, Some("example.com")),
            deny("0.0.0.0_443", PASSTHROUGH_CHAIN),
        )
        .registry_only()
        .near("SNI example.com matches no host of the TLS entries on 0.0.0.0_443"),
        case(
            "SNI ignored when not TLS",
            hosts,
            Conn {
                dst: "203.0.113.9",
                port: 443,
                tls: false,
                sni: Some("api.example.com"),
            },
            pass("0.0.0.0_443", PASSTHROUGH_CHAIN),
        ),
        case(
            "CIDR and SNI both required",
            cidr.clone(),
            tls("198.51.100.5", 443, Some("a.example.com")),
            allow("0.0.0.0_443", "outbound|443||a.example.com"),
        ),
        case(
            "shorter prefix's SNI is out of reach (GH#52235)",
            cidr.clone(),
            tls("198.51.100.5", 443, Some("b.example.com")),
            pass("0.0.0.0_443", PASSTHROUGH_CHAIN),
        ),
        case(
            "shorter prefix outside the longer one",
            cidr,
            tls("198.51.7.5", 443, Some("b.example.com")),
            allow("0.0.0.0_443", "outbound|443||b.example.com"),
        ),
        case(
            "TLS with a plain IP ignores SNI",
            se("default/api", &tls_entry("api.example.com", "192.0.2.10")),
            tls("192.0.2.10", 443, Some("evil.example.org")),
            allow("192.0.2.10_443", "outbound|443||api.example.com"),
        ),
    ]);
}

#[test]
fn resolutions_and_upstreams() {
    let static_none = "hosts: [pg.example.com], addresses: [198.51.100.40], ports: [{number: 5432, name: pg, protocol: TCP}], resolution: STATIC";
    let static_eps = "hosts: [pg.example.com], addresses: [198.51.100.40], ports: [{number: 5432, name: pg, protocol: TCP}], resolution: STATIC, endpoints: [{address: 192.0.2.50}, {address: 192.0.2.51, ports: {pg: 6432}}]";
    let dns_eps = "hosts: [db.example.com], ports: [{number: 3306, name: tcp, protocol: TCP, targetPort: 3307}], resolution: DNS_ROUND_ROBIN, endpoints: [{address: db-1.example.com}]";
    let target = "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP, targetPort: 13306}]";
    run(&[
        case(
            "STATIC without endpoints",
            se("default/pg", static_none),
            tcp("198.51.100.40", 5432),
            allow("198.51.100.40_5432", "outbound|5432||pg.example.com"),
        )
        .upstream("none: the cluster has no endpoints")
        .near("has no endpoints"),
        case(
            "STATIC endpoints with a port override",
            se("default/pg", static_eps),
            tcp("198.51.100.40", 5432),
            allow("198.51.100.40_5432", "outbound|5432||pg.example.com"),
        )
        .upstream("static endpoints 192.0.2.50:5432, 192.0.2.51:6432"),
        case(
            "DNS_ROUND_ROBIN resolves the endpoint name",
            se("default/db", dns_eps),
            tcp("192.0.2.99", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .upstream(
            "resolve db-1.example.com:3307 (DNS_ROUND_ROBIN: first address), not the dialled IP",
        ),
        case(
            "NONE honours targetPort",
            se("default/db", target),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .upstream("original destination 198.51.100.7:13306"),
    ]);
}

#[test]
fn protocol_conflicts_and_classes() {
    let mongo = "hosts: [m.example.com], ports: [{number: 27017, name: db, protocol: MONGO}]";
    let mysql = "hosts: [y.example.com], ports: [{number: 27017, name: db, protocol: MYSQL}]";
    let mixed = se(
        "default/web",
        "hosts: [web.example.com], ports: [{number: 8080, name: http, protocol: HTTP}]",
    ) + &se(
        "default/raw",
        "hosts: [raw.example.com], ports: [{number: 8080, name: tcp, protocol: TCP}]",
    );
    let udp = "hosts: [dns.example.com], addresses: [198.51.100.53], ports: [{number: 53, name: dns, protocol: UDP}]";
    let vip = "hosts: [db.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: DNS";
    let vip = format!(
        "{}status: {{addresses: [{{value: 198.51.100.240, host: db.example.com}}]}}\n",
        se("default/db", vip)
    );
    run(&[
        case("MONGO vs MYSQL: the later service is dropped", se("default/m", mongo) + &se("default/y", mysql), tcp("203.0.113.1", 27017), allow("0.0.0.0_27017", "outbound|27017||m.example.com"))
            .near("entry default/y (host y.example.com, no addresses) on port 27017 (MYSQL) is dropped: 0.0.0.0_27017 was created for MONGO by default/m"),
        case("HTTP then TCP makes the port sniffed; TCP chain decides", mixed, tcp("203.0.113.1", 8080), allow("0.0.0.0_8080", "outbound|8080||raw.example.com"))
            .near("sniffs the protocol"),
        case("UDP ports get no listener", se("default/dns", udp), tcp("198.51.100.53", 53), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("gets no listener: UDP is never captured"),
        case("auto-allocated VIP used with DNS capture", vip.clone(), tcp("198.51.100.240", 3306), allow("198.51.100.240_3306", "outbound|3306||db.example.com"))
            .dns_vips()
            .upstream("resolve db.example.com:3306"),
        case("VIP consumers do not get the port hijack", vip.clone(), tcp("203.0.113.1", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .dns_vips()
            .registry_only(),
        case("without DNS capture the entry keeps 0.0.0.0", vip, tcp("203.0.113.1", 3306), allow("0.0.0.0_3306", "outbound|3306||db.example.com"))
            .registry_only(),
    ]);
}

#[test]
fn chains_sharing_a_cluster_on_a_listener_have_distinct_names() {
    // One host, two CIDRs on one port: two chains, one cluster. An Envoy access log names the
    // chain, so the names must tell the two apart.
    let yaml = se(
        "default/pg",
        &tcp_entry("pg.example.com", "198.51.100.0/24, 203.0.113.0/28"),
    );
    let inputs = load(&yaml);
    let registry = compile(
        &Resources::from_inputs(&inputs, MeshSettings::default()),
        &Workload::default(),
    );
    let listener = registry.wildcard_listener(3306).expect("0.0.0.0_3306");
    let names: Vec<&str> = registry.chains_of(listener).map(|c| &*c.name).collect();
    assert_eq!(
        names,
        [
            "outbound|3306||pg.example.com",
            "outbound|3306||pg.example.com 203.0.113.0/28"
        ]
    );
    for (dst, chain) in [
        ("198.51.100.9", "outbound|3306||pg.example.com"),
        (
            "203.0.113.9",
            "outbound|3306||pg.example.com 203.0.113.0/28",
        ),
    ] {
        let decision = decide(&registry, &Connection::tcp(dst.parse().expect("ip"), 3306));
        assert_eq!(decision.chain(), chain, "{dst}");
        assert_eq!(decision.cluster(), "outbound|3306||pg.example.com", "{dst}");
    }
}
