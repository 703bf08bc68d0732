//! What the writers write: a seeded plan of writes over a buffer of random
//! bytes, the same for every system, and its expected checksum.

use crate::check::Checksum;

/// SplitMix64: a small seeded generator, so one seed fixes every write.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next_u64() % (high - low + 1) as u64) as usize
    }
}

/// Random bytes from `seed`.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

#[derive(Debug)]
enum Sizes {
    Fixed(usize),
    /// Each write's size, as stored `size - 1`.
    Random(Vec<u16>),
}

/// A sequence of writes: sizes and the bytes each carries, cut from `data`
/// at a running offset that wraps to 0 where the next write would not fit.
#[derive(Debug)]
pub struct Plan {
    sizes: Sizes,
    data: Vec<u8>,
    total: u64,
    writes: usize,
    expected: (u64, u64),
    newlines: u64,
}

impl Plan {
    /// Random write sizes in `min..=max` (at most 65,536) until `total` bytes, all from `seed`.
    pub fn random(total: u64, min: usize, max: usize, seed: u64) -> Self {
        assert!(1 <= min && min <= max && max <= 65_536, "write sizes {min}..={max}");
        let mut rng = Rng::new(seed);
        let mut sizes = Vec::new();
        let mut sum = 0u64;
        while sum < total {
            let size = rng.range(min, max);
            sizes.push((size - 1) as u16);
            sum += size as u64;
        }
        let data = random_bytes((64 * 1024).max(2 * max) + max, seed ^ 0xD1B5_4A32_D192_ED03);
        Self::finish(Sizes::Random(sizes), data, total)
    }

    /// Writes of `size` bytes (the last one shorter) until `total` bytes.
    pub fn fixed(total: u64, size: usize, seed: u64) -> Self {
        let data = random_bytes((256 * 1024).max(2 * size) + size, seed ^ 0xD1B5_4A32_D192_ED03);
        Self::finish(Sizes::Fixed(size), data, total)
    }

    /// Fixed writes of `size` bytes cut from `text` (which must be at least `size` long).
    pub fn fixed_over(total: u64, size: usize, text: Vec<u8>) -> Self {
        assert!(text.len() >= size, "text shorter than one write");
        Self::finish(Sizes::Fixed(size), text, total)
    }

    fn finish(sizes: Sizes, data: Vec<u8>, total: u64) -> Self {
        let mut plan = Self { sizes, data, total, writes: 0, expected: (0, 0), newlines: 0 };
        let mut sum = Checksum::new();
        let (mut writes, mut newlines) = (0, 0u64);
        for chunk in plan.writes() {
            sum.update(chunk);
            newlines += bytecount(chunk, b'\n');
            writes += 1;
        }
        plan.writes = writes;
        plan.expected = sum.value();
        plan.newlines = newlines;
        plan
    }

    /// The writes, in order.
    pub fn writes(&self) -> Writes<'_> {
        Writes { plan: self, index: 0, offset: 0, left: self.total }
    }

    /// Bytes in the whole stream.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Number of writes.
    pub fn write_count(&self) -> usize {
        self.writes
    }

    /// Mean write size in bytes.
    pub fn mean_write(&self) -> f64 {
        self.total as f64 / self.writes.max(1) as f64
    }

    /// The writer's checksum of the stream, which every reader must match.
    pub fn expected(&self) -> (u64, u64) {
        self.expected
    }

    /// Newline bytes in the stream (the line count of the parsing workload).
    pub fn newlines(&self) -> u64 {
        self.newlines
    }

    /// The largest single write.
    pub fn max_write(&self) -> usize {
        match &self.sizes {
            Sizes::Fixed(size) => *size,
            Sizes::Random(sizes) => sizes.iter().map(|&s| s as usize + 1).max().unwrap_or(0),
        }
    }

    /// The source bytes writes are cut from.
    pub fn source(&self) -> &[u8] {
        &self.data
    }

    /// Checks a reader's outcome against the writer's checksum.
    pub fn verify(&self, what: &str, got: (u64, u64)) -> Result<(), String> {
        if got == self.expected {
            Ok(())
        } else {
            Err(format!(
                "{what}: the reader's checksum {:016x} over {} bytes differs from the writer's {:016x} over {} bytes",
                got.1, got.0, self.expected.1, self.expected.0
            ))
        }
    }
}

/// Iterator over a plan's writes.
#[derive(Debug)]
pub struct Writes<'a> {
    plan: &'a Plan,
    index: usize,
    offset: usize,
    left: u64,
}

impl<'a> Iterator for Writes<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let size = match &self.plan.sizes {
            Sizes::Fixed(size) => *size,
            Sizes::Random(sizes) => *sizes.get(self.index)? as usize + 1,
        };
        let size = (size as u64).min(self.left) as usize;
        if self.offset + size > self.plan.data.len() {
            self.offset = 0;
        }
        let chunk = &self.plan.data[self.offset..self.offset + size];
        self.offset += size;
        self.index += 1;
        self.left -= size as u64;
        Some(chunk)
    }
}

/// How many times `byte` occurs in `data`.
pub fn bytecount(data: &[u8], byte: u8) -> u64 {
    data.iter().filter(|&&b| b == byte).count() as u64
}

/// Text of newline-terminated lines of 0..=`max_line` lowercase letters, about `len` bytes.
pub fn text(len: usize, max_line: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + max_line + 1);
    while out.len() < len {
        let n = rng.range(0, max_line);
        for _ in 0..n {
            out.push(b'a' + (rng.next_u64() % 26) as u8);
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_plan_covers_the_total_within_the_size_range() {
        let plan = Plan::random(100_000, 1, 256, 7);
        let sizes: Vec<usize> = plan.writes().map(<[u8]>::len).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 100_000);
        assert!(sizes.iter().all(|&s| (1..=256).contains(&s)));
        assert_eq!(sizes.len(), plan.write_count());
    }

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        assert_eq!(Plan::random(50_000, 1, 256, 3).expected(), Plan::random(50_000, 1, 256, 3).expected());
        assert_ne!(Plan::random(50_000, 1, 256, 3).expected(), Plan::random(50_000, 1, 256, 4).expected());
    }
}
