//! The running checksum every reader keeps and compares with the writer's.
//!
//! Fletcher-style over little-endian 64-bit words in four independent lanes:
//! `a += word; b += a` per lane. The sum `a` catches a lost or changed byte,
//! the sum of sums `b` catches reordered words, and the byte count catches
//! truncation. Words sit at fixed offsets of the stream, so the result does
//! not depend on how the stream was cut into chunks. The lanes are
//! independent, which lets the compiler vectorize the loop: the check must
//! not be what limits a fast pipe.

const LANES: usize = 4;
const BLOCK: usize = LANES * 8;

/// A streaming checksum of a byte stream; equal streams give equal sums
/// whatever their chunking.
#[derive(Clone, Debug)]
pub struct Checksum {
    a: [u64; LANES],
    b: [u64; LANES],
    pending: [u8; BLOCK],
    pending_len: usize,
    bytes: u64,
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

impl Checksum {
    /// An empty stream's checksum state.
    pub fn new() -> Self {
        Self { a: [0; LANES], b: [0; LANES], pending: [0; BLOCK], pending_len: 0, bytes: 0 }
    }

    /// Adds the next bytes of the stream.
    #[inline]
    pub fn update(&mut self, mut data: &[u8]) {
        self.bytes += data.len() as u64;
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < BLOCK {
                return;
            }
            let block = self.pending;
            self.blocks(&block);
            self.pending_len = 0;
        }
        let whole = data.len() - data.len() % BLOCK;
        self.blocks(&data[..whole]);
        let rest = &data[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    #[inline]
    fn blocks(&mut self, data: &[u8]) {
        let (mut a, mut b) = (self.a, self.b);
        for block in data.chunks_exact(BLOCK) {
            for lane in 0..LANES {
                let mut word = [0u8; 8];
                word.copy_from_slice(&block[lane * 8..lane * 8 + 8]);
                a[lane] = a[lane].wrapping_add(u64::from_le_bytes(word));
                b[lane] = b[lane].wrapping_add(a[lane]);
            }
        }
        (self.a, self.b) = (a, b);
    }

    /// Bytes checked so far.
    #[inline]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The stream's checksum so far: byte count and folded sums.
    pub fn value(&self) -> (u64, u64) {
        let mut tail = self.clone();
        if tail.pending_len > 0 {
            // Zero padding is safe: the byte count tells a padded stream from a longer one.
            let mut block = [0u8; BLOCK];
            block[..tail.pending_len].copy_from_slice(&tail.pending[..tail.pending_len]);
            tail.blocks(&block);
        }
        let mut folded = 0u64;
        for lane in 0..LANES {
            folded = folded.rotate_left(17) ^ tail.a[lane];
            folded = folded.rotate_left(29) ^ tail.b[lane];
        }
        (self.bytes, folded)
    }
}

/// The checksum of one buffer.
pub fn checksum_of(parts: &[&[u8]]) -> (u64, u64) {
    let mut sum = Checksum::new();
    for part in parts {
        sum.update(part);
    }
    sum.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn chunking_does_not_change_the_sum() {
        let data = bytes(10_000);
        let whole = checksum_of(&[&data]);
        for step in [1, 3, 7, 31, 32, 33, 255, 4096] {
            let mut sum = Checksum::new();
            for chunk in data.chunks(step) {
                sum.update(chunk);
            }
            assert_eq!(sum.value(), whole, "chunks of {step}");
        }
    }

    #[test]
    fn lost_changed_or_swapped_bytes_change_the_sum() {
        let data = bytes(4096);
        let whole = checksum_of(&[&data]);
        assert_ne!(checksum_of(&[&data[..4095]]), whole, "a lost byte");
        let mut changed = data.clone();
        changed[1000] ^= 1;
        assert_ne!(checksum_of(&[&changed]), whole, "a changed byte");
        let mut swapped = data.clone();
        swapped[..64].rotate_left(32);
        assert_ne!(checksum_of(&[&swapped]), whole, "two swapped blocks");
        assert_ne!(checksum_of(&[&data[32..], &data[..32]]), whole, "rotated stream");
    }
}
