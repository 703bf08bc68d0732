//! Dropping either half while the other waits (R12, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::drop_wakes_other_side as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r12_writer_drop_wakes_reader() {
    check("drop_wakes_other_side::r12_writer_drop_wakes_reader", model::r12_writer_drop_wakes_reader::<Shuttle>);
}

#[test]
fn r12_reader_drop_wakes_paused_writer() {
    check(
        "drop_wakes_other_side::r12_reader_drop_wakes_paused_writer",
        model::r12_reader_drop_wakes_paused_writer::<Shuttle>,
    );
}
