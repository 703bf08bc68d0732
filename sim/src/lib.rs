//! A deterministic simulator for `pipe-core`.
//!
//! One seed decides everything: the swarm configuration (thresholds, segment
//! size, which operations and faults are on), the scheduler's choice of task
//! at every step, when each wake is delivered (at once, late, twice) and
//! every fault (spurious wakes, cancels, futures dropped at await points,
//! completion mid-operation, a pool that runs dry or hands out short
//! segments). The real pipes run single-threaded under custom wakers; every
//! call goes through the differential driver (`models::driver`), which
//! compares it with the reference model (`models::reference`); after every
//! step the counters, M1 and M2 are checked, and a task that waits for an
//! event the model says has already happened is reported as a lost wakeup.
//! Most seeds run one pipe; some draw a tee or fan-in topology: several
//! pipes joined by relay tasks, each pipe checked against its own model. See
//! `docs/SIMULATOR.md`.
//!
//! Modules by concern, none importing another that imports it:
//! the engine ([`rng`], `sched`, [`shrink`], [`coverage`]), the swarm
//! [`config`] and test [`pool`], the `world` of pipes, the `tasks`, the
//! [`scenario`]s and the [`report`].
#![warn(missing_docs)]

pub mod config;
pub mod coverage;
pub mod pool;
pub mod report;
pub mod rng;
pub mod scenario;
mod sched;
pub mod shrink;
pub mod splice;
mod tasks;
mod world;

pub use coverage::{Coverage, CoverageCounts, Mark};
pub use report::{Failure, RunReport};
pub use scenario::{run, Source};
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
