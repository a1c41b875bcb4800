//! Providers whose addresses change (cloud databases, CDNs, load balancers), kept as data with
//! its sources in `dynamic_providers.txt`: a host under one of them should not be pinned to
//! fixed addresses (MSH301), nor be a CNAME into one (MSH304).

/// The provider suffix list.
const PROVIDERS: &str = include_str!("dynamic_providers.txt");

/// The provider suffix `name` falls under, if any; whole labels only.
pub(crate) fn dynamic_provider(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find(|suffix| {
            // `name` is the suffix or ends with `.suffix`, without building `.suffix` per
            // host and provider.
            name.strip_suffix(suffix)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_suffixes_match_whole_labels() {
        assert_eq!(
            dynamic_provider("db.abc123.us-east-1.rds.amazonaws.com"),
            Some("rds.amazonaws.com")
        );
        assert_eq!(
            dynamic_provider("X.CloudFront.net."),
            Some("cloudfront.net")
        );
        assert_eq!(dynamic_provider("notrds.amazonaws.com"), None);
        assert_eq!(dynamic_provider("db.example.com"), None);
    }
}
