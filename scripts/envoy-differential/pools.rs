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
