//! A deterministic simulator for `pipe-core`.
//!
//! One seed decides everything: the swarm configuration (thresholds, segment
//! size, which operations and faults are on), the scheduler's choice of task
//! at every step, when each wake is delivered (at once, late, twice) and
//! every fault (spurious wakes, cancels, futures dropped at await points,
//! completion mid-operation, a pool that runs dry or hands out short
//! segments). The real pipe runs single-threaded under custom wakers; after
//! every step its answers and counters are compared with the reference model
//! (`pipe_core::model`), M2 is checked, and a task that waits for an event
//! the model says has already happened is reported as a lost wakeup. Some
//! seeds draw a tee or fan-in topology instead: several pipes joined by
//! relay tasks, each pipe checked against its own model. See
//! `docs/SIMULATOR.md`.
#![warn(missing_docs)]

pub mod config;
pub mod coverage;
pub mod pool;
pub mod rng;
pub mod run;
mod sched;
pub mod shrink;
mod topo;

pub use coverage::{Coverage, CoverageCounts, Mark};
pub use run::{run, Failure, RunReport, Source};

/// Runs `seed` twice and returns both history hashes (equal when the run is
/// deterministic).
pub fn determinism_check(seed: u64) -> (u64, u64) {
    let a = run(Source::Seed(seed), false).hash;
    let b = run(Source::Seed(seed), false).hash;
    (a, b)
}

/// Selects the seeded bug `name` (`None`: no bug); `false` if unknown.
/// Only in builds with `RUSTFLAGS="--cfg pipe_core_bug"`.
#[cfg(pipe_core_bug)]
pub fn activate_bug(name: Option<&str>) -> bool {
    pipe_core::bugs::activate(name)
}
