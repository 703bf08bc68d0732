//! Reader waits; a flush wakes it (W4, R1, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::flush_wakes_reader as model;

#[test]
fn w4_flush_wakes_waiting_reader() {
    check("flush_wakes_reader::w4_flush_wakes_waiting_reader", 3, model::w4_flush_wakes_waiting_reader::<Loom>);
}
