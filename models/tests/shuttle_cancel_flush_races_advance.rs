//! `cancel_pending_flush` racing a paused flush and the reader's advance
//! (W7, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::cancel_flush_races_advance as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn w7_cancel_wakes_paused_writer() {
    check("cancel_flush_races_advance::w7_cancel_wakes_paused_writer", model::w7_cancel_wakes_paused_writer::<Shuttle>);
}

#[test]
fn w7_cancel_races_advance_observed_once() {
    check(
        "cancel_flush_races_advance::w7_cancel_races_advance_observed_once",
        model::w7_cancel_races_advance_observed_once::<Shuttle>,
    );
}
