//! Writer paused at the pause threshold; the reader's advance below the
//! resume threshold wakes it (W6, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::pause_resume as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn w6_pause_at_threshold_resume_below() {
    check("pause_resume::w6_pause_at_threshold_resume_below", model::w6_pause_at_threshold_resume_below::<Shuttle>);
}
