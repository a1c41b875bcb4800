//! The pools that both configurations and connections draw from: ports and host names are
//! shared, so that entries overlap each other and connections hit what entries declare.

/// Ports every entry and connection draws from.
pub(crate) const PORTS: [u16; 8] = [3306, 5432, 443, 27017, 6379, 9042, 80, 8443];

/// Exact and wildcard hosts, overlapping on purpose (a wildcard covers some exact names).
pub(crate) const HOSTS: [&str; 9] = [
    "db.example.com",
    "pg.example.com",
    "api.example.com",
    "v1.api.example.com",
    "cache.test",
    "mongo.test",
    "*.example.com",
    "*.api.example.com",
    "*.svc.test",
];

/// Plain addresses entries, subnets and Services draw from.
pub(crate) const EXACT: [&str; 8] = [
    "198.51.100.10",
    "198.51.100.11",
    "198.51.100.130",
    "203.0.113.20",
    "203.0.113.21/32",
    "2001:db8:1::10",
    "2001:db8:1::11/128",
    "2001:db8:2::7",
];
/// CIDR blocks entries and destination subnets draw from.
pub(crate) const CIDRS: [&str; 10] = [
    "198.51.100.0/24",
    "198.51.100.0/25",
    "198.51.100.128/25",
    "198.51.100.0/28",
    "203.0.113.0/24",
    "203.0.113.16/28",
    "2001:db8:1::/64",
    "2001:db8:1::/120",
    "2001:db8::/32",
    "2001:db8:2::/48",
];

/// The workload's namespace.
pub(crate) const NAMESPACE: &str = "app";
