//! A third thread's `CancelHandle` cancels while the reader and the writer
//! run on threads of their own (R9, W7, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::cancel_from_third_thread as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r9_third_thread_cancel_races_read_and_flush() {
    check(
        "cancel_from_third_thread::r9_third_thread_cancel_races_read_and_flush",
        model::r9_third_thread_cancel_races_read_and_flush::<Shuttle>,
    );
}

#[test]
fn w7_third_thread_cancel_wakes_paused_writer() {
    check(
        "cancel_from_third_thread::w7_third_thread_cancel_wakes_paused_writer",
        model::w7_third_thread_cancel_wakes_paused_writer::<Shuttle>,
    );
}

#[test]
fn w7_third_thread_cancel_races_resume_observed_once() {
    check(
        "cancel_from_third_thread::w7_third_thread_cancel_races_resume_observed_once",
        model::w7_third_thread_cancel_races_resume_observed_once::<Shuttle>,
    );
}
