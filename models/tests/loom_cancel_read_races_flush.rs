//! `cancel_pending_read` racing a waiting read and a flush (R9, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::cancel_read_races_flush as model;

#[test]
fn r9_cancel_wakes_waiting_reader() {
    check("cancel_read_races_flush::r9_cancel_wakes_waiting_reader", 3, model::r9_cancel_wakes_waiting_reader::<Loom>);
}

#[test]
fn r9_cancel_races_flush_observed_once() {
    check(
        "cancel_read_races_flush::r9_cancel_races_flush_observed_once",
        3,
        model::r9_cancel_races_flush_observed_once::<Loom>,
    );
}
