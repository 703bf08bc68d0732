//! Runs scenarios under loom (`--cfg loom`).

use std::time::Instant;

use crate::{Join, Runtime};

/// The loom runtime: loom threads and `loom::future::block_on`, which
/// blocks the thread until woken, so a lost wakeup is a loom deadlock.
#[derive(Debug)]
pub struct Loom;

impl<T> Join<T> for loom::thread::JoinHandle<T> {
    fn join(self) -> T {
        loom::thread::JoinHandle::join(self).expect("model thread panicked")
    }
}

impl Runtime for Loom {
    type Handle<T: Send + 'static> = loom::thread::JoinHandle<T>;

    fn spawn<T, F>(f: F) -> Self::Handle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        loom::thread::spawn(f)
    }

    fn block_on<F: core::future::Future>(future: F) -> F::Output {
        loom::future::block_on(future)
    }
}

/// The preemption bound every model runs at unless `LOOM_MAX_PREEMPTIONS`
/// is set: unbounded, the spin lock's retry loops make even a two-thread
/// model take minutes, while three preemptions reach every lost-wakeup
/// schedule of two threads around one lock hand-off.
pub const DEFAULT_PREEMPTION_BOUND: usize = 3;

/// Branches allowed in one execution (see [`check`]).
pub const MAX_BRANCHES: usize = 20_000;

/// Explores `model` exhaustively up to `bound` preemptions (or
/// `LOOM_MAX_PREEMPTIONS`), then prints the bound and the time taken.
pub fn check(name: &str, bound: usize, model: fn()) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(bound);
    }
    // Every spin-lock retry is a branch; three threads contending for the
    // lock legitimately exceed loom's default of 1,000 in one execution.
    // `LOOM_MAX_BRANCHES` overrides.
    if std::env::var_os("LOOM_MAX_BRANCHES").is_none() {
        builder.max_branches = MAX_BRANCHES;
    }
    let bound = builder.preemption_bound;
    let start = Instant::now();
    builder.check(model);
    let bound = bound.map_or_else(|| "unbounded".to_string(), |b| b.to_string());
    eprintln!("loom-model {name} bound={bound} seconds={:.2}", start.elapsed().as_secs_f64());
}
