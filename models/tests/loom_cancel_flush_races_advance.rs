//! `cancel_pending_flush` racing a paused flush and the reader's advance
//! (W7, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::cancel_flush_races_advance as model;

#[test]
fn w7_cancel_wakes_paused_writer() {
    check("cancel_flush_races_advance::w7_cancel_wakes_paused_writer", 3, model::w7_cancel_wakes_paused_writer::<Loom>);
}

// Bound 2 here, 3 in the deep tier (`LOOM_MAX_PREEMPTIONS=3`): at 3 this
// model alone takes about 40 s of the default tier's 120 s loom budget.
#[test]
fn w7_cancel_races_advance_observed_once() {
    check(
        "cancel_flush_races_advance::w7_cancel_races_advance_observed_once",
        2,
        model::w7_cancel_races_advance_observed_once::<Loom>,
    );
}
