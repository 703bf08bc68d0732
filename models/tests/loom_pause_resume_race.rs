//! Both sides racing across the pause and resume edges (W6, R4, R5).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::pause_resume_race as model;

// Bound 2 here, 3 in the deep tier (`LOOM_MAX_PREEMPTIONS=3`) and for its
// canary: at 3 this model alone takes about 45 s of the default tier's
// 120 s loom budget.
#[test]
fn w6_writer_and_reader_race_across_edges() {
    check(
        "pause_resume_race::w6_writer_and_reader_race_across_edges",
        2,
        model::w6_writer_and_reader_race_across_edges::<Loom>,
    );
}

// Bound 2 here, 3 in the deep tier (`LOOM_MAX_PREEMPTIONS=3`) and for its
// canary: at 3 this model alone takes about 45 s of the default tier's
// 120 s loom budget.
#[test]
fn r5_examined_not_consumed_resumes_writer() {
    check(
        "pause_resume_race::r5_examined_not_consumed_resumes_writer",
        2,
        model::r5_examined_not_consumed_resumes_writer::<Loom>,
    );
}
