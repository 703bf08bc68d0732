//! The simulator's one source of randomness.
//!
//! Every decision of a run is a draw from [`Rng`]. A run from a seed records
//! its draws (the *tape*); a run from a tape replays them, reading 0 past its
//! end. Draw 0 always means the simplest choice (first option, smallest size,
//! no fault), so the shrinker can simplify a history by zeroing, halving and
//! deleting draws.

/// SplitMix64 or tape replay, recording every draw.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
    replay: Option<Vec<u64>>,
    position: usize,
    tape: Vec<u64>,
}

impl Rng {
    /// Draws from SplitMix64 seeded with `seed`.
    pub fn from_seed(seed: u64) -> Self {
        Self { state: seed, replay: None, position: 0, tape: Vec::new() }
    }

    /// Replays `tape`, then draws 0 forever.
    pub fn from_tape(tape: Vec<u64>) -> Self {
        Self { state: 0, replay: Some(tape), position: 0, tape: Vec::new() }
    }

    /// The next raw draw.
    pub fn next_u64(&mut self) -> u64 {
        let value = match &self.replay {
            Some(tape) => tape.get(self.position).copied().unwrap_or(0),
            None => splitmix64(&mut self.state),
        };
        self.position += 1;
        self.tape.push(value);
        value
    }

    /// A draw in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        let value = self.next_u64();
        if n == 0 {
            0
        } else {
            value % n
        }
    }

    /// A draw in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi.saturating_sub(lo) as u64).saturating_add(1)) as usize
    }

    /// `true` with probability `permille / 1000`; draw 0 is `false`.
    pub fn chance(&mut self, permille: u32) -> bool {
        let permille = u64::from(permille.min(1000));
        permille > 0 && self.below(1000) >= 1000 - permille
    }

    /// Index into `weights` drawn in proportion to them (first non-zero for draw 0).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut pick = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if pick < u64::from(w) {
                return i;
            }
            pick -= u64::from(w);
        }
        0
    }

    /// Every draw so far.
    pub fn tape(&self) -> &[u64] {
        &self.tape
    }

    /// Takes the recorded draws.
    pub fn into_tape(self) -> Vec<u64> {
        self.tape
    }
}

/// One SplitMix64 step.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaying_a_tape_repeats_the_draws() {
        let mut a = Rng::from_seed(7);
        let draws: Vec<u64> = (0..10).map(|i| a.below(i + 3)).collect();
        let mut b = Rng::from_tape(a.into_tape());
        let again: Vec<u64> = (0..10).map(|i| b.below(i + 3)).collect();
        assert_eq!(draws, again);
        assert_eq!(b.next_u64(), 0);
        assert!(!b.chance(999));
    }
}
