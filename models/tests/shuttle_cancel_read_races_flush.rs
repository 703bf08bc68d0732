//! `cancel_pending_read` racing a waiting read and a flush (R9, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::cancel_read_races_flush as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r9_cancel_wakes_waiting_reader() {
    check("cancel_read_races_flush::r9_cancel_wakes_waiting_reader", model::r9_cancel_wakes_waiting_reader::<Shuttle>);
}

#[test]
fn r9_cancel_races_flush_observed_once() {
    check(
        "cancel_read_races_flush::r9_cancel_races_flush_observed_once",
        model::r9_cancel_races_flush_observed_once::<Shuttle>,
    );
}
