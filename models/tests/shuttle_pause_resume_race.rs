//! Both sides racing across the pause and resume edges (W6, R4, R5).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::pause_resume_race as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn w6_writer_and_reader_race_across_edges() {
    check(
        "pause_resume_race::w6_writer_and_reader_race_across_edges",
        model::w6_writer_and_reader_race_across_edges::<Shuttle>,
    );
}

#[test]
fn r5_examined_not_consumed_resumes_writer() {
    check(
        "pause_resume_race::r5_examined_not_consumed_resumes_writer",
        model::r5_examined_not_consumed_resumes_writer::<Shuttle>,
    );
}
