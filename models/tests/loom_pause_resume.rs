//! Writer paused at the pause threshold; the reader's advance below the
//! resume threshold wakes it (W6, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::pause_resume as model;

#[test]
fn w6_pause_at_threshold_resume_below() {
    check("pause_resume::w6_pause_at_threshold_resume_below", 3, model::w6_pause_at_threshold_resume_below::<Loom>);
}
