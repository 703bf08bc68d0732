//! `read_at_least(n)` with `n` above the pause threshold (R8, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::read_at_least_resumes_writer as model;

#[test]
fn r8_read_at_least_above_pause_resumes_writer() {
    check(
        "read_at_least_resumes_writer::r8_read_at_least_above_pause_resumes_writer",
        3,
        model::r8_read_at_least_above_pause_resumes_writer::<Loom>,
    );
}
