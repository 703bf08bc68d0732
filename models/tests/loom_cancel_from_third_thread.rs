//! A third thread's `CancelHandle` cancels while the reader and the writer
//! run on threads of their own (R9, W7, C2).
//! Loom: every interleaving of the three threads up to the stated
//! preemption bound (`LOOM_MAX_PREEMPTIONS` overrides).
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::cancel_from_third_thread as model;

/// Preemption bound of every model here: bound 3, as the two-thread models
/// (the lock-free protocol has no spin retries left to multiply the
/// states), some 20 s for the three together; the deep tier runs bound 4.
const BOUND: usize = 3;

#[test]
fn r9_third_thread_cancel_races_read_and_flush() {
    check(
        "cancel_from_third_thread::r9_third_thread_cancel_races_read_and_flush",
        BOUND,
        model::r9_third_thread_cancel_races_read_and_flush::<Loom>,
    );
}

#[test]
fn w7_third_thread_cancel_wakes_paused_writer() {
    check(
        "cancel_from_third_thread::w7_third_thread_cancel_wakes_paused_writer",
        BOUND,
        model::w7_third_thread_cancel_wakes_paused_writer::<Loom>,
    );
}

#[test]
fn w7_third_thread_cancel_races_resume_observed_once() {
    check(
        "cancel_from_third_thread::w7_third_thread_cancel_races_resume_observed_once",
        BOUND,
        model::w7_third_thread_cancel_races_resume_observed_once::<Loom>,
    );
}
