//! `read_at_least(n)` with `n` above the pause threshold (R8, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::read_at_least_resumes_writer as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r8_read_at_least_above_pause_resumes_writer() {
    check(
        "read_at_least_resumes_writer::r8_read_at_least_above_pause_resumes_writer",
        model::r8_read_at_least_above_pause_resumes_writer::<Shuttle>,
    );
}
