//! How long the configuration files have held what they hold now, judged by their content.
//!
//! A change that can revoke established connections is applied only once the files have held
//! the same bytes for a while: a writer that rewrites a file in place and pauses half-way
//! leaves a valid prefix on disk, and applying it would revoke every connection to the entries
//! not yet written back. Modification times cannot tell how long the content has been there —
//! writers that rewrite identical bytes move them without changing anything, and `tar`, `cp -p`
//! or `rsync -t` set them to the past — so stability is the time since the fingerprint of the
//! files (the same one that tells a reload it has nothing to do) was first seen, counted across
//! every look the reloader takes: rescans, samples while a burst settles and while a change
//! waits.

use tokio::time::Instant;

use crate::status::Fingerprint;

/// The content last seen and since when it has been seen unchanged.
#[derive(Debug, Default)]
pub(crate) struct Stability {
    seen: Option<(Fingerprint, Instant)>,
}

impl Stability {
    /// Records that the files hold `fingerprint` at `now`; returns since when they have held it
    /// without any other content seen in between.
    pub(crate) fn observe(&mut self, fingerprint: Fingerprint, now: Instant) -> Instant {
        match self.seen {
            Some((seen, since)) if seen == fingerprint => since,
            _ => {
                self.seen = Some((fingerprint, now));
                now
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    #[test]
    fn stability_is_the_time_since_the_content_was_first_seen() {
        let nothing = Fingerprint::of(&[]);
        let missing = Fingerprint::of(&[PathBuf::from("/nonexistent/meshctl/egress.yaml")]);
        assert_ne!(nothing, missing);
        let t0 = Instant::now();
        let later = |ms| t0 + Duration::from_millis(ms);
        let mut stability = Stability::default();
        assert_eq!(stability.observe(nothing, t0), t0);
        assert_eq!(
            stability.observe(nothing, later(500)),
            t0,
            "same bytes: still t0"
        );
        assert_eq!(
            stability.observe(missing, later(600)),
            later(600),
            "changed"
        );
        assert_eq!(
            stability.observe(nothing, later(700)),
            later(700),
            "changed back: the clock restarts"
        );
    }
}
