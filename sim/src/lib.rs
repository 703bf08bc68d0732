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
pub mod splice;
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
#[cfg(feature = "seeded-bugs")]
pub fn activate_bug(name: Option<&str>) -> bool {
    pipe_core::bugs::activate(name)
}

/// Seeded bugs the simulator must catch: the logic-class ones (lost
/// wakes, off-by-ones, examined/consumed confusion, cancel flags).
pub const LOGIC_BUGS: &[&str] = &[
    "lost_wake_on_flush",
    "lost_wake_on_resume",
    "lost_wake_on_cancel_read",
    "lost_wake_on_cancel_flush",
    "lost_wake_on_complete_writer",
    "lost_wake_on_complete_reader",
    "drop_writer_no_complete",
    "drop_reader_no_complete",
    "pause_edge_off_by_one",
    "resume_edge_inverted",
    "back_pressure_counts_consumed",
    "examined_at_end_no_wait",
    "cancel_read_not_cleared",
    "cancel_flush_not_cleared",
    "read_at_least_no_resume",
    "cancel_read_not_sticky",
    "cancel_flush_not_sticky",
    "unflushed_visible",
    "complete_drops_unflushed",
    "slice_boundary_off_by_one",
];
