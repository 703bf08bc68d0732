//! A segment pool with fault hooks that counts every segment in and out (M3).

use std::sync::{Arc, Mutex};

use pipe_core::{Segment, SegmentPool};

use crate::rng::splitmix64;

/// How the test pool answers `rent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// Reuses returned segments, like `BoundedPool`.
    Reuse,
    /// Always runs dry: the pipe allocates every segment itself.
    Dry,
    /// Hands out fresh segments of exactly the size asked for.
    Minimum,
    /// Sometimes hands out a segment shorter than asked (the pipe must refuse it).
    Short,
    /// Picks one of the above per call.
    Mixed,
}

/// What the pool saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounts {
    /// Calls to `rent`: each puts exactly one segment into the pipe's chain.
    pub rents: u64,
    /// Segments given back.
    pub returns: u64,
    /// Short segments handed out (each must come straight back).
    pub shorts: u64,
    /// Rents answered with `None`.
    pub dry: u64,
}

/// The simulator's pool; clones of [`TestPool::counts`] stay readable after
/// the pipe (which owns the pool) is gone.
pub struct TestPool {
    mode: PoolMode,
    state: u64,
    free: Vec<Segment>,
    counts: Arc<Mutex<PoolCounts>>,
}

impl TestPool {
    /// A pool in `mode` whose own choices derive from `seed`.
    pub fn new(mode: PoolMode, seed: u64) -> Self {
        Self { mode, state: seed, free: Vec::new(), counts: Arc::new(Mutex::new(PoolCounts::default())) }
    }

    /// A handle on the counters.
    pub fn counts(&self) -> Arc<Mutex<PoolCounts>> {
        self.counts.clone()
    }

    fn count(&self, f: impl FnOnce(&mut PoolCounts)) {
        if let Ok(mut counts) = self.counts.lock() {
            f(&mut counts);
        }
    }
}

impl SegmentPool for TestPool {
    fn rent(&mut self, min_capacity: usize) -> Option<Segment> {
        self.count(|c| c.rents += 1);
        let mode = match self.mode {
            PoolMode::Mixed => match splitmix64(&mut self.state) % 4 {
                0 => PoolMode::Reuse,
                1 => PoolMode::Dry,
                2 => PoolMode::Minimum,
                _ => PoolMode::Short,
            },
            mode => mode,
        };
        match mode {
            PoolMode::Reuse | PoolMode::Mixed => {
                let index = self.free.iter().rposition(|s| s.capacity() >= min_capacity)?;
                Some(self.free.swap_remove(index))
            }
            PoolMode::Dry => {
                self.count(|c| c.dry += 1);
                None
            }
            PoolMode::Minimum => Segment::new(min_capacity).ok(),
            PoolMode::Short => {
                if min_capacity > 1 && splitmix64(&mut self.state) % 2 == 0 {
                    self.count(|c| c.shorts += 1);
                    Segment::new(min_capacity / 2).ok()
                } else {
                    Segment::new(min_capacity).ok()
                }
            }
        }
    }

    fn give_back(&mut self, segment: Segment) {
        self.count(|c| c.returns += 1);
        if matches!(self.mode, PoolMode::Reuse | PoolMode::Mixed) && self.free.len() < 16 {
            self.free.push(segment);
        }
    }
}
