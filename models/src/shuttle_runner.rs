//! Runs scenarios under shuttle (feature `shuttle`).

use std::time::Instant;

use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{Config, Runner};

use crate::{Join, Runtime};

/// The shuttle runtime: shuttle threads and `shuttle::future::block_on`,
/// which blocks until woken, so a lost wakeup is a shuttle deadlock.
#[derive(Debug)]
pub struct Shuttle;

impl<T> Join<T> for shuttle::thread::JoinHandle<T> {
    fn join(self) -> T {
        shuttle::thread::JoinHandle::join(self).expect("model thread panicked")
    }
}

impl Runtime for Shuttle {
    type Handle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;

    fn spawn<T, F>(f: F) -> Self::Handle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        shuttle::thread::spawn(f)
    }

    fn block_on<F: core::future::Future>(future: F) -> F::Output {
        shuttle::future::block_on(future)
    }
}

/// Iterations per scheduler in the default tier; `SHUTTLE_ITERATIONS`
/// raises it (the deep tier).
pub const DEFAULT_ITERATIONS: usize = 10_000;

/// Seed used unless `SHUTTLE_SEED` is set, so the default tier is
/// reproducible; the deep tier passes fresh seeds.
pub const DEFAULT_SEED: u64 = 0x5EED_B1BE;

/// PCT depth: bugs needing up to this many ordered preemptions are found
/// with a probability bound PCT guarantees.
pub const PCT_DEPTH: usize = 3;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs `model` under shuttle's random scheduler and then its PCT
/// scheduler, each for `SHUTTLE_ITERATIONS` (default 10,000) iterations
/// from `SHUTTLE_SEED`. The seed and iteration count are printed first,
/// and shuttle prints the failing schedule, so a failure is replayable.
pub fn check(name: &str, model: fn()) {
    let iterations = env_number("SHUTTLE_ITERATIONS").map_or(DEFAULT_ITERATIONS, |n| n as usize);
    let seed = env_number("SHUTTLE_SEED").unwrap_or(DEFAULT_SEED);
    eprintln!(
        "shuttle-model {name}: seed={seed} iterations={iterations} pct_depth={PCT_DEPTH} \
         (replay: SHUTTLE_SEED={seed} SHUTTLE_ITERATIONS={iterations}, shuttle 0.8)"
    );
    let start = Instant::now();
    let random_runs = Runner::new(RandomScheduler::new_from_seed(seed, iterations), Config::new()).run(model);
    let random = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let pct_runs = Runner::new(PctScheduler::new_from_seed(seed, PCT_DEPTH, iterations), Config::new()).run(model);
    let pct = start.elapsed().as_secs_f64();
    eprintln!(
        "shuttle-model {name} random_iterations={random_runs} random_seconds={random:.2} \
         pct_iterations={pct_runs} pct_seconds={pct:.2}"
    );
    assert!(random_runs >= iterations && pct_runs >= iterations, "shuttle ran fewer iterations than asked");
}
