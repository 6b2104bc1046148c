//! A tiny, fast, seedable PRNG (SplitMix64): the generator needs reproducibility, not
//! cryptographic quality, so no `rand` dependency.

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, and any seed
/// (including 0) gives a good stream.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for item `index` of stream `stream` under `seed`: independent of every other
    /// item, so item `i` can be produced without producing items `0..i` (streaming output).
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Self {
        let mut g = Self::new(seed ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03));
        let base = g.next_u64();
        Self::new(base ^ mix(index.wrapping_add(GOLDEN)))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in `0..n` (`0` when `n == 0`), by Lemire's multiply-shift (bias < 2^-32 for the
    /// small ranges used here).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let wide = u128::from(self.next_u64()) * u128::from(n);
        // The high half of a 128-bit product of two u64 always fits in a u64.
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// An index into a slice of length `len` (`0` when `len == 0`).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Fill `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut chunks = buf.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let b = self.next_u64().to_le_bytes();
            rest.copy_from_slice(&b[..rest.len()]);
        }
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // Reference values of SplitMix64 seeded with 1234567 (from the public-domain C code).
        let mut g = SplitMix64::new(1_234_567);
        assert_eq!(g.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(g.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(g.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut g = SplitMix64::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = g.below(5);
            assert!(v < 5);
            seen[usize::try_from(v).unwrap()] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(g.below(0), 0);
    }

    #[test]
    fn items_are_independent_and_reproducible() {
        let a = SplitMix64::for_item(1, 2, 3).next_u64();
        assert_eq!(a, SplitMix64::for_item(1, 2, 3).next_u64());
        assert_ne!(a, SplitMix64::for_item(1, 2, 4).next_u64());
        assert_ne!(a, SplitMix64::for_item(1, 3, 3).next_u64());
        assert_ne!(a, SplitMix64::for_item(2, 2, 3).next_u64());
    }

    #[test]
    fn fill_covers_partial_words() {
        let mut buf = [0u8; 13];
        SplitMix64::new(9).fill(&mut buf);
        assert!(buf[8..].iter().any(|b| *b != 0));
    }
}
