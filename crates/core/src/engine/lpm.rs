//! Longest-prefix-match tables: the destination-IP step of Envoy's filter-chain sieve.
//!
//! Why not a crate: the table is built once per compile and then only read, so a mutable trie's
//! insert/remove machinery buys nothing, and `prefix-trie`'s node-per-prefix layout costs a
//! pointer chase per bit of depth. This table keeps, for every prefix length present, a sorted
//! array of masked network addresses (keys and values in separate arrays, so a binary search
//! touches only keys). A lookup walks the lengths longest first and binary-searches each: cost is
//! O(L · log n) with L the number of *distinct* lengths, which in real configs is a handful
//! (/32-equivalents never land here: plain IPs get their own exact listener). Memory is exactly
//! one key and one value per prefix. It is generic over `u32` (IPv4) and `u128` (IPv6).

/// An unsigned integer holding an address's bits, most significant bit first.
pub(crate) trait Bits: Copy + Ord {
    /// Address width in bits.
    const WIDTH: u8;
    /// The address with all bits after the first `len` cleared.
    fn mask(self, len: u8) -> Self;
}

impl Bits for u32 {
    const WIDTH: u8 = 32;
    fn mask(self, len: u8) -> Self {
        match len {
            0 => 0,
            len if len >= 32 => self,
            len => self & (u32::MAX << (32 - len)),
        }
    }
}

impl Bits for u128 {
    const WIDTH: u8 = 128;
    fn mask(self, len: u8) -> Self {
        match len {
            0 => 0,
            len if len >= 128 => self,
            len => self & (u128::MAX << (128 - len)),
        }
    }
}

/// One prefix length's networks, sorted, with their values at the same index.
#[derive(Debug, Clone)]
struct Level<K, V> {
    len: u8,
    keys: Vec<K>,
    values: Vec<V>,
}

/// An immutable longest-prefix-match table from prefixes to small `Copy` values.
#[derive(Debug, Clone)]
pub(crate) struct Lpm<K, V> {
    /// Longest length first.
    levels: Vec<Level<K, V>>,
}

impl<K, V> Default for Lpm<K, V> {
    fn default() -> Self {
        Self { levels: Vec::new() }
    }
}

impl<K: Bits, V: Copy> Lpm<K, V> {
    /// Builds the table. Host bits are masked off; when the same network appears twice the
    /// first one given wins, mirroring "the earlier service keeps the chain" (istio/istio
    /// pilot/pkg/networking/core/listener.go `mergeTCPFilterChains`).
    pub(crate) fn build(prefixes: impl IntoIterator<Item = (K, u8, V)>) -> Self {
        let mut all: Vec<(u8, K, usize, V)> = prefixes
            .into_iter()
            .enumerate()
            .map(|(i, (key, len, value))| {
                let len = len.min(K::WIDTH);
                (len, key.mask(len), i, value)
            })
            .collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        all.dedup_by(|later, first| later.0 == first.0 && later.1 == first.1);
        let mut levels: Vec<Level<K, V>> = Vec::new();
        for (len, key, _, value) in all {
            match levels.last_mut() {
                Some(level) if level.len == len => {
                    level.keys.push(key);
                    level.values.push(value);
                }
                _ => levels.push(Level {
                    len,
                    keys: vec![key],
                    values: vec![value],
                }),
            }
        }
        Self { levels }
    }

    /// The value of the longest prefix containing `addr`, with that prefix's length.
    pub(crate) fn lookup(&self, addr: K) -> Option<(V, u8)> {
        self.levels.iter().find_map(|level| {
            let masked = addr.mask(level.len);
            level
                .keys
                .binary_search(&masked)
                .ok()
                .map(|i| (level.values[i], level.len))
        })
    }

    /// Number of distinct prefixes.
    pub(crate) fn len(&self) -> usize {
        self.levels.iter().map(|level| level.keys.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The obvious answer: scan every prefix, keep the longest containing `addr`, first wins.
    fn brute<K: Bits>(prefixes: &[(K, u8, usize)], addr: K) -> Option<(usize, u8)> {
        let mut best: Option<(usize, u8)> = None;
        for &(key, len, value) in prefixes {
            let len = len.min(K::WIDTH);
            if addr.mask(len) == key.mask(len) && best.is_none_or(|(_, b)| len > b) {
                best = Some((value, len));
            }
        }
        best
    }

    #[test]
    fn longest_prefix_wins_and_first_duplicate_is_kept() {
        let table = Lpm::build([
            (0xC633_6400_u32, 24, 'a'), // 198.51.100.0/24
            (0xC633_6414, 30, 'b'),     // 198.51.100.20/30
            (0xC633_64FF, 24, 'c'),     // same /24 after masking: dropped
            (0, 0, 'z'),
        ]);
        assert_eq!(table.len(), 3);
        assert_eq!(table.lookup(0xC633_6415), Some(('b', 30)));
        assert_eq!(table.lookup(0xC633_6401), Some(('a', 24)));
        assert_eq!(table.lookup(0xCB00_7101), Some(('z', 0)));
        assert_eq!(Lpm::<u32, char>::default().lookup(1), None);
    }

    /// Addresses are drawn near the prefixes half the time so that hits are common.
    fn case<K: Bits + std::fmt::Debug>(
        key: impl Strategy<Value = K> + Clone,
        width: u8,
    ) -> impl Strategy<Value = (Vec<(K, u8, usize)>, Vec<K>)> {
        let prefixes = prop::collection::vec((key.clone(), 0..=width), 0..40).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (k, l))| (k, l, i))
                .collect::<Vec<_>>()
        });
        (prefixes, prop::collection::vec(key, 1..40))
    }

    proptest! {
        #[test]
        fn v4_agrees_with_brute_force((prefixes, addrs) in case(any::<u32>(), 32)) {
            let table = Lpm::build(prefixes.iter().copied());
            for addr in addrs.iter().copied().chain(prefixes.iter().map(|p| p.0 ^ 1)) {
                prop_assert_eq!(table.lookup(addr), brute(&prefixes, addr));
            }
        }

        #[test]
        fn v6_agrees_with_brute_force((prefixes, addrs) in case(any::<u128>(), 128)) {
            let table = Lpm::build(prefixes.iter().copied());
            for addr in addrs.iter().copied().chain(prefixes.iter().map(|p| p.0 ^ (1 << 70))) {
                prop_assert_eq!(table.lookup(addr), brute(&prefixes, addr));
            }
        }

        #[test]
        fn v4_short_prefixes_agree((prefixes, addrs) in case(0u32..16, 32)
            .prop_map(|(p, a)| (
                p.into_iter().map(|(k, l, i)| (k << 28, l % 8, i)).collect::<Vec<_>>(),
                a.into_iter().map(|k| k << 28).collect::<Vec<_>>(),
            ))) {
            let table = Lpm::build(prefixes.iter().copied());
            for addr in addrs {
                prop_assert_eq!(table.lookup(addr), brute(&prefixes, addr));
            }
        }
    }
}
