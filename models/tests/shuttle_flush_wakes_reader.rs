//! Reader waits; a flush wakes it (W4, R1, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::flush_wakes_reader as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn w4_flush_wakes_waiting_reader() {
    check("flush_wakes_reader::w4_flush_wakes_waiting_reader", model::w4_flush_wakes_waiting_reader::<Shuttle>);
}
